import type { SecretMaterial } from './material';
import { currentKey } from './material';

/**
 * Terraform variable names of a site stack's sensitive inputs, declared by
 * stacks/site-variables.ts. They live here, free of cdktf, so the deploy
 * and keys CLIs can fill them without loading the CDK.
 */
export const SITE_TF_VARS = {
  routePassword: 'nats_route_password',
  gatewayPassword: 'nats_gateway_password',
  tlsCert: 'nats_tls_cert',
  tlsKey: 'nats_tls_key',
  caCert: 'nats_ca_cert',
  agentSeed: 'harmony_agent_seed',
  provisionerSeed: 'harmony_provisioner_seed',
  // The KV snapshot CronJob's (constructs/kv-snapshots.ts): declared by the home site's stack only.
  kvSnapshotSeed: 'harmony_kv_snapshot_seed',
  kvSnapshotResticPassword: 'harmony_kv_snapshot_restic_password',
  kvSnapshotResticEnv: 'harmony_kv_snapshot_restic_env',
} as const;

/**
 * The environment `npm run deploy` gives Terraform for one site's stack:
 * `TF_VAR_<name>` per sensitive variable. The seeds are the identities'
 * current (newest) keys: during a rotation the servers accept both, and
 * clients move to the new one (ADR-0017). Secret values: put them in a
 * child process's environment only, never print or log them.
 */
export function siteTfVars(material: SecretMaterial, site: string): Record<string, string> {
  const values = siteSecretValues(material, site);
  return Object.fromEntries(Object.entries(SITE_TF_VARS).map(([k, name]) => [`TF_VAR_${name}`, values[k as keyof typeof SITE_TF_VARS]]));
}

/** The private values one site's stack receives, by role. Secret: never print or log them. */
export function siteSecretValues(material: SecretMaterial, site: string): Record<keyof typeof SITE_TF_VARS, string> {
  return { ...siteBaseValues(material, site), ...kvSnapshotSecretValues(material) };
}

/** The values every site's stack writes (all but the KV snapshots'). Secret: never print or log them. */
export function siteBaseValues(material: SecretMaterial, site: string) {
  const siteMaterial = material.sites[site];
  if (!siteMaterial) {
    throw new Error(`the secrets store has no material for site "${site}" (it has: ${Object.keys(material.sites).sort().join(', ') || 'none'}); run \`npm run keys -- sync\``);
  }
  return {
    routePassword: siteMaterial.routePassword,
    gatewayPassword: material.gatewayPassword,
    tlsCert: siteMaterial.cert.certPem,
    tlsKey: siteMaterial.cert.keyPem,
    caCert: material.ca.certPem,
    agentSeed: currentKey(material, 'agent').seed,
    provisionerSeed: currentKey(material, 'provisioner').seed,
  };
}

const SYNC = 'run `npm run keys -- sync` (the store predates KV snapshots)';

/** Whether the store has what the KV snapshot CronJob needs (a store from before them does not). */
export const hasKvSnapshotSecrets = (material: SecretMaterial): boolean => Boolean(material.identities['kv-snapshot']?.length && material.kvSnapshots);

/** The KV snapshot CronJob's secrets: the kv-snapshot seed, the restic password, and restic's backend environment as a shell file. */
export function kvSnapshotSecretValues(material: SecretMaterial): { kvSnapshotSeed: string; kvSnapshotResticPassword: string; kvSnapshotResticEnv: string } {
  if (!material.identities['kv-snapshot']?.length) throw new Error(`the secrets store has no kv-snapshot identity; ${SYNC}`);
  if (!material.kvSnapshots) throw new Error(`the secrets store has no restic password for the KV snapshots; ${SYNC}`);
  return {
    kvSnapshotSeed: currentKey(material, 'kv-snapshot').seed,
    kvSnapshotResticPassword: material.kvSnapshots.resticPassword,
    kvSnapshotResticEnv: resticEnvFile(material.kvSnapshots.env),
  };
}

/**
 * restic's backend environment as a file `sh` sources (`. file`): one
 * `export NAME='value'` per line, each value single-quoted (a quote inside
 * becomes '\''), so no value is ever expanded or run.
 */
export const resticEnvFile = (env: { readonly [name: string]: string }): string =>
  Object.keys(env).length === 0
    ? // Never empty: a repository restic reaches without credentials (sftp with a key in the image, rest-server without auth) still gets a file that says why it is bare.
      '# no backend variables stored: `npm run keys -- kv-snapshot-env NAME,...` sets them\n'
    : Object.keys(env)
        .sort()
        .map((name) => `export ${name}='${env[name].replace(/'/g, `'\\''`)}'\n`)
        .join('');
