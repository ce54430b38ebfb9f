import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { createAccount, createUser } from 'nkeys.js';
import type { Fleet } from '../../config/types';
import type { UserCredential } from '../../lib/kv/connect';
import { connectAs } from '../../lib/kv/connect';
import { waitFor } from '../../lib/local/readiness';
import { decodeJwt, encodeJwt, publicKeyOf } from '../../lib/nats/jwt';
import type { JwtBundle, JwtSeeds } from '../../lib/nats/jwt-bundle';
import { mintJwts } from '../../lib/nats/jwt-bundle';
import { userClaim } from '../../lib/nats/jwt-claims';
import { CLAIMS_UPDATE_SUBJECT, RESOLVER_PUSH } from '../../lib/nats/jwt-resolver-push';
import { PushRefusal, pushAccounts } from '../../lib/operate/push-accounts';
import { currentKey, newIdentityKey, newUserSeed, publicKeys } from '../../lib/secrets/material';
import { writeStore } from '../../lib/secrets/store';
import { runAccountsCli } from '../../scripts/accounts';
import { ageIdentity } from '../support/age-identity';
import { e2eFleet } from './harness';
import { subscribeRefused } from './probes';
import { accountSuite } from './suites/account';

const fullFleet: Fleet = { ...e2eFleet, auth: { mode: 'jwt', resolver: 'full' } };
const now = (): number => Math.floor(Date.now() / 1000);
const PUB_DENIED = /Permissions Violation for Publish/;

