import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { synthApp } from '../../lib/synth';
import type { MgmtHostSpec } from '../../config/mgmt-types';
import { HOST_KEY_PLACEHOLDER, NIXOS_ANYWHERE_DEFAULT_REF, openSshFingerprint } from '../../constructs/nixos-host';
import { Firewall } from '../../providers/hcloud/firewall';
import { PrimaryIp } from '../../providers/hcloud/primary-ip';
import { Rdns } from '../../providers/hcloud/rdns';
import { Server } from '../../providers/hcloud/server';
import { SshKey } from '../../providers/hcloud/ssh-key';
import { MgmtStack } from '../../stacks/mgmt-stack';
import { exampleFleet } from '../fixtures/fleet';
import { hostKeyFingerprint, hostPublicKey, mgmtHost, withMgmt } from '../fixtures/mgmt-host';

const REPO = join(__dirname, '..', '..');
const NO_KEY_FILE = join(REPO, 'test', 'fixtures', 'no-such-host-key.pub');

function synth(host: MgmtHostSpec = mgmtHost, hostPublicKeyFile = NO_KEY_FILE): string {
  return Testing.synth(new MgmtStack(Testing.app(), 'mgmt', { host, sites: exampleFleet.sites, kvSnapshots: exampleFleet.account.kv.snapshots, hostPublicKeyFile }));
}

/** The synthesized JSON, and the single block of a type (resource or module). */
function parsed(json: string) {
  const tf = JSON.parse(json);
  const only = (blocks: Record<string, any> | undefined, what: string) => {
    const values = Object.values(blocks ?? {});
    if (values.length !== 1) throw new Error(`expected one ${what}, got ${values.length}`);
    return values[0];
  };
  return {
    tf,
    resource: (type: string) => only(tf.resource[type], type),
    resources: (type: string) => Object.entries(tf.resource[type] ?? {}) as [string, any][],
    module: () => only(tf.module, 'module'),
    ref: (type: string, attribute: string) => {
      const [[name]] = Object.entries(tf.resource[type]);
      return `\${${type}.${name}.${attribute}}`;
    },
  };
}

