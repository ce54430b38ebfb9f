import { fleet } from '../config/fleet';
import type { Fleet } from '../config/types';
import { IDENTITIES_FILE } from '../lib/identities';
import { jwtFileBeside, readJwtBundle } from '../lib/jwt-file';
import type { JwtBundle } from '../lib/nats/jwt-bundle';

/** What the kv and accounts CLIs take from their process. */
export interface ProcessIo {
  readonly fleet: Fleet;
  /** config/jwt.json, when there is one. */
  readonly jwts?: JwtBundle;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs a CLI on this process: its arguments, the deployed fleet, config/jwt.json, stdout and stderr; the CLI's status is the exit code. */
export function runOnProcess(cli: (argv: readonly string[], io: ProcessIo) => Promise<number>): void {
  void cli(process.argv.slice(2), {
    fleet,
    jwts: readJwtBundle(jwtFileBeside(IDENTITIES_FILE)),
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
