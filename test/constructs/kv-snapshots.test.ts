import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import type { Fleet } from '../../config/types';
import { NATS_BOX_IMAGE } from '../../constructs/kv-provisioner';
import {
  BACKUP_SCRIPT,
  KV_SNAPSHOT_SECRETS,
  KvSnapshots,
  RESTIC_IMAGE,
  SHIP_SCRIPT,
  SNAPSHOT_PATHS,
  SNAPSHOT_TAG,
  backupScript,
  shipScript,
} from '../../constructs/kv-snapshots';
import { resticEnvFile } from '../../lib/secrets/tf-vars';
import { NatsSiteStack } from '../../stacks/nats-site-stack';
import { SITE_VARIABLES } from '../../stacks/site-variables';
import { exampleFleet, exampleIdentities } from '../fixtures/fleet';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const withSnapshots = (change: Partial<Fleet['account']['kv']>): Fleet => ({ ...exampleFleet, account: { ...exampleFleet.account, kv: { ...exampleFleet.account.kv, ...change } } });

/** The site stack as deployed, synthesized: the CronJob is asserted where it really lives. */
function synthStack(fleet: Fleet = exampleFleet, siteName = 'site-1'): { json: string; tf: Json } {
  const site = fleet.sites.find((s) => s.name === siteName)!;
  const json = Testing.synth(new NatsSiteStack(Testing.app(), `nats-${siteName}`, { fleet, site, identities: exampleIdentities }));
  return { json, tf: JSON.parse(json) };
}
const byName = (tf: Json, type: string, name: string): Json[] => Object.values(tf.resource?.[type] ?? {}).filter((b: Json) => b.metadata?.name === name);
const cronOf = (tf: Json): Json => {
  const found = byName(tf, 'kubernetes_cron_job_v1', 'harmony-kv-snapshot');
  expect(found).toHaveLength(1);
  return found[0];
};

