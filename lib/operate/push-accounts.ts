import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import { siteNodes } from '../defaults';
import { SYSTEM_ACCOUNT } from '../nats/accounts';
import { decodeJwt } from '../nats/jwt';
import type { JwtBundle } from '../nats/jwt-bundle';
import { CLAIMS_UPDATE_SUBJECT, claimsLookupSubject } from '../nats/jwt-resolver-push';
import { serverName } from '../nats/names';

/*
 * `npm run accounts -- push`: the full resolver's update path. Each server
 * stores the account JWT it is sent and applies it at once (revocations
 * disconnect, signing keys change); one push through the system account
 * reaches every server of every site over the gateways, and each answers.
 */

/** One server's answer to a push (nats-server accounts.go ServerAPIClaimUpdateResponse). */
export interface PushAnswer {
  readonly server: string;
  readonly ok: boolean;
  /** `jwt updated`, or why the server refused the JWT. */
  readonly message: string;
}

export interface AccountPush {
  readonly account: string;
  readonly key: string;
  readonly answers: readonly PushAnswer[];
  /** Servers of the fleet that did not answer within the wait (down, or cut off from the one pushed to). */
  readonly missing: readonly string[];
}

/** The servers hold a newer JWT than the one about to be pushed: pushing would roll it back. */
export class PushRefusal extends Error {}

/** Every server name of the fleet: each must answer a push. */
export const fleetServers = (fleet: Fleet): string[] => fleet.sites.flatMap((site) => Array.from({ length: siteNodes(site) }, (_, i) => serverName(site, i)));

interface UpdateReply {
  readonly server?: { readonly name?: string };
  readonly data?: { readonly code?: number; readonly message?: string };
  readonly error?: { readonly code?: number; readonly description?: string };
}

/** Up to `count` replies within `maxWaitMs`; none when nobody listens (a MEMORY resolver). */
async function gather(nc: NatsConnection, subject: string, payload: string, count: number, maxWaitMs: number): Promise<string[]> {
  const replies: string[] = [];
  try {
    for await (const m of await nc.requestMany(subject, payload, { strategy: 'count', maxMessages: count, maxWait: maxWaitMs })) replies.push(m.string());
  } catch (e) {
    if (!/no responders|503/i.test((e as Error).message)) throw e;
  }
  return replies;
}

/**
 * Refuses when any server already holds a JWT of the account issued later
 * than `token` by one of the operator's signing keys: a push replaces
 * whatever a server holds, so pushing from an old checkout would undo
 * revocations made since. A JWT the operator did not sign (a server stores
 * any well-formed one it is pushed) does not count: the push replaces it.
 */
async function refuseRollback(nc: NatsConnection, account: string, token: string, signers: readonly string[], count: number, maxWaitMs: number): Promise<void> {
  const ours = decodeJwt(token);
  for (const held of await gather(nc, claimsLookupSubject(ours.sub), '', count, maxWaitMs)) {
    if (!held) continue;
    const theirs = decodeJwt(held);
    if (signers.includes(theirs.iss) && theirs.iat > ours.iat) {
      throw new PushRefusal(
        `account ${account}: a server holds a JWT issued at ${theirs.iat}, later than config/jwt.json's (${ours.iat}); pushing would undo what changed since. ` +
          'Pull the newest config/jwt.json (or run `npm run keys -- sync` on the newest store), then push again',
      );
    }
  }
}

const answerOf = (text: string): PushAnswer => {
  const reply = JSON.parse(text) as UpdateReply;
  const server = reply.server?.name ?? '(unnamed)';
  if (reply.error || reply.data?.code !== 200) return { server, ok: false, message: reply.error?.description ?? reply.data?.message ?? text };
  return { server, ok: true, message: reply.data.message ?? '' };
};

/**
 * Pushes every account JWT of `bundle` (SYS last: a change to it may end
 * the push user's own connection) to the servers `expected` names, after checking no
 * server holds a newer one. Resolves with every server's answer per
 * account; the caller decides what a refusal or a silent server means.
 */
export async function pushAccounts(nc: NatsConnection, bundle: JwtBundle, expected: readonly string[], maxWaitMs: number): Promise<AccountPush[]> {
  const names = [...Object.keys(bundle.accounts).filter((n) => n !== SYSTEM_ACCOUNT).sort(), SYSTEM_ACCOUNT];
  const signers = (decodeJwt(bundle.operator).nats.signing_keys ?? []) as string[];
  for (const name of names) await refuseRollback(nc, name, bundle.accounts[name], signers, expected.length, maxWaitMs);
  const pushes: AccountPush[] = [];
  for (const name of names) {
    const token = bundle.accounts[name];
    const answers = (await gather(nc, CLAIMS_UPDATE_SUBJECT, token, expected.length, maxWaitMs)).map(answerOf);
    const heard = new Set(answers.map((a) => a.server));
    pushes.push({ account: name, key: decodeJwt(token).sub, answers, missing: expected.filter((s) => !heard.has(s)) });
  }
  return pushes;
}
