import { createHash } from 'node:crypto';
import type { Fleet } from '../../config/types';
import { accountName, jwtResolver } from '../defaults';
import { bytes } from '../quantity';
import type { IdentityKeys } from './accounts';
import { SYSTEM_ACCOUNT, identityPermissions } from './accounts';
import type { ConfDoc } from './conf-format';
import { formatConfFragment } from './conf-format';
import type { ClaimsData, NatsClaim } from './jwt';
import { JwtError, decodeJwt, encodeJwt, keyPairOf, publicKeyOf } from './jwt';
import { accountClaim, operatorClaim, scopedSigningKey, userClaim } from './jwt-claims';
import type { CalloutSeeds, CalloutTokens } from './jwt-callout';
import { CALLOUT_ACCOUNT, CALLOUT_ROLE, appScopedKeys, calloutAccountClaim, calloutOf, calloutPermissions, calloutUserClaims } from './jwt-callout';
import { allowOnly } from './permissions';
import { RESOLVER_PUSH, resolverPushClaim } from './jwt-resolver-push';

/*
 * JWT mode (fleet.auth.mode 'jwt'): the servers trust an operator, not a
 * list of users. What they load is public (the operator's and the accounts'
 * JWTs); what a client presents is its user JWT plus a signature by its
 * seed. Every JWT is minted by the keys CLI (lib/secrets/jwt-commands.ts) from seeds in the
 * age store and committed in config/jwt.json, so synth reads tokens, signs
 * nothing and stays deterministic.
 */

/** The private half of JWT mode, kept in the age store. Signing keys oldest first: two during a rotation. */
export interface JwtSeeds {
  readonly operator: { readonly seed: string; readonly signingKeys: readonly string[] };
  /** SYS and the application account. */
  readonly accounts: { readonly [account: string]: { readonly seed: string; readonly signingKeys: readonly string[] } };
  /** User public keys refused from the given second on (a retired identity key). */
  readonly revocations: { readonly [userKey: string]: number };
  /** Auth callout's keys (fleet.auth.callout): the CALLOUT account, xkey, scoped key, responder and bearer users. */
  readonly callout?: CalloutSeeds;
  /** The full resolver's push user (`SU...`, auth.resolver 'full'): the one user of SYS, it sends account JWTs to the servers. */
  readonly resolverPush?: string;
  /** Push users refused from the given second on (rotated or removed), revoked in the SYS account JWT. */
  readonly systemRevocations?: { readonly [userKey: string]: number };
}

/** The public half, config/jwt.json: what servers load and clients present. */
export interface JwtBundle {
  readonly operator: string;
  readonly accounts: { readonly [account: string]: string };
  /** One user JWT per public key of config/identities.json, in its order. */
  readonly users: { readonly [identity: string]: readonly string[] };
  /** Auth callout: the responder's and the bearer user's JWTs (CALLOUT account). */
  readonly callout?: CalloutTokens;
  /** The full resolver's push user's JWT (SYS account, auth.resolver 'full'). */
  readonly resolverPush?: string;
}

const newest = (seeds: readonly string[]): string => seeds[seeds.length - 1];

/** The account's public key and its JWT claim as the fleet and the seeds say it should be. */
function expectedAccounts(fleet: Fleet, seeds: JwtSeeds): { readonly name: string; readonly key: string; readonly claim: NatsClaim }[] {
  const js = fleet.account.jetstream;
  const app = accountName(fleet);
  const account = (name: string) => seeds.accounts[name] ?? missing(`account ${name}`);
  const callout = calloutSeeds(fleet, seeds);
  const appKey = publicKeyOf(account(app).seed);
  return [
    {
      name: SYSTEM_ACCOUNT,
      key: publicKeyOf(account(SYSTEM_ACCOUNT).seed),
      claim: accountClaim({ signingKeys: account(SYSTEM_ACCOUNT).signingKeys.map(publicKeyOf), revocations: seeds.systemRevocations }),
    },
    {
      name: app,
      key: appKey,
      claim: accountClaim({
        signingKeys: account(app).signingKeys.map(publicKeyOf),
        scopedKeys: appScopedKeys(fleet, callout),
        jetstream: { maxMemory: bytes(js.maxMemory), maxFile: bytes(js.maxFile), maxStreams: js.maxStreams, maxConsumers: js.maxConsumers },
        revocations: seeds.revocations,
      }),
    },
    ...(callout ? [{ name: CALLOUT_ACCOUNT, key: publicKeyOf(callout.account.seed), claim: calloutAccountClaim(callout, appKey) }] : []),
  ];
}

