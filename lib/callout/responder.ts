import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { fromCurveSeed } from 'nkeys.js';
import type { UserCredential } from '../kv/connect';
import { connectAs } from '../kv/connect';
import { decodeJwt, encodeJwt, keyPairOf } from '../nats/jwt';
import type { CalloutSeeds } from '../nats/jwt-callout';
import { AUTH_CALLOUT_SUBJECT } from '../nats/jwt-callout';
import { authorizationResponseClaim, scopedUserClaim } from '../nats/jwt-claims';

/** nats-server names its curve key in this header when it seals a request (auth_callout.go, AuthRequestXKeyHeader). */
const SERVER_XKEY_HEADER = 'Nats-Server-Xkey';

/** What the application says about a token: the name to admit the client under, or a refusal. */
export type TokenCheck = (token: string) => Promise<{ readonly name: string } | undefined> | { readonly name: string } | undefined;

export interface CalloutResponderOptions {
  readonly servers: readonly string[];
  /** The responder user's credentials (CALLOUT account, listed in its auth_users). */
  readonly credential: UserCredential;
  /** The callout's keys: the xkey to open and seal, the scoped key to issue users, the CALLOUT signing key to sign answers. */
  readonly seeds: CalloutSeeds;
  /** Public key of the account admitted clients join (the fleet's application account). */
  readonly appAccount: string;
  /** The application's check of the bearer's token (seed 001: the FastAPI session token). */
  readonly checkToken: TokenCheck;
  /** Seconds since the epoch. @default the clock */
  readonly now?: () => number;
}

/**
 * A reference auth callout responder (seed 001, operator mode). For each
 * request: open it with the xkey, verify the server's signature, check the
 * token the client sent (`auth_token`), and answer, sealed to the server's
 * xkey, with a user JWT for the server-chosen user key issued by the scoped
 * signing key, or with an error. It can admit clients only into the
 * application account with the scope's permissions: that is all its keys can
 * sign for. The token check is the application's (`checkToken`).
 */
export async function startCalloutResponder(opts: CalloutResponderOptions): Promise<{ readonly connection: NatsConnection; close(): Promise<void> }> {
  const xkey = fromCurveSeed(new TextEncoder().encode(opts.seeds.xkey));
  const scope = keyPairOf(opts.seeds.scope);
  const signer = keyPairOf(opts.seeds.account.signingKeys[opts.seeds.account.signingKeys.length - 1]);
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const nc = await connectAs('callout-responder', opts.servers, opts.credential, 'harmony-callout-responder');

  const answer = async (msg: Msg): Promise<void> => {
    const serverXkey = msg.headers?.get(SERVER_XKEY_HEADER);
    const opened = serverXkey ? xkey.open(msg.data, serverXkey) : msg.data;
    // A request that does not open or verify gets no answer: the server refuses the client at its timeout.
    if (!opened) return;
    let request;
    try {
      request = decodeJwt(new TextDecoder().decode(opened));
    } catch {
      return;
    }
    if (request.nats.type !== 'authorization_request') return;
    const fields = request.nats as unknown as { user_nkey: string; server_id: { id: string }; connect_opts?: { auth_token?: string } };
    const token = fields.connect_opts?.auth_token;
    const admitted = token ? await opts.checkToken(token) : undefined;
    const iat = now();
    const nats = admitted
      ? authorizationResponseClaim({ jwt: encodeJwt(scope, { sub: fields.user_nkey, name: admitted.name, iat, nats: scopedUserClaim(opts.appAccount) }) })
      : authorizationResponseClaim({ error: token ? 'token refused' : 'no token' });
    const response = encodeJwt(signer, { aud: fields.server_id.id, sub: fields.user_nkey, name: '', iat, nats });
    const body = new TextEncoder().encode(response);
    msg.respond(serverXkey ? xkey.seal(body, serverXkey) : body);
  };

  nc.subscribe(AUTH_CALLOUT_SUBJECT, { callback: (err, msg) => void (err ? undefined : answer(msg).catch(() => undefined)) });
  await nc.flush();
  return { connection: nc, close: () => nc.close() };
}
