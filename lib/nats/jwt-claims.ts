import type { NatsClaim } from './jwt';
import type { Permissions } from './permissions';
import { allowOnly } from './permissions';

/*
 * The `nats` part of each kind of JWT the fleet mints, field names and
 * defaults from nats-io/jwt v2 (operator_claims.go, account_claims.go,
 * user_claims.go). Go writes -1 (NoLimit) where a limit is off; an omitted
 * limit decodes as 0, which for subscriptions, payload or connections means
 * none at all, so every limit is written out.
 */

const NO_LIMIT = -1;

/** Connection and message limits off, as nats-io/jwt's NewAccountClaims sets them. */
const UNLIMITED_ACCOUNT = { subs: NO_LIMIT, data: NO_LIMIT, payload: NO_LIMIT, imports: NO_LIMIT, exports: NO_LIMIT, wildcards: true, conn: NO_LIMIT, leaf: NO_LIMIT } as const;

/** Public signing keys in the order nats-io/jwt writes them (sorted). */
const sorted = (keys: readonly string[]): string[] => [...keys].sort();

/**
 * The operator: trusts `signingKeys` and, with strict signing key usage, not
 * its own identity key, so the identity seed signs only the operator JWT
 * and never needs to be at hand when accounts change (nats-server jwt.go:
 * the identity key is left out of the trusted keys).
 */
export function operatorClaim(opts: { readonly signingKeys: readonly string[]; readonly systemAccount: string }): NatsClaim {
  return { signing_keys: sorted(opts.signingKeys), system_account: opts.systemAccount, strict_signing_key_usage: true, type: 'operator', version: 2 };
}

/** JetStream limits of an account JWT, the same caps the nkeys mode's `jetstream {}` block sets. */
export interface AccountJetStream {
  readonly maxMemory: number;
  readonly maxFile: number;
  readonly maxStreams: number;
  readonly maxConsumers: number;
}

/**
 * A signing key that can only issue users with `template`'s permissions:
 * nats-server applies the template and refuses a user JWT signed by it that
 * sets any permission or limit itself (nats-io/jwt v2 signingkeys.go
 * UserScope, ValidateScopedSigner). The auth callout signs with one, so a
 * compromised responder admits clients with these rights and no others.
 */
export interface ScopedSigningKey {
  readonly kind: 'user_scope';
  readonly key: string;
  readonly role: string;
  readonly template: { readonly [field: string]: unknown };
  readonly description: string;
}

export function scopedSigningKey(key: string, role: string, permissions: Permissions): ScopedSigningKey {
  return {
    kind: 'user_scope',
    key,
    role,
    template: { pub: allowOnly(permissions.publish), sub: allowOnly(permissions.subscribe), subs: NO_LIMIT, data: NO_LIMIT, payload: NO_LIMIT },
    description: '',
  };
}

/** Auth callout on an account: who answers (`auth_users` skip the callout), where admitted clients may go, the key requests are sealed to. */
export interface CalloutAuthorization {
  readonly authUsers: readonly string[];
  readonly allowedAccounts: readonly string[];
  readonly xkey: string;
}

/**
 * An account: JetStream on when `jetstream` is given (the JWT enables it by
 * a non-zero storage limit, OperatorLimits.IsJSEnabled), users signed by
 * one of `signingKeys`, the users in `revocations` refused when their JWT
 * was issued at or before the given second.
 */
export function accountClaim(opts: {
  readonly signingKeys: readonly string[];
  /** Scoped signing keys, listed with the plain ones (nats-io/jwt writes both in one list, sorted by key). */
  readonly scopedKeys?: readonly ScopedSigningKey[];
  readonly jetstream?: AccountJetStream;
  readonly revocations?: { readonly [userKey: string]: number };
  readonly callout?: CalloutAuthorization;
}): NatsClaim {
  const js = opts.jetstream;
  const revoked = Object.keys(opts.revocations ?? {}).sort();
  const keys: (string | ScopedSigningKey)[] = [...opts.signingKeys, ...(opts.scopedKeys ?? [])];
  const keyOf = (k: string | ScopedSigningKey) => (typeof k === 'string' ? k : k.key);
  const callout = opts.callout;
  return {
    limits: {
      ...UNLIMITED_ACCOUNT,
      ...(js ? { mem_storage: js.maxMemory, disk_storage: js.maxFile, streams: js.maxStreams, consumer: js.maxConsumers } : {}),
    },
    signing_keys: keys.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)),
    ...(revoked.length ? { revocations: Object.fromEntries(revoked.map((k) => [k, opts.revocations![k]])) } : {}),
    ...(callout ? { authorization: { auth_users: sorted(callout.authUsers), allowed_accounts: sorted(callout.allowedAccounts), xkey: callout.xkey } } : {}),
    type: 'account',
    version: 2,
  };
}

/**
 * A user of `issuerAccount`, signed by one of its signing keys, with
 * exactly the allow lists of nkeys mode: everything else is denied (an
 * empty list as a deny of everything, see allowOnly).
 */
export function userClaim(opts: { readonly permissions: Permissions; readonly issuerAccount: string; readonly responses?: boolean }): NatsClaim {
  return {
    pub: allowOnly(opts.permissions.publish),
    sub: allowOnly(opts.permissions.subscribe),
    // May answer requests it received (one reply each, no time limit), even where pub denies.
    ...(opts.responses ? { resp: { max: 1, ttl: 0 } } : {}),
    subs: NO_LIMIT,
    data: NO_LIMIT,
    payload: NO_LIMIT,
    issuer_account: opts.issuerAccount,
    type: 'user',
    version: 2,
  };
}

/**
 * The CALLOUT account's bearer user: what a client without a seed presents
 * (with the application's token) to reach the callout. Bearer: the server
 * asks for no signature of its nonce. Its own rights never apply: the
 * callout replaces the connection's user, or refuses it.
 */
export function bearerUserClaim(issuerAccount: string): NatsClaim {
  return { pub: { deny: ['>'] }, sub: { deny: ['>'] }, subs: NO_LIMIT, data: NO_LIMIT, payload: NO_LIMIT, bearer_token: true, issuer_account: issuerAccount, type: 'user', version: 2 };
}

/** A user issued by a scoped signing key: no permission and no limit of its own (the scope's template applies). */
export function scopedUserClaim(issuerAccount: string): NatsClaim {
  return { issuer_account: issuerAccount, type: 'user', version: 2 };
}

/** The callout's answer: the admitted user's JWT, or why not (nats-io/jwt v2 authorization_claims.go). */
export function authorizationResponseClaim(answer: { readonly jwt: string } | { readonly error: string }): NatsClaim {
  return { ...('jwt' in answer ? { jwt: answer.jwt } : { error: answer.error }), type: 'authorization_response', version: 2 };
}