/** The callout's seeds when the fleet asks for a callout (missing ones are an error naming the fix). */
function calloutSeeds(fleet: Fleet, seeds: JwtSeeds): CalloutSeeds | undefined {
  if (!calloutOf(fleet)) return undefined;
  return seeds.callout ?? missing('auth callout (fleet.auth.callout)');
}

function missing(what: string): never {
  throw new Error(`the age store has no JWT seeds for the ${what}; run \`npm run keys -- sync\` to mint them`);
}

/** Same subject and same `nats` claim: re-signing it would change only the issue time. */
const sameClaim = (token: string | undefined, sub: string, nats: NatsClaim, issuers: readonly string[]): boolean => {
  if (!token) return false;
  try {
    const c = decodeJwt(token);
    return c.sub === sub && issuers.includes(c.iss) && JSON.stringify(c.nats) === JSON.stringify(nats);
  } catch {
    return false;
  }
};

/**
 * Every JWT of the fleet, each signed by the newest signing key of its
 * issuer (so after a signing-key rotation every token moves to the new key
 * while the old one is still trusted, and retiring the old key disconnects
 * nobody). A token of `previous` with the same claim and that issuer is kept
 * as it is: re-running on an unchanged fleet changes no byte of
 * config/jwt.json. `iat` is the issue time (seconds) of whatever is signed anew.
 */
export function mintJwts(fleet: Fleet, keys: IdentityKeys, seeds: JwtSeeds, iat: number, previous?: JwtBundle): JwtBundle {
  const sys = publicKeyOf((seeds.accounts[SYSTEM_ACCOUNT] ?? missing(`account ${SYSTEM_ACCOUNT}`)).seed);
  const operatorSigning = seeds.operator.signingKeys.map(publicKeyOf);
  const operatorNats = operatorClaim({ signingKeys: operatorSigning, systemAccount: sys });
  const operatorKey = publicKeyOf(seeds.operator.seed);
  const operator = sameClaim(previous?.operator, operatorKey, operatorNats, [operatorKey])
    ? previous!.operator
    : encodeJwt(keyPairOf(seeds.operator.seed), { sub: operatorKey, name: 'harmony-operator', iat, nats: operatorNats });

  const accounts: { [name: string]: string } = {};
  for (const a of expectedAccounts(fleet, seeds)) {
    const before = previous?.accounts[a.name];
    accounts[a.name] = sameClaim(before, a.key, a.claim, [publicKeyOf(newest(seeds.operator.signingKeys))])
      ? before!
      : encodeJwt(keyPairOf(newest(seeds.operator.signingKeys)), { sub: a.key, name: a.name, iat, nats: a.claim });
  }

  const app = accountName(fleet);
  const appSeeds = seeds.accounts[app]!;
  const appKey = publicKeyOf(appSeeds.seed);
  const users: { [identity: string]: string[] } = {};
  for (const [identity, permissions] of identityPermissions(fleet)) {
    const nats = userClaim({ permissions, issuerAccount: appKey });
    users[identity] = (keys[identity] ?? []).map((userKey) => {
      // A revoked key gets no fresh token: issued after the revocation, it would pass.
      if (userKey in seeds.revocations) throw new Error(`${identity}'s key ${userKey} is revoked; config/identities.json must not list it (run \`npm run keys -- sync\`)`);
      const before = previous?.users[identity]?.find((t) => sameClaim(t, userKey, nats, [publicKeyOf(newest(appSeeds.signingKeys))]));
      return before ?? encodeJwt(keyPairOf(newest(appSeeds.signingKeys)), { sub: userKey, name: identity, iat, nats });
    });
  }
  const callout = calloutSeeds(fleet, seeds);
  const push = mintResolverPush(fleet, seeds, iat, previous?.resolverPush);
  return { operator, accounts, users, ...(callout ? { callout: mintCalloutUsers(callout, iat, previous?.callout) } : {}), ...(push ? { resolverPush: push } : {}) };
}

