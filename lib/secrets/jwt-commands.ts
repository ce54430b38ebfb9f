import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { accountName, issuesJwts, jwtResolver } from '../defaults';
import { jwtFileBeside, readJwtBundle } from '../jwt-file';
import { decodeJwt, publicKeyOf } from '../nats/jwt';
import type { JwtBundle, JwtSeeds } from '../nats/jwt-bundle';
import { mintJwts } from '../nats/jwt-bundle';
import { SYSTEM_ACCOUNT } from '../nats/accounts';
import type { KeysContext } from './keys-commands';
import { save } from './keys-commands';
import type { SecretMaterial } from './material';
import { currentKey, newCalloutSeeds, newJwtSeeds, newSigningKey, newUserSeed, publicKeys } from './material';
import { RESOLVER_PUSH } from '../nats/jwt-resolver-push';
import { CALLOUT_ACCOUNT, calloutOf } from '../nats/jwt-callout';
import { displayPath, readStore } from './store';

/*
 * The keys CLI in JWT mode (fleet.auth.mode 'jwt'). The seeds stay in the
 * age store; config/jwt.json holds only what they signed. Every command
 * that saves the store re-mints that file (keys-commands.ts `save`), so it
 * never lags behind the store it was signed from.
 */

/** The keys CLI's clock, in seconds: issue times of new JWTs and revocation times. */
export const nowSeconds = (ctx: KeysContext): number => (ctx.now ? ctx.now() : Math.floor(Date.now() / 1000));

/** JWT mode's keys and tokens are kept: in JWT mode and while preparing the move to it (auth.prepareJwt). */
export const jwtMode = (ctx: KeysContext): boolean => issuesJwts(ctx.fleet);

/** Refuses a JWT-only command when the fleet uses static nkeys only. */
export function assertJwtMode(ctx: KeysContext, command: string): void {
  if (jwtMode(ctx)) return;
  throw new Error(
    `\`${command}\` works in JWT mode only, and fleet.auth.mode is 'nkeys'${ctx.fleet.auth ? '' : ' (the default)'}; ` +
      "set auth: { mode: 'jwt' } (or, moving a running fleet, auth: { mode: 'nkeys', prepareJwt: true }: docs/jwt-migration.md) in config/fleet.ts and run `npm run keys -- sync` first",
  );
}

/** The store's JWT seeds; a JWT-mode store without them must be synced first. */
export function jwtSeedsOf(material: SecretMaterial): JwtSeeds {
  if (!material.jwt) throw new Error("the store has no JWT seeds, yet the fleet uses JWTs (auth.mode 'jwt', or auth.prepareJwt); run `npm run keys -- sync` to mint them; nothing was written");
  return material.jwt;
}

/**
 * The creds file of a user (nats-io/jwt v2 creds_utils.go
 * FormatUserConfig): what `nats --creds` and every client library read.
 * It holds the seed: hand it to its holder only.
 */
