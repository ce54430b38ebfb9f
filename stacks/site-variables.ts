import { TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import type { SiteSecretValues } from '../constructs/site-secrets';
import { SITE_TF_VARS } from '../lib/secrets/tf-vars';

/**
 * Sensitive inputs of a site stack. `npm run deploy` fills them as
 * `TF_VAR_<name>` from the age-encrypted store for its process only; the
 * synthesized JSON holds only `var.<name>` references.
 */
export const SITE_VARIABLES = SITE_TF_VARS;

export function siteVariables(scope: Construct): SiteSecretValues & { readonly agentSeed: string; readonly provisionerSeed: string } {
  const variable = (name: string, description: string) =>
    new TerraformVariable(scope, name, { type: 'string', sensitive: true, nullable: false, description }).stringValue;
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
