/**
 * How a Harmony agent reads the HARMONY bucket, as a runnable example (the
 * e2e suite runs it during a home-site outage, after every surviving server
 * restarted):
 *
 *   NATS_URL=nats://nats.nats.svc:4222 \
 *   NATS_NKEY_FILE=/etc/harmony/agent.nk \
 *   HARMONY_KV_SETTINGS=/etc/harmony/kv/settings.json \
 *   node -r sucrase/register examples/agent-read.ts <key> [<key> ...]
 *
 * In a site, the seed is the Secret `harmony-agent-nkey` and the settings the
 * ConfigMap `harmony-agent-kv` (key `settings.json`) in the agent namespace,
 * both written by the site stack. It prints one JSON line per key:
 * `{"key","value","revision","stream"}`, value null for a key with none.
 */
import { readFileSync } from 'node:fs';
import { connect, nkeyAuthenticator } from '@nats-io/transport-node';
import type { KvReadSettings } from '../lib/kv/agent-read';
import { readKey } from '../lib/kv/agent-read';
import { inboxPrefix } from '../lib/nats/permissions';

async function main(keys: readonly string[]): Promise<number> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const settings = JSON.parse(readFileSync(env('HARMONY_KV_SETTINGS'), 'utf8')) as KvReadSettings;
  const seed = readFileSync(env('NATS_NKEY_FILE'), 'utf8').trim();
  const nc = await connect({
    servers: env('NATS_URL').split(','),
    authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)),
    name: 'harmony-agent-example',
    // Replies come to the agent's own inbox prefix: the only inbox its permissions let it subscribe to.
    inboxPrefix: inboxPrefix('agent'),
    // Keep retrying: during an outage the local servers may be restarting.
    maxReconnectAttempts: -1,
  });
  try {
    for (const key of keys) {
      const entry = await readKey(nc, settings, key);
      const line = entry
        ? { key, value: new TextDecoder().decode(entry.value), revision: entry.revision, stream: entry.stream }
        : { key, value: null };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    return 0;
  } finally {
    await nc.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`agent-read: ${e.message}\n`);
    process.exit(1);
  },
);
