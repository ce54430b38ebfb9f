import { connect, jwtAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { inboxPrefix } from '../nats/permissions';

/** What a client of the account holds: its seed, and in JWT mode its user JWT. */
export interface UserCredential {
  readonly seed: string;
  /** The user JWT (fleet.auth.mode 'jwt'); without it the seed authenticates as a bare nkey. */
  readonly jwt?: string;
}

/**
 * Connects as one identity of the HARMONY account: the server sends a
 * nonce, the seed signs it (in JWT mode beside the user JWT, which carries
 * the permissions). Replies come to the identity's own inbox prefix, the
 * only inbox its permissions let it subscribe to.
 *
 * With a JWT, nats.js presents the nkey too (jwtAuthenticator sends jwt,
 * nkey and sig), and a server with static nkey users reads only the nkey
 * (nats-server auth.go looks at a JWT only when it trusts operators). So a
 * client holding its JWT is admitted before and after the fleet moves to
 * JWT mode (docs/jwt-migration.md, test/e2e/migrate-jwt.test.ts).
 */
export function connectAs(identity: string, servers: readonly string[], credential: string | UserCredential, name: string = `harmony-${identity}`): Promise<NatsConnection> {
  const { seed, jwt } = typeof credential === 'string' ? { seed: credential, jwt: undefined } : credential;
  const seedBytes = new TextEncoder().encode(seed);
  return connect({
    servers: [...servers],
    name,
    authenticator: jwt ? jwtAuthenticator(jwt, seedBytes) : nkeyAuthenticator(seedBytes),
    inboxPrefix: inboxPrefix(identity),
    timeout: 5000,
    maxReconnectAttempts: 10,
  });
}
