import { agentPermissions, allowOnly, kvAdminPermissions, kvSnapshotPermissions, managementSubjectsReached, monitorPermissions, provisionerPermissions } from '../../../lib/nats/permissions';
import { subjectMatches } from '../../../lib/nats/subjects';

const all = (p: { publish: readonly string[]; subscribe: readonly string[] }) => [...p.publish, ...p.subscribe];

// Each permission set is computed inside the test that checks it (not at
// describe time), so a mutation run attributes it to that test.
describe('agent permissions', () => {
  let agent: ReturnType<typeof agentPermissions>;
  beforeEach(() => {
    agent = agentPermissions('HARMONY');
  });

  test('written out: KV data operations on the bucket and nothing else (the default stream name only)', () => {
    expect(agent).toEqual({
      publish: [
        '$KV.HARMONY.>',
        '$JS.API.INFO',
        '$JS.API.STREAM.INFO.KV_HARMONY',
        '$JS.API.STREAM.MSG.GET.KV_HARMONY',
        '$JS.API.DIRECT.GET.KV_HARMONY',
        '$JS.API.DIRECT.GET.KV_HARMONY.>',
        '$JS.API.CONSUMER.CREATE.KV_HARMONY',
        '$JS.API.CONSUMER.CREATE.KV_HARMONY.>',
        '$JS.API.CONSUMER.INFO.KV_HARMONY.*',
        '$JS.API.CONSUMER.DELETE.KV_HARMONY.*',
        '$JS.FC.KV_HARMONY.>',
      ],
      subscribe: ['_INBOX_agent.>'],
    });
  });

  test('are scoped to the bucket', () => {
    expect(agent.publish).toContain('$KV.HARMONY.>');
    for (const subject of agent.publish.filter((s) => s !== '$JS.API.INFO')) expect(subject).toMatch(/HARMONY/);
    // Its own replies only: never the shared _INBOX.>.
    expect(agent.subscribe).toEqual(['_INBOX_agent.>']);
  });

  test('grant no broad JetStream API (ADR 019 asked for $JS.API.STREAM.> and $JS.API.CONSUMER.>)', () => {
    for (const broad of ['$JS.>', '$JS.API.>', '$JS.API.STREAM.>', '$JS.API.CONSUMER.>']) expect(agent.publish).not.toContain(broad);
    expect(all(agent).flatMap(managementSubjectsReached)).toEqual([]);
  });

  test('cannot delete, purge or snapshot the bucket or read another bucket', () => {
    for (const subject of ['$JS.API.STREAM.DELETE.KV_HARMONY', '$JS.API.STREAM.PURGE.KV_HARMONY', '$JS.API.STREAM.SNAPSHOT.KV_HARMONY', '$KV.OTHER.key', '$JS.API.DIRECT.GET.KV_OTHER.$KV.OTHER.k']) {
      expect(agent.publish.some((p) => subjectMatches(p, subject))).toBe(false);
    }
  });
});

describe('provisioner permissions', () => {
  test('create and read the bucket and each mirror: never update (a destructive change), delete or purge', () => {
    const provisioner = provisionerPermissions(['KV_HARMONY', 'KV_HARMONY_site-2']);
    expect(provisioner.publish).toEqual([
      '$JS.API.INFO',
      '$JS.API.STREAM.NAMES',
      '$JS.API.STREAM.CREATE.KV_HARMONY',
      '$JS.API.STREAM.INFO.KV_HARMONY',
      '$JS.API.STREAM.CREATE.KV_HARMONY_site-2',
      '$JS.API.STREAM.INFO.KV_HARMONY_site-2',
    ]);
    expect(provisioner.subscribe).toEqual(['_INBOX_provisioner.>']);
    expect(all(provisioner).flatMap(managementSubjectsReached)).toEqual([]);
  });
});

describe('monitor permissions', () => {
  test('are read-only', () => {
    const monitor = monitorPermissions();
    expect(monitor.publish).toEqual(['$JS.API.INFO', '$JS.API.STREAM.NAMES', '$JS.API.STREAM.LIST', '$JS.API.STREAM.INFO.*', '$JS.API.CONSUMER.NAMES.*', '$JS.API.CONSUMER.LIST.*', '$JS.API.CONSUMER.INFO.*.*']);
    expect(monitor.subscribe).toEqual(['_INBOX_monitor.>']);
    expect(all(monitor).flatMap(managementSubjectsReached)).toEqual([]);
  });
});

describe('kv-snapshot permissions (the scheduled snapshot)', () => {
  test('info and snapshot of the origin and the snapshot flow-control acks; nothing to write, delete, purge, restore or read another stream', () => {
    const snapshot = kvSnapshotPermissions('KV_HARMONY');
    expect(snapshot).toEqual({
      publish: ['$JS.API.STREAM.INFO.KV_HARMONY', '$JS.API.STREAM.SNAPSHOT.KV_HARMONY', '$JS.SNAPSHOT.ACK.KV_HARMONY.>'],
      subscribe: ['_INBOX_kv-snapshot.>'],
    });
    for (const subject of ['$KV.HARMONY.k', '$JS.API.STREAM.PURGE.KV_HARMONY', '$JS.API.STREAM.DELETE.KV_HARMONY', '$JS.API.STREAM.RESTORE.KV_HARMONY', '$JS.API.STREAM.SNAPSHOT.KV_HARMONY_site-2', '$JS.API.STREAM.MSG.GET.KV_HARMONY', '$JS.API.DIRECT.GET.KV_HARMONY']) {
      expect(snapshot.publish.some((p) => subjectMatches(p, subject))).toBe(false);
    }
  });
});