/** The full resolver's push user, signed by SYS's newest signing key (none with the MEMORY resolver). */
function mintResolverPush(fleet: Fleet, seeds: JwtSeeds, iat: number, previous: string | undefined): string | undefined {
  if (jwtResolver(fleet) !== 'full') return undefined;
  const seed = seeds.resolverPush ?? missing("full resolver's push user (auth.resolver 'full')");
  const sys = seeds.accounts[SYSTEM_ACCOUNT]!;
  const signer = newest(sys.signingKeys);
  const nats = resolverPushClaim(publicKeyOf(sys.seed));
  return sameClaim(previous, publicKeyOf(seed), nats, [publicKeyOf(signer)]) ? previous! : encodeJwt(keyPairOf(signer), { sub: publicKeyOf(seed), name: RESOLVER_PUSH, iat, nats });
}

function mintCalloutUsers(seeds: CalloutSeeds, iat: number, previous: CalloutTokens | undefined): CalloutTokens {
  const signer = newest(seeds.account.signingKeys);
  const claims = calloutUserClaims(seeds);
  const token = (name: keyof CalloutTokens) =>
    sameClaim(previous?.[name], claims[name].sub, claims[name].nats, [publicKeyOf(signer)])
      ? previous![name]
      : encodeJwt(keyPairOf(signer), { sub: claims[name].sub, name: `callout-${name}`, iat, nats: claims[name].nats });
  return { responder: token('responder'), bearer: token('bearer') };
}

/**
 * The user JWT of `identity`'s newest key, the one its clients hold (the
 * site stacks deliver it beside the newest seed).
 */
export function currentUserJwt(jwts: JwtBundle, keys: IdentityKeys, identity: string): string {
  const index = (keys[identity]?.length ?? 0) - 1;
  const token = jwts.users[identity]?.[index];
  if (index < 0 || !token) throw new Error(`config/jwt.json has no user JWT for ${identity}'s newest key; run \`npm run keys -- sync\``);
  return token;
}

/** The user JWT issued to the nkey `publicKey`, whichever identity it is, if `jwts` has one. */
export function userJwtFor(jwts: JwtBundle, publicKey: string): string | undefined {
  return Object.values(jwts.users)
    .flat()
    .find((token) => decodeJwt(token).sub === publicKey);
}

/** A claim decoded for the checks, or the reason it cannot be. */
function claimOf(token: string | undefined, what: string, problems: string[]): ClaimsData | undefined {
  if (!token) {
    problems.push(`${what}: no JWT`);
    return undefined;
  }
  try {
    return decodeJwt(token);
  } catch (e) {
    problems.push(`${what}: ${e instanceof JwtError ? e.message : 'not a JWT'}`);
    return undefined;
  }
}

/**
 * What is wrong with `bundle` for this fleet and these identity keys, read
 * from public data only (synth has no seed): every signature and the chain
 * of trust, the account's JetStream limits, each identity's permissions and
 * one user JWT per public key. Empty when the bundle can be deployed.
 */