describe('KvSnapshots', () => {
  const { json, tf } = synthStack();
  const cron = cronOf(tf);
  const pod = cron.spec.job_template.spec.template.spec;
  const [snapshot] = pod.init_container;
  const [ship] = pod.container;
  const scripts = byName(tf, 'kubernetes_config_map_v1', 'harmony-kv-snapshot')[0].data;

  test('default properties: hourly at :17, one run at a time, failed runs kept for their logs', () => {
    // The NATS release's namespace (a reference, so the namespace exists first).
    expect(cron.metadata.namespace).toMatch(/^\$\{kubernetes_namespace_v1\.nats_namespace_\w+\.metadata\[0\]\.name\}$/);
    expect(cron.spec).toMatchObject({ schedule: '17 * * * *', concurrency_policy: 'Forbid', failed_jobs_history_limit: 3 });
    expect(cron.spec.job_template.spec).toMatchObject({ backoff_limit: 0, active_deadline_seconds: 1800 });
    expect(pod).toMatchObject({ restart_policy: 'Never', automount_service_account_token: false, security_context: { run_as_non_root: true, run_as_user: '65534' } });
  });

  test('images are pinned: nats-box (natscli 0.2.4) snapshots, restic ships', () => {
    expect(snapshot.image).toBe(NATS_BOX_IMAGE);
    expect(ship.image).toBe(RESTIC_IMAGE);
    for (const image of [snapshot.image, ship.image]) expect(image).toMatch(/^[a-z/-]+:\d+\.\d+\.\d+$/);
  });

  test('first natscli backs up the origin stream as kv-snapshot into the shared emptyDir, then restic ships it with a tag and applies the retention', () => {
    expect(snapshot.command).toEqual(['/bin/sh', `${SNAPSHOT_PATHS.configDir}/${BACKUP_SCRIPT}`]);
    expect(ship.command).toEqual(['/bin/sh', `${SNAPSHOT_PATHS.configDir}/${SHIP_SCRIPT}`]);
    expect(scripts[BACKUP_SCRIPT]).toBe(backupScript('KV_HARMONY'));
    expect(scripts[BACKUP_SCRIPT]).toContain(
      'nats --no-context --server "$NATS_URL" --nkey /etc/harmony/kv-snapshot-nkey/kv-snapshot.nk --inbox-prefix _INBOX_kv-snapshot --timeout 30s stream backup KV_HARMONY "$dir" --no-progress --no-consumers',
    );
    expect(scripts[SHIP_SCRIPT]).toBe(shipScript('KV_HARMONY', 'site-1', { daily: 7, weekly: 5, monthly: 12 }));
    expect(scripts[SHIP_SCRIPT]).toContain(`restic backup --host site-1 --tag ${SNAPSHOT_TAG} "$dir"`);
    expect(scripts[SHIP_SCRIPT]).toContain('restic forget --prune --tag harmony-kv --group-by tags --keep-hourly 24 --keep-daily 7 --keep-weekly 5 --keep-monthly 12');
    expect(snapshot.env).toEqual(expect.arrayContaining([{ name: 'NATS_URL', value: `nats://nats.${cron.metadata.namespace}.svc:4222` }]));
    expect(ship.env).toEqual(expect.arrayContaining([{ name: 'RESTIC_REPOSITORY', value: exampleFleet.account.kv.snapshots.repository }]));
    const snapshotVolume = pod.volume.find((v: Json) => v.name === 'snapshot');
    expect(snapshotVolume.empty_dir).toEqual({ size_limit: '2048Mi' });
    expect(snapshot.volume_mount).toEqual(expect.arrayContaining([{ name: 'snapshot', mount_path: '/snapshot' }]));
    expect(ship.volume_mount).toEqual(expect.arrayContaining([{ name: 'snapshot', mount_path: '/snapshot', read_only: true }]));
  });

  test('each container mounts only its own Secret; the Secrets are written only from ephemeral variables into data_wo', () => {
    const volume = (name: string) => pod.volume.find((v: Json) => v.name === name);
    const seedKey = Object.entries(tf.resource.kubernetes_secret_v1).find(([, b]) => (b as Json).metadata.name === KV_SNAPSHOT_SECRETS.seed.name)![0];
    const resticKey = Object.entries(tf.resource.kubernetes_secret_v1).find(([, b]) => (b as Json).metadata.name === KV_SNAPSHOT_SECRETS.restic.name)![0];
    expect(volume('seed').secret.secret_name).toBe(`\${kubernetes_secret_v1.${seedKey}.metadata[0].name}`);
    expect(volume('restic').secret.secret_name).toBe(`\${kubernetes_secret_v1.${resticKey}.metadata[0].name}`);
    expect(snapshot.volume_mount.map((m: Json) => m.name).sort()).toEqual(['scripts', 'seed', 'snapshot', 'tmp']);
    expect(ship.volume_mount.map((m: Json) => m.name).sort()).toEqual(['restic', 'scripts', 'snapshot', 'tmp']);

    const seed = tf.resource.kubernetes_secret_v1[seedKey];
    expect(seed.data).toBeUndefined();
    expect(seed).toMatchObject({ data_wo: { 'kv-snapshot.nk': '${var.harmony_kv_snapshot_seed}' }, data_wo_revision: 1, metadata: { namespace: cron.metadata.namespace } });
    const restic = tf.resource.kubernetes_secret_v1[resticKey];
    expect(restic.data).toBeUndefined();
    expect(restic).toMatchObject({ data_wo: { password: '${var.harmony_kv_snapshot_restic_password}', 'backend.env': '${var.harmony_kv_snapshot_restic_env}' }, data_wo_revision: 1 });
    for (const name of [SITE_VARIABLES.kvSnapshotSeed, SITE_VARIABLES.kvSnapshotResticPassword, SITE_VARIABLES.kvSnapshotResticEnv]) {
      expect(tf.variable[name]).toMatchObject({ type: 'string', sensitive: true, ephemeral: true, nullable: false });
    }
  });

  test('no secret in cdktf.out: the snapshot variables appear only inside data_wo, and no credential is in the synthesized JSON', () => {
    const refs = [...json.matchAll(/\$\{var\.(harmony_kv_snapshot_\w+)\}/g)].map((m) => m[1]).sort();
    expect(refs).toEqual(['harmony_kv_snapshot_restic_env', 'harmony_kv_snapshot_restic_password', 'harmony_kv_snapshot_seed']);
    const outsideWriteOnly = JSON.stringify({ ...tf, resource: { ...tf.resource, kubernetes_secret_v1: undefined } });
    expect(outsideWriteOnly).not.toMatch(/var\.harmony_kv_snapshot/);
    expect(json).not.toMatch(/SU[A-Z2-7]{56}|AWS_SECRET_ACCESS_KEY|RESTIC_PASSWORD[^_]/);
  });

  test('schedule and retention come from account.kv.snapshots', () => {
    const fleet = withSnapshots({ snapshots: { ...exampleFleet.account.kv.snapshots, schedule: '*/30 * * * *', keep: { daily: 3, monthly: 24 } } });
    const { tf: t } = synthStack(fleet);
    expect(cronOf(t).spec.schedule).toBe('*/30 * * * *');
    expect(byName(t, 'kubernetes_config_map_v1', 'harmony-kv-snapshot')[0].data[SHIP_SCRIPT]).toContain('--keep-daily 3 --keep-weekly 5 --keep-monthly 24');
  });

  test('only the home site gets it, and it follows the home site (a promotion, an in-place origin name)', () => {
    for (const site of ['site-2', 'site-3']) {
      const { tf: t } = synthStack(exampleFleet, site);
      expect(byName(t, 'kubernetes_cron_job_v1', 'harmony-kv-snapshot')).toEqual([]);
      expect(Object.keys(t.variable).filter((v) => v.startsWith('harmony_kv_snapshot'))).toEqual([]);
    }
    const promoted = withSnapshots({ homeSite: 'site-2', originStream: 'KV_HARMONY_site-2' });
    expect(byName(synthStack(promoted, 'site-1').tf, 'kubernetes_cron_job_v1', 'harmony-kv-snapshot')).toEqual([]);
    const { tf: t } = synthStack(promoted, 'site-2');
    expect(byName(t, 'kubernetes_config_map_v1', 'harmony-kv-snapshot')[0].data[BACKUP_SCRIPT]).toContain('stream backup KV_HARMONY_site-2 "$dir"');
  });

  test('refuses a site that is not the home site', () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new KvSnapshots(scope, 's', { fleet: exampleFleet, site: exampleFleet.sites[1], namespace: 'nats', secrets: { seed: 's', resticPassword: 'p', resticEnv: 'e' }, revisions: { seed: 1, restic: 1 } });
      }),
    ).toThrow(/belongs in the home site \(account.kv.homeSite site-1\), not site-2/);
  });

  test('both scripts parse as POSIX sh', () => {
    for (const script of [scripts[BACKUP_SCRIPT], scripts[SHIP_SCRIPT]]) expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
  });
});

