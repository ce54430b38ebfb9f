import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Construct } from 'constructs';
import type { KvReadSettings } from '../lib/kv/agent-read';
import { SECRETS } from '../lib/nats/helm-values';
import type { SiteRevisions } from '../lib/secrets/revisions';

export interface HarmonyAccountProps {
  /** Namespace of the NATS release, where the accounts Secret is mounted. */
  readonly natsNamespace: string;
  /** The rendered accounts include (public keys and permissions only). */
  readonly accounts: { readonly text: string; readonly checksum: string };
  /** Namespace the Harmony agent runs in; it gets the agent's seed. */
  readonly agentNamespace: string;
  /** The agent's nkey seed, an ephemeral Terraform expression. */
  readonly agentSeed: string;
  /** The provisioning identity's seed, for the in-cluster job that provisions the bucket. */
  readonly provisionerSeed: string;
  /** Revisions of the seed Secrets: a new one makes Terraform write the (write-only) value again. */
  readonly revisions: SiteRevisions;
  /** How the agent in this site reads the bucket (lib/kv/agent-read.ts): handed to it as a ConfigMap. */
  readonly agentKvSettings: KvReadSettings;
  /**
   * JWT mode: the agent's user JWT (config/jwt.json), public, handed to it
   * as a ConfigMap beside its seed's Secret; it connects with both (nats.js
   * `jwtAuthenticator(jwt, seed)`).
   * @default nkeys mode: no ConfigMap, the seed alone authenticates
   */
  readonly agentJwt?: string;
}

export const AGENT_SECRET = 'harmony-agent-nkey';
/** The provisioner's seed beside the servers; the KV provisioning Job mounts it. */
export const PROVISIONER_SECRET = { name: 'harmony-provisioner-nkey', key: 'provisioner.nk' } as const;
export const ACCOUNTS_CHECKSUM_ANNOTATION = 'harmony-infra/accounts-sha256';
/** The agent's read settings in its namespace (examples/agent-read.ts reads `settings.json`). */
export const AGENT_KV_CONFIG = { name: 'harmony-agent-kv', key: 'settings.json' } as const;
/** JWT mode: the agent's user JWT in its namespace. */
export const AGENT_JWT_CONFIG = { name: 'harmony-agent-jwt', key: 'agent.jwt' } as const;

/**
 * The HARMONY account on one site: the accounts include every server loads
 * (identical on every site, its checksum annotated so drift is visible), and
 * the agent's seed in the agent's namespace so an agent failing over to this
 * site finds its credentials (ADR 019, "multi-site authorization sync").
 */
export class HarmonyAccount extends Construct {
  readonly accountsSecret: SecretV1;
  readonly agentSecret: SecretV1;
  readonly provisionerSecret: SecretV1;
  readonly agentKvConfig: ConfigMapV1;
  readonly agentJwtConfig?: ConfigMapV1;

  constructor(scope: Construct, id: string, props: HarmonyAccountProps) {
    super(scope, id);
    this.accountsSecret = new SecretV1(this, 'accounts', {
      metadata: {
        name: SECRETS.accounts,
        namespace: props.natsNamespace,
        annotations: { [ACCOUNTS_CHECKSUM_ANNOTATION]: props.accounts.checksum },
      },
      data: { 'accounts.conf': props.accounts.text },
    });
    // The agents live here: destroying it deletes them with their Secret.
    const agentNamespace = new NamespaceV1(this, 'agent-namespace', { metadata: { name: props.agentNamespace }, lifecycle: { preventDestroy: true } });
    this.agentSecret = new SecretV1(this, 'agent-seed', {
      metadata: { name: AGENT_SECRET, namespace: agentNamespace.metadata.name },
      // Write-only: the seed is in neither the state nor a saved plan.
      dataWo: { 'agent.nk': props.agentSeed },
      dataWoRevision: props.revisions[AGENT_SECRET],
    });
    // Public: bucket and stream names. The agent reads its own site's stream first (reads survive restarts during an outage).
    this.agentKvConfig = new ConfigMapV1(this, 'agent-kv', {
      metadata: { name: AGENT_KV_CONFIG.name, namespace: agentNamespace.metadata.name },
      data: { [AGENT_KV_CONFIG.key]: JSON.stringify(props.agentKvSettings) },
    });
    if (props.agentJwt) {
      // A token, not a secret: without the seed it proves nothing. Re-signing it updates this in place, in the plan for all to see.
      this.agentJwtConfig = new ConfigMapV1(this, 'agent-jwt', {
        metadata: { name: AGENT_JWT_CONFIG.name, namespace: agentNamespace.metadata.name },
        data: { [AGENT_JWT_CONFIG.key]: props.agentJwt },
      });
    }
    // Beside the servers, not in the agent's namespace: only the provisioning job mounts it.
    this.provisionerSecret = new SecretV1(this, 'provisioner-seed', {
      metadata: { name: PROVISIONER_SECRET.name, namespace: props.natsNamespace },
      dataWo: { [PROVISIONER_SECRET.key]: props.provisionerSeed },
      dataWoRevision: props.revisions[PROVISIONER_SECRET.name],
    });
  }
}
