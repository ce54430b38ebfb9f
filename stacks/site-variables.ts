import { TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import type { SiteSecretValues } from '../constructs/site-secrets';
import { SITE_TF_VARS } from '../lib/secrets/tf-vars';

/**
 * Secret inputs of a site stack. `npm run deploy` fills them as
 * `TF_VAR_<name>` from the age-encrypted store for its process only; the
 * synthesized JSON holds only `var.<name>` references. Each is `ephemeral`
 * (Terraform >= 1.10): Terraform keeps it out of state and saved plans, and
 * refuses it anywhere but a write-only argument or a provider (the
 * `secrets-write-only` guardrail checks the same at synth). cdktf 0.21's
 * TerraformVariable has no `ephemeral` prop: it is an override.
 */
export const SITE_VARIABLES = SITE_TF_VARS;

const secretVariable = (scope: Construct, name: string, description: string): string => {
  const v = new TerraformVariable(scope, name, { type: 'string', sensitive: true, nullable: false, description });
  v.addOverride('ephemeral', true);
  return v.stringValue;
};

/** The KV snapshot CronJob's secrets: declared by the home site's stack only (constructs/kv-snapshots.ts). */
export function kvSnapshotVariables(scope: Construct): { readonly seed: string; readonly resticPassword: string; readonly resticEnv: string } {
  return {
    seed: secretVariable(scope, SITE_VARIABLES.kvSnapshotSeed, "The kv-snapshot identity's nkey seed (snapshots the KV origin stream)."),
    resticPassword: secretVariable(scope, SITE_VARIABLES.kvSnapshotResticPassword, "The KV snapshots' restic repository password."),
    resticEnv: secretVariable(scope, SITE_VARIABLES.kvSnapshotResticEnv, "restic's backend credentials for that repository, as `export NAME='value'` lines."),
  };
}

export function siteVariables(scope: Construct): SiteSecretValues & { readonly agentSeed: string; readonly provisionerSeed: string } {
  const variable = (name: string, description: string) => secretVariable(scope, name, description);
  return {
    routePassword: variable(SITE_VARIABLES.routePassword, "Password of this site's cluster routes."),
    gatewayPassword: variable(SITE_VARIABLES.gatewayPassword, 'Password of the gateway links (the same on every site).'),
    tlsCert: variable(SITE_VARIABLES.tlsCert, "This site's certificate (PEM), signed by the fleet CA."),
    tlsKey: variable(SITE_VARIABLES.tlsKey, "Private key of this site's certificate (PEM)."),
    caCert: variable(SITE_VARIABLES.caCert, 'The fleet CA certificate (PEM).'),
    agentSeed: variable(SITE_VARIABLES.agentSeed, "The Harmony agent's nkey seed."),
    provisionerSeed: variable(SITE_VARIABLES.provisionerSeed, "The provisioning identity's nkey seed (creates and updates the KV bucket)."),
  };
}
