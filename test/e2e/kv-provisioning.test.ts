import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Fleet } from '../../config/types';
import { provisionerFiles, SCRIPT_FILE } from '../../constructs/kv-provisioner';
import { connectAs } from '../../lib/kv/connect';
import { bucketStatus, streamInfo } from '../../lib/kv/promote';
import { provisionBucket } from '../../lib/kv/provision';
import { currentKey } from '../../lib/secrets/material';
import { runKvCli } from '../../scripts/kv';
import { installNatscliStandin } from '../support/natscli-standin';
import { e2eFleet, useSupercluster } from './harness';

/*
 * The provisioning script, as the site stacks' CronJob runs it, against real
 * nats-server: through a cold start (no server, then a lone site without a
 * meta leader, then the whole supercluster), repeatedly, until it
 * converges; then idempotent; and a failure it must not fix is reported.
 */

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('KV provisioning converges through a cold start (real nats-server, the CronJob script)', () => {
  const sc = useSupercluster({ fleet: e2eFleet, sites: [] });
  const dir = mkdtempSync(join(tmpdir(), 'harmony-kv-provision-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  installNatscliStandin(bin);
  const seedFile = join(dir, 'provisioner.nk');

  const run = async (fleet: Fleet, site: string, urls: string[] = sc.cluster.clientUrls(site)): Promise<Run> => {
    const configDir = mkdtempSync(join(dir, `${site}-`));
    for (const [file, text] of Object.entries(provisionerFiles(fleet, site, { configDir, seedFile }))) writeFileSync(join(configDir, file), text);
    const env = { PATH: `${bin}:${process.env.PATH}`, NATS_URL: urls.join(',') };
    try {
      const { stdout } = await promisify(execFile)('sh', [join(configDir, SCRIPT_FILE)], { env, timeout: 60_000 });
      return { code: 0, stdout: stdout.trim(), stderr: '' };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: err.code ?? -1, stdout: (err.stdout ?? '').trim(), stderr: (err.stderr ?? '').trim() };
    }
  };

  /** Runs the script every 500 ms, as the CronJob would every 5 minutes, until it exits 0; returns every run. */
  const runUntilConverged = async (fleet: Fleet, site: string, timeoutMs: number): Promise<Run[]> => {
    const runs: Run[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await run(fleet, site);
      runs.push(result);
      if (result.code === 0) return runs;
      if (Date.now() > deadline) throw new Error(`no convergence in ${timeoutMs} ms; runs: ${JSON.stringify(runs.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  const adminSeedFile = join(dir, 'kv-admin.nk');
  beforeAll(() => {
    writeFileSync(seedFile, currentKey(sc.material, 'provisioner').seed, { mode: 0o600 });
    writeFileSync(adminSeedFile, currentKey(sc.material, 'kv-admin').seed, { mode: 0o600 });
  });

  test('no server at all: the run fails (exit 1) and says it could not reach NATS', async () => {
    const result = await run(sc.cluster.fleet, 'site-1');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^nats: error: .*\nKV_HARMONY: nats request failed$/s);
  });

  test('a lone site (JetStream up, no meta leader): natscli would exit 0 with no reply; the script fails, never reports success', async () => {
    sc.cluster.startSite('site-1');
    // Servers accepting clients, JetStream enabled, no meta leader (site.test.ts proves it cannot elect one).
    const ready = async () => (await Promise.all(sc.cluster.serversOf('site-1').map((s) => fetch(`${s.monitorUrl}/healthz?js-enabled-only=true`).then((r) => r.status, () => 0)))).every((c) => c === 200);
    const deadline = Date.now() + 20_000;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error('site-1 did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const result = await run(sc.cluster.fleet, 'site-1');
    expect(result).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/KV_HARMONY: no reply from JetStream \(timeout or no responders\): is there a meta leader\?$/) });
  }, 60_000);

  test('the other sites come late: repeated runs converge, creating each stream once', async () => {
    sc.cluster.startSite('site-2');
    sc.cluster.startSite('site-3');
    const runs = await runUntilConverged(sc.cluster.fleet, 'site-1', 60_000);
    // Every failed run failed loudly; the first success created the origin.
    for (const failed of runs.slice(0, -1)) expect(failed.code).not.toBe(0);
    expect(runs[runs.length - 1]).toEqual({ code: 0, stdout: 'KV_HARMONY: created', stderr: '' });
    expect((await runUntilConverged(sc.cluster.fleet, 'site-2', 30_000)).pop()).toEqual({ code: 0, stdout: 'KV_HARMONY_site-2: created', stderr: '' });
    expect((await runUntilConverged(sc.cluster.fleet, 'site-3', 30_000)).pop()).toEqual({ code: 0, stdout: 'KV_HARMONY_site-3: created', stderr: '' });
  }, 120_000);

  test('once converged, every run changes nothing; the TypeScript provisioner agrees', async () => {
    for (const [site, stream] of [['site-1', 'KV_HARMONY'], ['site-2', 'KV_HARMONY_site-2'], ['site-3', 'KV_HARMONY_site-3']]) {
      expect(await run(sc.cluster.fleet, site)).toEqual({ code: 0, stdout: `${stream}: unchanged`, stderr: '' });
    }
    const provisioner = await connectAs('provisioner', sc.cluster.clientUrls('site-2'), currentKey(sc.material, 'provisioner').seed, 'e2e-provisioner');
    try {
      expect([...(await provisionBucket(provisioner, sc.cluster.fleet)).values()]).toEqual(['unchanged', 'unchanged', 'unchanged']);
    } finally {
      await provisioner.close();
    }
  }, 60_000);

  test('a difference is reported every run and never applied by the in-cluster identity; the operator applies it with a diff, destructive only when allowed', async () => {
    const fleet = sc.cluster.fleet;
    const wider: Fleet = { ...fleet, account: { ...fleet.account, kv: { ...fleet.account.kv, history: 7 } } };
    const reported = await run(wider, 'site-1');
    expect(reported).toEqual({
      code: 1,
      stdout: '',
      stderr: 'KV_HARMONY differs from the fleet in: max_msgs_per_subject; this identity only creates: an operator runs npm run kv -- apply (docs/kv-failover.md)',
    });
    const out: string[] = [];
    const err: string[] = [];
    const kv = (fleetNow: Fleet, ...argv: string[]) =>
      runKvCli(['apply', '--site', 'site-1', '--servers', sc.cluster.clientUrls('site-1').join(','), ...argv], {
        fleet: fleetNow,
        env: { NATS_SEED_FILE: adminSeedFile },
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
    const admin = await connectAs('kv-admin', sc.cluster.clientUrls('site-1'), currentKey(sc.material, 'kv-admin').seed);
    try {
      // Wider history: not destructive, applied, the diff printed first.
      expect(await kv(wider)).toBe(0);
      expect(out).toEqual(['~ KV_HARMONY (site-1): update', '    max_msgs_per_subject: 5 -> 7', 'KV_HARMONY: updated']);
      expect((await streamInfo(admin, 'KV_HARMONY')).config.max_msgs_per_subject).toBe(7);
      // Back to 5 deletes the oldest revisions of every key: refused without the flag, nothing changed.
      out.length = 0;
      expect(await kv(fleet)).toBe(3);
      expect(out).toEqual(['~ KV_HARMONY (site-1): update, DESTRUCTIVE: max_msgs_per_subject', '    max_msgs_per_subject: 7 -> 5']);
      expect(err.join('\n')).toContain('KV_HARMONY: max_msgs_per_subject would lose data (or allow deleting it); pass --allow-destructive to apply it anyway');
      expect((await streamInfo(admin, 'KV_HARMONY')).config.max_msgs_per_subject).toBe(7);
      out.length = 0;
      expect(await kv(fleet, '--allow-destructive')).toBe(0);
      expect((await streamInfo(admin, 'KV_HARMONY')).config.max_msgs_per_subject).toBe(5);
      expect(await run(fleet, 'site-1')).toEqual({ code: 0, stdout: 'KV_HARMONY: unchanged', stderr: '' });
    } finally {
      await admin.close();
    }
  }, 60_000);

  test('a failure it must not fix is reported every run, and the stream stays where it is; kv status shows the gap', async () => {
    const fleet = sc.cluster.fleet;
    // A fleet that moved the home site without a promotion: the run refuses to move the origin.
    const moved: Fleet = { ...fleet, account: { ...fleet.account, kv: { ...fleet.account.kv, homeSite: 'site-2' } } };
    for (let i = 0; i < 2; i++) {
      const refused = await run(moved, 'site-2');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('KV_HARMONY lives in cluster site-1, the fleet places it in site-2: not moving it (docs/kv-failover.md)');
    }
    const monitor = await connectAs('monitor', sc.cluster.clientUrls('site-3'), currentKey(sc.material, 'monitor').seed, 'e2e-monitor');
    try {
      expect((await streamInfo(monitor, 'KV_HARMONY')).cluster?.name).toBe('site-1');
      // Under the moved fleet, status names what provisioning has not achieved.
      const status = await bucketStatus(monitor, moved);
      expect(status.find((s) => s.stream === 'KV_HARMONY')).toMatchObject({ role: 'origin', site: 'site-2', state: 'misplaced', cluster: 'site-1' });
      expect(status.find((s) => s.stream === 'KV_HARMONY_site-1')).toMatchObject({ role: 'mirror', site: 'site-1', state: 'missing' });
    } finally {
      await monitor.close();
    }
  }, 60_000);
});
