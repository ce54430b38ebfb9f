import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect, jwtAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { connectAs } from '../../lib/kv/connect';
import { provisionBucket } from '../../lib/kv/provision';
import { KvMoveRefusal, dropBucket, sealBucket } from '../../lib/kv/move';
import { streamInfo, streamNames } from '../../lib/kv/promote';
import { snapshotBucket } from '../../lib/kv/snapshot';
import { waitFor } from '../../lib/local/readiness';
import type { JwtBundle } from '../../lib/nats/jwt-bundle';
import { mintJwts } from '../../lib/nats/jwt-bundle';
import { inboxPrefix } from '../../lib/nats/permissions';
import { currentKey, publicKeys } from '../../lib/secrets/material';
import { runKvCli } from '../../scripts/kv';
import { e2eFleet, jwtE2eFleet, testMaterial, useSupercluster } from './harness';

/*
 * docs/jwt-migration.md on loopback: a running nkeys-mode supercluster with
 * the bucket and a connected agent moves to JWT mode. The agent holds its
 * JWT beforehand (auth.prepareJwt) and presents it beside its nkey; the
 * bucket is sealed, snapshotted, dropped, the servers restart together in
 * JWT mode, and the snapshot is restored in JWT mode's account.
 */
const prepared: Fleet = { ...e2eFleet, auth: { mode: 'nkeys', prepareJwt: true } };
const material = testMaterial(prepared);
const sc = useSupercluster({ fleet: prepared, material });
const jwts: JwtBundle = mintJwts(jwtE2eFleet, publicKeys(material), material.jwt!, Math.floor(Date.now() / 1000));
const seedOf = (identity: string) => new TextEncoder().encode(currentKey(material, identity).seed);
const dualCredential = (identity: string) => ({ seed: currentKey(material, identity).seed, jwt: jwts.users[identity][0] });

/** Connects presenting only what `auth` gives, and says whether the server admitted it. */
async function admitted(servers: string[], auth: ReturnType<typeof nkeyAuthenticator>, identity: string): Promise<boolean> {
  try {
    const nc = await connect({ servers, authenticator: auth, inboxPrefix: inboxPrefix(identity), reconnect: false, timeout: 5000 });
    await nc.close();
    return true;
  } catch (e) {
    if (/authorization/i.test(String(e))) return false;
    throw e;
  }
}

