import type { GuardrailRule } from '../rule';

/**
 * What a rebuild cannot give back carries a guard against destroying it:
 * Terraform's `lifecycle.prevent_destroy`, or Hetzner's delete protection
 * (which the API itself enforces). So a construct change cannot make the
 * management server, its addresses, a site's NATS release or a namespace
 * destroyable without anyone noticing. A deliberate rebuild of the
 * management host lifts Hetzner's protection through the fleet
 * (`mgmt.protection: false`), which labels the resources as lifted.
 */
const GUARDED: Readonly<Record<string, { readonly what: string; readonly hetznerProtection?: boolean }>> = {
  hcloud_server: { what: 'the management server', hetznerProtection: true },
  hcloud_primary_ip: { what: "the management host's address", hetznerProtection: true },
  helm_release: { what: "a site's NATS release (its servers and, through the StatefulSet, their volumes)" },
  kubernetes_namespace_v1: { what: 'a namespace (everything in it)' },
  kubernetes_namespace: { what: 'a namespace (everything in it)' },
  kubernetes_persistent_volume_claim_v1: { what: 'a volume claim (its data)' },
  kubernetes_persistent_volume_claim: { what: 'a volume claim (its data)' },
  kubernetes_stateful_set_v1: { what: 'a StatefulSet (its pods and volume claims)' },
};

export const PROTECTION_LIFTED_LABEL = 'harmony-infra-protection-lifted';

export const statefulGuarded: GuardrailRule = {
  id: 'stateful-guarded',
  summary: 'stateful resources carry prevent_destroy or Hetzner delete protection',
  check: (block) => {
    if (block.kind !== 'resource') return [];
    const guarded = GUARDED[block.type];
    if (!guarded) return [];
    const body = block.body ?? {};
    if (body.lifecycle?.prevent_destroy === true) return [];
    if (guarded.hetznerProtection && (body.delete_protection === true || body.labels?.[PROTECTION_LIFTED_LABEL] === 'true')) return [];
    return [
      `${block.address} is ${guarded.what} with no guard against destroying it: set lifecycle.prevent_destroy` +
        (guarded.hetznerProtection ? ', or keep Hetzner delete protection on (mgmt.protection)' : ''),
    ];
  },
};
