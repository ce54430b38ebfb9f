import { createHash } from 'node:crypto';
import { Fn, TerraformHclModule, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { MgmtHostSpec } from '../config/mgmt-types';
import { validateMgmtHost } from '../config/validate-mgmt';
import type { KvSnapshotsFacts, MonitoringFacts } from '../lib/monitoring/host-facts';
import { backupFacts } from '../lib/monitoring/host-facts';
import { Firewall, FirewallRule } from '../providers/hcloud/firewall';
import { PrimaryIp } from '../providers/hcloud/primary-ip';
import { Rdns } from '../providers/hcloud/rdns';
import { Server } from '../providers/hcloud/server';
import { SshKey } from '../providers/hcloud/ssh-key';
import { PROTECTION_LIFTED_LABEL } from '../guardrails/rules/stateful-guarded';

/**
 * nixos-anywhere tag used when the spec pins none. 1.11.0 fixed special_args
 * for flakes that are not at the git root (PR #541); 1.13.0 is the newest tag.
 */
export const NIXOS_ANYWHERE_DEFAULT_REF = '1.13.0';

/** What the fingerprint output says until the host key exists. */
export const HOST_KEY_PLACEHOLDER = 'not yet minted: run npm run keys -- host-key';


/**
 * Terraform runs in `cdktf.out/stacks/<stack>/`, three levels below the repo
 * root; nix-build.sh and run-nixos-anywhere.sh resolve these paths from
 * there. Relative, so no workstation path lands in the synthesized JSON.
 */
const REPO_ROOT_FROM_STACK = '../../..';

const ANYWHERE = ['0.0.0.0/0', '::/0'];

export interface NixosHostProps {
  /** The host: name, location, type, admins, domains. Validated on construction. */
  readonly spec: MgmtHostSpec;
  /**
   * Attribute under `nixosConfigurations` in the flake.
   * @default "mgmt"
   */
  readonly nixosConfiguration?: string;
  /** The sites' exporters and gateways the host's Prometheus watches, and where alerts go (lib/monitoring/host-facts.ts). */
  readonly monitoring: MonitoringFacts;
  /** The KV snapshots' repository, whose newest snapshot the host watches (lib/monitoring/host-facts.ts). */
  readonly kvSnapshots: KvSnapshotsFacts;
  /**
   * The flake directory, relative to the directory Terraform runs in.
   * @default "../../../nix" (the repo's nix/ seen from cdktf.out/stacks/<stack>/)
   */
  readonly flakeDir?: string;
  /**
   * The script that writes the host's SSH key into the installer's extra
   * files, relative to the directory Terraform runs in. Must be executable.
   * @default "../../../scripts/mgmt-extra-files.sh"
   */
  readonly extraFilesScript?: string;
  /**
   * The host's OpenSSH public host key line (`ssh-ed25519 AAAA...`), only to
   * publish its fingerprint.
   * @default none: `hostKeyFingerprint` says how to mint the key
   */
  readonly hostPublicKey?: string;
}

/** `SHA256:...` as `ssh-keygen -l` prints it: unpadded base64 of the key blob's SHA-256. */
export function openSshFingerprint(publicKeyLine: string): string | undefined {
  const blob = publicKeyLine.trim().split(/\s+/)[1] ?? '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A Hetzner Cloud VPS installed and then kept up to date with NixOS by
 * nixos-anywhere's all-in-one module: the install runs once per server id,
 * every later `apply` with a changed system closure runs nixos-rebuild.
 *
 * Editing ssh keys, user data or the image never replaces the server (that
 * would wipe it and reinstall); a rebuild is deliberate:
 * `terraform apply -replace=<address of the hcloud_server>`. The addresses
 * are Primary IPs, so they survive it, and so does the host key (extra files).
 */
export class NixosHost extends Construct {
  public readonly server: Server;
  public readonly primaryIpv4: PrimaryIp;
  public readonly primaryIpv6: PrimaryIp;
  public readonly install: TerraformHclModule;
  private readonly hostPublicKey?: string;

  public constructor(scope: Construct, id: string, props: NixosHostProps) {
    super(scope, id);
    const { spec } = props;
    const problems = validateMgmtHost(spec);
    if (problems.length > 0) throw new Error(`NixosHost ${id}:\n  - ${problems.join('\n  - ')}`);

    const nixosConfiguration = props.nixosConfiguration ?? 'mgmt';
    const protection = spec.protection ?? true;
    const labels = { role: nixosConfiguration, 'managed-by': 'harmony-infra' };
    // With protection lifted (a deliberate rebuild, docs/dr.md), the server
    // and its addresses say so in Hetzner too; the stateful-guarded
    // guardrail accepts that label in place of delete protection.
    const stateful = protection ? labels : { ...labels, [PROTECTION_LIFTED_LABEL]: 'true' };
    this.hostPublicKey = props.hostPublicKey;

    // Named by the key's digest, so reordering the list replaces nothing.
    const sshKeys = spec.adminSshKeys.map((publicKey) => {
      const digest = createHash('sha256').update(publicKey.trim().split(/\s+/)[1]).digest('hex').slice(0, 12);
      return new SshKey(this, `admin-${digest}`, { name: `${spec.name}-admin-${digest}`, publicKey, labels });
    });

    const rule = (description: string, protocol: string, port: string | undefined, sourceIps: string[]): FirewallRule => ({ direction: 'in', protocol, port, sourceIps, description });
    // Inbound traffic no rule allows is dropped; no `out` rule: outbound open.
    const firewall = new Firewall(this, 'firewall', {
      name: spec.name,
      labels,
      rule: [
        rule('SSH from the admin networks', 'tcp', '22', [...spec.adminCidrs]),
        // ops-bridge: ACME HTTP-01 and the redirect to HTTPS need port 80.
        rule('HTTP (ACME, redirect)', 'tcp', '80', ANYWHERE),
        rule('HTTPS (ops-bridge)', 'tcp', '443', ANYWHERE),
        rule('ICMP (ping, path MTU)', 'icmp', undefined, ANYWHERE),
      ],
    });

    // Primary IPs outlive the server (auto_delete false), so DNS and the
    // admins' known_hosts stay valid across a rebuild. No assignee_type:
    // since provider 1.62 it is only for use with assignee_id (a warning
    // otherwise), and the server, not the IP, names the assignment here.
    const primaryIp = (type: 'ipv4' | 'ipv6') =>
      new PrimaryIp(this, type, { name: `${spec.name}-${type}`, type, location: spec.location, autoDelete: false, deleteProtection: protection, labels: stateful });
    this.primaryIpv4 = primaryIp('ipv4');
    this.primaryIpv6 = primaryIp('ipv6');

    this.server = new Server(this, 'server', {
      name: spec.name,
      serverType: spec.serverType,
      image: spec.image ?? 'debian-12',
      location: spec.location,
      labels: stateful,
      sshKeys: sshKeys.map((k) => k.id),
      publicNet: [{ ipv4Enabled: true, ipv4: this.primaryIpv4.id, ipv6Enabled: true, ipv6: this.primaryIpv6.id }],
      firewallIds: [Token.asNumber(firewall.id)],
      // The provider requires delete and rebuild protection to be equal.
      deleteProtection: protection,
      rebuildProtection: protection,
      // ssh_keys, user_data and image are ForceNew: a change would destroy
      // the installed host. Only `apply -replace` rebuilds it.
      lifecycle: { ignoreChanges: ['ssh_keys', 'user_data', 'image'] },
    });

    new Rdns(this, 'rdns-ipv4', { primaryIpId: this.primaryIpv4.id, ipAddress: this.primaryIpv4.ipAddress, dnsPtr: spec.domains.opsBridge });
    new Rdns(this, 'rdns-ipv6', { primaryIpId: this.primaryIpv6.id, ipAddress: this.ipv6, dnsPtr: spec.domains.opsBridge });

    // `path:` makes nix copy just nix/ into the store. A plain directory
    // inside a git repo is fetched as the whole repo, and nix-build.sh then
    // looks for flake.nix at the repo root (nixos-anywhere issue #491).
    const flake = `path:${props.flakeDir ?? `${REPO_ROOT_FROM_STACK}/nix`}#nixosConfigurations.${nixosConfiguration}.config.system.build`;
    const ref = spec.nixosAnywhereRef ?? NIXOS_ANYWHERE_DEFAULT_REF;
    this.install = new TerraformHclModule(this, 'nixos-anywhere', {
      // Terraform's GitHub shorthand accepts ?ref= after the //subdir.
      source: `github.com/nix-community/nixos-anywhere//terraform/all-in-one?ref=${ref}`,
      variables: {
        nixos_system_attr: `${flake}.toplevel`,
        nixos_partitioner_attr: `${flake}.diskoScript`,
        target_host: this.primaryIpv4.ipAddress,
        // The module reinstalls only when this changes: a new server.
        instance_id: this.server.id,
        extra_files_script: props.extraFilesScript ?? `${REPO_ROOT_FROM_STACK}/scripts/mgmt-extra-files.sh`,
        // The NixOS side reads exactly this shape (nix/README.md). Any change
        // here is a new system closure, deployed by nixos-rebuild.
        special_args: {
          hostFacts: {
            hostName: spec.name,
            ipv4Address: this.primaryIpv4.ipAddress,
            ipv6Address: this.ipv6,
            ipv6PrefixLength: 64,
            adminSshKeys: [...spec.adminSshKeys],
            adminCidrs: [...spec.adminCidrs],
            domains: { opsBridge: spec.domains.opsBridge, sso: spec.domains.sso, ldap: spec.domains.ldap },
            acmeEmail: spec.acmeEmail,
            backup: backupFacts(spec),
            monitoring: props.monitoring,
            kvSnapshots: props.kvSnapshots,
          },
        },
        // No install_ssh_key/deployment_ssh_key: the operator's ssh-agent
        // is used, so no private key reaches the plan or the state. No
        // extra_environment: local-exec inherits Terraform's environment,
        // AGE_IDENTITY_FILE included, without writing it into the plan.
      },
    });

    // The module uses null_resource and data "external" without pinning
    // versions; pin them here (same ranges as nixos-anywhere's own
    // terraform/tests). An override, not provider bindings: they need no
    // configuration, and bindings would add empty provider blocks.
    const stack = TerraformStack.of(this);
    stack.addOverride('terraform.required_providers.null', { source: 'hashicorp/null', version: '~> 3.2' });
    stack.addOverride('terraform.required_providers.external', { source: 'hashicorp/external', version: '~> 2.3' });
  }

  /** The public IPv4 address (a Primary IP: stable across rebuilds). */
  public get ipv4(): string {
    return this.primaryIpv4.ipAddress;
  }

  /** The host's IPv6 address: `::1` of its /64 (Hetzner routes the /64 to the server). */
  public get ipv6(): string {
    return Fn.cidrhost(this.primaryIpv6.ipNetwork, 1);
  }

  /** SSH host key fingerprint to check on first connect, or how to mint the key. */
  public get hostKeyFingerprint(): string {
    if (this.hostPublicKey === undefined) return HOST_KEY_PLACEHOLDER;
    return openSshFingerprint(this.hostPublicKey) ?? `unreadable host public key: ${HOST_KEY_PLACEHOLDER}`;
  }
}
