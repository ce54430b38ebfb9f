import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { connectAs } from '../../lib/kv/connect';
import { agentReadSettings, readKey } from '../../lib/kv/agent-read';
import { promoteMirror, promotesInPlace, streamInfo } from '../../lib/kv/promote';
import { provisionBucket } from '../../lib/kv/provision';
import { currentKey } from '../../lib/secrets/material';
import { e2eFleet, useSupercluster } from './harness';

/*
 * The HARMONY bucket of the example fleet on real nats-server: origin R3 in
 * site-1, a mirror in site-2 and in site-3. "Answered by a mirror" is read
 * from the direct-get reply itself: its `Nats-Stream` header names the
 * stream that answered (KV_HARMONY for the origin, KV_HARMONY_site-N for a
 * mirror).
 */

const ORIGIN = 'KV_HARMONY';
const mirrorOf = (site: string) => `KV_HARMONY_${site}`;
const decoder = new TextDecoder();

/** A raw direct get of a key's last value, as the agent sends it; who answered and what. */
async function directGet(nc: NatsConnection, key: string): Promise<{ stream?: string; seq: number; value: string }> {
  const reply = await nc.request(`$JS.API.DIRECT.GET.${ORIGIN}`, JSON.stringify({ last_by_subj: `$KV.HARMONY.${key}` }), { timeout: 3000 });
  if (reply.headers?.code && reply.headers.code >= 400) throw new Error(`direct get ${key}: ${reply.headers.code} ${reply.headers.description}`);
  return { stream: reply.headers?.get('Nats-Stream'), seq: Number(reply.headers?.get('Nats-Sequence')), value: decoder.decode(reply.data) };
}

/** Polls `check` every 100 ms until it holds; fails after `ms` with what it last saw. */
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

/** Runs `fn` over `items`, `size` at a time, each batch awaited: bounded concurrency. */
async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.allSettled(items.slice(i, i + size).map(fn))));
  return out;
}

/** Reads every key at `kv` and returns the keys whose value differs from `expected`. */
async function mismatches(kv: KV, expected: ReadonlyMap<string, string>): Promise<string[]> {
  const results = await inBatches([...expected], 100, async ([key, value]) => ((await kv.get(key))?.string() === value ? undefined : key));
  return results.map((r, i) => (r.status === 'fulfilled' ? r.value : `${[...expected.keys()][i]} (${String(r.reason)})`)).filter((k): k is string => k !== undefined);
}

function connections(sc: ReturnType<typeof useSupercluster>) {
  const open: NatsConnection[] = [];
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
  });
  return async (identity: string, site: string): Promise<NatsConnection> => {
    const nc = await connectAs(identity, sc.cluster.clientUrls(site), currentKey(sc.material, identity).seed, `e2e-kv-${identity}-${site}`);
    open.push(nc);
    return nc;
  };
}

/** Mirrors (as the monitor sees them) have every message the origin has. */
async function mirrorsCaughtUp(monitor: NatsConnection, mirrors: readonly string[], ms = 15_000, origin = ORIGIN): Promise<number> {
  const { last_seq } = (await streamInfo(monitor, origin)).state;
  await waitUntil(`${mirrors.join(', ')} to reach revision ${last_seq}`, ms, async () =>
    (await Promise.all(mirrors.map((m) => streamInfo(monitor, m)))).every((i) => i.state.last_seq === last_seq),
  );
  return last_seq;
}

