import { accountsDoc, identityPermissions, renderAccounts } from '../../../lib/nats/accounts';
import { exampleFleet, exampleIdentities } from '../../fixtures/fleet';

describe('accounts', () => {
  const doc = accountsDoc(exampleFleet, exampleIdentities) as any;

  test('SYS is the system account, with no JetStream and no users', () => {
    expect(doc.system_account).toBe('SYS');
    expect(doc.accounts.SYS).toEqual({});
  });

  test('HARMONY has JetStream explicitly enabled and capped', () => {
    expect(doc.accounts.HARMONY.jetstream).toEqual({ max_mem: 0, max_file: 20 * 1024 ** 3, max_streams: 16, max_consumers: 256 });
  });

  test('one nkey user per identity key, with that identity permissions', () => {
    const users = doc.accounts.HARMONY.users;
    expect(users).toHaveLength(5);
    const agent = users.find((u: any) => u.nkey === exampleIdentities.agent[0]);
    // Written out, not recomputed: this is the agent's whole reach. The same
    // KV data operations on the origin's name and on each site's mirror name
    // (local reads, and the origin's name after an in-place promotion).
    const dataOps = (stream: string) => [
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.STREAM.MSG.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}.>`,
      `$JS.API.CONSUMER.CREATE.${stream}`,
      `$JS.API.CONSUMER.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.INFO.${stream}.*`,
      `$JS.API.CONSUMER.DELETE.${stream}.*`,
      `$JS.FC.${stream}.>`,
    ];
    expect(agent.permissions.publish.allow).toEqual([
      '$KV.HARMONY.>',
      '$JS.API.INFO',
      ...dataOps('KV_HARMONY'),
      ...dataOps('KV_HARMONY_site-1'),
      ...dataOps('KV_HARMONY_site-2'),
      ...dataOps('KV_HARMONY_site-3'),
    ]);
    expect(agent.permissions.subscribe.allow).toEqual(['_INBOX_agent.>']);
    // The scheduled snapshot: info and snapshot of the origin, the snapshot's flow-control acks, nothing else.
    const snapshot = users.find((u: any) => u.nkey === exampleIdentities['kv-snapshot'][0]);
    expect(snapshot.permissions).toEqual({
      publish: { allow: ['$JS.API.STREAM.INFO.KV_HARMONY', '$JS.API.STREAM.SNAPSHOT.KV_HARMONY', '$JS.SNAPSHOT.ACK.KV_HARMONY.>'] },
      subscribe: { allow: ['_INBOX_kv-snapshot.>'] },
    });
  });

  test('during a rotation both keys of an identity get the same permissions', () => {
    const keys = { ...exampleIdentities, agent: [...exampleIdentities.agent, 'UNEWKEY'] };
    const users = (accountsDoc(exampleFleet, keys) as any).accounts.HARMONY.users;
    const agentUsers = users.filter((u: any) => exampleIdentities.agent.includes(u.nkey) || u.nkey === 'UNEWKEY');
    expect(agentUsers).toHaveLength(2);
    expect(agentUsers[0].permissions).toEqual(agentUsers[1].permissions);
  });

  test('fleet services get their declared allow lists, and their own reply inbox', () => {
    const fleet = { ...exampleFleet, account: { ...exampleFleet.account, services: [{ name: 'billing', publish: ['billing.>'], subscribe: ['orders.*'] }] } };
    expect(identityPermissions(fleet).get('billing')).toEqual({ publish: ['billing.>'], subscribe: ['orders.*', '_INBOX_billing.>'] });
  });

  test('no identity may subscribe to the shared _INBOX.> or to another identity\'s inbox', () => {
    for (const [identity, perms] of identityPermissions(exampleFleet)) {
      expect(perms.subscribe.filter((s) => s.startsWith('_INBOX'))).toEqual([`_INBOX_${identity}.>`]);
    }
  });

  test('rendering is deterministic and the checksum follows the text', () => {
    const a = renderAccounts(exampleFleet, exampleIdentities);
    expect(renderAccounts(exampleFleet, exampleIdentities)).toEqual(a);
    expect(a.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(renderAccounts(exampleFleet, { ...exampleIdentities, monitor: [] }).checksum).not.toBe(a.checksum);
  });
});
