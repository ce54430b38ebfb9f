import { rmSync } from 'node:fs';
import { Testing } from 'cdktf';
import type { MgmtHostSpec } from '../../config/mgmt-types';
import { MGMT_DNS_RECORD_COMMENT, MgmtDns } from '../../constructs/mgmt-dns';
import { PrimaryIp } from '../../providers/hcloud/primary-ip';
import { Server } from '../../providers/hcloud/server';
import { ZoneRrset } from '../../providers/hcloud/zone-rrset';
import { MgmtStack } from '../../stacks/mgmt-stack';
import { exampleFleet } from '../fixtures/fleet';
import { mgmtHost, withMgmt } from '../fixtures/mgmt-host';

const NO_KEY_FILE = 'test/fixtures/no-such-host-key.pub';

/** The mgmt stack's JSON, its rrsets keyed `<name>/<type>` (their id in the provider), and the IP expressions. */
function synth(host: MgmtHostSpec) {
  const tf = JSON.parse(Testing.synth(new MgmtStack(Testing.app(), 'mgmt', { host, sites: exampleFleet.sites, kvSnapshots: exampleFleet.account.kv.snapshots, hostPublicKeyFile: NO_KEY_FILE })));
  const entries = Object.entries(tf.resource[ZoneRrset.tfResourceType] ?? {}) as [string, any][];
  const rrsets = new Map(entries.map(([, r]) => [`${r.name}/${r.type}`, r]));
  const ip = (type: 'ipv4' | 'ipv6') => Object.entries(tf.resource[PrimaryIp.tfResourceType]).find(([, r]: [string, any]) => r.type === type)![0];
  return {
    tf,
    rrsets,
    addresses: entries.map(([name]) => `${ZoneRrset.tfResourceType}.${name}`),
    server: Object.values(tf.resource[Server.tfResourceType])[0] as any,
    ipv4: `\${${PrimaryIp.tfResourceType}.${ip('ipv4')}.ip_address}`,
    ipv6: `\${cidrhost(${PrimaryIp.tfResourceType}.${ip('ipv6')}.ip_network, 1)}`,
  };
}

describe('MgmtDns in the mgmt stack', () => {
  describe('with mgmt.dns set', () => {
    const { tf, rrsets, addresses, server, ipv4, ipv6 } = synth(withMgmt({ dns: { zone: 'example.org' } }));

    test('one A and one AAAA per domain, named relative to the zone', () => {
      expect([...rrsets.keys()].sort()).toEqual(['ldap/A', 'ldap/AAAA', 'ops/A', 'ops/AAAA', 'sso/A', 'sso/AAAA']);
      for (const rrset of rrsets.values()) expect(rrset.zone).toBe('example.org');
    });

    test('A holds the primary IPv4, AAAA the host IPv6 (::1 of the primary /64), one record each', () => {
      for (const name of ['ops', 'sso', 'ldap']) {
        expect(rrsets.get(`${name}/A`).records).toEqual([{ value: ipv4, comment: MGMT_DNS_RECORD_COMMENT }]);
        expect(rrsets.get(`${name}/AAAA`).records).toEqual([{ value: ipv6, comment: MGMT_DNS_RECORD_COMMENT }]);
      }
    });

    test('the same addresses the stack outputs and hands the host', () => {
      expect(tf.output.ipv4.value).toBe(ipv4);
      expect(tf.output.ipv6.value).toBe(ipv6);
      const [install] = Object.values(tf.module) as any[];
      expect(install.special_args.hostFacts).toMatchObject({ ipv4Address: ipv4, ipv6Address: ipv6 });
    });

    test('ttl unset: no ttl argument, the zone default applies', () => {
      for (const rrset of rrsets.values()) expect(rrset).not.toHaveProperty('ttl');
    });

    test('change protection explicitly off, labelled as ours', () => {
      for (const rrset of rrsets.values()) {
        expect(rrset.change_protection).toBe(false);
        expect(rrset.labels).toEqual({ role: 'mgmt', 'managed-by': 'harmony-infra' });
      }
    });

    test('the server waits for every record (static addresses), so DNS is there before the install', () => {
      expect(server.depends_on).toHaveLength(6);
      expect([...server.depends_on].sort()).toEqual([...addresses].sort());
    });

    test('the guardrails pass (full synth, static depends_on)', () => {
      const out = Testing.fullSynth(new MgmtStack(Testing.app(), 'mgmt', { host: withMgmt({ dns: { zone: 'example.org' } }), sites: exampleFleet.sites, kvSnapshots: exampleFleet.account.kv.snapshots, hostPublicKeyFile: NO_KEY_FILE }));
      rmSync(out, { recursive: true, force: true });
    });
  });

  test('ttl set: every rrset carries it', () => {
    const { rrsets } = synth(withMgmt({ dns: { zone: 'example.org', ttl: 300 } }));
    expect(rrsets.size).toBe(6);
    for (const rrset of rrsets.values()) expect(rrset.ttl).toBe(300);
  });

  test('a domain equal to the zone is the apex "@", deeper ones keep every label', () => {
    const { rrsets } = synth(withMgmt({ dns: { zone: 'sso.example.org' }, domains: { opsBridge: 'ops.corp.sso.example.org', sso: 'sso.example.org', ldap: 'ldap.sso.example.org' } }));
    expect([...rrsets.keys()].sort()).toEqual(['@/A', '@/AAAA', 'ldap/A', 'ldap/AAAA', 'ops.corp/A', 'ops.corp/AAAA']);
  });

  test('mgmt.dns unset (the default): no records, nothing for the server to wait for', () => {
    const { tf, server } = synth(mgmtHost);
    expect(mgmtHost.dns).toBeUndefined();
    expect(tf.resource).not.toHaveProperty(ZoneRrset.tfResourceType);
    expect(server).not.toHaveProperty('depends_on');
  });

  test('an invalid mgmt.dns fails synth with the validation message', () => {
    expect(() => synth(withMgmt({ dns: { zone: 'example.net' } }))).toThrow(/mgmt\.domains\.opsBridge is "ops\.example\.org": not in mgmt\.dns\.zone "example\.net"/);
    expect(() => synth(withMgmt({ dns: { zone: 'example.org', ttl: 30 } }))).toThrow(/mgmt\.dns\.ttl is 30/);
  });
});

describe('MgmtDns on its own', () => {
  const records = (domains: string[], zone = 'example.org') => {
    const tf = JSON.parse(
      Testing.synthScope((scope) => {
        new MgmtDns(scope, 'dns', { dns: { zone }, domains, ipv4: '192.0.2.10', ipv6: '2001:db8::1' });
      }),
    );
    return Object.values(tf.resource?.[ZoneRrset.tfResourceType] ?? {}) as any[];
  };

  test('a domain listed twice gets one A and one AAAA', () => {
    const rrsets = records(['ops.example.org', 'ops.example.org']);
    expect(rrsets.map((r) => [r.name, r.type, r.records[0].value])).toEqual([
      ['ops', 'A', '192.0.2.10'],
      ['ops', 'AAAA', '2001:db8::1'],
    ]);
  });

  test('a domain outside the zone is refused', () => {
    expect(() => records(['ops.example.org', 'ops.example.net'])).toThrow('MgmtDns dns: ops.example.net not in zone example.org; set mgmt.dns.zone to a zone containing every domain');
  });
});
