import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { connectAs } from '../../lib/kv/connect';
import { JsApiError, jsApi } from '../../lib/kv/js-api';
import { streamInfo } from '../../lib/kv/promote';
import { provisionBucket } from '../../lib/kv/provision';
import { SNAPSHOT_FILES, readSnapshot, restoreBucket, snapshotBucket } from '../../lib/kv/snapshot';
import { originStreamConfig } from '../../lib/kv/stream-configs';
import { currentKey } from '../../lib/secrets/material';
import { runKvCli } from '../../scripts/kv';
import { useSupercluster } from './harness';

/*
 * Point-in-time protection of the HARMONY bucket on real nats-server
 * (docs/kv-snapshots.md): write, snapshot (as the kv-snapshot identity the
 * CronJob uses), damage the bucket in a way that reaches every mirror,
 * restore (as kv-admin, through `npm run kv`), and compare every message of
 * the origin and of each mirror, sequence by sequence, with what was there
 * before the damage. No mock: the snapshot bytes are the server's own, and
 * the restic round trip uses the real restic binary.
 */

const ORIGIN = 'KV_HARMONY';
const mirrorOf = (site: string) => `KV_HARMONY_${site}`;
const decoder = new TextDecoder();

/** Every message a stream holds, as `seq subject operation value`, read one sequence at a time through the stream leader. */
interface Fingerprint {
  readonly first: number;
  readonly last: number;
  readonly messages: readonly string[];
}

async function fingerprint(nc: NatsConnection, stream: string): Promise<Fingerprint> {
  const { state } = await streamInfo(nc, stream);
  const seqs = Array.from({ length: Math.max(0, state.last_seq - state.first_seq + 1) }, (_, i) => state.first_seq + i);
  const messages: string[] = [];
  for (let i = 0; i < seqs.length; i += 200) {
    const batch = await Promise.all(
      seqs.slice(i, i + 200).map(async (seq) => {
        try {
          const { message } = await jsApi<{ message: { subject: string; seq: number; data?: string; hdrs?: string } }>(nc, `STREAM.MSG.GET.${stream}`, { seq }, 10_000);
          const hdrs = message.hdrs ? Buffer.from(message.hdrs, 'base64').toString() : '';
          const op = /KV-Operation:\s*(\w+)/i.exec(hdrs)?.[1] ?? 'PUT';
          return `${message.seq} ${message.subject} ${op} ${Buffer.from(message.data ?? '', 'base64').toString()}`;
        } catch (e) {
          // A sequence that was trimmed by the history limit or deleted: absent in the original too.
          if (e instanceof JsApiError && e.errCode === 10037) return undefined;
          throw e;
        }
      }),
    );
    for (const m of batch) if (m !== undefined) messages.push(m);
  }
  expect(messages).toHaveLength(state.messages);
  return { first: state.first_seq, last: state.last_seq, messages };
}

/** A key's history as the KV client reads it: revision, operation, value. */
async function history(kv: KV, key: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const e of await kv.history({ key })) seen.push(`${e.revision} ${e.operation} ${e.string()}`);
  return seen;
}