export function formatCreds(jwt: string, seed: string): string {
  const claims = decodeJwt(jwt);
  if (claims.nats.type !== 'user') throw new Error(`a creds file holds a user JWT, not a ${claims.nats.type} JWT`);
  if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new Error('a creds file holds a user nkey seed (SU...)');
  if (publicKeyOf(seed) !== claims.sub) throw new Error(`the seed is not the key of the JWT's subject ${claims.sub}`);
  return (
    `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
    '************************* IMPORTANT *************************\n' +
    'NKEY Seed printed below can be used to sign and prove identity.\n' +
    'NKEYs are sensitive and should be treated as secrets.\n\n' +
    `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n\n` +
    '*************************************************************\n'
  );
}

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
        )
      : v;

/** The text of config/jwt.json: keys sorted, 2-space JSON, trailing newline. */
export const jwtBundleJson = (bundle: JwtBundle): string => `${JSON.stringify(sortKeys(bundle), null, 2)}\n`;

/**
 * A token's subject, for a report line only: no trust rests on it, and
 * verifying every signature again would cost more than the minting did
 * (mintJwts and checkJwts verify).
 */
const subjectOf = (token: string): string | undefined => {
  try {
    const sub: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
};

/** One line per token of `after` not in `before` (signed or re-signed) and per user token dropped. */
export function tokenChanges(before: JwtBundle | undefined, after: JwtBundle): string[] {
  const lines: string[] = [];
  const compare = (what: string, now: readonly string[], old: readonly string[]) => {
    const oldSubjects = old.map(subjectOf);
    for (const token of now.filter((t) => !old.includes(t))) {
      const sub = subjectOf(token);
      lines.push(`jwt: ${oldSubjects.includes(sub) ? 're-signed' : 'signed'} ${what} (${sub})`);
    }
    const nowSubjects = now.map(subjectOf);
    for (const sub of oldSubjects.filter((s) => s !== undefined && !nowSubjects.includes(s))) lines.push(`jwt: dropped ${what} (${sub})`);
  };
  compare('operator', [after.operator], before ? [before.operator] : []);
  for (const name of Object.keys(after.accounts).sort()) compare(`account ${name}`, [after.accounts[name]], before?.accounts[name] ? [before.accounts[name]] : []);
  const identities = [...new Set([...Object.keys(after.users), ...Object.keys(before?.users ?? {})])].sort();
  for (const identity of identities) compare(`user ${identity}`, after.users[identity] ?? [], before?.users[identity] ?? []);
  const pushUser = (b: JwtBundle | undefined) => (b?.resolverPush ? [b.resolverPush] : []);
  compare(`push user ${RESOLVER_PUSH}`, pushUser(after), pushUser(before));
  return lines;
}

/**
 * config/jwt.json for `material`, minted before anything is written (a
 * revoked key still listed throws here, not halfway through a save): the
 * file, its new text, what changed, and `write`, which leaves an unchanged
 * file untouched.
 */
export function mintJwtFile(ctx: KeysContext, material: SecretMaterial): { readonly file: string; readonly changes: readonly string[]; readonly write: () => void } {
  const file = jwtFileBeside(ctx.identitiesFile);
  const previous = readJwtBundle(file);
  const bundle = mintJwts(ctx.fleet, publicKeys(material), jwtSeedsOf(material), nowSeconds(ctx), previous);
  const text = jwtBundleJson(bundle);
  const write = () => {
    if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  return { file, changes: tokenChanges(previous, bundle), write };
}

/**
 * sync's part in JWT mode: seeds for whatever the store lacks (all of them
 * when the fleet just switched to JWT mode, an account when it was renamed),
 * and a revocation of every key of an identity dropped from the fleet.
 * Dropping its user from the config is not enough here: its JWT, signed by
 * the account, would stay valid; the account JWT's revocation refuses it.
 */
export function syncJwtSeeds(ctx: KeysContext, material: SecretMaterial, removed: readonly string[], changes: string[]): JwtSeeds {
  const app = accountName(ctx.fleet);
  let fresh: JwtSeeds | undefined;
  const mint = (): JwtSeeds => (fresh ??= newJwtSeeds(ctx.fleet));
  if (!material.jwt) changes.push(`jwt: new operator and account keys (${SYSTEM_ACCOUNT}, ${app}) for fleet.auth.mode 'jwt'`);
  const seeds = material.jwt ?? mint();
  const accounts = { ...seeds.accounts };
  for (const name of [SYSTEM_ACCOUNT, app].filter((a) => !accounts[a])) {
    accounts[name] = mint().accounts[name];
    changes.push(`jwt: new account keys for ${name}`);
  }
  // A callout the fleet asks for gets its keys; one it dropped loses them (the bundle then drops the CALLOUT account and the scoped key).
  let callout = seeds.callout;
  if (calloutOf(ctx.fleet) && !callout) {
    callout = newCalloutSeeds();
    changes.push(`jwt: new auth callout keys (account ${CALLOUT_ACCOUNT}, xkey, a signing key of ${app} scoped to auth.callout.permissions, the responder and bearer users)`);
  } else if (!calloutOf(ctx.fleet) && callout) {
    callout = undefined;
    changes.push(`jwt: auth callout removed (no auth.callout in the fleet): account ${CALLOUT_ACCOUNT} and the scoped signing key leave the account JWTs at the next deploy`);
  }
  // The full resolver's push user exists exactly while auth.resolver is 'full'; a dropped one is revoked (its JWT would stay valid).
  let resolverPush = seeds.resolverPush;
  let systemRevocations = seeds.systemRevocations;
  if (jwtResolver(ctx.fleet) === 'full' && !resolverPush) {
    resolverPush = newUserSeed();
    changes.push(`jwt: new push user ${RESOLVER_PUSH} in account ${SYSTEM_ACCOUNT} for auth.resolver 'full' (npm run accounts -- push)`);
  } else if (jwtResolver(ctx.fleet) !== 'full' && resolverPush) {
    systemRevocations = { ...systemRevocations, [publicKeyOf(resolverPush)]: nowSeconds(ctx) };
    resolverPush = undefined;
    changes.push(`jwt: push user ${RESOLVER_PUSH} removed and revoked in account ${SYSTEM_ACCOUNT} (auth.resolver is not 'full'): its JWT leaves config/jwt.json`);
  }
  const revocations = { ...seeds.revocations };
  const now = nowSeconds(ctx);
  for (const name of removed) {
    for (const key of material.identities[name].map((k) => k.publicKey).filter((k) => !(k in revocations))) {
      revocations[key] = now;
      changes.push(`identity ${name}: revoked ${key} in account ${app}; a client presenting its JWT is refused once this is deployed`);
    }
  }
  const { callout: _dropped, resolverPush: _droppedPush, systemRevocations: _sys, ...rest } = seeds;
  return { ...rest, accounts, revocations, ...(callout ? { callout } : {}), ...(resolverPush ? { resolverPush } : {}), ...(systemRevocations ? { systemRevocations } : {}) };
}

/** retire's part in JWT mode: the retired key is revoked, so its JWT stops working too. */
export function revokeKey(ctx: KeysContext, material: SecretMaterial, key: string): JwtSeeds {
  const seeds = jwtSeedsOf(material);
  return { ...seeds, revocations: { ...seeds.revocations, [key]: nowSeconds(ctx) } };
}

/** The application account's seeds, checked. */
function appAccount(ctx: KeysContext, material: SecretMaterial): { readonly name: string; readonly seeds: JwtSeeds; readonly signingKeys: readonly string[] } {
  const seeds = jwtSeedsOf(material);
  const name = accountName(ctx.fleet);
  const account = seeds.accounts[name];
  if (!account) throw new Error(`the store has no JWT keys for account ${name} (account.name); run \`npm run keys -- sync\` to mint them`);
  return { name, seeds, signingKeys: account.signingKeys };
}

