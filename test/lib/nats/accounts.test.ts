import { createHash } from 'node:crypto';
import { accountsDoc, identityPermissions, renderAccounts } from '../../../lib/nats/accounts';
import { exampleFleet, exampleIdentities } from '../../fixtures/fleet';

// Computed inside each test, never at describe time: a mutation run
// (npm run mutate) attributes only what a test body runs to that test.
const usersOf = (keys = exampleIdentities, fleet = exampleFleet) => (accountsDoc(fleet, keys) as any).accounts.HARMONY.users as { nkey: string; permissions: any }[];
const permissionsOf = (identity: string) => usersOf().find((u) => u.nkey === exampleIdentities[identity][0])!.permissions;

describe('accounts', () => {
  let doc: any;
  beforeEach(() => {
    doc = accountsDoc(exampleFleet, exampleIdentities);
  });

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

  test('every other identity, written out: provisioner creates and reads, kv-admin manages and restores, monitor reads state', () => {
    const streams = ['KV_HARMONY', 'KV_HARMONY_site-1', 'KV_HARMONY_site-2', 'KV_HARMONY_site-3'];
    expect(permissionsOf('provisioner')).toEqual({
      publish: { allow: ['$JS.API.INFO', '$JS.API.STREAM.NAMES', ...streams.flatMap((s) => [`$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.INFO.${s}`])] },
      subscribe: { allow: ['_INBOX_provisioner.>'] },
    });
    const admin = (s: string) => [
      `$JS.API.STREAM.INFO.${s}`,
      `$JS.API.STREAM.CREATE.${s}`,
      `$JS.API.STREAM.UPDATE.${s}`,
      `$JS.API.STREAM.DELETE.${s}`,
      `$JS.API.STREAM.RESTORE.${s}`,
      `$JS.SNAPSHOT.RESTORE.${s}.>`,
    ];
    // The bucket's names and the promotion's staging stream: nothing else.
    expect(permissionsOf('kv-admin')).toEqual({
      publish: { allow: ['$JS.API.INFO', '$JS.API.STREAM.NAMES', ...[...streams, 'PROMOTE_KV_HARMONY'].flatMap(admin)] },
      subscribe: { allow: ['_INBOX_kv-admin.>'] },
    });
    expect(permissionsOf('monitor')).toEqual({
      publish: {
        allow: ['$JS.API.INFO', '$JS.API.STREAM.NAMES', '$JS.API.STREAM.LIST', '$JS.API.STREAM.INFO.*', '$JS.API.CONSUMER.NAMES.*', '$JS.API.CONSUMER.LIST.*', '$JS.API.CONSUMER.INFO.*.*'],
      },
      subscribe: { allow: ['_INBOX_monitor.>'] },
    });
  });

  test('users are in identity-name order (code units), services among them: the rendered text, and its checksum, never depend on declaration order', () => {
    const fleet = { ...exampleFleet, account: { ...exampleFleet.account, services: [{ name: 'zeta', publish: ['z.>'], subscribe: [] }, { name: 'billing', publish: ['b.>'], subscribe: [] }, { name: 'Kappa', publish: ['k.>'], subscribe: [] }] } };
    const keys = { ...exampleIdentities, zeta: ['UZETA'], billing: ['UBILLING'], Kappa: ['UKAPPA'] };
    const names = usersOf(keys, fleet).map((u) => Object.entries(keys).find(([, k]) => k.includes(u.nkey))![0]);
    expect(names).toEqual(['Kappa', 'agent', 'billing', 'kv-admin', 'kv-snapshot', 'monitor', 'provisioner', 'zeta']);
    expect([...identityPermissions(fleet).keys()]).toEqual(['Kappa', 'agent', 'billing', 'kv-admin', 'kv-snapshot', 'monitor', 'provisioner', 'zeta']);
  });

  test('during a rotation both keys of an identity get the same permissions', () => {
    const keys = { ...exampleIdentities, agent: [...exampleIdentities.agent, 'UNEWKEY'] };
    const users = (accountsDoc(exampleFleet, keys) as any).accounts.HARMONY.users;
    const agentUsers = users.filter((u: any) => exampleIdentities.agent.includes(u.nkey) || u.nkey === 'UNEWKEY');
    expect(agentUsers).toHaveLength(2);
    expect(agentUsers[0].permissions).toEqual(agentUsers[1].permissions);
  });

  test('an identity without keys in config/identities.json gets no user (and no placeholder)', () => {
    const { monitor: _none, ...keys } = exampleIdentities;
    const users = usersOf(keys);
    expect(users.map((u) => u.nkey)).toEqual(usersOf().map((u) => u.nkey).filter((k) => k !== exampleIdentities.monitor[0]));
    expect(users).toHaveLength(4);
  });

  test('fleet services get their declared allow lists, and their own reply inbox', () => {
    const fleet = { ...exampleFleet, account: { ...exampleFleet.account, services: [{ name: 'billing', publish: ['billing.>'], subscribe: ['orders.*'] }] } };
    expect(identityPermissions(fleet).get('billing')).toEqual({ publish: ['billing.>'], subscribe: ['orders.*', '_INBOX_billing.>'] });
  });

  test('a service that may publish nothing is rendered with a deny of everything: an empty allow list would let it publish anywhere', () => {
    const fleet = { ...exampleFleet, account: { ...exampleFleet.account, services: [{ name: 'listener', publish: [], subscribe: ['orders.*'] }] } };
    const key = 'UBLISTENERXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
    const users = usersOf({ ...exampleIdentities, listener: [key] }, fleet);
    expect(users.find((u) => u.nkey === key)!.permissions).toEqual({ publish: { deny: ['>'] }, subscribe: { allow: ['orders.*', '_INBOX_listener.>'] } });
  });

  test('no identity may subscribe to the shared _INBOX.> or to another identity\'s inbox', () => {
    for (const [identity, perms] of identityPermissions(exampleFleet)) {
      expect(perms.subscribe.filter((s) => s.startsWith('_INBOX'))).toEqual([`_INBOX_${identity}.>`]);
    }
  });

  test('rendering is deterministic and the checksum follows the text', () => {
    const a = renderAccounts(exampleFleet, exampleIdentities);
    expect(renderAccounts(exampleFleet, exampleIdentities)).toEqual(a);
    // The checksum is SHA-256 of the rendered text itself (what the servers load), not of the keys or the fleet.
    expect(a.checksum).toBe(createHash('sha256').update(a.text, 'utf8').digest('hex'));
    expect(a.text).toContain(`"nkey": "${exampleIdentities.agent[0]}"`);
    expect(renderAccounts(exampleFleet, { ...exampleIdentities, monitor: [] }).checksum).not.toBe(a.checksum);
  });
});
