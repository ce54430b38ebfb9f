import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A stand-in for natscli's `nats request` (natscli is not packaged for
 * Debian, and nothing here may fetch it), for the commands our scripts
 * run. It reproduces natscli v0.2.4, the version nats-box 0.18.1 ships,
 * read from its source (`cli/pub_command.go`, `nats/main.go`, fisk):
 *
 * - global flags `--no-context`, `--server URL[,URL]`, `--nkey SEEDFILE`,
 *   `--creds FILE` (a creds file: user JWT and seed, JWT mode),
 *   `--timeout DURATION` (a unit is required: `10s`; a bare number is
 *   refused), `--inbox-prefix PREFIX`;
 * - a request that times out: exit 0, nothing on stdout or stderr;
 * - no responders: exit 0, `HH:MM:SS No responders are available` on stderr;
 * - a reply with `--raw`: the body on stdout followed by two blank lines
 *   (`outPutMSGBody`), exit 0;
 * - a connection or authorization failure: `nats: error: ...`, exit 1.
 *
 * It is not natscli: what it proves is that our scripts handle these
 * outcomes, each of which a real server produces in the e2e tests.
 */
const SOURCE = (transport: string) => `#!/usr/bin/env node
const { connect, credsAuthenticator, nkeyAuthenticator } = require(${JSON.stringify(transport)});
const fail = (message) => { process.stderr.write('nats: error: ' + message + '\\n'); process.exit(1); };
const args = process.argv.slice(2);
const flags = {};
const positional = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--no-context' || a === '--raw') flags[a] = true;
  else if (a.startsWith('--')) { const [k, v] = a.includes('=') ? a.split(/=(.*)/s) : [a, args[++i]]; flags[k] = v; }
  else positional.push(a);
}
const duration = (text) => {
  const m = /^([\\d.]+)(ms|s|m|h)$/.exec(text ?? '5s');
  if (!m) fail('invalid duration ' + JSON.stringify(text));
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2]];
};
const timeout = duration(flags['--timeout']);
const [command, subject, body] = positional;
if (command !== 'request' || !subject) fail('stand-in: only "request SUBJECT [BODY]"');
(async () => {
  let nc;
  try {
    const read = (file) => require('node:fs').readFileSync(file, 'utf8');
    const authenticator = flags['--creds']
      ? credsAuthenticator(new TextEncoder().encode(read(flags['--creds'])))
      : flags['--nkey'] ? nkeyAuthenticator(new TextEncoder().encode(read(flags['--nkey']).trim())) : undefined;
    nc = await connect({
      servers: (flags['--server'] ?? 'nats://localhost:4222').split(','),
      authenticator,
      inboxPrefix: flags['--inbox-prefix'],
      timeout: 5000,
      maxReconnectAttempts: 0,
    });
  } catch (e) { fail(e.message); }
  try {
    const reply = await nc.request(subject, body ?? '', { timeout });
    const text = new TextDecoder().decode(reply.data);
    process.stdout.write(text.endsWith('\\n') ? text + '\\n' : text + '\\n\\n\\n');
  } catch (e) {
    const noResponders = e.name === 'NoResponders' || e.cause?.name === 'NoResponders' || (typeof e.isNoResponders === 'function' && e.isNoResponders());
    const timedOut = e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError';
    if (noResponders) process.stderr.write(new Date().toTimeString().slice(0, 8) + ' No responders are available\\n');
    else if (!timedOut) { await nc.close(); fail(e.message); }
  }
  await nc.close();
})();
`;

/** Writes the stand-in as `<dir>/nats` (executable) and returns its path. */
export function installNatscliStandin(dir: string): string {
  const path = join(dir, 'nats');
  writeFileSync(path, SOURCE(require.resolve('@nats-io/transport-node')));
  chmodSync(path, 0o755);
  return path;
}