/**
 * `jwt-rotate-signing-key`: a second signing key for the application
 * account. Every user JWT is re-signed by it (mintJwts signs with the
 * newest key) while the account JWT still lists the old one, so clients
 * connected with old tokens stay connected until the old key is retired.
 */
export function rotateSigningKey(ctx: KeysContext): SecretMaterial {
  assertJwtMode(ctx, 'jwt-rotate-signing-key');
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const { name, seeds, signingKeys } = appAccount(ctx, material);
  if (signingKeys.length >= 2) {
    throw new Error(`account ${name} already has 2 signing keys (a rotation is under way); finish it with \`npm run keys -- jwt-retire-signing-key\` once every client uses its new creds, then rotate again`);
  }
  const added = newSigningKey('account');
  const updated: SecretMaterial = { ...material, jwt: { ...seeds, accounts: { ...seeds.accounts, [name]: { ...seeds.accounts[name], signingKeys: [...signingKeys, added] } } } };
  save(ctx, updated, material);
  ctx.out(`account ${name}: added signing key ${publicKeyOf(added)} and re-signed every user JWT with it; the old key ${publicKeyOf(signingKeys[0])} stays trusted`);
  ctx.out('next:');
  ctx.out(`  1. commit ${displayPath(ctx.storeFile)} and ${displayPath(jwtFileBeside(ctx.identitiesFile))}, and deploy: every server trusts both keys, no client is disconnected`);
  ctx.out('  2. that deploy gives agent, provisioner and kv-snapshot their new creds; give every other identity its new creds (`npm run keys -- creds <identity>`) and restart it');
  ctx.out('  3. once no client uses its old creds: `npm run keys -- jwt-retire-signing-key`, commit and deploy');
  return updated;
}

/** `jwt-retire-signing-key`: drops the application account's oldest signing key, and with it every JWT it signed. */
export function retireSigningKey(ctx: KeysContext): SecretMaterial {
  assertJwtMode(ctx, 'jwt-retire-signing-key');
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const { name, seeds, signingKeys } = appAccount(ctx, material);
  if (signingKeys.length < 2) throw new Error(`account ${name} has only one signing key, nothing to retire; start a rotation with \`npm run keys -- jwt-rotate-signing-key\``);
  const updated: SecretMaterial = { ...material, jwt: { ...seeds, accounts: { ...seeds.accounts, [name]: { ...seeds.accounts[name], signingKeys: signingKeys.slice(1) } } } };
  save(ctx, updated, material);
  ctx.out(`account ${name}: retired signing key ${publicKeyOf(signingKeys[0])}; ${publicKeyOf(signingKeys[1])} is its only one`);
  ctx.warn(`user JWTs signed by ${publicKeyOf(signingKeys[0])} become invalid once this is deployed: clients still using old creds are refused`);
  return updated;
}

