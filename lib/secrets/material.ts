import { randomBytes } from 'node:crypto';
import { createAccount, createCurve, createOperator, createUser } from 'nkeys.js';
import type { Fleet, SiteSpec } from '../../config/types';
import { BUILTIN_IDENTITIES, SYSTEM_ACCOUNT } from '../nats/accounts';
import { accountName, issuesJwts, jwtResolver } from '../defaults';
import type { JwtSeeds } from '../nats/jwt-bundle';
import type { CalloutSeeds } from '../nats/jwt-callout';
import { calloutOf } from '../nats/jwt-callout';
import type { IdentityKeys } from '../nats/accounts';
import type { KeyPairPem, SubjectAltNames } from '../pki';
import { createCa, issueCertificate } from '../pki';

/** One nkey of an identity. The seed is private; the public key goes to config/identities.json. */
export interface IdentityKey {
  readonly publicKey: string;
  readonly seed: string;
}

/**
 * Every private value of the fleet. It lives age-encrypted in the repo (so
 * a DR rebuild gets the same identities) and in memory while a deploy or the
 * local supercluster runs; never in cdktf.out, a log or git in clear.
 */
export interface SecretMaterial {
  readonly version: 1;
  readonly ca: KeyPairPem;
  readonly gatewayPassword: string;
  readonly sites: { readonly [site: string]: { readonly routePassword: string; readonly cert: KeyPairPem } };
  /** Keys per identity, oldest first; two during a rotation. */
  readonly identities: { readonly [identity: string]: readonly IdentityKey[] };
  /**
   * The KV snapshots' restic repository (account.kv.snapshots): its password,
   * minted here, and the environment restic needs to reach it (e.g.
   * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), set with
   * `npm run keys -- kv-snapshot-env`. Kept here, outside every site, so a
   * restore after losing the home site can still open the repository.
   * Absent in a store made before it existed: `npm run keys -- sync` adds it.
   */
  readonly kvSnapshots?: KvSnapshotSecrets;
  /**
   * JWT mode's operator and account keys (fleet.auth.mode 'jwt'), minted by
   * `npm run keys -- init` or `sync`. Absent in nkeys mode.
   */
  readonly jwt?: JwtSeeds;
}

export interface KvSnapshotSecrets {
  readonly resticPassword: string;
  /** Environment variables for restic's backend, by name. */
  readonly env: { readonly [name: string]: string };
}

export const newKvSnapshotSecrets = (): KvSnapshotSecrets => ({ resticPassword: newPassword(), env: {} });

/**
 * URL-safe, so it can sit in a route or gateway URL unescaped. nats-server
 * parses an environment variable's value as a config value (verified on
 * 2.9.10: a value starting with a digit fails as a malformed number), so a
 * password starts with letters and holds only letters and digits.
 */
export const newPassword = (): string => `pw${randomBytes(24).toString('hex')}`;

export function newIdentityKey(): IdentityKey {
  const user = createUser();
  return { publicKey: user.getPublicKey(), seed: new TextDecoder().decode(user.getSeed()) };
}

const seedOf = (pair: { getSeed(): Uint8Array }): string => new TextDecoder().decode(pair.getSeed());

/** A new signing key for the operator (`O...` seed) or an account (`A...` seed). */
export const newSigningKey = (kind: 'operator' | 'account'): string => seedOf(kind === 'operator' ? createOperator() : createAccount());

/** JWT mode's keys: an operator and the SYS and application accounts, each with one signing key; the callout's and the full resolver's push user's when the fleet has them. */
export function newJwtSeeds(fleet: Fleet): JwtSeeds {
  return {
    operator: { seed: newSigningKey('operator'), signingKeys: [newSigningKey('operator')] },
    accounts: { [SYSTEM_ACCOUNT]: newAccountSeeds(), [accountName(fleet)]: newAccountSeeds() },
    revocations: {},
    ...(calloutOf(fleet) ? { callout: newCalloutSeeds() } : {}),
    ...(jwtResolver(fleet) === 'full' ? { resolverPush: newUserSeed() } : {}),
  };
}

/** A user seed (`SU...`) with no identity of the fleet: the callout's users, the resolver's push user. */
export const newUserSeed = (): string => seedOf(createUser());

const newAccountSeeds = () => ({ seed: newSigningKey('account'), signingKeys: [newSigningKey('account')] });

/** Auth callout's keys: the CALLOUT account, the xkey, the application account's scoped key, the responder and bearer users. */
export function newCalloutSeeds(): CalloutSeeds {
  return { account: newAccountSeeds(), xkey: seedOf(createCurve()), scope: newSigningKey('account'), responder: newUserSeed(), bearer: newUserSeed() };
}

export const identityNames = (fleet: Fleet): string[] => [...BUILTIN_IDENTITIES, ...(fleet.account.services ?? []).map((s) => s.name)];

export function newSite(ca: KeyPairPem, site: SiteSpec, sans: SubjectAltNames): SecretMaterial['sites'][string] {
  return { routePassword: newPassword(), cert: issueCertificate(ca, `nats ${site.name}`, sans) };
}

/** Fresh material for the whole fleet; `sansFor` decides where certificates are valid. */
export function mintMaterial(fleet: Fleet, sansFor: (site: SiteSpec) => SubjectAltNames): SecretMaterial {
  const ca = createCa('harmony-infra fleet CA');
  return {
    version: 1,
    ca,
    gatewayPassword: newPassword(),
    sites: Object.fromEntries(fleet.sites.map((site) => [site.name, newSite(ca, site, sansFor(site))])),
    identities: Object.fromEntries(identityNames(fleet).map((name) => [name, [newIdentityKey()]])),
    kvSnapshots: newKvSnapshotSecrets(),
    ...(issuesJwts(fleet) ? { jwt: newJwtSeeds(fleet) } : {}),
  };
}

/** The public half, as config/identities.json holds it. */
export function publicKeys(material: SecretMaterial): IdentityKeys {
  return Object.fromEntries(
    Object.keys(material.identities)
      .sort()
      .map((name) => [name, material.identities[name].map((k) => k.publicKey)]),
  );
}

/** The newest key of an identity: the one clients should use. */
export function currentKey(material: SecretMaterial, identity: string): IdentityKey {
  const keys = material.identities[identity];
  if (!keys || keys.length === 0) throw new Error(`unknown identity "${identity}"; known: ${Object.keys(material.identities).sort().join(', ')}`);
  return keys[keys.length - 1];
}
