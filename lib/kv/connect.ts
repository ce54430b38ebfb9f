import { connect, nkeyAuthenticator } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';

/** Connects with an nkey identity: the server sends a nonce, the seed signs it. */
export function connectWithSeed(servers: readonly string[], seed: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: [...servers],
    name,
    authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)),
    timeout: 5000,
    maxReconnectAttempts: 10,
  });
}
