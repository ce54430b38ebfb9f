import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import { SiteMetrics } from '../constructs/site-metrics';
import { GatewayMesh } from '../constructs/gateway-mesh';
import { AGENT_SECRET, HarmonyAccount } from '../constructs/harmony-account';
import { KvProvisioner } from '../constructs/kv-provisioner';
import { KvSnapshots } from '../constructs/kv-snapshots';
import { NatsSite } from '../constructs/nats-site';
import { PlanReader } from '../constructs/plan-reader';
import { applyGuardrails } from '../guardrails/guardrails';
import type { IdentityKeys } from '../lib/nats/accounts';
import { renderAccounts } from '../lib/nats/accounts';
import { agentNamespace } from '../lib/defaults';
import { agentReadSettings } from '../lib/kv/agent-read';
import type { SiteRevisions } from '../lib/secrets/revisions';
import { firstRevisions } from '../lib/secrets/revisions';
import { kvSnapshotVariables, siteVariables } from './site-variables';

export interface NatsSiteStackProps {
  readonly fleet: Fleet;
  readonly site: SiteSpec;
  /** Public nkeys of the identities (config/identities.json). */
  readonly identities: IdentityKeys;
  /**
   * Revisions of this site's Secrets (config/secret-revisions.json).
   * @default revision 1 of every Secret
   */
  readonly revisions?: SiteRevisions;
}

export { siteStackName } from '../lib/stack-names';

/**
 * Paths in the fleet are relative to the repo root; Terraform runs three
 * levels below it, in cdktf.out/stacks/<stack>.
 */
const fromStackDir = (path: string): string => (path.startsWith('/') || path.startsWith('~') ? path : `../../../${path}`);

/**
 * One site, deployable on its own: everything it shares with the other
 * sites (gateway peers, accounts, CA) is computed from the fleet, never read
 * from another stack's state, so a DR rebuild touches only this stack.
 */
export class NatsSiteStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: NatsSiteStackProps) {
    super(scope, id);
    applyGuardrails(this);
    const { fleet, site } = props;
    const kube = { configPath: fromStackDir(site.kubernetes.configPath), configContext: site.kubernetes.context };
    new KubernetesProvider(this, 'kubernetes', kube);
    // Helm provider 3.x takes `kubernetes` as an object; a list synthesizes an empty block.
    new HelmProvider(this, 'helm', { kubernetes: kube });

    const secrets = siteVariables(this);
    const accounts = renderAccounts(fleet, props.identities);
    const revisions = props.revisions ?? firstRevisions([site.name])[site.name];
    const nats = new NatsSite(this, 'nats', { fleet, site, secrets, revisions, accountsChecksum: accounts.checksum });
    const mesh = new GatewayMesh(this, 'gateway', { fleet, site, namespace: nats.namespace });
    new SiteMetrics(this, 'metrics', { fleet, site, namespace: nats.namespace });
    const account = new HarmonyAccount(this, 'account', {
      natsNamespace: nats.namespace,
      accounts,
      agentNamespace: agentNamespace(fleet),
      agentSeed: secrets.agentSeed,
      provisionerSeed: secrets.provisionerSeed,
      revisions,
      agentKvSettings: agentReadSettings(fleet, site.name),
    });
    nats.dependOn(account.accountsSecret);
    new KvProvisioner(this, 'kv-provisioner', { fleet, site, namespace: nats.namespace, dependsOn: [account.provisionerSecret, nats.release] });
    // The origin lives in the home site: only its stack snapshots it (and a promotion moves it with the fleet's homeSite).
    if (site.name === fleet.account.kv.homeSite) {
      const snapshotRevisions = { seed: revisions['harmony-kv-snapshot-nkey'], restic: revisions['harmony-kv-snapshot-restic'] };
      new KvSnapshots(this, 'kv-snapshots', { fleet, site, namespace: nats.namespace, secrets: kvSnapshotVariables(this), revisions: snapshotRevisions, dependsOn: [nats.release] });
    }

    new PlanReader(this, 'plan-reader', { namespace: nats.namespace, agentNamespace: account.agentSecret.metadata.namespace, agentSecret: AGENT_SECRET });

    new TerraformOutput(this, 'accounts_checksum', { value: accounts.checksum, description: 'sha256 of the accounts include; equal on every site' });
    new TerraformOutput(this, 'gateway_advertise', { value: mesh.advertise });
    new TerraformOutput(this, 'gateway_peers', { value: mesh.remotes.map((r) => r.name) });
  }
}
