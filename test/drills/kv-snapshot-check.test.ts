import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPSHOT_TAG } from '../../constructs/kv-snapshots';

/*
 * The mgmt host's watch on the KV snapshots (nix/scripts/kv-snapshot-check.sh)
 * as a drill on real restic: local repositories stand in for the snapshot
 * bucket, written the way the home site's CronJob writes it
 * (`restic backup --host <site> --tag harmony-kv`), read by the same script
 * the host's timer runs.
 */

const REPO = join(__dirname, '..', '..');
const CHECK = join(REPO, 'nix', 'scripts', 'kv-snapshot-check.sh');
const METRIC = 'harmony_kv_snapshot_last_timestamp_seconds';
const PROM = 'harmony_kv_snapshot.prom';

jest.setTimeout(120_000);

interface Snapshot {
  readonly time: string;
  readonly hostname: string;
  readonly tags?: readonly string[];
}

/** Whole seconds since the epoch, parsed by Node (not by the GNU date the script uses). */
const epochSeconds = (rfc3339: string): number => {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) throw new Error(`restic printed a time Node cannot parse: ${rfc3339}`);
  return Math.floor(ms / 1000);
};

/** Blocks until just past the next whole second, so two snapshots differ to the second. */
const nextSecond = (): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1050 - (Date.now() % 1000));
};

describe('KV snapshot check drill (restic)', () => {
  let work = '';
  let n = 0;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'harmony-kv-snapshot-check-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A repository path, a password file, an empty textfile directory and the restic environment (nothing inherited from the caller's RESTIC_*). */
  function setup(password = 'drill-only-password') {
    const dir = join(work, `case-${++n}`);
    const metrics = join(dir, 'textfile');
    mkdirSync(metrics, { recursive: true });
    const passwordFile = join(dir, 'restic-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    const repository = join(dir, 'repo');
    const env = { PATH: process.env.PATH ?? '', RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(dir, 'cache') };
    const restic = (args: string[], extra: NodeJS.ProcessEnv = {}): string => execFileSync('restic', args, { env: { ...env, ...extra }, encoding: 'utf8' });
    const check = (extra: NodeJS.ProcessEnv = {}) => spawnSync('bash', [CHECK], { env: { ...env, KV_SNAPSHOT_METRICS_DIR: metrics, ...extra }, encoding: 'utf8' });
    const data = join(dir, 'kv-snapshot');
    mkdirSync(data);
    writeFileSync(join(data, 'backup.json'), '{"config":{"name":"KV_harmony"}}\n');
    /** One snapshot as the site's ship step makes it, written in time zone `tz`. */
    const backup = (host: string, tag: string, tz: string) => {
      writeFileSync(join(data, 'stream.bin'), `${host} ${tag} ${Date.now()}\n`);
      restic(['backup', '--quiet', '--host', host, '--tag', tag, data], { TZ: tz });
    };
    const metricFile = join(metrics, PROM);
    const metric = (): number => Number(new RegExp(`^${METRIC} (\\d+)$`, 'm').exec(readFileSync(metricFile, 'utf8'))?.[1]);
    return { repository, passwordFile, metrics, metricFile, restic, check, backup, metric };
  }

  test('the script reads the tag the CronJob writes', () => {
    expect(readFileSync(CHECK, 'utf8')).toMatch(new RegExp(`^tag=${SNAPSHOT_TAG}$`, 'm'));
  });

  test('no repository: exits non-zero and writes nothing', () => {
    const c = setup();
    const r = c.check();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`restic snapshots failed on ${c.repository}`);
    expect(readdirSync(c.metrics)).toEqual([]);
  });

  test('an empty repository: exits 0, says so and writes nothing', () => {
    const c = setup();
    c.restic(['init', '--quiet']);
    const r = c.check();
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain(`no snapshot tagged ${SNAPSHOT_TAG} in ${c.repository} yet`);
    expect(readdirSync(c.metrics)).toEqual([]);
  });

  test('the newest harmony-kv snapshot over every host, whatever its offset; other tags ignored', () => {
    const c = setup();
    c.restic(['init', '--quiet']);
    // Two from site-1 (+05:30), then the home site moved to site-2 (-03:30):
    // the newest's local time reads hours earlier than site-1's.
    c.backup('site-1', SNAPSHOT_TAG, 'Asia/Kolkata');
    nextSecond();
    c.backup('site-1', SNAPSHOT_TAG, 'Asia/Kolkata');
    nextSecond();
    c.backup('site-2', SNAPSHOT_TAG, 'America/St_Johns');
    nextSecond();
    // Newer still, but not a KV snapshot.
    c.backup('site-2', 'other', 'UTC');

    const all = JSON.parse(c.restic(['snapshots', '--json'])) as Snapshot[];
    const kv = all.filter((s) => s.tags?.includes(SNAPSHOT_TAG));
    expect(kv.map((s) => s.hostname)).toEqual(['site-1', 'site-1', 'site-2']);
    const newest = Math.max(...kv.map((s) => epochSeconds(s.time)));
    const other = all.filter((s) => !s.tags?.includes(SNAPSHOT_TAG)).map((s) => epochSeconds(s.time));
    // What the case relies on: the offsets are in the times, a comparison of
    // the strings picks another snapshot, and the other tag is newer.
    expect(kv.map((s) => s.time.slice(-6))).toEqual(['+05:30', '+05:30', '-03:30']);
    expect(epochSeconds([...kv.map((s) => s.time)].sort().reverse()[0])).toBeLessThan(newest);
    expect(other).toEqual([expect.any(Number)]);
    expect(other[0]).toBeGreaterThan(newest);

    const r = c.check();
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain(`of site-2 at ${kv[2].time} (${newest})`);
    expect(c.metric()).toBe(newest);
    expect(readdirSync(c.metrics)).toEqual([PROM]);
    const text = readFileSync(c.metricFile, 'utf8');
    expect(text).toBe(
      `# HELP ${METRIC} When the newest KV snapshot in the snapshot repository was taken.\n# TYPE ${METRIC} gauge\n${METRIC} ${newest}\n`,
    );
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: lint.status, out: lint.stdout + lint.stderr }).toEqual({ status: 0, out: '' });
  });

  test('wrong password: exits non-zero and leaves the previous file as it was', () => {
    const c = setup();
    c.restic(['init', '--quiet']);
    c.backup('site-1', SNAPSHOT_TAG, 'UTC');
    expect(c.check().status).toBe(0);
    expect(c.metric()).toBeGreaterThan(0);
    // An older value, so a rewrite would show.
    writeFileSync(c.metricFile, `${METRIC} 1000\n`);

    writeFileSync(c.passwordFile, 'not-the-password\n');
    const r = c.check();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('the last metric stays as it was');
    expect(readFileSync(c.metricFile, 'utf8')).toBe(`${METRIC} 1000\n`);
    expect(readdirSync(c.metrics)).toEqual([PROM]);
  });

  test('takes no lock: a key that cannot write to the repository suffices', () => {
    const c = setup();
    c.restic(['init', '--quiet']);
    c.backup('site-1', SNAPSHOT_TAG, 'UTC');
    // Where restic would write its lock is not a directory: any lock fails.
    rmSync(join(c.repository, 'locks'), { recursive: true });
    writeFileSync(join(c.repository, 'locks'), '');
    const r = c.check();
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(c.metric()).toBeGreaterThan(0);
  });
});
