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
 * An account: JetStream on when `jetstream` is given (the JWT enables it by
 * a non-zero storage limit, OperatorLimits.IsJSEnabled), users signed by
 * one of `signingKeys`, the users in `revocations` refused when their JWT
 * was issued at or before the given second.
 */
export function accountClaim(opts: {
  readonly signingKeys: readonly string[];
  readonly jetstream?: AccountJetStream;
  readonly revocations?: { readonly [userKey: string]: number };
}): NatsClaim {
  const js = opts.jetstream;
  const revoked = Object.keys(opts.revocations ?? {}).sort();
  return {
    limits: {
      ...UNLIMITED_ACCOUNT,
      ...(js ? { mem_storage: js.maxMemory, disk_storage: js.maxFile, streams: js.maxStreams, consumer: js.maxConsumers } : {}),
    },
    signing_keys: sorted(opts.signingKeys),
    ...(revoked.length ? { revocations: Object.fromEntries(revoked.map((k) => [k, opts.revocations![k]])) } : {}),
    type: 'account',
    version: 2,
  };
}

/**
 * A user of `issuerAccount`, signed by one of its signing keys, with
 * exactly the allow lists of nkeys mode: everything else is denied (an
 * empty list as a deny of everything, see allowOnly).
 */
export function userClaim(opts: { readonly permissions: Permissions; readonly issuerAccount: string }): NatsClaim {
  return {
    pub: allowOnly(opts.permissions.publish),
    sub: allowOnly(opts.permissions.subscribe),
    subs: NO_LIMIT,
    data: NO_LIMIT,
    payload: NO_LIMIT,
    issuer_account: opts.issuerAccount,
    type: 'user',
    version: 2,
  };
}
