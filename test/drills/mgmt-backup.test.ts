import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Postgres } from '../support/postgres';
import { PG_BIN, startPostgres } from '../support/postgres';

/*
 * The mgmt host's backup and restore, as a drill on real software: Debian's
 * PostgreSQL 15 and restic. A database is seeded, dumped by the same
 * prepare script the host runs, backed up to a restic repository, dropped,
 * and restored by the same restore script; then compared row by row.
 */

const REPO = join(__dirname, '..', '..');
const PREPARE = join(REPO, 'nix', 'scripts', 'mgmt-backup-prepare.sh');
const RESTORE = join(REPO, 'nix', 'scripts', 'mgmt-restore.sh');
const FINISH = join(REPO, 'nix', 'scripts', 'mgmt-backup-finish.sh');

jest.setTimeout(120_000);

/**
 * Runs a host script as the host does: as the current user (root under
 * restic on the host, root on CI), with the PostgreSQL clients run as the
 * cluster's user through PG_RUN_AS when that differs.
 */
function runScript(pg: Postgres, script: string, env: NodeJS.ProcessEnv): string {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync('bash', [script], { env: { ...process.env, ...pg.env, ...(asRoot ? { PG_RUN_AS: pg.env.PGUSER } : {}), ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A stable fingerprint of a database's content: every table's rows, ordered. */
const fingerprint = (pg: Postgres, db: string): string =>
  pg.run('psql', ['-X', '-A', '-t', '-d', db, '-c', "select string_agg(t || ':' || h, ',' order by t) from (select 'nodes' t, md5(string_agg(n::text, '|' order by id)) h from nodes n union all select 'events', md5(string_agg(e::text, '|' order by id)) from events e) s"]).trim();

describe('mgmt backup drill (PostgreSQL 15 + restic)', () => {
  let pg: Postgres;
  const work = mkdtempSync(join(tmpdir(), 'harmony-backup-drill-'));
  // Only the scripts' user reads the dumps and the password (as on the host).
  const staging = join(work, 'staging');
  const repository = join(work, 'restic-repo');
  const passwordFile = join(work, 'restic-password');
  writeFileSync(passwordFile, 'drill-only-password\n', { mode: 0o600 });
  const restic = { RESTIC_REPOSITORY: repository, RESTIC_PASSWORD_FILE: passwordFile };
  const measured: Record<string, number | string> = {};

  beforeAll(() => {
    pg = startPostgres();
  });
  afterAll(() => {
    pg?.stop();
    rmSync(work, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`backup drill: ${JSON.stringify(measured)}`);
  });

  test('seed, dump (prepare script), back up (restic), drop, restore (restore script): the same rows come back', () => {
    pg.run('createdb', ['custodian']);
    pg.run('psql', [
      '-X', '-v', 'ON_ERROR_STOP=1', '-d', 'custodian', '-c',
      `create table nodes (id serial primary key, name text not null, facts jsonb, key bytea);
       create table events (id bigserial primary key, node int references nodes(id), at timestamptz not null, body text);
       insert into nodes (name, facts, key) select 'node-' || g, jsonb_build_object('site', 'site-' || (g % 3), 'n', g), decode(md5(g::text), 'hex') from generate_series(1, 2000) g;
       insert into events (node, at, body) select 1 + (g % 2000), timestamptz '2026-01-01' + g * interval '1 minute', repeat('x', g % 200) || 'ü' from generate_series(1, 50000) g;`,
    ]);
    const before = fingerprint(pg, 'custodian');
    expect(before).toMatch(/^events:[0-9a-f]{32},nodes:[0-9a-f]{32}$/);

    let t = Date.now();
    runScript(pg, PREPARE, { BACKUP_STAGING: staging, BACKUP_DATABASES: 'custodian' });
    measured.dumpMs = Date.now() - t;
    measured.dumpBytes = statSync(join(staging, 'postgresql', 'custodian.dump')).size;

    t = Date.now();
    const resticRun = (args: string[]): string => execFileSync('restic', args, { env: { ...process.env, ...restic }, encoding: 'utf8' });
    resticRun(['init']);
    resticRun(['backup', '--tag', 'mgmt', staging]);
    measured.backupMs = Date.now() - t;
    measured.repositoryBytes = readdirSync(repository, { recursive: true }).reduce((n, f) => n + (statSync(join(repository, String(f))).isFile() ? statSync(join(repository, String(f))).size : 0), 0);
    const snapshots = JSON.parse(resticRun(['snapshots', '--json'])) as { paths: string[]; tags?: string[] }[];
    expect(snapshots).toEqual([expect.objectContaining({ paths: [staging], tags: ['mgmt'] })]);

    // The host is lost: the database (and the local dump) are gone.
    pg.run('dropdb', ['custodian']);
    rmSync(staging, { recursive: true, force: true });
    expect(pg.run('psql', ['-X', '-A', '-t', '-c', "select count(*) from pg_database where datname = 'custodian'"]).trim()).toBe('0');

    t = Date.now();
    const out = runScript(pg, RESTORE, { ...restic, BACKUP_STAGING: staging, BACKUP_DATABASES: 'custodian', RESTORE_ROOT: join(work, 'restored') });
    measured.restoreMs = Date.now() - t;
    expect(out).toContain('mgmt-restore: database custodian restored from snapshot latest');
    expect(fingerprint(pg, 'custodian')).toBe(before);
    expect(pg.run('psql', ['-X', '-A', '-t', '-d', 'custodian', '-c', 'select count(*) from events']).trim()).toBe('50000');
  });

  test('a failed dump stops the backup: the prepare script exits non-zero, keeps the last good dump and leaves no partial one', () => {
    const out = mkdtempSync(join(work, 'failing-'));
    runScript(pg, PREPARE, { BACKUP_STAGING: out, BACKUP_DATABASES: 'custodian' });
    const good = statSync(join(out, 'postgresql', 'custodian.dump')).size;
    expect(() => runScript(pg, PREPARE, { BACKUP_STAGING: out, BACKUP_DATABASES: 'custodian no_such_database' })).toThrow(/failed/);
    expect(readdirSync(join(out, 'postgresql'))).toEqual(['custodian.dump']);
    expect(statSync(join(out, 'postgresql', 'custodian.dump')).size).toBe(good);
  });

  test('the freshness metric: written on success only, valid exposition format (promtool), a failed run keeps the last success', () => {
    const metrics = mkdtempSync(join(work, 'textfile-'));
    const finish = (result: string) => spawnSync('bash', [FINISH], { env: { ...process.env, BACKUP_METRICS_DIR: metrics, SERVICE_RESULT: result }, encoding: 'utf8' });
    const before = Math.floor(Date.now() / 1000);
    expect(finish('success').status).toBe(0);
    const text = readFileSync(join(metrics, 'harmony_backup.prom'), 'utf8');
    const value = Number(/^harmony_backup_last_success_timestamp_seconds (\d+)$/m.exec(text)?.[1]);
    expect(value).toBeGreaterThanOrEqual(before);
    expect(value).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: lint.status, out: lint.stdout + lint.stderr }).toEqual({ status: 0, out: '' });

    writeFileSync(join(metrics, 'harmony_backup.prom'), 'harmony_backup_last_success_timestamp_seconds 1000\n');
    const failed = finish('exit-code');
    expect(failed.status).toBe(0);
    expect(failed.stderr).toContain('the backup failed (exit-code)');
    expect(readFileSync(join(metrics, 'harmony_backup.prom'), 'utf8')).toBe('harmony_backup_last_success_timestamp_seconds 1000\n');
    expect(readdirSync(metrics)).toEqual(['harmony_backup.prom']);
  });

  test('PostgreSQL is the version the drill claims', () => {
    expect(PG_BIN).toContain('15');
  });
});