/** `npm run kv -- <argv>` in process, as `identity` (its seed in a file; its JWT from the bundle, as from config/jwt.json). */
async function kvCli(argv: string[], identity: string, seedDir: string): Promise<{ code: number; out: string; err: string }> {
  const seedFile = join(seedDir, `${identity}.nk`);
  writeFileSync(seedFile, currentKey(material, identity).seed, { mode: 0o600 });
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKvCli([...argv, '--servers', sc.cluster.clientUrls('site-1').join(','), '--as', identity], {
    fleet: sc.cluster.fleet,
    jwts,
    env: { NATS_SEED_FILE: seedFile },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of keys) out.push(k);
  return out;
}

async function as<T>(identity: string, run: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectAs(identity, sc.cluster.clientUrls('site-1'), dualCredential(identity));
  try {
    return await run(nc);
  } finally {
    await nc.close();
  }
}

describe('moving a running supercluster from nkeys to JWT mode (docs/jwt-migration.md)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-migrate-'));
  let agent: NatsConnection;
  let kv: KV;
  const statuses: string[] = [];
  // Every key's last revision and value (or delete) before the move.
  const before = new Map<string, { revision: number; operation: string; value: string }>();
  let sealedLastSeq = 0;
  let restarted: string[] = [];

  afterAll(async () => {
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('before the switch, the static servers admit the agent presenting its JWT (nats.js sends the nkey with it)', async () => {
    await as('provisioner', (nc) => provisionBucket(nc, sc.cluster.fleet));
    const urls = sc.cluster.clientUrls('site-2');
    // The static servers read the nkey: a JWT naming another identity changes nothing.
    expect(await admitted(urls, jwtAuthenticator(jwts.users['kv-admin'][0], seedOf('agent')), 'agent')).toBe(true);
    agent = await connect({
      servers: urls,
      // As connectAs builds it, with no limit on reconnects: the switch takes as long as the servers' restart.
      authenticator: jwtAuthenticator(jwts.users.agent[0], seedOf('agent')),
      inboxPrefix: inboxPrefix('agent'),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    void (async () => {
      for await (const s of agent.status()) statuses.push(s.type);
    })();
    kv = await new Kvm(agent).open('HARMONY');
    for (let i = 0; i < 40; i++) await kv.put(`key.${i % 25}`, `value ${i}`);
    await kv.delete('key.7');
    // keys() lists live keys only; the deleted one is read too (a get returns its delete marker).
    const keys = [...(await collect(await kv.keys())), 'key.7'];
    for (const key of keys) {
      const e = (await kv.get(key))!;
      before.set(key, { revision: e.revision, operation: e.operation, value: e.string() });
    }
    expect(before.get('key.7')?.operation).toBe('DEL');
    expect(before.get('key.3')).toEqual({ revision: 29, operation: 'PUT', value: 'value 28' });
  });

  test('a config reload cannot switch modes: the servers refuse it and keep admitting nkeys', async () => {
    sc.cluster.reloadJwts(jwts);
    await waitFor(
      'every server to refuse the reload',
      async () => sc.cluster.servers.map((s) => readFileSync(s.logPath, 'utf8')),
      (logs) => logs.every((log) => /config reload not supported for SystemAccount/.test(log)),
      15_000,
    );
    expect(await admitted(sc.cluster.clientUrls('site-3'), nkeyAuthenticator(seedOf('monitor')), 'monitor')).toBe(true);
  });

  test('drop is refused while the origin takes writes, and for a snapshot older than the sealed origin', async () => {
    const early = join(dir, 'early');
    await as('kv-snapshot', (nc) => snapshotBucket(nc, sc.cluster.fleet, early));
    const unsealed = await kvCli(['drop', '--snapshot', early], 'kv-admin', dir);
    expect(unsealed).toMatchObject({ code: 3, err: expect.stringMatching(/KV_HARMONY is not sealed: writes after the snapshot would be lost[^]*nothing was changed/) });
    await kv.put('key.late', 'written after the early snapshot');
    before.set('key.late', { revision: 42, operation: 'PUT', value: 'written after the early snapshot' });
    const sealed = await kvCli(['seal'], 'kv-admin', dir);
    expect(sealed).toMatchObject({ code: 0, out: expect.stringContaining('KV_HARMONY is sealed: 42 messages, last revision 42') });
    sealedLastSeq = 42;
    // Sealing again changes nothing.
    expect(await as('kv-admin', (nc) => sealBucket(nc, sc.cluster.fleet))).toEqual({ stream: 'KV_HARMONY', lastSeq: 42, messages: 42 });
    await as('kv-admin', async (nc) => {
      const refusal = dropBucket(nc, sc.cluster.fleet, early);
      await expect(refusal).rejects.toThrow(KvMoveRefusal);
      await expect(refusal).rejects.toThrow(/last revision 41\) is not the sealed KV_HARMONY \(42 messages, last revision 42\)/);
      expect([...(await streamNames(nc))].sort()).toEqual(['KV_HARMONY', 'KV_HARMONY_site-2', 'KV_HARMONY_site-3']);
    });
  });

  test('sealed, the bucket refuses writes and still answers reads', async () => {
    await expect(kv.put('key.1', 'after the seal')).rejects.toThrow(/sealed/);
    expect((await kv.get('key.1'))?.string()).toBe(before.get('key.1')!.value);
  });

  test('the snapshot of the sealed origin lets drop delete every stream of the bucket', async () => {
    const final = join(dir, 'final');
    const snap = await as('kv-snapshot', (nc) => snapshotBucket(nc, sc.cluster.fleet, final));
    expect(snap.state.last_seq).toBe(sealedLastSeq);
    const dropped = await kvCli(['drop', '--snapshot', final], 'kv-admin', dir);
    expect(dropped).toMatchObject({ code: 0, out: expect.stringContaining('deleted: KV_HARMONY_site-2, KV_HARMONY_site-3, KV_HARMONY') });
    expect(await as('kv-admin', (nc) => streamNames(nc))).toEqual(new Set());
  });

  test('every server restarts in JWT mode; the agent reconnects by itself, admitted by its JWT', async () => {
    const since = statuses.length;
    const count = (type: string) => statuses.slice(since).filter((s) => s === type).length;
    await sc.cluster.switchToJwt(jwts);
    restarted = await sc.cluster.waitReady(90_000);
    // Connected again: every disconnect since the switch was followed by its reconnect.
    await waitFor('the agent to reconnect', async () => [count('disconnect'), count('reconnect')], ([d, r]) => d >= 1 && r >= d, 30_000);
    // One, or one more when it reached a server of its site that was itself still stopping (measured once on
    // 2.10.27 under CI load: the servers stop within milliseconds, not at once), plus one per server the harness
    // restarted to rejoin the meta group (2.10). Never a failed authentication, never a closed connection.
    expect(count('disconnect')).toBeLessThanOrEqual(1 + (sc.cluster.serversOf('site-2').length - 1) + restarted.length);
    expect(count('error')).toBe(0);
    expect(agent.isClosed()).toBe(false);
    // JWT mode now: the nkey alone is refused, with its JWT admitted.
    const urls = sc.cluster.clientUrls('site-3');
    expect(await admitted(urls, nkeyAuthenticator(seedOf('monitor')), 'monitor')).toBe(false);
    expect(await admitted(urls, jwtAuthenticator(jwts.users.monitor[0], seedOf('monitor')), 'monitor')).toBe(true);
  }, 150_000);

  test('the restore in the JWT account brings back every key at its revision, mirrors included, and writes go on', async () => {
    // kv-admin's nkey alone is refused now: the CLI presents its JWT (from config/jwt.json; here the bundle).
    const restored = await kvCli(['restore', '--from', join(dir, 'final')], 'kv-admin', dir);
    expect(restored.code).toBe(0);
    expect(restored.out).toContain(`KV_HARMONY restored in site-1: 42 messages, revisions 1..${sealedLastSeq}, as in the snapshot`);
    expect(restored.out).toMatch(/mirror KV_HARMONY_site-2 in site-2: created[^]*mirror KV_HARMONY_site-3 in site-3: created/);
    const origin = await as('kv-admin', (nc) => streamInfo(nc, 'KV_HARMONY'));
    expect(origin.config.sealed).toBe(false);
    const after = new Map<string, { revision: number; operation: string; value: string }>();
    for (const key of before.keys()) {
      const e = (await kv.get(key))!;
      after.set(key, { revision: e.revision, operation: e.operation, value: e.string() });
    }
    expect(after).toEqual(before);
    expect(await kv.put('key.after', 'in JWT mode')).toBe(sealedLastSeq + 1);
    for (const site of ['site-2', 'site-3']) {
      await waitFor(
        `the ${site} mirror to hold every revision`,
        () => as('kv-admin', (nc) => streamInfo(nc, `KV_HARMONY_${site}`)),
        (info) => info.state.last_seq === sealedLastSeq + 1,
        30_000,
      );
    }
    // Nothing is left assigned to the account the servers lost (drop): every server reports healthy, after the
    // runbook's one step for 2.10.27, whose restored stream's leader reports "monitor goroutine not running"
    // until it restarts (docs/kv-snapshots.md; 2.15.1 does not).
    const health = () => Promise.all(sc.cluster.servers.map((s) => fetch(`${s.monitorUrl}/healthz`).then(async (r) => (r.status === 200 ? 'ok' : await r.text()), () => 'down')));
    const stuck = (await waitFor('every server to report healthy', health, (h) => h.every((x) => x === 'ok' || /monitor goroutine not running/.test(x)), 30_000))
      .map((h, i) => (h === 'ok' ? undefined : sc.cluster.servers[i]))
      .filter((s) => s !== undefined);
    expect(stuck.length).toBeLessThanOrEqual(1);
    for (const server of stuck) {
      await sc.cluster.stopServer(server);
      sc.cluster.startServer(server);
    }
    await sc.cluster.waitReady(60_000);
    await waitFor('every server to answer /healthz with 200', health, (h) => h.every((x) => x === 'ok'), 30_000);
    expect((await kv.get('key.after'))?.revision).toBe(sealedLastSeq + 1);
  }, 180_000);
});
