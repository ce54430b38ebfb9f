import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { agentReadSettings, readKey } from '../../lib/kv/agent-read';
import { connectAs } from '../../lib/kv/connect';
import { streamInfo } from '../../lib/kv/promote';
import { provisionBucket } from '../../lib/kv/provision';
import { waitFor } from '../../lib/local/readiness';
import type { LocalServer } from '../../lib/local/supercluster';
import { currentKey } from '../../lib/secrets/material';
import { useSupercluster } from './harness';

/*
 * The home site is down and the surviving sites' servers restart (a rolling
 * upgrade, node reboots). A mirror answers the origin's direct-get subject
 * only after it has heard from the origin since it started; it always
 * answers its own. Agents read through lib/kv/agent-read.ts, which asks the
 * local stream by its own name first: those reads must keep answering.
 */

const KEYS = 20;
const decoder = new TextDecoder();

describe('KV reads survive restarts of the surviving sites while the home site is down (real nats-server)', () => {
  const sc = useSupercluster();
  const open: NatsConnection[] = [];
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
  });
  const as = async (identity: string, site: string) => {
    const nc = await connectAs(identity, sc.cluster.clientUrls(site), currentKey(sc.material, identity).seed, `e2e-${identity}-${site}`);
    open.push(nc);
    return nc;
  };

  /** Reads every key at `site` as its agent would; the values and which stream answered. */
  const readAll = async (agent: NatsConnection, site: string) => {
    const settings = agentReadSettings(sc.cluster.fleet, site);
    const entries = await Promise.all(Array.from({ length: KEYS }, (_, i) => readKey(agent, settings, `k.${i}`)));
    return { values: entries.map((e) => (e ? decoder.decode(e.value) : null)), streams: [...new Set(entries.map((e) => e?.stream))] };
  };
  const expected = Array.from({ length: KEYS }, (_, i) => `v-${i}`);

  /**
   * Reads at `site` until every key answers from the site's own mirror,
   * within a bound: a restarted server recovers its streams in seconds, and
   * an agent whose servers all restarted must reconnect first.
   */
  const readsAnswerLocally = async (site: 'site-2' | 'site-3') => {
    const started = Date.now();
    const seen = await waitFor(
      `every read at ${site} to answer from its mirror`,
      () => readAll(agents[site], site).catch((e: Error) => ({ values: [], streams: [e.message] })),
      (r) => r.streams.length === 1 && r.streams[0] === `KV_HARMONY_${site}` && r.values.join() === expected.join(),
      20_000,
    );
    return { ...seen, ms: Date.now() - started };
  };

  /** Stops and starts `servers`, then waits until each one's JetStream is up again (the startup probe's path). */
  const restart = async (servers: readonly LocalServer[]) => {
    await Promise.all(servers.map((s) => sc.cluster.stopServer(s)));
    for (const s of servers) sc.cluster.startServer(s);
    await waitFor(
      `${servers.map((s) => s.name).join(', ')} to be back`,
      () => Promise.all(servers.map((s) => fetch(`${s.monitorUrl}/healthz?js-enabled-only=true`).then((r) => r.status, () => 0))),
      (codes) => codes.every((c) => c === 200),
      30_000,
    );
  };

  let agents: Record<'site-2' | 'site-3', NatsConnection>;

  beforeAll(async () => {
    await provisionBucket(await as('provisioner', 'site-1'), sc.cluster.fleet);
    const kv = await new Kvm(await as('agent', 'site-1')).open('HARMONY');
    for (let i = 0; i < KEYS; i++) await kv.put(`k.${i}`, `v-${i}`);
    const monitor = await as('monitor', 'site-2');
    const last = (await streamInfo(monitor, 'KV_HARMONY')).state.last_seq;
    await waitFor(
      'both mirrors to hold every key',
      () => Promise.all(['KV_HARMONY_site-2', 'KV_HARMONY_site-3'].map(async (m) => (await streamInfo(monitor, m)).state.last_seq)),
      (seqs) => seqs.every((s) => s === last),
      15_000,
    );
    agents = { 'site-2': await as('agent', 'site-2'), 'site-3': await as('agent', 'site-3') };
    await sc.cluster.stopSite('site-1');
  }, 60_000);

  test('with the home site down, each surviving site answers every read from its own mirror', async () => {
    for (const site of ['site-2', 'site-3'] as const) expect(await readAll(agents[site], site)).toEqual({ values: expected, streams: [`KV_HARMONY_${site}`] });
  });

  test('restarting each server of site-2 in turn: reads at site-2 still answer, locally', async () => {
    for (const server of sc.cluster.serversOf('site-2')) {
      await restart([server]);
      expect(await readsAnswerLocally('site-2')).toMatchObject({ values: expected, streams: ['KV_HARMONY_site-2'] });
    }
  }, 120_000);

  test('restarting all of site-2 at once: reads at site-2 still answer, locally', async () => {
    await restart(sc.cluster.serversOf('site-2'));
    expect(await readsAnswerLocally('site-2')).toMatchObject({ values: expected, streams: ['KV_HARMONY_site-2'] });
  }, 60_000);

  test('restarting every server of every surviving site: reads at both still answer, locally; the origin name alone no longer does', async () => {
    await restart([...sc.cluster.serversOf('site-2'), ...sc.cluster.serversOf('site-3')]);
    for (const site of ['site-2', 'site-3'] as const) expect(await readsAnswerLocally(site)).toMatchObject({ values: expected, streams: [`KV_HARMONY_${site}`] });
    // The example client an agent is built from, run as its own process with the site's settings.
    const dir = mkdtempSync(join(tmpdir(), 'harmony-agent-'));
    try {
      writeFileSync(join(dir, 'agent.nk'), currentKey(sc.material, 'agent').seed, { mode: 0o600 });
      writeFileSync(join(dir, 'settings.json'), JSON.stringify(agentReadSettings(sc.cluster.fleet, 'site-3')));
      const env = { PATH: process.env.PATH, NATS_URL: sc.cluster.clientUrls('site-3').join(','), NATS_NKEY_FILE: join(dir, 'agent.nk'), HARMONY_KV_SETTINGS: join(dir, 'settings.json') };
      const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'sucrase/register', join(__dirname, '..', '..', 'examples', 'agent-read.ts'), 'k.5', 'absent.key'], { env, timeout: 20_000 });
      expect(stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
        { key: 'k.5', value: 'v-5', revision: 6, stream: 'KV_HARMONY_site-3' },
        { key: 'absent.key', value: null },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // What a client bound to the origin's name alone sees now (the reason for the local read path).
    const originOnly = { bucket: 'HARMONY', localStream: 'KV_HARMONY', originStream: 'KV_HARMONY' };
    await expect(readKey(agents['site-2'], originOnly, 'k.0')).rejects.toThrow(/no answer for k\.0: KV_HARMONY: .*(no responders|503|timeout)/i);
  }, 90_000);
});