describe('HARMONY KV: R3 origin in site-1, mirrors in site-2 and site-3 (nats-server)', () => {
  const sc = useSupercluster();
  const as = connections(sc);
  /** Every key written in this block with its last value: what the mirrors must serve at the end. */
  const written = new Map<string, string>();
  let agent1: KV;
  let monitor: NatsConnection;

  beforeAll(async () => {
    await provisionBucket(await as('provisioner', 'site-1'), sc.cluster.fleet);
    agent1 = await new Kvm(await as('agent', 'site-1')).open('HARMONY', { allow_direct: true });
    monitor = await as('monitor', 'site-1');
  });

  test('a put at site-1 is read at site-2 and site-3, answered by their own mirror', async () => {
    for (let i = 0; i < 20; i++) {
      const revision = await agent1.put(`mirror.${i}`, `first-${i}`);
      expect(revision).toBeGreaterThan(0);
      written.set(`mirror.${i}`, `first-${i}`);
    }
    const originRevision = await agent1.put('mirror.0', 'second-0');
    written.set('mirror.0', 'second-0');
    await mirrorsCaughtUp(monitor, [mirrorOf('site-2'), mirrorOf('site-3')]);

    // Control: at site-1 the origin itself answers.
    expect(await directGet(await as('agent', 'site-1'), 'mirror.0')).toEqual({ stream: ORIGIN, seq: originRevision, value: 'second-0' });
    for (const site of ['site-2', 'site-3']) {
      const nc = await as('agent', site);
      const kv = await new Kvm(nc).open('HARMONY', { allow_direct: true });
      expect(await mismatches(kv, written)).toEqual([]);
      const entry = await kv.get('mirror.0');
      expect(entry?.revision).toBe(originRevision);
      // Every direct get from this site is answered by the site's mirror, with the origin's revision.
      for (let i = 0; i < 10; i++) expect(await directGet(nc, 'mirror.0')).toEqual({ stream: mirrorOf(site), seq: originRevision, value: 'second-0' });
    }
  });

  test('10,000 puts while one home-site server (the stream leader) stops: every acknowledged put is readable', async () => {
    const before = await streamInfo(monitor, ORIGIN);
    const leaderName = before.cluster?.leader;
    const leader = sc.cluster.servers.find((s) => s.name === leaderName);
    expect(leader?.site).toBe('site-1');

    const keys = Array.from({ length: 10_000 }, (_, i) => `load.${i}`);
    const acked = new Map<string, number>();
    let failed = 0;
    let stopped: Promise<void> | undefined;
    let gone = false;
    let ackedWhileDown = 0;
    for (let i = 0; i < keys.length; i += 100) {
      // Stop the leader mid-run, while puts are in flight.
      if (i === 3000) stopped = sc.cluster.stopServer(leader!).then(() => void (gone = true));
      const batch = keys.slice(i, i + 100);
      const wasGone = gone;
      const results = await Promise.allSettled(batch.map((key) => agent1.put(key, `value-of-${key}`)));
      results.forEach((r, j) => (r.status === 'fulfilled' ? acked.set(batch[j], r.value) : failed++));
      if (wasGone) ackedWhileDown += results.filter((r) => r.status === 'fulfilled').length;
    }
    await stopped;
    expect(sc.cluster.isRunning(leader!)).toBe(false);
    expect(acked.size + failed).toBe(10_000);
    // Not vacuous: the bucket kept taking writes with a replica down.
    expect(acked.size).toBeGreaterThanOrEqual(9_000);
    expect(ackedWhileDown).toBeGreaterThanOrEqual(3_000);
    console.log(`10,000 puts: ${acked.size} acknowledged (${ackedWhileDown} with ${leaderName} down), ${failed} failed`);
    const after = await streamInfo(monitor, ORIGIN);
    expect(after.cluster?.leader).not.toBe(leaderName);

    // Read back through the stream leader (STREAM.MSG.GET, not a possibly lagging replica).
    const leaderKv = await new Kvm(await as('agent', 'site-1')).open('HARMONY', { allow_direct: false });
    const wrong: string[] = [];
    await inBatches([...acked], 100, async ([key, revision]) => {
      const entry = await leaderKv.get(key);
      if (entry?.string() !== `value-of-${key}` || entry.revision !== revision) wrong.push(`${key}@${revision}: ${entry?.string()}@${entry?.revision}`);
    }).then((results) => results.forEach((r) => r.status === 'rejected' && wrong.push(String(r.reason))));
    expect(wrong).toEqual([]);
    for (const key of acked.keys()) written.set(key, `value-of-${key}`);

    // The stopped server comes back and catches up: all three replicas current again.
    sc.cluster.startServer(leader!);
    await waitUntil('the restarted replica to be current', 30_000, async () => {
      const info = await streamInfo(monitor, ORIGIN);
      const replicas = info.cluster as { replicas?: { name: string; current: boolean }[] } | undefined;
      return (replicas?.replicas ?? []).length === 2 && replicas!.replicas!.every((r) => r.current);
    });
  }, 120_000);

  test('every server of the home site stopped: gets at site-2 and site-3 still return the last values', async () => {
    for (let i = 0; i < 20; i++) {
      await agent1.put(`mirror.${i}`, `last-${i}`);
      written.set(`mirror.${i}`, `last-${i}`);
    }
    const last = await mirrorsCaughtUp(monitor, [mirrorOf('site-2'), mirrorOf('site-3')], 30_000);
    await sc.cluster.stopSite('site-1');
    expect(sc.cluster.serversOf('site-1').some((s) => sc.cluster.isRunning(s))).toBe(false);

    for (const site of ['site-2', 'site-3']) {
      const nc = await as('agent', site);
      const kv = await new Kvm(nc).open('HARMONY', { allow_direct: true });
      // The origin is gone: writes fail.
      await expect(kv.put('mirror.0', 'lost')).rejects.toThrow();
      expect(await mismatches(kv, written)).toEqual([]);
      expect(await directGet(nc, 'mirror.19')).toEqual({ stream: mirrorOf(site), seq: last, value: 'last-19' });
    }
  }, 90_000);
});

