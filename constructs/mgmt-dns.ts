import { Construct } from 'constructs';
import type { MgmtHostSpec } from '../config/mgmt-types';
import { nameInZone } from '../config/validate-mgmt';
import { ZoneRrset } from '../providers/hcloud/zone-rrset';

/** `mgmt.dns`: the Hetzner DNS zone holding the host's names, and their TTL. */
export type MgmtDnsSpec = NonNullable<MgmtHostSpec['dns']>;

/** The comment on every record, so the Hetzner Console shows who owns it. */
export const MGMT_DNS_RECORD_COMMENT = 'managed by Terraform (harmony-infra mgmt stack)';

export interface MgmtDnsProps {
  /** The zone (it must exist in Hetzner DNS, in primary mode) and the TTL. */
  readonly dns: MgmtDnsSpec;
  /**
   * Fully qualified names to point at the host, each the zone or inside it.
   * A name listed twice gets one A and one AAAA all the same.
   */
  readonly domains: readonly string[];
  /** The value of every A record: the host's public IPv4 (a token is fine). */
  readonly ipv4: string;
  /** The value of every AAAA record: the host's public IPv6 (a token is fine). */
  readonly ipv6: string;
}

/**
 * The A and AAAA records of the mgmt host's names in an existing Hetzner DNS
 * zone: one `hcloud_zone_rrset` per name and type, named relative to the
 * zone (`@` for the apex). The zone itself is never created or deleted,
 * and no other record in it is touched. An RRSet that already exists (made
 * by hand) makes the create fail; import it instead:
 * `terraform import <address> <zone>/<name>/<type>`.
 */
export class MgmtDns extends Construct {
  /** Every RRSet, A and AAAA per name, in `domains` order. */
  public readonly rrsets: ZoneRrset[];

  public constructor(scope: Construct, id: string, props: MgmtDnsProps) {
    super(scope, id);
    const { zone, ttl } = props.dns;
    const domains = [...new Set(props.domains)];
    const outside = domains.filter((d) => nameInZone(d, zone) === undefined);
    if (outside.length > 0) throw new Error(`MgmtDns ${id}: ${outside.join(', ')} not in zone ${zone}; set mgmt.dns.zone to a zone containing every domain`);

    const labels = { role: 'mgmt', 'managed-by': 'harmony-infra' };
    // Construct ids carry the name, so adding or dropping a domain leaves
    // the other records alone.
    this.rrsets = domains.flatMap((domain) =>
      (['A', 'AAAA'] as const).map(
        (type) =>
          new ZoneRrset(this, `${type.toLowerCase()}-${domain}`, {
            zone,
            name: nameInZone(domain, zone)!,
            type,
            ttl,
            labels,
            records: [{ value: type === 'A' ? props.ipv4 : props.ipv6, comment: MGMT_DNS_RECORD_COMMENT }],
            // Off explicitly rather than unset. The attribute is optional and
            // computed: unset, Terraform would adopt protection switched on in
            // the Console without a word in the plan, then fail its own
            // record and TTL updates (the provider lifts protection before an
            // update only when the configuration says false). The records
            // follow the Primary IPs, which carry the real delete protection,
            // and recreating them is one apply: protection would only get in
            // Terraform's way. With false here, a switch in the Console shows
            // up as drift and the next apply turns it off.
            changeProtection: false,
          }),
      ),
    );
  }
}
