import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import type { Fleet } from '../../config/types';
import { PROVISIONER_SECRET } from '../../constructs/harmony-account';
import { JOB_PATHS, KvProvisioner, NATS_BOX_IMAGE, RUN_DEADLINE_SECONDS, SCRIPT_FILE, provisionScript } from '../../constructs/kv-provisioner';
import { bucketStreams } from '../../lib/kv/stream-configs';
import { exampleFleet } from '../fixtures/fleet';

function synth(fleet: Fleet = exampleFleet, siteName = 'site-1') {
  const site = fleet.sites.find((s) => s.name === siteName)!;
  const json = Testing.synthScope((scope) => {
    new KvProvisioner(scope, 'kv', { fleet, site, namespace: 'nats' });
  });
  const tf = JSON.parse(json);
  const only = (type: string) => {
    const blocks = Object.values(tf.resource?.[type] ?? {});
    expect(blocks).toHaveLength(1);
    return blocks[0] as any;
  };
  return { json, configMap: only('kubernetes_config_map_v1'), cron: only('kubernetes_cron_job_v1') };
}

const withKv = (change: Partial<Fleet['account']['kv']>): Fleet => ({ ...exampleFleet, account: { ...exampleFleet.account, kv: { ...exampleFleet.account.kv, ...change } } });

describe('KvProvisioner', () => {
  test.each(['site-1', 'site-2', 'site-3'])('the ConfigMap of %s holds exactly bucketStreams JSON for the streams living there, and the script', (site) => {
    const { configMap } = synth(exampleFleet, site);
    const wanted = bucketStreams(exampleFleet).filter((s) => s.site === site);
    expect(wanted.length).toBeGreaterThan(0);
    const data = configMap.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual([...wanted.map((s) => `${s.config.name}.json`), SCRIPT_FILE].sort());
    for (const { config } of wanted) expect(JSON.parse(data[`${config.name}.json`])).toEqual(config);
    expect(data[SCRIPT_FILE]).toBe(provisionScript());
  });

  test('site-1 (home) gets the origin, the others their mirror of it', () => {
    expect(Object.keys(synth(exampleFleet, 'site-1').configMap.data)).toContain('KV_HARMONY.json');
    const mirror = JSON.parse(synth(exampleFleet, 'site-2').configMap.data['KV_HARMONY_site-2.json']);
    expect(mirror).toMatchObject({ mirror: { name: 'KV_HARMONY' }, mirror_direct: true, placement: { cluster: 'site-2' } });
  });

  test('each run mounts the provisioner seed Secret the account creates and authenticates with it', () => {
    const { cron, configMap } = synth();
    const pod = cron.spec.job_template.spec.template.spec;
    const container = pod.container[0];
    const seedVolume = pod.volume.find((v: any) => v.secret);
    expect(seedVolume.secret).toMatchObject({ secret_name: PROVISIONER_SECRET.name });
    expect(container.volume_mount).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: seedVolume.name, mount_path: '/etc/harmony/provisioner', read_only: true }),
        expect.objectContaining({ mount_path: JOB_PATHS.configDir, read_only: true }),
      ]),
    );
    expect(JOB_PATHS.seedFile).toBe('/etc/harmony/provisioner/provisioner.nk');
    expect(configMap.data[SCRIPT_FILE]).toContain(`--nkey ${JOB_PATHS.seedFile}`);
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'NATS_URL', value: 'nats://nats.nats.svc:4222' }]));
    expect(pod.volume.find((v: any) => v.config_map).config_map.name).toMatch(/^\$\{kubernetes_config_map_v1\.\w+\.metadata\[0\]\.name\}$/);
    expect(container.command).toEqual(['/bin/sh', `${JOB_PATHS.configDir}/${SCRIPT_FILE}`]);
    expect(container.image).toBe(NATS_BOX_IMAGE);
    expect(NATS_BOX_IMAGE).toMatch(/^natsio\/nats-box:\d+\.\d+\.\d+$/);
  });

  test('the script is valid sh and asks only what the provisioner may: stream info and create, on its own inbox', () => {
    const script = provisionScript();
    expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
    const apis = [...script.matchAll(/"STREAM\.([A-Z.]+)\.\$name"/g)].map((m) => m[1]);
    expect([...new Set(apis)].sort()).toEqual(['CREATE', 'INFO']);
    expect(script).not.toMatch(/UPDATE|DELETE|PURGE|stream rm|stream edit/);
    expect(script).toContain('--inbox-prefix _INBOX_provisioner ');
    expect(script.startsWith('set -eu\n')).toBe(true);
  });

  test('runs on a schedule, one run at a time, for good: the schedule is the retry, failures stay visible', () => {
    const { cron } = synth();
    expect(cron.spec).toMatchObject({
      schedule: '*/5 * * * *',
      concurrency_policy: 'Forbid',
      starting_deadline_seconds: 240,
      successful_jobs_history_limit: 1,
      failed_jobs_history_limit: 3,
    });
    expect(cron.spec.suspend).toBeUndefined();
    expect(cron.spec.job_template.spec).toMatchObject({ backoff_limit: 0, active_deadline_seconds: 240 });
    expect(cron.spec.job_template.spec.template.spec.restart_policy).toBe('Never');
    expect(cron.spec.job_template.spec.template.spec.security_context).toMatchObject({ run_as_non_root: true });
    expect(synth(exampleFleet, 'site-1').cron.spec.schedule).toBe('*/5 * * * *');
  });

  test('a run ends before the next tick: its deadline is below the schedule period', () => {
    expect(RUN_DEADLINE_SECONDS).toBeLessThan(5 * 60);
  });

  test('names are stable, so a converged site plans no change; a fleet change is an in-place ConfigMap update', () => {
    const base = synth();
    expect(base.cron.metadata.name).toBe('harmony-kv-provision');
    expect(base.configMap.metadata.name).toBe('harmony-kv-provision');
    const wider = synth(withKv({ history: 7 }));
    expect(wider.cron.metadata.name).toBe('harmony-kv-provision');
    expect(wider.configMap.metadata.name).toBe('harmony-kv-provision');
    expect(JSON.parse(wider.configMap.data['KV_HARMONY.json']).max_msgs_per_subject).toBe(7);
    expect(JSON.parse(base.configMap.data['KV_HARMONY.json']).max_msgs_per_subject).toBe(5);
    expect(wider.cron.spec).toEqual(base.cron.spec);
  });

  test('nothing secret in the synthesized output', () => {
    for (const site of ['site-1', 'site-2']) {
      const { json } = synth(exampleFleet, site);
      expect(json).not.toMatch(/S[UAO][A-Z2-7]{56}/);
      expect(json).not.toMatch(/PRIVATE KEY|password|var\.harmony_provisioner_seed/i);
    }
  });

  test('imports the kubernetes provider by submodule only', () => {
    const source = readFileSync(join(__dirname, '..', '..', 'constructs', 'kv-provisioner.ts'), 'utf8');
    expect(source).not.toMatch(/from '@cdktf\/provider-kubernetes'/);
    expect(source).toMatch(/from '@cdktf\/provider-kubernetes\/lib\/cron-job-v1'/);
  });
});
