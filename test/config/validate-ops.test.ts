import type { AlertReceiverSpec } from '../../config/ops-types';
import type { Fleet, SiteSpec } from '../../config/types';
import { validateOps } from '../../config/validate-ops';
import { exampleFleet, withSite } from '../fixtures/fleet';

/*
 * validateOps on its own: each message written out in full (the field, what
 * is wrong, the fix), and each bound checked on both sides. The example
 * fleet is valid; every test breaks one thing.
 */
const S3 = 's3:https://nbg1.your-objectstorage.com/<bucket>/<path>';
const withBackup = (change: Partial<Fleet['mgmt']['backup']>): Fleet => ({ ...exampleFleet, mgmt: { ...exampleFleet.mgmt, backup: { ...exampleFleet.mgmt.backup, ...change } } });
const withSnapshots = (change: Partial<Fleet['account']['kv']['snapshots']>): Fleet => ({
  ...exampleFleet,
  account: { ...exampleFleet.account, kv: { ...exampleFleet.account.kv, snapshots: { ...exampleFleet.account.kv.snapshots, ...change } } },
});
const withMonitoring = (change: Partial<Fleet['mgmt']['monitoring']>): Fleet => ({ ...exampleFleet, mgmt: { ...exampleFleet.mgmt, monitoring: { ...exampleFleet.mgmt.monitoring, ...change } } });
const email = (change: Partial<Extract<AlertReceiverSpec, { kind: 'email' }>> = {}): Fleet =>
  withMonitoring({ receiver: { kind: 'email', to: 'oncall@example.org', from: 'alerts@example.org', smarthost: 'smtp.example.org:587', ...change } });
const metrics = (port: number | undefined, gateway: Partial<SiteSpec['gateway']> = {}): Fleet =>
  withSite(0, { metrics: port === undefined ? undefined : { port }, gateway: { ...exampleFleet.sites[0].gateway, ...gateway } });