describe('the ship script with the real restic', () => {
  const work = mkdtempSync(join(tmpdir(), 'harmony-kv-ship-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const paths = { configDir: join(work, 'config'), seedFile: join(work, 'seed'), resticDir: join(work, 'restic'), snapshotDir: join(work, 'snapshot') };
  mkdirSync(paths.resticDir);
  mkdirSync(join(paths.snapshotDir, 'KV_HARMONY'), { recursive: true });
  writeFileSync(join(paths.resticDir, 'password'), 'unit-test-only');
  // A value with a quote and a $: the env file must hand it to restic as it is.
  writeFileSync(join(paths.resticDir, 'backend.env'), resticEnvFile({ HARMONY_PROBE: "it's $HOME" }));
  const repository = join(work, 'repo');
  const run = (script: string) => spawnSync('sh', ['-c', `${script}\necho "probe=$HARMONY_PROBE"`], { env: { PATH: process.env.PATH, HOME: work, RESTIC_REPOSITORY: repository, RESTIC_CACHE_DIR: join(work, 'cache') }, encoding: 'utf8' });
  const ship = shipScript('KV_HARMONY', 'site-1', { daily: 7, weekly: 5, monthly: 12 }, paths);

  test('no snapshot in the directory: it fails before touching the repository', () => {
    const r = run(ship);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`no snapshot in ${paths.snapshotDir}/KV_HARMONY`);
  });

  test('initialises the repository once, backs the directory up with the tag and host, forgets by the retention; again the next run', () => {
    writeFileSync(join(paths.snapshotDir, 'KV_HARMONY', 'backup.json'), '{"config":{"name":"KV_HARMONY"},"state":{"messages":1,"last_seq":1}}');
    writeFileSync(join(paths.snapshotDir, 'KV_HARMONY', 'stream.tar.s2'), 'data');
    for (let i = 0; i < 2; i++) {
      const r = run(ship);
      expect(r.stderr).not.toMatch(/Fatal|error/i);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`probe=it's $HOME`);
    }
    const snapshots = JSON.parse(execFileSync('restic', ['snapshots', '--json'], { env: { ...process.env, RESTIC_REPOSITORY: repository, RESTIC_PASSWORD: 'unit-test-only' }, encoding: 'utf8' })) as { hostname: string; tags: string[]; paths: string[] }[];
    // Two runs within the same hour: the hourly rule keeps the newer one.
    expect(snapshots).toEqual([expect.objectContaining({ hostname: 'site-1', tags: [SNAPSHOT_TAG], paths: [join(paths.snapshotDir, 'KV_HARMONY')] })]);
  }, 60_000);
});
