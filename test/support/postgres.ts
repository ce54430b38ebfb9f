import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's PostgreSQL 15 binaries (package postgresql-15). */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A throwaway PostgreSQL cluster: its own data directory, listening on a
 * unix socket only (no TCP port at all), stopped and removed by stop().
 * initdb refuses to run as root: as root it runs as the `postgres` user the
 * Debian package creates.
 */
export interface Postgres {
  readonly socketDir: string;
  /** libpq environment for clients. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs a program as the cluster's user, with the libpq environment; stdout. */
  readonly run: (program: string, args: readonly string[], extraEnv?: NodeJS.ProcessEnv) => string;
  readonly stop: () => void;
}

export function startPostgres(): Postgres {
  if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(`PostgreSQL not found in ${PG_BIN}: apt-get install postgresql-15 (or set PG_BIN)`);
  const root = mkdtempSync(join(tmpdir(), 'harmony-pg-'));
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? 'postgres' : userInfo().username;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
    chownSync(root, uid, gid);
  }
  chmodSync(root, 0o700);
  const data = join(root, 'data');
  const env: NodeJS.ProcessEnv = { PATH: `${PG_BIN}:${process.env.PATH}`, PGHOST: root, PGUSER: user, PGDATABASE: 'postgres', HOME: root, LANG: 'C.UTF-8' };
  const run = (program: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): string => {
    const argv = asRoot ? ['runuser', '-u', user, '--', 'env', ...Object.entries({ ...env, ...extraEnv }).map(([k, v]) => `${k}=${v}`), program, ...args] : [program, ...args];
    const r = spawnSync(argv[0], argv.slice(1), { env: { ...env, ...extraEnv }, encoding: 'utf8', cwd: root });
    if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  run(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', user, '--no-sync']);
  run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-w', '-l', join(root, 'log'), '-o', `-c listen_addresses='' -c unix_socket_directories='${root}' -c fsync=off`, 'start']);
  let stopped = false;
  return {
    socketDir: root,
    env,
    run,
    stop: () => {
      if (!stopped) {
        stopped = true;
        try {
          run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }
    },
  };
}