/** The operator-only promotion identity `kv-admin` is built in: the example fleet serves. */
const promotionFleet: Fleet = e2eFleet;

describe('HARMONY KV: promoting the site-2 mirror after losing site-1 (nats-server)', () => {
  const sc = useSupercluster({ fleet: promotionFleet });
  const as = connections(sc);

  /** The bucket as an agent opens it from the fleet's read settings: the origin's stream by name (it changes with an in-place promotion). */
  const openBucket = (nc: NatsConnection, fleet: Fleet, site: string) =>
    new Kvm(nc).open('HARMONY', { allow_direct: true, streamName: agentReadSettings(fleet, site).originStream });

  test('promote a mirror (in place where the server can, else by copy), read and write through it with a real client, bring site-1 back empty: it catches up', async () => {
    await provisionBucket(await as('provisioner', 'site-1'), sc.cluster.fleet);
    const kv1 = await new Kvm(await as('agent', 'site-1')).open('HARMONY', { allow_direct: true });
    const expected = new Map<string, string | null>();
    for (let i = 0; i < 30; i++) await kv1.put(`p.${i}`, `v1-${i}`);
    for (let i = 0; i < 30; i += 2) await kv1.put(`p.${i}`, `v2-${i}`);
    await kv1.delete('p.1');
    for (let i = 0; i < 30; i++) expected.set(`p.${i}`, i === 1 ? null : `${i % 2 === 0 ? 'v2' : 'v1'}-${i}`);
    const revisionBefore = (await kv1.get('p.0'))!.revision;
    const monitor = await as('monitor', 'site-2');
    const before = await mirrorsCaughtUp(monitor, [mirrorOf('site-2'), mirrorOf('site-3')]);

    // Site-1 is lost with its disks.
    await sc.cluster.stopSite('site-1', { wipe: true });

    const admin = await as('kv-admin', 'site-2');
    const report = await promoteMirror(admin, { fleet: sc.cluster.fleet, site: 'site-2', timeoutMs: 45_000 });
    const inPlace = promotesInPlace(admin.info!.version);
    expect(report.method).toBe(inPlace ? 'in-place' : 'copy');
    expect(report.fleet.account.kv.homeSite).toBe('site-2');
    expect(report.recoveredThrough).toBe(before);
    const newOrigin = inPlace ? mirrorOf('site-2') : ORIGIN;
    expect(report.fleet.account.kv.originStream).toBe(inPlace ? mirrorOf('site-2') : undefined);
    expect(report.origin).toMatchObject({ stream: newOrigin, site: 'site-2' });
    expect(report.deleted).toEqual(inPlace ? [ORIGIN] : [mirrorOf('site-2'), ORIGIN, `PROMOTE_${ORIGIN}`]);
    expect(report.mirrors).toEqual([
      expect.objectContaining({ site: 'site-1', stream: mirrorOf('site-1'), action: 'pending' }),
      { site: 'site-3', stream: mirrorOf('site-3'), action: 'recreated' },
    ]);
    const origin = await streamInfo(monitor, newOrigin);
    expect(origin.cluster?.name).toBe('site-2');
    expect(origin.config).toMatchObject({ subjects: ['$KV.HARMONY.>'], placement: { cluster: 'site-2' }, num_replicas: 3 });
    expect(origin.config.mirror).toBeUndefined();
    expect(origin.config.sources ?? []).toEqual([]);
    // In place, every revision is kept: the same key has the same revision; the copy renumbers.
    if (inPlace) expect(origin.state.last_seq).toBe(before);

    // A real client, bound as the fleet's read settings say, reads every last value (the delete included) ...
    const agent2 = await as('agent', 'site-2');
    const kv2 = await openBucket(agent2, report.fleet, 'site-2');
    for (const [key, value] of expected) {
      const entry = await kv2.get(key);
      if (value === null) expect(entry?.operation).toBe('DEL');
      else expect(entry?.string()).toBe(value);
    }
    if (inPlace) expect((await kv2.get('p.0'))!.revision).toBe(revisionBefore);
    expect((await readKey(agent2, agentReadSettings(report.fleet, 'site-2'), 'p.0'))?.stream).toBe(newOrigin);
    // ... lists the keys (a consumer on the origin by its name) ...
    const keys: string[] = [];
    for await (const k of await kv2.keys()) keys.push(k);
    expect(keys.sort()).toEqual([...expected.keys()].filter((k) => expected.get(k) !== null).sort());
    // ... and writes: the next revision follows the last one kept (in place) or copied.
    const revision = await kv2.put('p.0', 'after-promotion');
    expect(revision).toBe((inPlace ? before : report.copied) + 1);
    await kv2.put('p.new', 'written-at-site-2');
    expected.set('p.0', 'after-promotion').set('p.new', 'written-at-site-2');
    // Site-3's agent reads the write from its own mirror, which now follows the new origin.
    const agent3 = await as('agent', 'site-3');
    await waitUntil('site-3 to read the write made at site-2', 15_000, async () => (await readKey(agent3, agentReadSettings(report.fleet, 'site-3'), 'p.new'))?.stream === mirrorOf('site-3'));

    // A rerun finds the promotion done and changes nothing.
    const again = await promoteMirror(admin, { fleet: sc.cluster.fleet, site: 'site-2', timeoutMs: 15_000 });
    expect(again.deleted).toEqual([]);
    expect(again.mirrors.find((m) => m.site === 'site-3')?.action).toBe('kept');

    // Site-1 returns with empty storage; provisioning with the promoted fleet mirrors the bucket back.
    sc.cluster.startSite('site-1');
    await sc.cluster.waitReady(45_000);
    const created = await provisionBucket(admin, report.fleet, ['site-1']);
    expect([...created]).toEqual([[mirrorOf('site-1'), 'created']]);
    const last = await mirrorsCaughtUp(monitor, [mirrorOf('site-1'), mirrorOf('site-3')], 30_000, newOrigin);
    expect(last).toBe(revision + 1);

    // Proof it caught up: with site-2 and site-3 gone too, site-1's mirror alone serves every value.
    await sc.cluster.stopSite('site-2');
    await sc.cluster.stopSite('site-3');
    const agent1 = await as('agent', 'site-1');
    for (const [key, value] of expected) {
      const entry = await readKey(agent1, agentReadSettings(report.fleet, 'site-1'), key);
      expect(entry === null ? null : new TextDecoder().decode(entry.value)).toBe(value);
    }
    expect(await readKey(agent1, agentReadSettings(report.fleet, 'site-1'), 'p.new')).toMatchObject({ stream: mirrorOf('site-1'), revision: last });
  }, 150_000);
});
