import { gatewayExposure, gatewayPort, metricsPort, repositoryScheme, siteNodes } from '../lib/defaults';
import type { AlertReceiverSpec, MonitoringSpec, OffHostRepositorySpec } from './ops-types';
import type { Fleet, SiteSpec } from './types';
import { coverAll, parseCidr } from './validate-mgmt';

/** A rule: when `failed`, `message` says what is wrong, where, and the fix. */
interface Rule {
  readonly failed: boolean;
  readonly message: string;
}

/** restic backends that reach another machine; `sftp:` needs an SSH key, which only the mgmt host has. */
const REMOTE_BACKENDS = ['s3', 'rest', 'b2', 'azure', 'gs', 'swift', 'sftp'] as const;
const REPOSITORY_EXAMPLE = 's3:https://nbg1.your-objectstorage.com/<bucket>/<path>';
const EMAIL = /^[^\s@"<>]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
const HOST_PORT = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*:(\d{1,5})$/i;
/** One field of a five-field cron line: numbers, ranges, steps, lists, `*`. */
const CRON_FIELD = /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?)*$/;
const CRON_MACROS = ['@hourly', '@daily', '@weekly', '@monthly', '@yearly'];
/** A systemd calendar expression: its characters only (systemd refuses the rest when the unit loads). */
const ON_CALENDAR = /^[A-Za-z0-9*:.,/~ -]{1,100}$/;

function repositoryRules(repo: OffHostRepositorySpec, at: string, sftpAllowed: boolean): Rule[] {
  const scheme = repositoryScheme(repo.repository);
  const known = (REMOTE_BACKENDS as readonly string[]).includes(scheme ?? '');
  const keep = repo.keep ?? {};
  return [
    {
      failed: !known,
      message: `${at}.repository is "${repo.repository}": not an off-host restic repository (a local path dies with the host or site it protects); use one of ${REMOTE_BACKENDS.filter((b) => sftpAllowed || b !== 'sftp')
        .map((b) => `${b}:`)
        .join(', ')}, e.g. ${REPOSITORY_EXAMPLE}`,
    },
    {
      failed: known && scheme === 'sftp' && !sftpAllowed,
      message: `${at}.repository is "${repo.repository}": sftp needs an SSH key in the snapshot Job's pod; use an object store, e.g. ${REPOSITORY_EXAMPLE}`,
    },
    {
      // user:password@ in the URL would land in the fleet, cdktf.out and the Nix store.
      failed: /:\/\/[^/@]*:[^/@]*@/.test(repo.repository),
      message: `${at}.repository has credentials in its URL: they would be committed and copied into the Nix store and Terraform; remove them and put them in the repository's secret (README, "Secrets")`,
    },
    {
      failed: /\s/.test(repo.repository),
      message: `${at}.repository is "${repo.repository}": contains white space; write the repository URL alone`,
    },
    ...(['daily', 'weekly', 'monthly'] as const).map((k) => ({
      failed: keep[k] !== undefined && !(Number.isInteger(keep[k]) && (keep[k] as number) >= 0 && (keep[k] as number) <= 1000),
      message: `${at}.keep.${k} is ${keep[k]}: a whole number of snapshots from 0 to 1000, or unset for the default`,
    })),
    {
      failed: keep.daily === 0 && keep.weekly === 0 && keep.monthly === 0,
      message: `${at}.keep keeps nothing: every snapshot would be deleted right after it is taken; keep at least daily: 7`,
    },
  ];
}

function receiverRules(r: AlertReceiverSpec, at: string): Rule[] {
  if (r.kind !== 'email') return [];
  const port = Number(HOST_PORT.exec(r.smarthost)?.[5]);
  return [
    { failed: !EMAIL.test(r.to), message: `${at}.to is "${r.to}": not an email address; e.g. oncall@example.org` },
    { failed: !EMAIL.test(r.from), message: `${at}.from is "${r.from}": not an email address; e.g. alerts@example.org` },
    {
      failed: !HOST_PORT.test(r.smarthost) || !(port >= 1 && port <= 65535),
      message: `${at}.smarthost is "${r.smarthost}": write the SMTP server as host:port, e.g. smtp.example.org:587`,
    },
    { failed: r.username !== undefined && r.username.trim() === '', message: `${at}.username is empty: leave it unset for no SMTP authentication` },
  ];
}

