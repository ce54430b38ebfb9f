import type { NatsClaim } from './jwt';
import { userClaim } from './jwt-claims';
import type { Permissions } from './permissions';
import { inboxSubject } from './permissions';

/*
 * The full resolver (auth.resolver 'full') takes account JWT updates as a
 * claims push through the system account, not from a reload: a reload
 * installs a new resolver that nothing starts (nats-server reload.go,
 * configureResolver), so a newer preload updates no account (measured on
 * 2.15.1, docs/jwt-mode.md). The push user is the only user of SYS.
 */

/** The push user's name: in the SYS account, and its inbox prefix. */
export const RESOLVER_PUSH = 'resolver-push';
/** Every server with a full resolver stores the account JWT sent here and answers (accounts.go, DirAccResolver.Start). */
export const CLAIMS_UPDATE_SUBJECT = '$SYS.REQ.CLAIMS.UPDATE';
/** Each server answers with the account JWT it holds (empty when it holds none). */
export const claimsLookupSubject = (account: string): string => `$SYS.REQ.ACCOUNT.${account}.CLAIMS.LOOKUP`;

/**
 * Publish an account JWT and read what the servers hold; nothing else. Not
 * `$SYS.REQ.CLAIMS.DELETE` (the resolver refuses deletes anyway:
 * allow_delete false), no server or account events, no other account.
 * Whoever holds the seed can still push any JWT the operator ever signed,
 * an older one too (the server stores a pushed JWT whatever its issue
 * time): docs/jwt-mode.md says what that allows and how to end it.
 */
export const RESOLVER_PUSH_PERMISSIONS: Permissions = {
  publish: [CLAIMS_UPDATE_SUBJECT, claimsLookupSubject('*')],
  subscribe: [inboxSubject(RESOLVER_PUSH)],
};

/** The push user's `nats` claim, issued by a signing key of the SYS account `sysAccount`. */
export const resolverPushClaim = (sysAccount: string): NatsClaim => userClaim({ permissions: RESOLVER_PUSH_PERMISSIONS, issuerAccount: sysAccount });