describe('kv-admin permissions', () => {
  test('restore the bucket\'s streams (request and data chunks) besides create, update, delete; never purge or snapshot', () => {
    const admin = kvAdminPermissions(['KV_HARMONY']);
    expect(admin).toEqual({
      publish: [
        '$JS.API.INFO',
        '$JS.API.STREAM.NAMES',
        '$JS.API.STREAM.INFO.KV_HARMONY',
        '$JS.API.STREAM.CREATE.KV_HARMONY',
        '$JS.API.STREAM.UPDATE.KV_HARMONY',
        '$JS.API.STREAM.DELETE.KV_HARMONY',
        '$JS.API.STREAM.RESTORE.KV_HARMONY',
        '$JS.SNAPSHOT.RESTORE.KV_HARMONY.>',
      ],
      subscribe: ['_INBOX_kv-admin.>'],
    });
    for (const subject of ['$JS.API.STREAM.PURGE.KV_HARMONY', '$JS.API.STREAM.SNAPSHOT.KV_HARMONY', '$JS.API.STREAM.RESTORE.OTHER', '$JS.SNAPSHOT.RESTORE.OTHER.x']) {
      expect(admin.publish.some((p) => subjectMatches(p, subject))).toBe(false);
    }
  });
});

describe('managementSubjectsReached', () => {
  test.each(['>', '$JS.>', '$JS.API.>', '$JS.API.STREAM.>', '$JS.API.CONSUMER.>', '$JS.*.STREAM.*.*'])('%s reaches management subjects', (p) =>
    expect(managementSubjectsReached(p).length).toBeGreaterThan(0),
  );
  test.each(['$KV.HARMONY.>', '_INBOX.>', 'orders.*', '$JS.API.STREAM.INFO.*'])('%s does not', (p) => expect(managementSubjectsReached(p)).toEqual([]));
  test('`>` reaches every one, written out', () => {
    expect(managementSubjectsReached('>')).toEqual([
      '$JS.API.STREAM.DELETE.OTHER',
      '$JS.API.STREAM.PURGE.OTHER',
      '$JS.API.STREAM.SNAPSHOT.OTHER',
      '$JS.API.STREAM.RESTORE.OTHER',
      '$JS.API.STREAM.MSG.DELETE.OTHER',
      '$JS.API.STREAM.PEER.REMOVE.OTHER',
      '$JS.API.STREAM.LEADER.STEPDOWN.OTHER',
      '$JS.API.CONSUMER.DELETE.OTHER.c',
      '$JS.API.CONSUMER.CREATE.OTHER',
      '$JS.API.ACCOUNT.PURGE.OTHER',
      '$JS.API.SERVER.REMOVE',
      '$JS.API.META.LEADER.STEPDOWN',
    ]);
  });
  test.each([
    ['$JS.API.STREAM.DELETE.*', ['$JS.API.STREAM.DELETE.OTHER']],
    ['$JS.API.STREAM.PURGE.KV_X', []],
    ['$JS.API.STREAM.MSG.DELETE.*', ['$JS.API.STREAM.MSG.DELETE.OTHER']],
    ['$JS.API.STREAM.*.*', ['$JS.API.STREAM.DELETE.OTHER', '$JS.API.STREAM.PURGE.OTHER', '$JS.API.STREAM.SNAPSHOT.OTHER', '$JS.API.STREAM.RESTORE.OTHER']],
    ['$JS.API.CONSUMER.*.*.*', ['$JS.API.CONSUMER.DELETE.OTHER.c']],
    ['$JS.API.*.PURGE.*', ['$JS.API.STREAM.PURGE.OTHER', '$JS.API.ACCOUNT.PURGE.OTHER']],
    ['$JS.API.SERVER.*', ['$JS.API.SERVER.REMOVE']],
    ['$JS.API.META.>', ['$JS.API.META.LEADER.STEPDOWN']],
    ['$JS.API.STREAM.PEER.>', ['$JS.API.STREAM.PEER.REMOVE.OTHER']],
  ])('%s reaches exactly %j', (pattern, reached) => expect(managementSubjectsReached(pattern)).toEqual(reached));
});

describe('allowOnly', () => {
  test('a list is an allow list, copied', () => {
    const subjects = ['a.>', 'b.*'];
    const rendered = allowOnly(subjects);
    expect(rendered).toEqual({ allow: ['a.>', 'b.*'] });
    expect((rendered as { allow: string[] }).allow).not.toBe(subjects);
  });

  test('nothing is a deny of everything, never an empty allow list (which nats-server reads as no restriction)', () => {
    expect(allowOnly([])).toEqual({ deny: ['>'] });
  });
});