async function waitUntil(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown = 'never checked';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
      last = 'condition false';
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} (${String(last)})`);
}

/** Total size of the files below `dir`. */
const du = (dir: string): number =>
  readdirSync(dir, { recursive: true }).reduce<number>((n, f) => {
    const st = statSync(join(dir, String(f)));
    return n + (st.isFile() ? st.size : 0);
  }, 0);

function harness(sc: ReturnType<typeof useSupercluster>) {
  const open: NatsConnection[] = [];
  const work = mkdtempSync(join(tmpdir(), 'harmony-kv-snapshot-'));
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    rmSync(work, { recursive: true, force: true });
  });
  const as = async (identity: string, site: string): Promise<NatsConnection> => {
    const nc = await connectAs(identity, sc.cluster.clientUrls(site), currentKey(sc.material, identity).seed, `e2e-snapshot-${identity}-${site}`);
    open.push(nc);
    return nc;
  };
  /** `npm run kv -- <argv>` against `site`, with the seed of `identity` in a file, as an operator runs it. */
  const kvCli = async (identity: string, site: string, fleet: Fleet, ...argv: string[]) => {
    const seedFile = join(work, `${identity}.nk`);
    if (!existsSync(seedFile)) writeFileSync(seedFile, currentKey(sc.material, identity).seed, { mode: 0o600 });
    const out: string[] = [];
    const err: string[] = [];
    const code = await runKvCli([...argv, '--servers', sc.cluster.clientUrls(site).join(','), '--as', identity, '--timeout', '90'], {
      fleet,
      env: { NATS_SEED_FILE: seedFile },
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  /** Mirrors hold exactly the origin's last revision. */
  const mirrorsCaughtUp = async (monitor: NatsConnection, origin: string, mirrors: readonly string[], ms = 30_000) => {
    const { last_seq } = (await streamInfo(monitor, origin)).state;
    await waitUntil(`${mirrors.join(', ')} to reach revision ${last_seq}`, ms, async () =>
      (await Promise.all(mirrors.map((m) => streamInfo(monitor, m)))).every((i) => i.state.last_seq === last_seq),
    );
    return last_seq;
  };
  return { as, kvCli, work, mirrorsCaughtUp };
}

describe('HARMONY KV snapshots: write, snapshot, damage that reaches the mirrors, restore (nats-server)', () => {
  const sc = useSupercluster();
  const { as, kvCli, work, mirrorsCaughtUp } = harness(sc);
  let kv: KV;
  let agent: NatsConnection;
  let monitor: NatsConnection;
  /** Every stream's content before the damage, and the keys' histories. */
  let before: Fingerprint;
  const histories = new Map<string, string[]>();
  const keys = Array.from({ length: 40 }, (_, i) => `cfg.node-${i}`);

  beforeAll(async () => {
    await provisionBucket(await as('provisioner', 'site-1'), sc.cluster.fleet);
    agent = await as('agent', 'site-1');
    kv = await new Kvm(agent).open('HARMONY', { allow_direct: false });
    monitor = await as('monitor', 'site-1');
  });

  test('a snapshot by the kv-snapshot identity holds every revision; through a real restic repository and back, a restore over a damaged origin brings back the same messages in the origin and every mirror', async () => {
    // Several revisions per key (7 > history 5: the oldest are trimmed), deletes, then more writes.
    for (let round = 1; round <= 7; round++) for (const key of keys.slice(0, round <= 3 ? 40 : 10)) await kv.put(key, `${key} v${round}`);
    for (const key of keys.slice(30, 35)) await kv.delete(key);
    await kv.put('cfg.node-31', 'back after delete');
    await mirrorsCaughtUp(monitor, ORIGIN, [mirrorOf('site-2'), mirrorOf('site-3')]);
    before = await fingerprint(agent, ORIGIN);
    for (const key of [...keys.slice(0, 12), 'cfg.node-30', 'cfg.node-31']) histories.set(key, await history(kv, key));
    expect(histories.get('cfg.node-0')).toHaveLength(5);
    expect(histories.get('cfg.node-30')?.at(-1)).toMatch(/ DEL $/);
    for (const mirror of [mirrorOf('site-2'), mirrorOf('site-3')]) expect(await fingerprint(agent, mirror)).toEqual(before);

    // The snapshot, as the CronJob's identity takes it (only STREAM.INFO/SNAPSHOT of the origin and the flow-control acks).
    const dir = join(work, 'snap-1');
    const snap = await snapshotBucket(await as('kv-snapshot', 'site-2'), sc.cluster.fleet, dir);
    expect(readdirSync(dir).sort()).toEqual([SNAPSHOT_FILES.meta, SNAPSHOT_FILES.data]);
    expect(snap.state).toMatchObject({ messages: before.messages.length, first_seq: before.first, last_seq: before.last });
    // natscli's backup.json: the snapshot response's config and state, indented by two spaces.
    const meta = JSON.parse(readFileSync(join(dir, SNAPSHOT_FILES.meta), 'utf8'));
    expect(Object.keys(meta)).toEqual(['config', 'state']);
    expect(meta.config).toMatchObject({ name: ORIGIN, subjects: ['$KV.HARMONY.>'], max_msgs_per_subject: 5 });
    expect(readFileSync(join(dir, SNAPSHOT_FILES.meta), 'utf8')).toBe(JSON.stringify(meta, null, 2));
    // The data is the server's s2 stream (s2's stream identifier chunk: 0xff, length 6, "S2sTwO").
    expect(readFileSync(join(dir, SNAPSHOT_FILES.data)).subarray(0, 10)).toEqual(Buffer.from([0xff, 0x06, 0x00, 0x00, ...Buffer.from('S2sTwO')]));

    // Off site: a restic repository (a local one here; the CronJob ships to account.kv.snapshots.repository).
    const restic = { ...process.env, RESTIC_REPOSITORY: join(work, 'restic-repo'), RESTIC_PASSWORD: 'e2e-only-password' };
    const resticRun = (...args: string[]) => execFileSync('restic', args, { env: restic, encoding: 'utf8' });
    resticRun('init');
    resticRun('backup', '--tag', 'harmony-kv', '--host', 'harmony-kv-snapshot', dir);
    rmSync(dir, { recursive: true, force: true });

    // Damage: an operator applies a bad configuration (rollup headers allowed) and one rollup erases
    // every other key's history in the origin; then a bad value written 5 times (the history limit)
    // pushes every good revision of that key out, and that reaches every mirror.
    const admin = await as('kv-admin', 'site-1');
    await jsApi(admin, `STREAM.UPDATE.${ORIGIN}`, { ...originStreamConfig(sc.cluster.fleet), allow_rollup_hdrs: true });
    const h = headers();
    h.set('Nats-Rollup', 'all');
    const ack = JSON.parse(decoder.decode((await agent.request('$KV.HARMONY.cfg.wipe', 'gone', { headers: h, timeout: 5000 })).data));
    expect(ack.error).toBeUndefined();
    for (let i = 1; i <= 5; i++) await kv.put('cfg.node-0', `BAD VALUE ${i}`);
    const damaged = await streamInfo(monitor, ORIGIN);
    expect(damaged.state).toMatchObject({ messages: 6, last_seq: before.last + 6 });
    const damagedLast = damaged.state.last_seq;
    const newer = !admin.info!.version.startsWith('2.10.');
    for (const site of ['site-2', 'site-3']) {
      if (newer) {
        const siteKv = await new Kvm(await as('agent', site)).open('HARMONY', { allow_direct: true });
        // 2.15: the mirror (rollup headers off) keeps its older copies but copies the damage: no good revision of cfg.node-0 is left.
        await mirrorsCaughtUp(monitor, ORIGIN, [mirrorOf(site)]);
        const mirror = await fingerprint(agent, mirrorOf(site));
        expect(mirror.last).toBe(damagedLast);
        expect(mirror.messages.filter((m) => m.includes(' $KV.HARMONY.cfg.node-0 '))).toEqual([1, 2, 3, 4, 5].map((i) => `${before.last + 1 + i} $KV.HARMONY.cfg.node-0 PUT BAD VALUE ${i}`));
        expect((await siteKv.get('cfg.node-0'))?.string()).toBe('BAD VALUE 5');
      } else {
        // 2.10: the mirror (rollup headers off) stops at the rollup for good and never copies what follows;
        // measured, depending on timing, either with every older copy dropped or with them and the rollup kept.
        await new Promise((r) => setTimeout(r, 5000));
        const mirror = await streamInfo(monitor, mirrorOf(site));
        expect(mirror.state.last_seq).toBeLessThan(damagedLast);
        expect(mirror.state.last_seq).toBeGreaterThanOrEqual(before.last);
        expect(await fingerprint(agent, mirrorOf(site))).not.toEqual(await fingerprint(agent, ORIGIN));
      }
    }

    // Back from restic into a new directory.
    const restored = join(work, 'from-restic');
    resticRun('restore', 'latest', '--tag', 'harmony-kv', '--target', restored);
    const from = join(restored, dir);
    expect(readSnapshot(from).state.last_seq).toBe(before.last);

    // Without --replace: refused, saying what would be lost; nothing changes.
    const refused = await kvCli('kv-admin', 'site-1', sc.cluster.fleet, 'restore', '--from', from);
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(`refusing to restore: ${ORIGIN} exists; restoring replaces it (pass --replace)`);
    expect(refused.err).toContain(`LOST: 6 revision(s) written after the snapshot (${before.last + 1}..${before.last + 6})`);
    expect(refused.err).toContain('nothing was changed');
    expect((await streamInfo(monitor, ORIGIN)).state.last_seq).toBe(damagedLast);

    // With --replace: the origin from the snapshot, the mirrors re-created from it.
    const restore = await kvCli('kv-admin', 'site-1', sc.cluster.fleet, 'restore', '--from', from, '--replace');
    expect(restore.err).not.toMatch(/failed/);
    expect(restore.code).toBe(0);
    expect(restore.out).toContain(`${ORIGIN} restored in site-1: ${before.messages.length} messages, revisions ${before.first}..${before.last}`);
    expect(restore.out).toContain(`mirror ${mirrorOf('site-2')} in site-2: recreated, holds every revision`);
    expect(restore.out).toContain(`mirror ${mirrorOf('site-3')} in site-3: recreated, holds every revision`);

    // The same messages, sequence for sequence, in the origin and in each mirror.
    expect(await fingerprint(agent, ORIGIN)).toEqual(before);
    for (const site of ['site-2', 'site-3']) expect(await fingerprint(agent, mirrorOf(site))).toEqual(before);
    // The same histories through a real KV client, and the fleet's configuration (no rollup headers) back.
    const kvAfter = await new Kvm(await as('agent', 'site-1')).open('HARMONY', { allow_direct: false });
    // Bounded wait, not one read: a CI run on 2.10.27 (two e2e workers) once saw a single entry in the first
    // history read after the restore while the raw stream above was already complete; 5 runs here did not
    // repeat it. A history that stays short fails with what it holds.
    for (const [key, seen] of histories) {
      let got: string[] = [];
      await waitUntil(`the KV history of ${key} to hold its ${seen.length} revisions`, 15_000, async () => {
        got = await history(kvAfter, key);
        return JSON.stringify(got) === JSON.stringify(seen);
      }).catch(() => expect(got).toEqual(seen));
    }
    const info = await streamInfo(monitor, ORIGIN);
    expect(info.config).toMatchObject({ allow_rollup_hdrs: false, placement: { cluster: 'site-1' }, num_replicas: 3 });
    expect(info.cluster?.name).toBe('site-1');

    // Writes continue after the restored last revision and reach every mirror.
    const next = await kvAfter.put('cfg.node-0', 'after restore');
    expect(next).toBe(before.last + 1);
    await mirrorsCaughtUp(monitor, ORIGIN, [mirrorOf('site-2'), mirrorOf('site-3')]);
    const siteKv = await new Kvm(await as('agent', 'site-3')).open('HARMONY', { allow_direct: true });
    await waitUntil('site-3 to read the write after the restore', 10_000, async () => (await siteKv.get('cfg.node-0'))?.string() === 'after restore');
  }, 180_000);

  test('the home site is lost: `kv snapshot` then `kv restore --site site-2 --replace` puts the origin in site-2, the other mirror follows, site-1 mirrors it when back', async () => {
    const fleet = sc.cluster.fleet;
    const dir = join(work, 'snap-2');
    const snap = await kvCli('kv-snapshot', 'site-3', fleet, 'snapshot', '--out', dir);
    expect(snap.err).toBe('');
    expect(snap.code).toBe(0);
    expect(snap.out).toMatch(new RegExp(`^${ORIGIN}: \\d+ messages, revisions \\d+\\.\\.\\d+ \\(\\d+ bytes\\), snapshot of \\d+ bytes in ${dir} \\(\\d+ ms\\)$`));
    const wanted = await fingerprint(agent, ORIGIN);
    expect(readSnapshot(dir).state.last_seq).toBe(wanted.last);

    // A second snapshot into the same directory is refused: a snapshot is never overwritten.
    expect((await kvCli('kv-snapshot', 'site-3', fleet, 'snapshot', '--out', dir)).err).toMatch(/already holds a snapshot/);

    await sc.cluster.stopSite('site-1', { wipe: true });
    const agent2 = await as('agent', 'site-2');

    const refused = await kvCli('kv-admin', 'site-2', fleet, 'restore', '--from', dir, '--site', 'site-2');
    expect(refused.err).toMatch(/^refusing to restore/);
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(`${ORIGIN} does not answer (its site down?)`);
    expect(refused.err).toContain(`${mirrorOf('site-2')} (the mirror in site-2) is deleted: the origin takes its place`);

    const restore = await kvCli('kv-admin', 'site-2', fleet, 'restore', '--from', dir, '--site', 'site-2', '--replace');
    expect(restore.err).not.toMatch(/failed/);
    expect(restore.code).toBe(0);
    expect(restore.out).toContain(`${ORIGIN} restored in site-2`);
    expect(restore.out).toContain('replaced: the old origin, which did not answer');
    expect(restore.out).toMatch(/mirror KV_HARMONY_site-1 in site-1: pending/);
    expect(restore.out).toContain(`mirror ${mirrorOf('site-3')} in site-3: recreated, holds every revision`);
    expect(restore.out).toContain("set account.kv.homeSite to 'site-2'");

    const info = await streamInfo(agent2, ORIGIN);
    expect(info.cluster?.name).toBe('site-2');
    expect(info.config).toMatchObject({ placement: { cluster: 'site-2' }, num_replicas: 3, subjects: ['$KV.HARMONY.>'] });
    expect(await fingerprint(agent2, ORIGIN)).toEqual(wanted);
    expect(await fingerprint(agent2, mirrorOf('site-3'))).toEqual(wanted);
    const kv2 = await new Kvm(agent2).open('HARMONY', { allow_direct: false });
    expect(await kv2.put('cfg.node-1', 'written in site-2')).toBe(wanted.last + 1);

    // Site-1 comes back empty: provisioning with the fleet that names site-2 home mirrors the bucket there.
    const moved: Fleet = { ...fleet, account: { ...fleet.account, kv: { ...fleet.account.kv, homeSite: 'site-2' } } };
    sc.cluster.startSite('site-1');
    await sc.cluster.waitReady(45_000);
    const created = await provisionBucket(await as('provisioner', 'site-1'), moved, ['site-1']);
    expect([...created]).toEqual([[mirrorOf('site-1'), 'created']]);
    await mirrorsCaughtUp(agent2, ORIGIN, [mirrorOf('site-1'), mirrorOf('site-3')]);
    const now = await fingerprint(agent2, ORIGIN);
    expect(now.messages.at(-1)).toBe(`${wanted.last + 1} $KV.HARMONY.cfg.node-1 PUT written in site-2`);
    expect(await fingerprint(agent2, mirrorOf('site-1'))).toEqual(now);
  }, 180_000);
});

describe('HARMONY KV snapshots: a realistic bucket, measured (nats-server)', () => {
  const sc = useSupercluster();
  const { as, work, mirrorsCaughtUp } = harness(sc);

  test('10,000 keys, 2 revisions each: snapshot size and time, restore time (origin, then both mirrors back in step)', async () => {
    await provisionBucket(await as('provisioner', 'site-1'), sc.cluster.fleet);
    const agent = await as('agent', 'site-1');
    const kv = await new Kvm(agent).open('HARMONY', { allow_direct: false });
    // A realistic value: a small JSON document of about 300 bytes, with a key and a digest that do not compress.
    const value = (i: number, rev: number) =>
      JSON.stringify({ node: `node-${i}`, site: `site-${(i % 3) + 1}`, rev, labels: { tier: i % 2 ? 'edge' : 'core', rack: `r${i % 40}` }, key: createHash('sha512').update(`${i}/${rev}`).digest('base64'), digest: createHash('sha256').update(`${rev}/${i}`).digest('hex') });
    for (let rev = 1; rev <= 2; rev++) {
      for (let i = 0; i < 10_000; i += 250) await Promise.all(Array.from({ length: 250 }, (_, j) => kv.put(`node.${i + j}`, value(i + j, rev))));
    }
    const monitor = await as('monitor', 'site-1');
    await mirrorsCaughtUp(monitor, ORIGIN, [mirrorOf('site-2'), mirrorOf('site-3')], 60_000);
    const before = await streamInfo(monitor, ORIGIN);
    expect(before.state.messages).toBe(20_000);

    const dir = join(work, 'big');
    const snap = await snapshotBucket(await as('kv-snapshot', 'site-1'), sc.cluster.fleet, dir);
    expect(snap.state.messages).toBe(20_000);
    const snapshotBytes = du(dir);

    // A bad bulk write: every key overwritten.
    for (let i = 0; i < 10_000; i += 250) await Promise.all(Array.from({ length: 250 }, (_, j) => kv.put(`node.${i + j}`, 'corrupted')));
    await mirrorsCaughtUp(monitor, ORIGIN, [mirrorOf('site-2'), mirrorOf('site-3')], 60_000);

    const admin = await as('kv-admin', 'site-1');
    const t = Date.now();
    const report = await restoreBucket(admin, { fleet: sc.cluster.fleet, dir, replace: true, timeoutMs: 120_000 });
    const totalMs = Date.now() - t;
    expect(report.origin).toMatchObject({ messages: 20_000, lastSeq: before.state.last_seq });
    expect(report.mirrors.map((m) => [m.stream, m.action, m.caughtUp])).toEqual([
      [mirrorOf('site-2'), 'recreated', true],
      [mirrorOf('site-3'), 'recreated', true],
    ]);
    // Spot checks through a real client, at the origin and at a mirror.
    const kvAfter = await new Kvm(await as('agent', 'site-1')).open('HARMONY', { allow_direct: false });
    const kv3 = await new Kvm(await as('agent', 'site-3')).open('HARMONY', { allow_direct: true });
    for (const i of [0, 1234, 9999]) {
      expect((await kvAfter.get(`node.${i}`))?.string()).toBe(value(i, 2));
      expect((await kv3.get(`node.${i}`))?.string()).toBe(value(i, 2));
    }
    // eslint-disable-next-line no-console
    console.log(
      `kv snapshot (nats-server ${admin.info?.version}): 10,000 keys x 2 revisions, ${before.state.messages} messages, ${snap.state.bytes} stream bytes; ` +
        `snapshot ${snap.ms} ms, ${snapshotBytes} bytes on disk (stream.tar.s2 ${snap.bytes}); ` +
        `restore of the origin ${report.restoreMs} ms, with both mirrors re-created and caught up ${totalMs} ms`,
    );
  }, 240_000);
});