describe('validateOps', () => {
  test('the example fleet passes', () => {
    expect(validateOps(exampleFleet)).toEqual([]);
  });

  describe('repositories (mgmt.backup, account.kv.snapshots)', () => {
    test('a local path: not off-host; the backup may use sftp:, the snapshots may not', () => {
      expect(validateOps(withBackup({ repository: '/var/backup' }))).toEqual([
        `mgmt.backup.repository is "/var/backup": not an off-host restic repository (a local path dies with the host or site it protects); use one of s3:, rest:, b2:, azure:, gs:, swift:, sftp:, e.g. ${S3}`,
      ]);
      expect(validateOps(withSnapshots({ repository: 'local:/snap' }))).toEqual([
        `account.kv.snapshots.repository is "local:/snap": not an off-host restic repository (a local path dies with the host or site it protects); use one of s3:, rest:, b2:, azure:, gs:, swift:, e.g. ${S3}`,
      ]);
    });

    test('sftp: is refused for the snapshots only', () => {
      expect(validateOps(withBackup({ repository: 'sftp:backup@host:/harmony' }))).toEqual([]);
      expect(validateOps(withSnapshots({ repository: 'sftp:backup@host:/harmony' }))).toEqual([
        `account.kv.snapshots.repository is "sftp:backup@host:/harmony": sftp needs an SSH key in the snapshot Job's pod; use an object store, e.g. ${S3}`,
      ]);
    });

    test('credentials in the URL and white space are refused; a user without password is not a credential', () => {
      expect(validateOps(withBackup({ repository: 'rest:https://user:secret@backup.example.org/harmony' }))).toEqual([
        'mgmt.backup.repository has credentials in its URL: they would be committed and copied into the Nix store and Terraform; remove them and put them in the repository\'s secret (README, "Secrets")',
      ]);
      expect(validateOps(withBackup({ repository: 'rest:https://user@backup.example.org/harmony' }))).toEqual([]);
      expect(validateOps(withBackup({ repository: 's3:https://host/bucket path' }))).toEqual(['mgmt.backup.repository is "s3:https://host/bucket path": contains white space; write the repository URL alone']);
    });

    test('retention: whole numbers 0 to 1000 per rule, and not all zero', () => {
      expect(validateOps(withBackup({ keep: { daily: 0, weekly: 1000, monthly: 0 } }))).toEqual([]);
      expect(validateOps(withBackup({ keep: { daily: 1001 } }))).toEqual(['mgmt.backup.keep.daily is 1001: a whole number of snapshots from 0 to 1000, or unset for the default']);
      expect(validateOps(withBackup({ keep: { weekly: -1 } }))).toEqual(['mgmt.backup.keep.weekly is -1: a whole number of snapshots from 0 to 1000, or unset for the default']);
      expect(validateOps(withSnapshots({ keep: { monthly: 1.5 } }))).toEqual(['account.kv.snapshots.keep.monthly is 1.5: a whole number of snapshots from 0 to 1000, or unset for the default']);
      expect(validateOps(withBackup({ keep: { daily: 0, weekly: 0, monthly: 0 } }))).toEqual([
        'mgmt.backup.keep keeps nothing: every snapshot would be deleted right after it is taken; keep at least daily: 7',
      ]);
    });

    test('the snapshots may not share the backup repository (a trailing slash does not make another one)', () => {
      const same = { ...withBackup({ repository: 's3:https://host/bucket/harmony' }) };
      const fleet: Fleet = { ...same, account: { ...same.account, kv: { ...same.account.kv, snapshots: { repository: 's3:https://host/bucket/harmony/' } } } };
      expect(validateOps(fleet)).toEqual([
        'account.kv.snapshots.repository and mgmt.backup.repository are both "s3:https://host/bucket/harmony": every site holds the snapshot repository\'s password, which would open the mgmt host\'s backups; give the snapshots their own repository (another bucket or path, another password)',
      ]);
    });
  });

  describe('edges a mutation run found unasserted', () => {
    test('the scheme is the start of the URL, not a word inside it', () => {
      expect(validateOps(withBackup({ repository: '/srv/s3:bucket' }))).toEqual([
        `mgmt.backup.repository is "/srv/s3:bucket": not an off-host restic repository (a local path dies with the host or site it protects); use one of s3:, rest:, b2:, azure:, gs:, swift:, sftp:, e.g. ${S3}`,
      ]);
    });
    test('"keeps nothing" needs all three at 0', () => {
      expect(validateOps(withBackup({ keep: { daily: 0, weekly: 0, monthly: 3 } }))).toEqual([]);
      expect(validateOps(withBackup({ keep: { daily: 3, weekly: 0, monthly: 0 } }))).toEqual([]);
    });
    test('trailing slashes, however many, do not make another repository', () => {
      const fleet = withSnapshots({ repository: `${exampleFleet.mgmt.backup.repository}//` });
      expect(validateOps(fleet)).toHaveLength(1);
      expect(validateOps(withSnapshots({ repository: `${exampleFleet.mgmt.backup.repository}/kv` }))).toEqual([]);
    });
    test('scrapeFrom unset is not a problem (before the first mgmt deploy)', () => {
      expect(validateOps(withMonitoring({ scrapeFrom: undefined }))).toEqual([]);
    });
    test('ports at their lowest: SMTP port 1, metrics port 1; the metrics range starting at the gateway port', () => {
      expect(validateOps(email({ smarthost: 'smtp.example.org:1' }))).toEqual([]);
      expect(validateOps(metrics(1))).toEqual([]);
      expect(validateOps(metrics(7222))).toEqual([
        'sites[0].metrics.port is 7222: 7222..7224 includes the gateway port 7222; every port binds on each node, so pick metrics ports apart from it, e.g. 7777',
      ]);
    });
  });

  describe('schedules', () => {
    test.each(['17 * * * *', '*/30 * * * *', '0 3 * * 1-5', '5,35 * * * *', '@hourly', '@daily', ' 17 * * * * '])('%p is a cron schedule', (schedule) => {
      expect(validateOps(withSnapshots({ schedule }))).toEqual([]);
    });
    test.each(['17 * * *', '17 * * * * *', 'hourly', '@every 1h', '17 * * * ?', '$(id) * * * *'])('%p is not', (schedule) => {
      expect(validateOps(withSnapshots({ schedule }))).toEqual([`account.kv.snapshots.schedule is "${schedule}": not a five-field cron schedule; e.g. "17 * * * *" (hourly) or "@daily"`]);
    });
    test('the backup timer takes a systemd calendar expression, nothing a unit file would refuse', () => {
      expect(validateOps(withBackup({ onCalendar: 'Mon..Fri *-*-* 03:15:00' }))).toEqual([]);
      expect(validateOps(withBackup({ onCalendar: 'daily\nExecStart=/bin/sh' }))).toEqual([
        'mgmt.backup.onCalendar is "daily\nExecStart=/bin/sh": not a systemd calendar expression; e.g. "*-*-* 03:15:00" or "daily"',
      ]);
    });
  });

  describe('the alert receiver', () => {
    test('email: addresses, host:port with a port from 1 to 65535, no empty username', () => {
      expect(validateOps(email({ username: 'alerts' }))).toEqual([]);
      expect(validateOps(email({ smarthost: 'smtp.example.org:65535' }))).toEqual([]);
      expect(validateOps(email({ to: 'oncall', from: 'a@b', smarthost: 'smtp.example.org', username: ' ' }))).toEqual([
        'mgmt.monitoring.receiver.to is "oncall": not an email address; e.g. oncall@example.org',
        'mgmt.monitoring.receiver.from is "a@b": not an email address; e.g. alerts@example.org',
        'mgmt.monitoring.receiver.smarthost is "smtp.example.org": write the SMTP server as host:port, e.g. smtp.example.org:587',
        'mgmt.monitoring.receiver.username is empty: leave it unset for no SMTP authentication',
      ]);
      for (const smarthost of ['smtp.example.org:0', 'smtp.example.org:65536']) {
        expect(validateOps(email({ smarthost }))).toEqual([`mgmt.monitoring.receiver.smarthost is "${smarthost}": write the SMTP server as host:port, e.g. smtp.example.org:587`]);
      }
    });

    test('a webhook has nothing to check here (its URL is a secret)', () => {
      expect(validateOps(withMonitoring({ receiver: { kind: 'webhook' } }))).toEqual([]);
    });
  });

  describe('mgmt.monitoring.scrapeFrom', () => {
    test('the mgmt host\'s addresses pass', () => {
      expect(validateOps(withMonitoring({ scrapeFrom: ['203.0.113.10/32', '2001:db8::/64'] }))).toEqual([]);
    });
    test('not a CIDR, every address of a family, or an empty list', () => {
      expect(validateOps(withMonitoring({ scrapeFrom: ['203.0.113.10', '0.0.0.0/1', '128.0.0.0/1', '::/0'] }))).toEqual([
        'mgmt.monitoring.scrapeFrom[0] is "203.0.113.10": not a CIDR; write the mgmt host\'s addresses, e.g. "203.0.113.10/32" and "2001:db8::/64"',
        'mgmt.monitoring.scrapeFrom covers every IPv4 address: the sites\' metrics would be open to the Internet; list the mgmt host\'s addresses only',
        'mgmt.monitoring.scrapeFrom covers every IPv6 address: the sites\' metrics would be open to the Internet; list the mgmt host\'s addresses only',
      ]);
      expect(validateOps(withMonitoring({ scrapeFrom: [] }))).toEqual([
        "mgmt.monitoring.scrapeFrom is empty: no site would be scraped; list the mgmt host's addresses, or leave it unset until the mgmt stack is deployed",
      ]);
    });
  });

  describe('sites[].metrics.port (server i on port + i)', () => {
    test('LoadBalancer: 1..65535 for every server, outside the NodePort range, apart from the gateway port', () => {
      expect(validateOps(metrics(65533))).toEqual([]);
      expect(validateOps(metrics(29997))).toEqual([]);
      expect(validateOps(metrics(32768))).toEqual([]);
      expect(validateOps(metrics(65534))).toEqual(['sites[0].metrics.port is 65534: server i is published on port + i, so 65534..65536 must be TCP ports (1-65535); e.g. 7777']);
      expect(validateOps(metrics(0))).toEqual(['sites[0].metrics.port is 0: server i is published on port + i, so 0..2 must be TCP ports (1-65535); e.g. 7777']);
      expect(validateOps(metrics(29998))).toEqual([
        'sites[0].metrics.port is 29998: 29998..30000 overlaps the NodePort range (30000-32767), where Kubernetes allocates other Services\' node ports; keep 7777',
      ]);
      expect(validateOps(metrics(32767))).toEqual([
        'sites[0].metrics.port is 32767: 32767..32769 overlaps the NodePort range (30000-32767), where Kubernetes allocates other Services\' node ports; keep 7777',
      ]);
      expect(validateOps(metrics(7220))).toEqual([
        'sites[0].metrics.port is 7220: 7220..7222 includes the gateway port 7222; every port binds on each node, so pick metrics ports apart from it, e.g. 7777',
      ]);
      expect(validateOps(metrics(7223))).toEqual([]);
    });

    test('NodePort: required, and every server\'s port inside 30000-32767', () => {
      expect(validateOps(metrics(undefined, { exposure: 'NodePort', port: 30722 }))).toEqual([
        'sites[0].metrics.port is unset with gateway.exposure NodePort: set the first of 3 node ports in 30000-32767 for the servers\' metrics, e.g. 30777',
      ]);
      expect(validateOps(metrics(30000, { exposure: 'NodePort', port: 30722 }))).toEqual([]);
      expect(validateOps(metrics(32765, { exposure: 'NodePort', port: 30722 }))).toEqual([]);
      expect(validateOps(metrics(32766, { exposure: 'NodePort', port: 30722 }))).toEqual([
        'sites[0].metrics.port is 32766 with gateway.exposure NodePort: 32766..32768 must lie in the node port range 30000-32767; e.g. 30777',
      ]);
      expect(validateOps(metrics(29999, { exposure: 'NodePort', port: 30722 }))).toEqual([
        'sites[0].metrics.port is 29999 with gateway.exposure NodePort: 29999..30001 must lie in the node port range 30000-32767; e.g. 30777',
      ]);
    });
  });
});