export function checkJwts(fleet: Fleet, keys: IdentityKeys, bundle: JwtBundle): string[] {
  const problems: string[] = [];
  const op = claimOf(bundle.operator, 'operator', problems);
  if (!op) return problems;
  if (op.nats.type !== 'operator' || op.iss !== op.sub) problems.push('operator: not a self-signed operator JWT');
  const trusted = (op.nats.signing_keys as string[] | undefined) ?? [];

  const app = accountName(fleet);
  const accounts = new Map<string, ClaimsData>();
  for (const name of [SYSTEM_ACCOUNT, app]) {
    const c = claimOf(bundle.accounts[name], `account ${name}`, problems);
    if (!c) continue;
    if (c.nats.type !== 'account') problems.push(`account ${name}: not an account JWT`);
    if (!trusted.includes(c.iss)) problems.push(`account ${name}: signed by ${c.iss}, not by one of the operator's signing keys`);
    accounts.set(name, c);
  }
  if (accounts.get(SYSTEM_ACCOUNT) && op.nats.system_account !== accounts.get(SYSTEM_ACCOUNT)!.sub) {
    problems.push(`operator: its system account is ${String(op.nats.system_account)}, not the SYS account's key`);
  }
  checkResolverPush(fleet, bundle, accounts.get(SYSTEM_ACCOUNT), problems);
  const appClaim = accounts.get(app);
  if (!appClaim) return problems;
  checkCallout(fleet, bundle, trusted, appClaim, problems);

  const js = fleet.account.jetstream;
  const want = { mem_storage: bytes(js.maxMemory), disk_storage: bytes(js.maxFile), streams: js.maxStreams, consumer: js.maxConsumers };
  const limits = (appClaim.nats.limits ?? {}) as Record<string, unknown>;
  for (const [field, value] of Object.entries(want)) {
    if (limits[field] !== value) problems.push(`account ${app}: JetStream limit ${field} is ${String(limits[field])}, the fleet says ${value} (account.jetstream)`);
  }
  const signing = (appClaim.nats.signing_keys as string[] | undefined) ?? [];
  const revoked = (appClaim.nats.revocations ?? {}) as Record<string, number>;
  for (const [identity, permissions] of identityPermissions(fleet)) {
    // Each token verified once, then found by its subject.
    const bySubject = new Map((bundle.users[identity] ?? []).map((t) => claimOf(t, identity, [])).filter((c): c is ClaimsData => c !== undefined).map((c) => [c.sub, c]));
    (keys[identity] ?? []).forEach((userKey, i) => {
      const what = `user ${identity}[${i}]`;
      const c = bySubject.get(userKey);
      if (!c) {
        problems.push(`${what} (${userKey}): no JWT`);
        return;
      }
      if (!signing.includes(c.iss)) problems.push(`${what}: signed by ${c.iss}, not by a signing key of account ${app}`);
      if (c.nats.issuer_account !== appClaim.sub) problems.push(`${what}: issued for account ${String(c.nats.issuer_account)}, not ${app}`);
      if (userKey in revoked && revoked[userKey] >= c.iat) problems.push(`${what}: revoked in account ${app}, yet config/identities.json still lists it`);
      // The whole pub and sub objects: `pub: {}` (no allow, no deny) is no restriction at all to the server.
      if (JSON.stringify(c.nats.pub) !== JSON.stringify(allowOnly(permissions.publish)) || JSON.stringify(c.nats.sub) !== JSON.stringify(allowOnly(permissions.subscribe))) {
        problems.push(`${what}: its permissions are not the ones the fleet gives ${identity}`);
      }
    });
  }
  return problems;
}

/**
 * The callout's part of checkJwts: with fleet.auth.callout, the CALLOUT
 * account admits into the application account only, its two users are what
 * they should be, and the application account's scoped key grants exactly
 * callout.permissions; without it, none of that may linger in the bundle
 * (a stale CALLOUT account would keep admitting clients).
 */
function checkCallout(fleet: Fleet, bundle: JwtBundle, trusted: readonly string[], appClaim: ClaimsData, problems: string[]): void {
  const spec = calloutOf(fleet);
  const scoped = ((appClaim.nats.signing_keys ?? []) as unknown[]).filter((k): k is { role?: string; template?: unknown } => typeof k === 'object' && k !== null);
  if (!spec) {
    if (bundle.accounts[CALLOUT_ACCOUNT] || bundle.callout || scoped.length > 0) problems.push('auth callout: the fleet has no auth.callout, yet the bundle still carries a CALLOUT account, its users or a scoped signing key');
    return;
  }
  const want = JSON.stringify(scopedSigningKey('', CALLOUT_ROLE, calloutPermissions(spec)).template);
  if (scoped.length !== 1 || scoped[0].role !== CALLOUT_ROLE || JSON.stringify(scoped[0].template) !== want) {
    problems.push(`account ${accountName(fleet)}: its scoped signing key does not grant exactly auth.callout.permissions`);
  }
  const account = claimOf(bundle.accounts[CALLOUT_ACCOUNT], `account ${CALLOUT_ACCOUNT}`, problems);
  if (!account) return;
  if (!trusted.includes(account.iss)) problems.push(`account ${CALLOUT_ACCOUNT}: signed by ${account.iss}, not by one of the operator's signing keys`);
  const authz = (account.nats.authorization ?? {}) as { auth_users?: string[]; allowed_accounts?: string[]; xkey?: string };
  if (JSON.stringify(authz.allowed_accounts) !== JSON.stringify([appClaim.sub]) || authz.auth_users?.length !== 1 || !authz.xkey) {
    problems.push(`account ${CALLOUT_ACCOUNT}: its authorization must name one responder, an xkey, and admit into ${accountName(fleet)} only`);
  }
  const signers = (account.nats.signing_keys as string[] | undefined) ?? [];
  for (const name of ['responder', 'bearer'] as const) {
    const user = claimOf(bundle.callout?.[name], `callout ${name}`, problems);
    if (!user) continue;
    if (!signers.includes(user.iss) || user.nats.issuer_account !== account.sub) problems.push(`callout ${name}: not issued by account ${CALLOUT_ACCOUNT}'s signing key`);
    if (name === 'responder' && user.sub !== authz.auth_users?.[0]) problems.push(`callout responder: not the user account ${CALLOUT_ACCOUNT} lists in auth_users`);
    if (name === 'bearer' && user.nats.bearer_token !== true) problems.push('callout bearer: not a bearer token');
  }
}