describe('MgmtStack', () => {
  const json = synth();
  const { tf, resource, resources, module, ref } = parsed(json);

  test('default properties: the synthesized stack', () => {
    expect(tf).toMatchSnapshot();
  });

  describe('providers', () => {
    test('hcloud is pinned and configured without a token (HCLOUD_TOKEN from the environment)', () => {
      expect(tf.terraform.required_providers.hcloud).toEqual({ source: 'hetznercloud/hcloud', version: '~> 1.68' });
      expect(Testing.toHaveProviderWithProperties(json, 'hcloud', {})).toBe(true);
      expect(tf.provider.hcloud).toEqual([{}]);
    });

    test('null and external, which the nixos-anywhere module uses, are pinned', () => {
      expect(tf.terraform.required_providers.null).toEqual({ source: 'hashicorp/null', version: '~> 3.2' });
      expect(tf.terraform.required_providers.external).toEqual({ source: 'hashicorp/external', version: '~> 2.3' });
    });
  });

  test('one hcloud ssh key per admin key', () => {
    const keys = resources(SshKey.tfResourceType).map(([, k]) => k.public_key);
    expect(keys.sort()).toEqual([...mgmtHost.adminSshKeys].sort());
    for (const [, key] of resources(SshKey.tfResourceType)) expect(key.name).toMatch(/^mgmt-admin-[0-9a-f]{12}$/);
  });

  test('the firewall lets in SSH from adminCidrs, HTTP(S) and ICMP from anywhere, nothing else', () => {
    const anywhere = ['0.0.0.0/0', '::/0'];
    expect(resource(Firewall.tfResourceType).rule).toEqual([
      { direction: 'in', protocol: 'tcp', port: '22', source_ips: ['203.0.113.0/24', '2001:db8::/32'], description: expect.any(String) },
      { direction: 'in', protocol: 'tcp', port: '80', source_ips: anywhere, description: expect.any(String) },
      { direction: 'in', protocol: 'tcp', port: '443', source_ips: anywhere, description: expect.any(String) },
      { direction: 'in', protocol: 'icmp', source_ips: anywhere, description: expect.any(String) },
    ]);
  });

  test('two primary IPs that outlive the server, protected, in the server location', () => {
    for (const type of ['ipv4', 'ipv6']) {
      expect(Testing.toHaveResourceWithProperties(json, PrimaryIp.tfResourceType, {
        name: `mgmt-${type}`, type, location: 'fsn1', auto_delete: false, delete_protection: true,
      })).toBe(true);
    }
    for (const [, ip] of resources(PrimaryIp.tfResourceType)) {
      expect(ip).not.toHaveProperty('datacenter');
      // provider >= 1.62 warns on assignee_type without assignee_id
      expect(ip).not.toHaveProperty('assignee_type');
    }
  });

  test('the server: location (no datacenter), debian-12, the primary IPs, the firewall, protection', () => {
    const server = resource(Server.tfResourceType);
    expect(server).toMatchObject({
      name: 'mgmt',
      server_type: 'cx23',
      image: 'debian-12',
      location: 'fsn1',
      labels: { role: 'mgmt', 'managed-by': 'harmony-infra' },
      public_net: [{ ipv4_enabled: true, ipv4: expect.stringMatching(/^\$\{hcloud_primary_ip\.host_ipv4_\w+\.id\}$/), ipv6_enabled: true, ipv6: expect.stringMatching(/^\$\{hcloud_primary_ip\.host_ipv6_\w+\.id\}$/) }],
      firewall_ids: [ref(Firewall.tfResourceType, 'id')],
      delete_protection: true,
      rebuild_protection: true,
    });
    expect(server).not.toHaveProperty('datacenter');
    expect([...server.ssh_keys].sort()).toEqual(resources(SshKey.tfResourceType).map(([name]) => `\${hcloud_ssh_key.${name}.id}`).sort());
  });

  test('editing ssh keys, user data or image never replaces (wipes) the server', () => {
    expect(resource(Server.tfResourceType).lifecycle).toEqual({ ignore_changes: ['ssh_keys', 'user_data', 'image'] });
  });

  test('protection: false lifts delete and rebuild protection everywhere', () => {
    const open = parsed(synth(withMgmt({ protection: false })));
    expect(open.resource(Server.tfResourceType)).toMatchObject({ delete_protection: false, rebuild_protection: false });
    for (const [, ip] of open.resources(PrimaryIp.tfResourceType)) expect(ip.delete_protection).toBe(false);
    // The lifted guard is labelled, which the stateful-guarded guardrail accepts; with protection on, no label.
    expect(open.resource(Server.tfResourceType).labels['harmony-infra-protection-lifted']).toBe('true');
    for (const [, ip] of open.resources(PrimaryIp.tfResourceType)) expect(ip.labels['harmony-infra-protection-lifted']).toBe('true');
    expect(parsed(synth()).resource(Server.tfResourceType).labels['harmony-infra-protection-lifted']).toBeUndefined();
    // Synthesized for real (guardrails enforced), both ways.
    const out = mkdtempSync(join(tmpdir(), 'harmony-mgmt-guard-'));
    try {
      for (const protection of [true, false]) {
        expect(() => synthApp(out, (app) => new MgmtStack(app, 'mgmt', { host: withMgmt({ protection }), sites: exampleFleet.sites, kvSnapshots: exampleFleet.account.kv.snapshots, hostPublicKeyFile: NO_KEY_FILE }))).not.toThrow();
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('spec.image replaces the default image', () => {
    expect(parsed(synth(withMgmt({ image: 'ubuntu-24.04' }))).resource(Server.tfResourceType).image).toBe('ubuntu-24.04');
  });

  test('rDNS of both addresses points to the ops-bridge domain', () => {
    const rdns = resources(Rdns.tfResourceType).map(([, r]) => r);
    expect(rdns).toEqual(
      expect.arrayContaining([
        { primary_ip_id: expect.stringMatching(/^\$\{hcloud_primary_ip\.host_ipv4_\w+\.id\}$/), ip_address: expect.stringMatching(/^\$\{hcloud_primary_ip\.host_ipv4_\w+\.ip_address\}$/), dns_ptr: 'ops.example.org' },
        { primary_ip_id: expect.stringMatching(/^\$\{hcloud_primary_ip\.host_ipv6_\w+\.id\}$/), ip_address: expect.stringMatching(/^\$\{cidrhost\(hcloud_primary_ip\.host_ipv6_\w+\.ip_network, 1\)\}$/), dns_ptr: 'ops.example.org' },
      ]),
    );
    expect(rdns).toHaveLength(2);
  });

  describe('the nixos-anywhere module', () => {
    const install = module();
    const ipv4 = expect.stringMatching(/^\$\{hcloud_primary_ip\.host_ipv4_\w+\.ip_address\}$/);
    const ipv6 = expect.stringMatching(/^\$\{cidrhost\(hcloud_primary_ip\.host_ipv6_\w+\.ip_network, 1\)\}$/);

    test('is all-in-one, pinned to a tag', () => {
      expect(install.source).toBe(`github.com/nix-community/nixos-anywhere//terraform/all-in-one?ref=${NIXOS_ANYWHERE_DEFAULT_REF}`);
      expect(parsed(synth(withMgmt({ nixosAnywhereRef: '1.12.0' }))).module().source).toMatch(/\?ref=1\.12\.0$/);
    });

    test('builds the mgmt system and disko script from the repo flake, as a path: flake', () => {
      expect(install.nixos_system_attr).toBe('path:../../../nix#nixosConfigurations.mgmt.config.system.build.toplevel');
      expect(install.nixos_partitioner_attr).toBe('path:../../../nix#nixosConfigurations.mgmt.config.system.build.diskoScript');
    });

    test('installs on the primary IPv4, once per server id', () => {
      expect(install.target_host).toEqual(ipv4);
      expect(install.instance_id).toBe(ref(Server.tfResourceType, 'id'));
    });

    test('places the host key with the extra-files script, which exists and is executable', () => {
      expect(install.extra_files_script).toBe('../../../scripts/mgmt-extra-files.sh');
      // Terraform runs in cdktf.out/stacks/mgmt: the same path from there.
      expect(() => accessSync(join(REPO, 'cdktf.out', 'stacks', 'mgmt', install.extra_files_script), constants.X_OK)).not.toThrow();
    });

    test('passes exactly the hostFacts shape the NixOS side reads', () => {
      expect(install.special_args).toEqual({
        hostFacts: {
          hostName: 'mgmt',
          ipv4Address: ipv4,
          ipv6Address: ipv6,
          ipv6PrefixLength: 64,
          adminSshKeys: mgmtHost.adminSshKeys,
          adminCidrs: mgmtHost.adminCidrs,
          domains: { opsBridge: 'ops.example.org', sso: 'sso.example.org', ldap: 'ldap.example.org' },
          acmeEmail: 'ops@example.org',
          backup: { repository: 's3:https://nbg1.your-objectstorage.com/fixture-backup/mgmt', onCalendar: '*-*-* 03:15:00', keep: { daily: 7, weekly: 5, monthly: 12 } },
          monitoring: {
            receiver: { kind: 'webhook' },
            natsTargets: ['site-1', 'site-2', 'site-3'].flatMap((site) => [0, 1, 2].map((i) => ({ site, server: `nats-${i}`, target: `nats-gw.${site}.example.org:${7777 + i}` }))),
            gatewayTargets: ['site-1', 'site-2', 'site-3'].map((site) => ({ site, target: `nats-gw.${site}.example.org:7222` })),
          },
          kvSnapshots: { repository: 's3:https://hel1.your-objectstorage.com/example-harmony-kv-snapshots/harmony' },
        },
      });
    });

    test('hands no private key to the module (the ssh-agent is used)', () => {
      expect(install).not.toHaveProperty('install_ssh_key');
      expect(install).not.toHaveProperty('deployment_ssh_key');
    });

    test('the attributes it builds exist in nix/flake.nix', () => {
      // The Nix side is written separately: this breaks if either side renames.
      const flake = readFileSync(join(REPO, 'nix', 'flake.nix'), 'utf8');
      expect(flake).toContain('nixosConfigurations.mgmt');
      expect(flake).toContain('diskoScript');
      expect(flake).toMatch(/disko\.nixosModules\.disko/);
    });
  });

  describe('outputs', () => {
    test('ipv4 and ipv6 are the primary IP addresses', () => {
      expect(tf.output.ipv4.value).toEqual(expect.stringMatching(/^\$\{hcloud_primary_ip\.host_ipv4_\w+\.ip_address\}$/));
      expect(tf.output.ipv6.value).toEqual(expect.stringMatching(/^\$\{cidrhost\(hcloud_primary_ip\.host_ipv6_\w+\.ip_network, 1\)\}$/));
    });

    test('host_key_fingerprint says how to mint the key while it does not exist', () => {
      expect(tf.output.host_key_fingerprint.value).toBe(HOST_KEY_PLACEHOLDER);
    });

    test('host_key_fingerprint is the ssh-keygen fingerprint of the public host key', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'mgmt-key-')), 'ssh_host_ed25519_key.pub');
      writeFileSync(file, `${hostPublicKey}\n`);
      expect(parsed(synth(mgmtHost, file)).tf.output.host_key_fingerprint.value).toBe(hostKeyFingerprint);
    });

    test('an unreadable public key file gives a placeholder, not a crash', () => {
      expect(openSshFingerprint('ssh-ed25519 REPLACE-ME')).toBeUndefined();
      const file = join(mkdtempSync(join(tmpdir(), 'mgmt-key-')), 'ssh_host_ed25519_key.pub');
      writeFileSync(file, 'ssh-ed25519 REPLACE-WITH-THE-MGMT-HOST-ED25519-PUBLIC-KEY');
      expect(parsed(synth(mgmtHost, file)).tf.output.host_key_fingerprint.value).toMatch(/^unreadable host public key: not yet minted/);
    });
  });

  describe('secrets stay out of the synthesized JSON', () => {
    test('no Hetzner token, even when HCLOUD_TOKEN is set', () => {
      const token = 'T'.repeat(64);
      const saved = process.env.HCLOUD_TOKEN;
      process.env.HCLOUD_TOKEN = token;
      try {
        const out = synth();
        expect(out).not.toContain(token);
        expect(out).not.toContain('HCLOUD_TOKEN');
        expect(JSON.parse(out).provider.hcloud[0]).not.toHaveProperty('token');
      } finally {
        if (saved === undefined) delete process.env.HCLOUD_TOKEN;
        else process.env.HCLOUD_TOKEN = saved;
      }
    });

    test('no private key and no nkey seed', () => {
      expect(json).not.toMatch(/PRIVATE KEY/);
      expect(json).not.toMatch(/\bS[OPANUCX][A-Z2-7]{50,}/);
    });
  });

  test('an invalid host spec fails with every problem, before anything is synthesized', () => {
    expect(() => synth(withMgmt({ serverType: 'cx22', adminCidrs: ['0.0.0.0/0'] }))).toThrow(
      /mgmt\.serverType is "cx22": retired, use cx23[\s\S]*mgmt\.adminCidrs\[0\] is "0\.0\.0\.0\/0": opens SSH to the whole Internet/,
    );
  });
});