/**
 * `jwt-rotate-push-user`: a new push user for the full resolver, the old
 * one revoked in the SYS account JWT. For a push seed that may have leaked:
 * whoever holds it can push any account JWT the operator ever signed, an
 * older one too, undoing revocations (docs/jwt-mode.md).
 */
export function rotatePushUser(ctx: KeysContext): SecretMaterial {
  assertJwtMode(ctx, 'jwt-rotate-push-user');
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const seeds = jwtSeedsOf(material);
  if (jwtResolver(ctx.fleet) !== 'full' || !seeds.resolverPush) {
    throw new Error("the fleet has no push user: it exists with the full resolver only (auth: { mode: 'jwt', resolver: 'full' }, then `npm run keys -- sync`)");
  }
  const old = publicKeyOf(seeds.resolverPush);
  const updated: SecretMaterial = { ...material, jwt: { ...seeds, resolverPush: newUserSeed(), systemRevocations: { ...seeds.systemRevocations, [old]: nowSeconds(ctx) } } };
  save(ctx, updated, material);
  ctx.out(`${RESOLVER_PUSH}: new key ${publicKeyOf(updated.jwt!.resolverPush!)}; the old key ${old} is revoked in account ${SYSTEM_ACCOUNT}`);
  ctx.out('next:');
  ctx.out(`  1. commit ${displayPath(ctx.storeFile)} and ${displayPath(jwtFileBeside(ctx.identitiesFile))}, and deploy every site (the include preloads the new SYS account JWT)`);
  ctx.out('  2. npm run accounts -- push: it connects as the new user and pushes SYS last, which refuses the old key on every server');
  return updated;
}

/** `creds <identity>`: the creds file of the identity's current key, on explicit request. */
export function printCreds(ctx: KeysContext, identity: string): void {
  assertJwtMode(ctx, 'creds');
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const key = currentKey(material, identity);
  const file = jwtFileBeside(ctx.identitiesFile);
  const committed = readJwtBundle(file);
  const bundle = mintJwts(ctx.fleet, publicKeys(material), jwtSeedsOf(material), nowSeconds(ctx), committed);
  const token = (bundle.users[identity] ?? []).find((t) => subjectOf(t) === key.publicKey);
  if (!token) throw new Error(`"${identity}" is in the store but not in the fleet, so it has no user JWT; run \`npm run keys -- sync\``);
  if (!committed?.users[identity]?.includes(token)) {
    ctx.warn(`warning: ${displayPath(file)} does not hold this JWT yet; run \`npm run keys -- sync\`, commit and deploy before handing it out`);
  }
  ctx.warn(`warning: the creds below hold the SECRET seed of "${identity}" (${key.publicKey}); do not paste them into a chat, a ticket, a log or a commit`);
  for (const line of formatCreds(token, key.seed).slice(0, -1).split('\n')) ctx.out(line);
}

/**
 * `callout-secrets`: what the auth callout responder needs, as one JSON
 * object on stdout (the shape `startCalloutResponder` takes, lib/callout/
 * responder.ts): its user's creds, the callout's keys, and the account
 * clients are admitted into. Secret: the responder's owner stores it in
 * the responder's own secret store.
 */
export function printCalloutSecrets(ctx: KeysContext): void {
  assertJwtMode(ctx, 'callout-secrets');
  const material = readStore(ctx.identityFile, ctx.storeFile);
  const seeds = jwtSeedsOf(material);
  if (!calloutOf(ctx.fleet) || !seeds.callout) throw new Error('the fleet has no auth callout (fleet.auth.callout); add it, then run `npm run keys -- sync`');
  const bundle = mintJwts(ctx.fleet, publicKeys(material), seeds, nowSeconds(ctx), readJwtBundle(jwtFileBeside(ctx.identitiesFile)));
  const app = seeds.accounts[accountName(ctx.fleet)];
  ctx.warn('warning: the next line holds the SECRET keys of the auth callout responder; do not paste it into a chat, a ticket, a log or a commit');
  ctx.out(JSON.stringify({ credential: { seed: seeds.callout.responder, jwt: bundle.callout!.responder }, seeds: seeds.callout, appAccount: publicKeyOf(app.seed) }));
}