/**
 * The push user's part of checkJwts: with the full resolver, one user of
 * SYS signed by SYS's signing key with exactly the push permissions; with
 * the MEMORY resolver, none (a stale one could still push).
 */
function checkResolverPush(fleet: Fleet, bundle: JwtBundle, sys: ClaimsData | undefined, problems: string[]): void {
  if (jwtResolver(fleet) !== 'full') {
    if (bundle.resolverPush) problems.push(`${RESOLVER_PUSH}: the fleet's resolver is not 'full' (auth.resolver), yet the bundle still carries the push user`);
    return;
  }
  const user = claimOf(bundle.resolverPush, RESOLVER_PUSH, problems);
  if (!user || !sys) return;
  if (!((sys.nats.signing_keys ?? []) as unknown[]).includes(user.iss) || user.nats.issuer_account !== sys.sub) problems.push(`${RESOLVER_PUSH}: not issued by a signing key of account ${SYSTEM_ACCOUNT}`);
  if (JSON.stringify(user.nats) !== JSON.stringify(resolverPushClaim(sys.sub))) problems.push(`${RESOLVER_PUSH}: its permissions are not the push user's (publish ${'$'}SYS.REQ.CLAIMS.UPDATE and lookups, subscribe its inbox)`);
}

/** Where every problem of checkJwts points an operator. */
export const JWT_FIX = 'run `npm run keys -- sync` to re-sign what changed, commit config/jwt.json, and give the re-issued credentials to their holders';

/**
 * The accounts include of JWT mode: the operator, the system account and
 * every account JWT preloaded. With the MEMORY resolver a config reload
 * applies a changed preload (nats-server reload.go: the resolver is
 * reconfigured and every account's claims updated), so revocations and
 * signing keys change without a restart. With the full resolver the
 * preload only seeds a server's directory at start (a stored JWT with a
 * later issue time wins, dirstore.go saveIfNewer); changes reach running
 * servers by a push (`npm run accounts -- push`, lib/operate/push-accounts.ts).
 */
export function jwtAccountsDoc(bundle: JwtBundle, resolver: 'memory' | 'full' = 'memory'): ConfDoc {
  const sys = decodeJwt(bundle.accounts[SYSTEM_ACCOUNT]).sub;
  return {
    operator: bundle.operator,
    system_account: sys,
    // The full resolver is configured beside the JetStream store (site-config.ts, FULL_RESOLVER): its directory is per server.
    ...(resolver === 'memory' ? { resolver: 'MEMORY' } : {}),
    resolver_preload: Object.fromEntries(
      Object.values(bundle.accounts)
        .map((token) => [decodeJwt(token).sub, token] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  };
}

/** The include text and its checksum, as renderAccounts gives them for nkeys mode. */
export function renderJwtAccounts(bundle: JwtBundle, resolver: 'memory' | 'full' = 'memory'): { readonly text: string; readonly checksum: string } {
  const text = formatConfFragment(jwtAccountsDoc(bundle, resolver));
  return { text, checksum: createHash('sha256').update(text).digest('hex') };
}