// The full resolver: the same probes as nkeys and MEMORY mode, then what
// only it has: updates by a push through the system account.
accountSuite(fullFleet, (sc) => {
  const open: NatsConnection[] = [];
  /** What the servers hold after the revocation test: the CLI test pushes it. */
  let latest: JwtBundle | undefined;
  const pusher = async (): Promise<NatsConnection> => {
    const nc = await connectAs(RESOLVER_PUSH, sc.cluster.clientUrls('site-1'), { seed: sc.material.jwt!.resolverPush!, jwt: sc.cluster.jwts.resolverPush }, 'e2e-push');
    open.push(nc);
    return nc;
  };
  const everyServer = () => sc.cluster.servers.map((s) => s.name);
  /** Which servers of the whole fleet accept `credential` right now. */
  const accepting = (credential: UserCredential) =>
    Promise.all(
      sc.cluster.servers.map(async (server) => {
        try {
          await (await connectAs('agent', [`nats://${server.host}:${server.ports.client}`], credential, 'full-probe')).close();
          return true;
        } catch {
          return false;
        }
      }),
    );
  const storedJwt = (serverIndex: number, account: string): string | undefined => {
    const file = join(sc.cluster.servers[serverIndex].storeDir, 'resolver', `${account}.jwt`);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
  });

  describe('the full resolver on real nats-server', () => {
    test('every server keeps each account JWT in its own directory, seeded from the include, which has no MEMORY resolver', () => {
      const include = readFileSync(join(sc.cluster.servers[0].dir, 'nats-accounts', 'accounts.conf'), 'utf8');
      expect(include).not.toMatch(/MEMORY/);
      expect(include).toMatch(/"resolver_preload"/);
      const harmony = decodeJwt(sc.cluster.jwts.accounts.HARMONY).sub;
      for (const i of sc.cluster.servers.keys()) expect(storedJwt(i, harmony)).toBe(sc.cluster.jwts.accounts.HARMONY);
    });

    test('the push user publishes the claims update and lookups and nothing else, and subscribes only to its inbox', async () => {
      const nc = await pusher();
      await expect(nc.request('$SYS.REQ.SERVER.PING', '', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
      await expect(nc.request('$SYS.REQ.CLAIMS.DELETE', '{}', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
      await expect(nc.request(`$SYS.REQ.ACCOUNT.${decodeJwt(sc.cluster.jwts.accounts.HARMONY).sub}.CLAIMS.UPDATE`, sc.cluster.jwts.accounts.HARMONY, { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
      await expect(nc.request('$JS.API.INFO', '', { timeout: 2000 })).rejects.toThrow(PUB_DENIED);
      expect(await subscribeRefused(nc, '$SYS.>')).toMatch(/Permissions Violation for Subscription to "\$SYS\.>"/);
      expect(await subscribeRefused(nc, '_INBOX.>')).toMatch(/Permissions Violation for Subscription/);
      // It is in SYS: the application account's subjects are not even there.
      expect(decodeJwt(sc.cluster.jwts.resolverPush!).nats.issuer_account).toBe(decodeJwt(sc.cluster.jwts.accounts.SYS).sub);
    });

    test('an account JWT the operator did not sign is stored when pushed and admits none of its users; running servers keep the account, a restarted one refuses its clients until the real one is pushed again', async () => {
      const nc = await pusher();
      const harmony = decodeJwt(sc.cluster.jwts.accounts.HARMONY).sub;
      const rogueSigner = createAccount();
      const rogueAccount = encodeJwt(createAccount(), {
        sub: harmony,
        name: 'HARMONY',
        iat: now() + 3600,
        nats: { ...decodeJwt(sc.cluster.jwts.accounts.HARMONY).nats, signing_keys: [rogueSigner.getPublicKey()], revocations: {} },
      });
      const answers = (await nc.requestMany(CLAIMS_UPDATE_SUBJECT, rogueAccount, { strategy: 'count', maxMessages: everyServer().length, maxWait: 10_000 })) as AsyncIterable<{ string(): string }>;
      const verdicts: string[] = [];
      for await (const m of answers) verdicts.push(JSON.parse(m.string()).data?.message ?? JSON.parse(m.string()).error?.description);
      expect(verdicts).toHaveLength(everyServer().length);
      const rogueUser = createUser();
      const rogueCredential = {
        seed: new TextDecoder().decode(rogueUser.getSeed()),
        jwt: encodeJwt(rogueSigner, { sub: rogueUser.getPublicKey(), name: 'rogue', iat: now(), nats: userClaim({ permissions: { publish: ['>'], subscribe: ['>'] }, issuerAccount: harmony }) }),
      };
      expect(await accepting(rogueCredential)).toEqual(everyServer().map(() => false));
      // Measured on 2.10.27 and 2.15.1: every server stores it (the resolver checks the format, not the signer),
      // the running account keeps its claims (the update fails the operator check), so the agent is still admitted.
      expect(verdicts).toEqual(everyServer().map(() => 'jwt updated'));
      expect(storedJwt(0, harmony)).toBe(rogueAccount);
      expect(await accepting(sc.cluster.credentials('agent'))).toEqual(everyServer().map(() => true));
      // But a server that restarts now loads the stored rogue JWT, fails the operator check, and refuses the account's clients
      // (measured on both versions): a denial of service until the next push.
      const victim = sc.cluster.serversOf('site-1')[1];
      await sc.cluster.stopServer(victim);
      sc.cluster.startServer(victim);
      await sc.cluster.waitReady(60_000);
      expect(storedJwt(sc.cluster.servers.indexOf(victim), harmony)).toBe(rogueAccount);
      expect(await accepting(sc.cluster.credentials('agent'))).toEqual(sc.cluster.servers.map((s) => s !== victim));
      // The rogue JWT's later issue time does not stop the operator's push: only operator-signed JWTs count as newer.
      const pushes = await pushAccounts(nc, sc.cluster.jwts, everyServer(), 10_000);
      for (const p of pushes) {
        expect(p.missing).toEqual([]);
        expect(p.answers.map((a) => a.ok)).toEqual(everyServer().map(() => true));
      }
      for (const i of sc.cluster.servers.keys()) expect(storedJwt(i, harmony)).toBe(sc.cluster.jwts.accounts.HARMONY);
      // The push repairs the restarted server too.
      await waitFor('every server to admit the agent', () => accepting(sc.cluster.credentials('agent')), (a) => a.every(Boolean), 10_000);
      expect(await accepting(rogueCredential)).toEqual(everyServer().map(() => false));
    });

    test('the push refuses to replace a newer operator-signed JWT with an older one, and pushes nothing', async () => {
      const nc = await pusher();
      const seeds = sc.material.jwt!;
      const older: JwtBundle = mintJwts(sc.cluster.fleet, publicKeys(sc.material), seeds, decodeJwt(sc.cluster.jwts.accounts.HARMONY).iat - 60);
      await expect(pushAccounts(nc, older, everyServer(), 10_000)).rejects.toThrow(PushRefusal);
      await expect(pushAccounts(nc, older, everyServer(), 10_000)).rejects.toThrow(/account HARMONY: a server holds a JWT issued at \d+, later than config\/jwt\.json's/);
      const harmony = decodeJwt(sc.cluster.jwts.accounts.HARMONY).sub;
      for (const i of sc.cluster.servers.keys()) expect(storedJwt(i, harmony)).toBe(sc.cluster.jwts.accounts.HARMONY);
    });

    test('rotating the push user: after the deploy the new user pushes, SYS last, and from then on every server refuses the old one', async () => {
      const oldSeed = sc.material.jwt!.resolverPush!;
      const oldCredential = { seed: oldSeed, jwt: sc.cluster.jwts.resolverPush! };
      const rotatedSeeds: JwtSeeds = { ...sc.material.jwt!, resolverPush: newUserSeed(), systemRevocations: { [publicKeyOf(oldSeed)]: now() } };
      const rotated = mintJwts(sc.cluster.fleet, publicKeys(sc.material), rotatedSeeds, now() + 1, sc.cluster.jwts);
      expect(rotated.accounts.HARMONY).toBe(sc.cluster.jwts.accounts.HARMONY);
      expect(decodeJwt(rotated.accounts.SYS).nats.revocations).toEqual({ [publicKeyOf(oldSeed)]: expect.any(Number) });
      sc.cluster.reloadJwts(rotated);
      (sc.material as { jwt: JwtSeeds }).jwt = rotatedSeeds;
      const newCredential = { seed: rotatedSeeds.resolverPush!, jwt: rotated.resolverPush! };
      await waitFor('every server to admit the new push user', () => accepting(newCredential), (a) => a.every(Boolean), 10_000);

      const pushes = await pushAccounts(await pusher(), rotated, everyServer(), 10_000);
      expect(pushes.map((p) => [p.account, p.answers.filter((a) => a.ok).length, p.missing])).toEqual([
        ['HARMONY', everyServer().length, []],
        ['SYS', everyServer().length, []],
      ]);
      await waitFor('every server to refuse the old push user', () => accepting(oldCredential), (a) => a.every((ok) => !ok), 10_000);
      expect(await accepting(newCredential)).toEqual(everyServer().map(() => true));
    });

    // Last: it changes the agent's key under the other tests.
    test('a revocation reaches every server of every site by one push, with no reload, and survives a restart on the older include', async () => {
      const old = currentKey(sc.material, 'agent');
      const oldCredential = sc.cluster.credentials('agent');
      const before = sc.cluster.jwts;
      const fresh = newIdentityKey();
      const keys = publicKeys({ ...sc.material, identities: { ...sc.material.identities, agent: [fresh] } });
      const revoked: JwtSeeds = { ...sc.material.jwt!, revocations: { ...sc.material.jwt!.revocations, [old.publicKey]: now() } };
      const after = mintJwts(sc.cluster.fleet, keys, revoked, now() + 1, before);
      latest = after;
      expect(after.accounts.SYS).toBe(before.accounts.SYS);
      const freshCredential = { seed: fresh.seed, jwt: after.users.agent[0] };
      expect(await accepting(oldCredential)).toEqual(everyServer().map(() => true));

      // The include is not touched: the push alone must do it.
      const pushes = await pushAccounts(await pusher(), after, everyServer(), 10_000);
      expect(pushes.map((p) => p.account)).toEqual(['HARMONY', 'SYS']);
      for (const p of pushes) {
        expect(p.missing).toEqual([]);
        expect(p.answers.every((a) => a.ok && a.message === 'jwt updated')).toBe(true);
      }
      await waitFor('every server to refuse the revoked key', () => accepting(oldCredential), (a) => a.every((ok) => !ok), 10_000);
      expect(await accepting(freshCredential)).toEqual(everyServer().map(() => true));

      // A server restarted on the include from before the revocation keeps the newer JWT (saveIfNewer), and so do its peers.
      const restarted = sc.cluster.serversOf('site-2')[0];
      await sc.cluster.stopServer(restarted);
      sc.cluster.startServer(restarted);
      await sc.cluster.waitReady(60_000);
      const harmony = decodeJwt(after.accounts.HARMONY).sub;
      expect(storedJwt(sc.cluster.servers.indexOf(restarted), harmony)).toBe(after.accounts.HARMONY);
      expect(await accepting(oldCredential)).toEqual(everyServer().map(() => false));
      expect(await accepting(freshCredential)).toEqual(everyServer().map(() => true));

      const nc = await connectAs('agent', sc.cluster.clientUrls('site-2'), freshCredential, 'after-push');
      open.push(nc);
      await (await new Kvm(nc).open('HARMONY', { allow_direct: true })).put('agent.revocation', 'new key');
    });

    // After the revocation test: it pushes what that test left on the servers, and stops a site.
    test('npm run accounts -- push: refuses an older bundle (exit 3), stores the current one on every server (exit 0), names the servers that did not answer (exit 4)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'accounts-cli-'));
      try {
        const me = ageIdentity(dir, 'me.txt');
        writeFileSync(join(dir, 'recipients.txt'), `${me.recipient}\n`);
        const storeFile = join(dir, 'nats.age');
        writeStore(sc.material, join(dir, 'recipients.txt'), storeFile);
        const run = async (jwts: JwtBundle, timeoutSeconds = '5') => {
          const out: string[] = [];
          const err: string[] = [];
          const code = await runAccountsCli(['push', '--servers', sc.cluster.clientUrls('site-1').join(','), '--timeout', timeoutSeconds], {
            fleet: sc.cluster.fleet,
            jwts,
            storeFile,
            env: { AGE_IDENTITY_FILE: me.file },
            out: (l) => out.push(l),
            err: (l) => err.push(l),
          });
          return { code, out, err };
        };
        const stale = await run(sc.cluster.jwts);
        expect(stale.code).toBe(3);
        expect(stale.out).toEqual([]);
        expect(stale.err[0]).toMatch(/^refusing, nothing was pushed: account HARMONY: a server holds a JWT issued at \d+, later than config\/jwt\.json's/);

        const ok = await run(latest!);
        expect(ok).toEqual({
          code: 0,
          out: [`account HARMONY (${decodeJwt(latest!.accounts.HARMONY).sub}): stored by 9 of 9 servers`, `account SYS (${decodeJwt(latest!.accounts.SYS).sub}): stored by 9 of 9 servers`],
          err: [],
        });

        await sc.cluster.stopSite('site-3');
        // Each lookup and each push waits the whole --timeout for the three that never answer.
        const partial = await run(latest!, '1');
        expect(partial.code).toBe(4);
        expect(partial.out[0]).toMatch(/^account HARMONY \(A[A-Z2-7]{55}\): stored by 6 of 9 servers$/);
        expect(partial.err[0]).toBe(
          '  no answer from site-3-nats-0, site-3-nats-1, site-3-nats-2: down, or cut off from the servers pushed to; a server that starts later takes the JWT from its peers (and its preload)',
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
