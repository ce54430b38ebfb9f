import { readFileSync, statSync } from 'node:fs';
import { Kvm } from '@nats-io/kv';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import type { LocalSession } from '../../lib/local/run-local';
import { readyBanner, startLocal } from '../../lib/local/run-local';
import { inboxPrefix } from '../../lib/nats/permissions';
import { jwtE2eFleet } from './harness';

// `npm run local` in JWT mode, in process: the bucket provisioned with the provisioner's JWT, the agent handed a creds file.
describe('the local supercluster in JWT mode', () => {
  let session: LocalSession | undefined;
  afterAll(async () => {
    await session?.cluster.close();
  }, 30_000);

  test('provisions the bucket, and the banner gives the agent a creds file (0600) that connects and writes', async () => {
    session = await startLocal({ fleet: jwtE2eFleet, log: () => undefined });
    expect(session.agentFileFlag).toBe('--creds');
    expect(readyBanner(session)).toContain(`--creds ${session.agentSeedFile} --inbox-prefix _INBOX_agent`);
    expect(statSync(session.agentSeedFile).mode & 0o777).toBe(0o600);
    const nc = await connect({
      servers: session.cluster.clientUrls('site-2'),
      authenticator: credsAuthenticator(new TextEncoder().encode(readFileSync(session.agentSeedFile, 'utf8'))),
      inboxPrefix: inboxPrefix('agent'),
    });
    try {
      const kv = await new Kvm(nc).open('HARMONY', { allow_direct: true });
      await kv.put('local.jwt', 'ok');
      expect((await kv.get('local.jwt'))?.string()).toBe('ok');
    } finally {
      await nc.close();
    }
  }, 150_000);
});
