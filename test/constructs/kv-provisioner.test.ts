import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import type { Fleet } from '../../config/types';
import { PROVISIONER_SECRET } from '../../constructs/harmony-account';
import { JOB_PATHS, KvProvisioner, NATS_BOX_IMAGE, SCRIPT_FILE, provisionScript } from '../../constructs/kv-provisioner';
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
  return { json, configMap: only('kubernetes_config_map_v1'), job: only('kubernetes_job_v1') };
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

  test('the Job mounts the provisioner seed Secret the account creates and authenticates with it', () => {
    const { job, configMap } = synth();
    const pod = job.spec.template.spec;
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

  test('the script is idempotent: reads first, creates only a missing stream, updates only a differing one, never deletes', () => {
    const script = provisionScript();
    expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
    const info = script.indexOf('STREAM.INFO.');
    expect(info).toBeGreaterThan(0);
    expect(script.indexOf('STREAM.CREATE.')).toBeGreaterThan(info);
    expect(script).toMatch(/if \[ "\$code" = 10059 \]; then\s+reply=\$\(nats_api "STREAM\.CREATE/);
    expect(script).toMatch(/all\(\.value == \$have\[\.key\]\)'[^\n]*\n\s+echo "\$name: unchanged"; continue/);
    expect(script).toContain('not moving it');
    expect(script).not.toMatch(/DELETE|PURGE|stream rm|stream edit/);
    expect(script.startsWith('set -eu\n')).toBe(true);
  });

  test('waits for nothing, retries generously, cleans up after itself', () => {
    const { job } = synth();
    expect(job.wait_for_completion).toBe(false);
    expect(job.spec.backoff_limit).toBeGreaterThanOrEqual(10);
    expect(Number(job.spec.ttl_seconds_after_finished)).toBeGreaterThan(0);
    expect(job.spec.template.spec.restart_policy).toBe('OnFailure');
    expect(job.spec.template.spec.security_context).toMatchObject({ run_as_non_root: true });
  });

  test('the Job and ConfigMap names carry a hash of the stream configs: a changed config runs a new Job', () => {
    const base = synth();
    expect(base.job.metadata.name).toMatch(/^harmony-kv-provision-[0-9a-f]{10}$/);
    expect(base.configMap.metadata.name).toBe(base.job.metadata.name);
    expect(synth().job.metadata.name).toBe(base.job.metadata.name);
    expect(synth(withKv({ history: 7 })).job.metadata.name).not.toBe(base.job.metadata.name);
    expect(synth(withKv({ maxBytes: '3Gi' })).job.metadata.name).not.toBe(base.job.metadata.name);
    expect(synth(exampleFleet, 'site-2').job.metadata.name).not.toBe(base.job.metadata.name);
    // The origin's replicas are not part of a mirror's config: site-2's Job stays as it is.
    expect(synth(withKv({ replicas: 1 }), 'site-2').job.metadata.name).toBe(synth(exampleFleet, 'site-2').job.metadata.name);
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
    expect(source).toMatch(/from '@cdktf\/provider-kubernetes\/lib\/job-v1'/);
  });
});
