/**
 * `npm run accounts -- push`: sends config/jwt.json's account JWTs to every
 * server of a fleet running the full resolver (auth.resolver 'full'), as
 * the SYS account's push user, and reports each server's answer. Run it
 * after every deploy that changed config/jwt.json (docs/jwt-mode.md): the
 * full resolver takes no update from a reload.
 */
import { parseArgs } from 'node:util';
import { jwtResolver } from '../lib/defaults';
import { connectAs } from '../lib/kv/connect';
import { decodeJwt, publicKeyOf } from '../lib/nats/jwt';
import { RESOLVER_PUSH } from '../lib/nats/jwt-resolver-push';
import { PushRefusal, fleetServers, pushAccounts } from '../lib/operate/push-accounts';
import { IDENTITY_ENV } from '../lib/secrets/age';
import { readStore } from '../lib/secrets/store';
import { DEFAULT_SERVERS } from './kv';
import type { ProcessIo } from './process-io';
import { runOnProcess } from './process-io';

export const USAGE = `usage: npm run accounts -- push [options]

Sends every account JWT of config/jwt.json to the servers (auth.resolver 'full'), after checking that
no server holds a newer one, and waits for every server of every site to answer.

options:
  --servers <url,...>   NATS URLs of any site (default: ${DEFAULT_SERVERS}, a port-forward)
  --identity <file>     your age identity for secrets/nats.age (default: $${IDENTITY_ENV})
  --timeout <seconds>   how long to wait for the servers' answers (default: 10)

exit status: 0 every server stored every JWT; 1 a server refused one, or could not be reached;
2 usage; 3 refused, nothing pushed (a server holds a newer JWT, or the fleet has no full resolver);
4 pushed, but some servers did not answer (named: down, or cut off)`;

export interface AccountsCliIo extends ProcessIo {
  /** The age store (default secrets/nats.age). */
  readonly storeFile?: string;
}

export async function runAccountsCli(argv: readonly string[], io: AccountsCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { servers: { type: 'string' }, identity: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'push') {
    io.err(`${positionals.length ? `unknown command "${positionals.join(' ')}"` : 'no command'}\n\n${USAGE}`);
    return 2;
  }
  const timeoutMs = Number(values.timeout ?? 10) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    io.err(`--timeout must be a number of seconds, got "${values.timeout}"`);
    return 2;
  }
  if (jwtResolver(io.fleet) !== 'full') {
    io.err("refusing: the fleet's servers do not run the full resolver (set auth: { mode: 'jwt', resolver: 'full' }); with the MEMORY resolver a deploy applies config/jwt.json");
    return 3;
  }
  const bundle = io.jwts;
  if (!bundle?.resolverPush) {
    io.err(`refusing: config/jwt.json has no ${RESOLVER_PUSH} user; run \`npm run keys -- sync\`, commit and deploy first`);
    return 3;
  }
  const servers = (values.servers ?? DEFAULT_SERVERS).split(',').map((s) => s.trim()).filter(Boolean);
  let nc;
  try {
    const seed = readStore(values.identity || io.env[IDENTITY_ENV] || undefined, io.storeFile).jwt?.resolverPush;
    if (!seed || publicKeyOf(seed) !== decodeJwt(bundle.resolverPush).sub) throw new Error(`the store's ${RESOLVER_PUSH} seed is not the key of config/jwt.json's ${RESOLVER_PUSH} JWT; run \`npm run keys -- sync\``);
    nc = await connectAs(RESOLVER_PUSH, servers, { seed, jwt: bundle.resolverPush }, `harmony-${RESOLVER_PUSH}`);
  } catch (e) {
    io.err(`cannot connect to ${servers.join(', ')} as ${RESOLVER_PUSH}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const expected = fleetServers(io.fleet);
    const pushes = await pushAccounts(nc, bundle, expected, timeoutMs);
    let code = 0;
    for (const p of pushes) {
      const stored = p.answers.filter((a) => a.ok).length;
      io.out(`account ${p.account} (${p.key}): stored by ${stored} of ${expected.length} servers`);
      for (const a of p.answers.filter((x) => !x.ok)) {
        io.err(`  ${a.server} refused it: ${a.message}`);
        code = 1;
      }
      if (p.missing.length) {
        io.err(`  no answer from ${p.missing.join(', ')}: down, or cut off from the servers pushed to; a server that starts later takes the JWT from its peers (and its preload)`);
        if (code === 0) code = 4;
      }
    }
    return code;
  } catch (e) {
    if (e instanceof PushRefusal) {
      io.err(`refusing, nothing was pushed: ${e.message}`);
      return 3;
    }
    io.err(`push failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await nc.close();
  }
}

if (require.main === module) runOnProcess(runAccountsCli);
