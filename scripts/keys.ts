/**
 * `npm run keys -- <command>`: mints, rotates and re-encrypts the fleet's
 * secrets in secrets/nats.age. The commands live in
 * lib/secrets/keys-commands.ts; see secrets/README.md.
 */
import { fleet } from '../config/fleet';
import { runCli } from '../lib/secrets/keys-commands';

process.exitCode = runCli(process.argv.slice(2), {
  fleet,
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
