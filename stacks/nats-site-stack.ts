import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { Fleet, SiteSpec } from '../config/types';
import { SiteMetrics } from '../constructs/site-metrics';
import { WebSocketListener } from '../constructs/websocket-listener';
import { GatewayMesh } from '../constructs/gateway-mesh';
import { AGENT_SECRET, HarmonyAccount } from '../constructs/harmony-account';
import { KvProvisioner } from '../constructs/kv-provisioner';
import { KvSnapshots } from '../constructs/kv-snapshots';
import { NatsSite } from '../constructs/nats-site';
import { PlanReader } from '../constructs/plan-reader';
import { applyGuardrails } from '../guardrails/guardrails';
import type { IdentityKeys } from '../lib/nats/accounts';
import { renderAccounts } from '../lib/nats/accounts';
import type { JwtBundle } from '../lib/nats/jwt-bundle';
import { currentUserJwt, renderJwtAccounts } from '../lib/nats/jwt-bundle';
import { agentNamespace, authMode, issuesJwts, jwtResolver } from '../lib/defaults';
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
  /**
   * JWT mode's tokens (config/jwt.json), checked against the fleet by validation.
   * @default none: required when fleet.auth.mode is 'jwt'
   */
  readonly jwts?: JwtBundle;
}

export { siteStackName } from '../lib/stack-names';

/**
 * Paths in the fleet are relative to the repo root; Terraform runs three
 * levels below it, in cdktf.out/stacks/<stack>.
 */
const fromStackDir = (path: string): string => (path.startsWith('/') || path.startsWith('~') ? path : `../../../${path}`);

/** The accounts include of the fleet's auth mode: users and permissions (nkeys), or the operator and a preloaded resolver (JWT). */
function siteAccounts(fleet: Fleet, identities: IdentityKeys, jwts: JwtBundle | undefined) {
  if (authMode(fleet) === 'nkeys') return renderAccounts(fleet, identities);
  if (!jwts) throw new Error("fleet.auth.mode is 'jwt' but no JWTs were given (config/jwt.json); run `npm run keys -- sync`");
  return renderJwtAccounts(jwts, jwtResolver(fleet));
}

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
    const accounts = siteAccounts(fleet, props.identities, props.jwts);
    // JWT mode: each in-cluster identity also gets its user JWT (public), beside its seed.
    const userJwt = (identity: string) => (authMode(fleet) === 'jwt' ? currentUserJwt(props.jwts!, props.identities, identity) : undefined);
    // Preparing the move to JWT mode (auth.prepareJwt), the agent already holds its JWT and presents it beside its
    // nkey: admitted before and after the switch. The Jobs' natscli presents a creds file alone, which static
    // servers refuse, so they get theirs with the switch (docs/jwt-migration.md).
    const agentJwt = issuesJwts(fleet) ? currentUserJwt(props.jwts!, props.identities, 'agent') : undefined;
    const revisions = props.revisions ?? firstRevisions([site.name])[site.name];
    const nats = new NatsSite(this, 'nats', { fleet, site, secrets, revisions, accountsChecksum: accounts.checksum });
    const mesh = new GatewayMesh(this, 'gateway', { fleet, site, namespace: nats.namespace });
    new SiteMetrics(this, 'metrics', { fleet, site, namespace: nats.namespace });
    if (site.websocket) new WebSocketListener(this, 'websocket', { site: { ...site, websocket: site.websocket }, namespace: nats.namespace });
    const account = new HarmonyAccount(this, 'account', {
      natsNamespace: nats.namespace,
      accounts,
      agentNamespace: agentNamespace(fleet),
      agentSeed: secrets.agentSeed,
      provisionerSeed: secrets.provisionerSeed,
      revisions,
      agentKvSettings: agentReadSettings(fleet, site.name),
      agentJwt,
    });
    nats.dependOn(account.accountsSecret);
    new KvProvisioner(this, 'kv-provisioner', { fleet, site, namespace: nats.namespace, dependsOn: [account.provisionerSecret, nats.release], userJwt: userJwt('provisioner') });
    // The origin lives in the home site: only its stack snapshots it (and a promotion moves it with the fleet's homeSite).
    if (site.name === fleet.account.kv.homeSite) {
      const snapshotRevisions = { seed: revisions['harmony-kv-snapshot-nkey'], restic: revisions['harmony-kv-snapshot-restic'] };
      new KvSnapshots(this, 'kv-snapshots', { fleet, site, namespace: nats.namespace, secrets: kvSnapshotVariables(this), revisions: snapshotRevisions, dependsOn: [nats.release], userJwt: userJwt('kv-snapshot') });
    }

    new PlanReader(this, 'plan-reader', { namespace: nats.namespace, agentNamespace: account.agentSecret.metadata.namespace, agentSecret: AGENT_SECRET });

    new TerraformOutput(this, 'accounts_checksum', { value: accounts.checksum, description: 'sha256 of the accounts include; equal on every site' });
    new TerraformOutput(this, 'gateway_advertise', { value: mesh.advertise });
    new TerraformOutput(this, 'gateway_peers', { value: mesh.remotes.map((r) => r.name) });
  }
}