function scrapeFromRules(m: MonitoringSpec, at: string): Rule[] {
  const values = m.scrapeFrom ?? [];
  const cidrs = values.map(parseCidr);
  return [
    ...values.map((v, i) => ({
      failed: cidrs[i] === undefined,
      message: `${at}.scrapeFrom[${i}] is "${v}": not a CIDR; write the mgmt host's addresses, e.g. "203.0.113.10/32" and "2001:db8::/64"`,
    })),
    ...([4, 6] as const).map((family) => ({
      // The exporter serves every stream's and connection's metrics without authentication.
      failed: coverAll(
        cidrs.filter((c) => c !== undefined),
        family,
      ),
      message: `${at}.scrapeFrom covers every IPv${family} address: the sites' metrics would be open to the Internet; list the mgmt host's addresses only`,
    })),
    {
      failed: m.scrapeFrom !== undefined && values.length === 0,
      message: `${at}.scrapeFrom is empty: no site would be scraped; list the mgmt host's addresses, or leave it unset until the mgmt stack is deployed`,
    },
  ];
}

function metricsRules(site: SiteSpec, i: number): Rule[] {
  const at = `sites[${i}].metrics.port`;
  const first = metricsPort(site);
  const last = first === undefined ? undefined : first + siteNodes(site) - 1;
  const nodePort = gatewayExposure(site) === 'NodePort';
  if (first === undefined) {
    return [{ failed: true, message: `${at} is unset with gateway.exposure NodePort: set the first of ${siteNodes(site)} node ports in 30000-32767 for the servers' metrics, e.g. 30777` }];
  }
  const gw = gatewayPort(site);
  return [
    {
      failed: !Number.isInteger(first) || first < 1 || (last as number) > 65535,
      message: `${at} is ${first}: server i is published on port + i, so ${first}..${last} must be TCP ports (1-65535); e.g. 7777`,
    },
    {
      failed: nodePort && Number.isInteger(first) && !(first >= 30000 && (last as number) <= 32767),
      message: `${at} is ${first} with gateway.exposure NodePort: ${first}..${last} must lie in the node port range 30000-32767; e.g. 30777`,
    },
    {
      failed: !nodePort && Number.isInteger(first) && (last as number) >= 30000 && first <= 32767,
      message: `${at} is ${first}: ${first}..${last} overlaps the NodePort range (30000-32767), where Kubernetes allocates other Services' node ports; keep 7777`,
    },
    {
      failed: gw >= first && gw <= (last as number),
      message: `${at} is ${first}: ${first}..${last} includes the gateway port ${gw}; every port binds on each node, so pick metrics ports apart from it, e.g. 7777`,
    },
  ];
}

/** Every problem with backups and monitoring (empty when valid). */
export function validateOps(fleet: Fleet): string[] {
  const backup = fleet.mgmt.backup;
  const snapshots = fleet.account.kv.snapshots;
  const rules: Rule[] = [
    ...repositoryRules(backup, 'mgmt.backup', true),
    {
      failed: backup.onCalendar !== undefined && !ON_CALENDAR.test(backup.onCalendar),
      message: `mgmt.backup.onCalendar is "${backup.onCalendar}": not a systemd calendar expression; e.g. "*-*-* 03:15:00" or "daily"`,
    },
    ...repositoryRules(snapshots, 'account.kv.snapshots', false),
    {
      failed: snapshots.schedule !== undefined && !CRON_MACROS.includes(snapshots.schedule) && !(snapshots.schedule.trim().split(/\s+/).length === 5 && snapshots.schedule.trim().split(/\s+/).every((f) => CRON_FIELD.test(f))),
      message: `account.kv.snapshots.schedule is "${snapshots.schedule}": not a five-field cron schedule; e.g. "17 * * * *" (hourly) or "@daily"`,
    },
    {
      // A site's Kubernetes Secret holds the snapshot repository's password: it must not open the mgmt host's backups.
      failed: backup.repository.replace(/\/+$/, '') === snapshots.repository.replace(/\/+$/, ''),
      message: `account.kv.snapshots.repository and mgmt.backup.repository are both "${backup.repository}": every site holds the snapshot repository's password, which would open the mgmt host's backups; give the snapshots their own repository (another bucket or path, another password)`,
    },
    ...receiverRules(fleet.mgmt.monitoring.receiver, 'mgmt.monitoring.receiver'),
    ...scrapeFromRules(fleet.mgmt.monitoring, 'mgmt.monitoring'),
    ...fleet.sites.flatMap(metricsRules),
  ];
  return rules.filter((r) => r.failed).map((r) => r.message);
}
