import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformOutput, TerraformStack, dependable } from 'cdktf';
import type { Construct } from 'constructs';
import type { MgmtHostSpec } from '../config/mgmt-types';
import type { KvSnapshotSpec, SiteSpec } from '../config/types';
import { MgmtDns } from '../constructs/mgmt-dns';
import { NixosHost } from '../constructs/nixos-host';
import { applyGuardrails } from '../guardrails/guardrails';
import { kvSnapshotsFacts, monitoringFacts } from '../lib/monitoring/host-facts';
import { HcloudProvider } from '../providers/hcloud/provider';

/** Public half of the host key that scripts/mgmt-extra-files.sh installs. */
export const MGMT_HOST_PUBLIC_KEY_FILE = join(__dirname, '..', 'nix', 'secrets', 'ssh_host_ed25519_key.pub');

export interface MgmtStackProps {
  readonly host: MgmtHostSpec;
  /** The sites the host's Prometheus watches. */
  readonly sites: readonly SiteSpec[];
  /** The KV snapshots (fleet.account.kv.snapshots): the host alerts when their newest is too old. */
  readonly kvSnapshots: KvSnapshotSpec;
  /**
   * Where to read the host's public SSH key for the fingerprint output.
   * @default MGMT_HOST_PUBLIC_KEY_FILE; a missing file gives a placeholder
   */
  readonly hostPublicKeyFile?: string;
}

/** The management plane: one NixOS host on Hetzner Cloud. */
export class MgmtStack extends TerraformStack {
  public constructor(scope: Construct, id: string, props: MgmtStackProps) {
    super(scope, id);
    applyGuardrails(this);

    // No token here: the provider reads HCLOUD_TOKEN from the environment,
    // so it never reaches cdktf.out, the plan or a snapshot.
    new HcloudProvider(this, 'hcloud');

    const keyFile = props.hostPublicKeyFile ?? MGMT_HOST_PUBLIC_KEY_FILE;
    const host = new NixosHost(this, 'host', {
      spec: props.host,
      monitoring: monitoringFacts(props.host, props.sites),
      kvSnapshots: kvSnapshotsFacts(props.kvSnapshots),
      hostPublicKey: existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined,
    });

    if (props.host.dns !== undefined) {
      const { opsBridge, sso, ldap } = props.host.domains;
      const dns = new MgmtDns(this, 'dns', { dns: props.host.dns, domains: [opsBridge, sso, ldap], ipv4: host.ipv4, ipv6: host.ipv6 });
      // The records need only the Primary IPs; the server waits for them, so
      // they exist before nixos-anywhere installs and Caddy first asks ACME.
      host.server.dependsOn = [...(host.server.dependsOn ?? []), ...dns.rrsets.map((r) => dependable(r))];
    }

    new TerraformOutput(this, 'ipv4', { value: host.ipv4, description: 'Public IPv4 of the mgmt host (a Primary IP)' });
    new TerraformOutput(this, 'ipv6', { value: host.ipv6, description: 'Public IPv6 of the mgmt host (::1 of its /64)' });
    new TerraformOutput(this, 'host_key_fingerprint', { value: host.hostKeyFingerprint, description: 'SSH host key fingerprint to verify on first connect' });
  }
}
