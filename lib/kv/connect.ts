import { connect, nkeyAuthenticator } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { inboxPrefix } from '../nats/permissions';

/**
 * Connects as one identity of the HARMONY account: the server sends a
 * nonce, the seed signs it. Replies come to the identity's own inbox
 * prefix, the only inbox its permissions let it subscribe to.
 */
export function connectAs(identity: string, servers: readonly string[], seed: string, name: string = `harmony-${identity}`): Promise<NatsConnection> {
  return connect({
    servers: [...servers],
    name,
    authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)),
    inboxPrefix: inboxPrefix(identity),
    timeout: 5000,
    maxReconnectAttempts: 10,
  });
}
