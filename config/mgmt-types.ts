import type { MgmtBackupSpec, MonitoringSpec } from './ops-types';

/**
 * The management-plane host: one Hetzner Cloud VPS installed with NixOS by
 * nixos-anywhere (seed 004: "the governor must not run on the governed").
 */
export interface MgmtHostSpec {
  /** Server name in Hetzner and the NixOS hostName. A DNS label. */
  readonly name: string;
  /** Hetzner location code, e.g. `fsn1`, `nbg1`, `hel1`, `ash`, `hil`, `sin`. */
  readonly location: string;
  /**
   * Hetzner server type. x86 shared types `cx23`..`cx53`, `cpx*`, `ccx*`.
   * (cx22 was retired for cx23; disko and grub here assume x86 BIOS boot.)
   */
  readonly serverType: string;
  /**
   * Base image the server boots before nixos-anywhere kexecs into the
   * installer. Changing it replaces the server (and so reinstalls it).
   * @default "debian-12" (kexecs reliably on Hetzner)
   */
  readonly image?: string;
  /** OpenSSH public keys (`ssh-ed25519 AAAA... comment`) of the administrators. At least one. */
  readonly adminSshKeys: readonly string[];
  /** CIDRs (IPv4 or IPv6) allowed to reach SSH (port 22). */
  readonly adminCidrs: readonly string[];
  /**
   * Allow SSH from anywhere (0.0.0.0/0 or ::/0 in adminCidrs). Refused unless set.
   * @default false
   */
  readonly allowSshFromAnywhere?: boolean;
  /** Public domain names served by the ops-bridge reverse proxy. */
  readonly domains: {
    /** The ops-bridge entry point, e.g. `ops.example.org`. */
    readonly opsBridge: string;
    /** Authelia (SSO/OIDC), e.g. `sso.example.org`. */
    readonly sso: string;
    /** LLDAP web UI, e.g. `ldap.example.org`. */
    readonly ldap: string;
  };
  /** Contact address for ACME (Let's Encrypt) certificates. */
  readonly acmeEmail: string;
  /**
   * Let Terraform manage the DNS records of `domains`: one A (the primary
   * IPv4) and one AAAA (the host's IPv6, `::1` of its /64) per name, in a
   * zone of Hetzner DNS (the Hetzner Console's DNS, served by the Cloud API
   * with the same HCLOUD_TOKEN). Caddy's ACME (HTTP-01) needs them on first
   * boot. The zone must already exist, in primary mode, in the same Hetzner
   * project; zones are never created or deleted here, and other records in
   * it are left alone.
   * @default unset: no records are managed; the operator creates the A and
   * AAAA records of the three domains by hand before the first deploy (see
   * the README), and ACME fails until they resolve
   */
  readonly dns?: {
    /**
     * The zone's name as Hetzner shows it, lowercase, no trailing dot, e.g.
     * `example.org`. Every one of `domains` must be the zone or inside it.
     */
    readonly zone: string;
    /**
     * TTL of the records in seconds, a whole number from 60 to 86400.
     * @default unset: the zone's default TTL
     */
    readonly ttl?: number;
  };
  /**
   * Hetzner delete and rebuild protection on the server and its primary IPs.
   * @default true
   */
  readonly protection?: boolean;
  /**
   * The nixos-anywhere Terraform module ref (git tag) to pin.
   * @default "1.13.0" (1.11.0 is the first that passes special_args to a flake below the git root)
   */
  readonly nixosAnywhereRef?: string;
  /** Off-host backups of PostgreSQL, LLDAP and Authelia (restic, daily). */
  readonly backup: MgmtBackupSpec;
  /** Prometheus, Alertmanager and the alert rules (docs/dr.md). */
  readonly monitoring: MonitoringSpec;
}
