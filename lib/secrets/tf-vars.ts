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
