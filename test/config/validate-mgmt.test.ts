import { generateKeyPairSync } from 'node:crypto';
import { fleet } from '../../config/fleet';
import { nameInZone, networkOf, parseCidr, validateMgmtHost } from '../../config/validate-mgmt';
import { mgmtHost, withMgmt } from '../fixtures/mgmt-host';

const ED25519 = mgmtHost.adminSshKeys[0];

/** An SSH wire-format string (uint32 length, bytes). */
const sshString = (v: string | Buffer): Buffer => {
  const b = typeof v === 'string' ? Buffer.from(v) : v;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};
/** A real RSA public key of `bits` in OpenSSH form, made here (no fixture to keep). */
const rsaKey = (bits: number): string => {
  const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  const mpint = (b64url: string) => {
    const raw = Buffer.from(b64url, 'base64url');
    return sshString(raw[0] & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  return `ssh-rsa ${Buffer.concat([sshString('ssh-rsa'), mpint(jwk.e!), mpint(jwk.n!)]).toString('base64')} rsa@example.org`;
};

/** The single problem a change causes (and proof the fixture had none). */
function problemsOf(change: Parameters<typeof withMgmt>[0]): string[] {
  return validateMgmtHost(withMgmt(change));
}

describe('validateMgmtHost', () => {
  test('default properties: the fixture and the shipped fleet are valid', () => {
    expect(validateMgmtHost(mgmtHost)).toEqual([]);
    expect(validateMgmtHost(fleet.mgmt)).toEqual([]);
  });

  test('reports every problem at once, under the given path', () => {
    const problems = validateMgmtHost(withMgmt({ name: 'Bad_Name', location: 'mars1' }), 'fleet.mgmt');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^fleet\.mgmt\.name is "Bad_Name"/);
    expect(problems[1]).toMatch(/^fleet\.mgmt\.location is "mars1"/);
  });

  describe('name', () => {
    test.each(['mgmt', 'mgmt-1', 'a'])('%s is a DNS label', (name) => expect(problemsOf({ name })).toEqual([]));
    test.each(['Mgmt', 'mgmt_1', '-mgmt', 'mgmt.example.org', '', 'a'.repeat(64)])('%s is refused', (name) => {
      expect(problemsOf({ name })).toEqual([expect.stringMatching(/^mgmt\.name is ".*": not a DNS label; use 1-63 lowercase letters/)]);
    });
  });

  describe('location', () => {
    test.each(['fsn1', 'nbg1', 'hel1', 'ash', 'hil', 'sin'])('%s is known', (location) => expect(problemsOf({ location })).toEqual([]));
    test('an unknown location lists the known ones', () => {
      expect(problemsOf({ location: 'fsn1-dc14' })).toEqual([
        'mgmt.location is "fsn1-dc14": not a Hetzner Cloud location; use one of fsn1, nbg1, hel1, ash, hil, sin',
      ]);
    });
  });

  describe('serverType', () => {
    test.each(['cx23', 'cx53', 'cpx22', 'cpx41', 'ccx13'])('%s is an x86 type', (serverType) => expect(problemsOf({ serverType })).toEqual([]));
    test('cx22 is retired for cx23', () => {
      expect(problemsOf({ serverType: 'cx22' })).toEqual(['mgmt.serverType is "cx22": retired, use cx23']);
    });
    test('Arm (cax) is refused: disko and grub here are x86 BIOS', () => {
      expect(problemsOf({ serverType: 'cax21' })).toEqual([expect.stringMatching(/serverType is "cax21": Arm64; disko and grub .* x86 BIOS boot; use an x86 type, e.g. cx23/)]);
    });
    test.each(['CX23', 'cx2', 'm1.large', ''])('%s is not a Hetzner x86 type', (serverType) => {
      expect(problemsOf({ serverType })).toEqual([expect.stringMatching(/not an x86 Hetzner type; use cx<NN>, cpx<NN> or ccx<NN>/)]);
    });
  });

  describe('image', () => {
    test('unset or named is fine', () => {
      expect(problemsOf({ image: undefined })).toEqual([]);
      expect(problemsOf({ image: 'debian-12' })).toEqual([]);
    });
    test('empty is refused', () => expect(problemsOf({ image: ' ' })).toEqual([expect.stringMatching(/^mgmt\.image is empty/)]));
  });

  describe('adminSshKeys', () => {
    test('ed25519, ecdsa and rsa (3072 bits or more) public keys are accepted', () => {
      expect(problemsOf({ adminSshKeys: [ED25519, mgmtHost.adminSshKeys[1], rsaKey(3072)] })).toEqual([]);
    });
    test('an RSA key under 3072 bits is refused, with its size', () => {
      expect(problemsOf({ adminSshKeys: [rsaKey(2048)] })).toEqual([expect.stringMatching(/adminSshKeys\[0\] .*: an RSA key of 2048 bits: too weak .*use ssh-ed25519/)]);
    });
    test('two keys in one entry (a second line) are refused: root would get the second too', () => {
      expect(problemsOf({ adminSshKeys: [`${ED25519}\n${rsaKey(3072)}`] })).toEqual([expect.stringMatching(/adminSshKeys\[0\] .*: more than one line: one key per entry/)]);
      expect(problemsOf({ adminSshKeys: [`${ED25519}\r`] })).toEqual([expect.stringMatching(/more than one line/)]);
    });
    test('authorized_keys options before the key are refused', () => {
      expect(problemsOf({ adminSshKeys: [`command="/bin/sh" ${ED25519}`, `no-pty ${ED25519}`] })).toEqual([
        expect.stringMatching(/adminSshKeys\[0\] .*: authorized_keys options \(command\.\.\.\) before the key/),
        expect.stringMatching(/adminSshKeys\[1\] .*: authorized_keys options \(no-pty\.\.\.\) before the key/),
      ]);
    });
    test('an ed25519 key of the wrong length, or trailing data in the blob, is refused', () => {
      const short = `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(16))]).toString('base64')}`;
      const trailing = `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(32)), Buffer.from([1, 2])]).toString('base64')}`;
      expect(problemsOf({ adminSshKeys: [short, trailing] })).toEqual([
        expect.stringMatching(/adminSshKeys\[0\] .*: not a whole ed25519 key \(32 bytes\)/),
        expect.stringMatching(/adminSshKeys\[1\] .*: no valid ssh-ed25519 key data/),
      ]);
    });
    test('at least one is required', () => {
      expect(problemsOf({ adminSshKeys: [] })).toEqual([expect.stringMatching(/^mgmt\.adminSshKeys is empty: add at least one OpenSSH public key/)]);
    });
    test('an unknown key type is refused with its index', () => {
      expect(problemsOf({ adminSshKeys: [ED25519, 'ssh-dss AAAAB3NzaC1kc3M= old@example.org'] })).toEqual([
        expect.stringMatching(/^mgmt\.adminSshKeys\[1\] is "ssh-dss .*": not an OpenSSH public key .*paste one line of a \.pub file/),
      ]);
    });
    test('a truncated key or a key whose data names another type is refused', () => {
      const mislabeled = ED25519.replace('ssh-ed25519', 'ssh-rsa');
      expect(problemsOf({ adminSshKeys: ['ssh-ed25519 AAAA', mislabeled] })).toEqual([
        expect.stringMatching(/adminSshKeys\[0\] .*: no valid ssh-ed25519 key data after the type/),
        expect.stringMatching(/adminSshKeys\[1\] .*: no valid ssh-rsa key data after the type/),
      ]);
    });
    test('a private key is refused and not echoed', () => {
      // Built at run time so the repository scan (test/no-secrets.test.ts) finds no key header in the tree.
      const pem = (edge: string) => `-----${edge} OPENSSH ${'PRIVATE'} KEY-----`;
      const privateKey = `${pem('BEGIN')}\nb3BlbnNzaC1rZXktdjEAAAAA\n${pem('END')}`;
      const [message] = problemsOf({ adminSshKeys: [privateKey] });
      expect(message).toMatch(/^mgmt\.adminSshKeys\[0\] is \(not shown\): a private key; .* paste the public half/);
      expect(message).not.toContain('b3Bl');
    });
  });

  describe('nixosAnywhereRef', () => {
    test.each(['1.13.0', 'v1.13.0', '0123456789abcdef0123456789abcdef01234567'])('%s is a pin', (ref) => expect(problemsOf({ nixosAnywhereRef: ref })).toEqual([]));
    test.each(['main', '1.13', '1.13.0&depth=1', '0123456', 'HEAD', '1.13.0 '])('%j is refused: not a release tag or a full commit', (ref) => {
      expect(problemsOf({ nixosAnywhereRef: ref })).toEqual([expect.stringMatching(/^mgmt\.nixosAnywhereRef is ".*": pin a release tag .* or a full 40-character commit/)]);
    });
  });

  describe('adminCidrs', () => {
    test('IPv4 and IPv6 networks and single hosts are accepted', () => {
      expect(problemsOf({ adminCidrs: ['203.0.113.0/24', '198.51.100.7/32', '2001:db8:1::/48', '2001:db8::1/128'] })).toEqual([]);
    });
    test('at least one is required', () => {
      expect(problemsOf({ adminCidrs: [] })).toEqual([expect.stringMatching(/^mgmt\.adminCidrs is empty: SSH .* unreachable/)]);
    });
    test('a malformed CIDR names its index and the expected form', () => {
      expect(problemsOf({ adminCidrs: ['203.0.113.0/24', '10.0.0/8'] })).toEqual([
        'mgmt.adminCidrs[1] is "10.0.0/8": not a CIDR; write it as address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32',
      ]);
    });
    test.each(['203.0.113.0', '203.0.113.0/33', '2001:db8::/129', '2001:db8::/x', 'fe80::1%eth0/64', 'example.org/24'])('%s is not a CIDR', (cidr) => {
      expect(problemsOf({ adminCidrs: [cidr] })).toEqual([expect.stringMatching(/not a CIDR/)]);
    });
    test('host bits set are refused with the network to write instead', () => {
      expect(problemsOf({ adminCidrs: ['203.0.113.5/24', '2001:db8::1/32'] })).toEqual([
        'mgmt.adminCidrs[0] is "203.0.113.5/24": host bits set; write the network, 203.0.113.0/24, or one host as 203.0.113.5/32',
        'mgmt.adminCidrs[1] is "2001:db8::1/32": host bits set; write the network, 2001:db8::/32, or one host as 2001:db8::1/128',
      ]);
    });
    test.each(['0.0.0.0/0', '::/0'])('%s is refused unless allowSshFromAnywhere', (cidr) => {
      expect(problemsOf({ adminCidrs: [cidr] })).toEqual([expect.stringMatching(/opens SSH to the whole Internet; .* set mgmt\.allowSshFromAnywhere: true/)]);
      expect(problemsOf({ adminCidrs: [cidr], allowSshFromAnywhere: true })).toEqual([]);
    });
    test.each([
      ['two IPv4 halves', ['0.0.0.0/1', '128.0.0.0/1'], 4],
      ['four IPv4 quarters, out of order, one overlapping', ['192.0.0.0/2', '0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2', '10.0.0.0/8'], 4],
      ['two IPv6 halves', ['::/1', '8000::/1'], 6],
    ])('%s together cover the Internet: refused unless allowSshFromAnywhere', (_, cidrs, family) => {
      expect(problemsOf({ adminCidrs: cidrs as string[] })).toEqual([`mgmt.adminCidrs together cover every IPv${family} address: that opens SSH to the whole Internet; list your admin networks, or set mgmt.allowSshFromAnywhere: true`]);
      expect(problemsOf({ adminCidrs: cidrs as string[], allowSshFromAnywhere: true })).toEqual([]);
    });
    test('three quarters of IPv4 is wide but not everything', () => {
      expect(problemsOf({ adminCidrs: ['0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2'] })).toEqual([]);
    });
  });

  describe('domains', () => {
    test('each must be a lowercase DNS name', () => {
      expect(problemsOf({ domains: { ...mgmtHost.domains, ldap: 'LDAP example' } })).toEqual([
        expect.stringMatching(/^mgmt\.domains\.ldap is "LDAP example": not a lowercase DNS name; e\.g\. ldap\.example\.org/),
      ]);
    });
    test('each service needs its own name', () => {
      expect(problemsOf({ domains: { ...mgmtHost.domains, ldap: 'sso.example.org' } })).toEqual([expect.stringMatching(/^mgmt\.domains has a name twice/)]);
    });
    test('sso must be a subdomain of the organisation domain', () => {
      expect(problemsOf({ domains: { ...mgmtHost.domains, sso: 'example.org' } })).toEqual([
        'mgmt.domains.sso is "example.org": must be a subdomain of the organisation domain, e.g. sso.example.org',
      ]);
    });
    test('opsBridge and ldap must be under the parent of sso (the Authelia cookie domain)', () => {
      expect(problemsOf({ domains: { ...mgmtHost.domains, ldap: 'ldap.example.net' } })).toEqual([
        expect.stringMatching(/^mgmt\.domains: .* ldap \(ldap\.example\.net\) must be under example\.org/),
      ]);
      expect(problemsOf({ domains: { opsBridge: 'ops.corp.example.org', sso: 'sso.example.org', ldap: 'ldap.example.org' } })).toEqual([]);
    });
  });

  describe('acmeEmail', () => {
    test.each(['ops@example.org', 'first.last+acme@mail.example.org'])('%s is accepted', (acmeEmail) => expect(problemsOf({ acmeEmail })).toEqual([]));
    test.each(['ops', 'ops@', '@example.org', 'ops@localhost', 'o ps@example.org'])('%s is refused', (acmeEmail) => {
      expect(problemsOf({ acmeEmail })).toEqual([expect.stringMatching(/^mgmt\.acmeEmail is ".*": not an email address/)]);
    });
  });

  describe('nixosAnywhereRef', () => {
    test.each(['1.11.0', '1.13.0', '2.0.0', 'bad98b0685cf47eaeadcaf6787da8b51cf025693'])('%s is accepted', (nixosAnywhereRef) => {
      expect(problemsOf({ nixosAnywhereRef })).toEqual([]);
    });
    test.each(['1.9.0', '1.10.0', '0.99.0'])('%s cannot pass special_args to the flake in nix/', (nixosAnywhereRef) => {
      expect(problemsOf({ nixosAnywhereRef })).toEqual([expect.stringMatching(/before 1\.11\.0 .* special_args .* use "1\.13\.0"/)]);
    });
  });
});

describe('parseCidr / networkOf', () => {
  test.each([
    ['203.0.113.77/24', '203.0.113.0'],
    ['203.0.113.77/0', '0.0.0.0'],
    ['2001:db8:aa:bb::1/48', '2001:db8:aa::'],
    ['::ffff:192.0.2.1/120', '::ffff:c000:200'],
    ['2001:db8::1/128', '2001:db8::1'],
  ])('%s is in network %s', (cidr, network) => expect(networkOf(parseCidr(cidr)!)).toBe(network));
});

describe('validateMgmtHost: dns', () => {
  const dns = { zone: 'example.org' };

  test('unset is valid: no records are managed', () => expect(problemsOf({ dns: undefined })).toEqual([]));

  describe('zone', () => {
    test.each(['example.org', 'corp.example.org', 'xn--exmple-cua.org'])('%s is a DNS name', (zone) => {
      expect(problemsOf({ dns: { zone }, domains: { opsBridge: `ops.${zone}`, sso: `sso.${zone}`, ldap: `ldap.${zone}` } })).toEqual([]);
    });
    test.each(['example.org.', 'Example.org', 'example', '', 'exa mple.org', 'https://example.org'])('%s is refused', (zone) => {
      expect(problemsOf({ dns: { zone } })).toEqual([
        `mgmt.dns.zone is "${zone}": not a lowercase DNS name; write the zone as the Hetzner Console lists it, without a trailing dot, e.g. example.org`,
      ]);
    });
  });

  describe('domains in the zone', () => {
    test('each domain is inside the zone, at any depth', () => {
      expect(problemsOf({ dns, domains: { opsBridge: 'ops.corp.example.org', sso: 'sso.example.org', ldap: 'ldap.example.org' } })).toEqual([]);
    });
    test('a domain may be the zone apex', () => {
      expect(problemsOf({ dns: { zone: 'sso.example.org' }, domains: { opsBridge: 'ops.sso.example.org', sso: 'sso.example.org', ldap: 'ldap.sso.example.org' } })).toEqual([]);
    });
    test('a domain outside the zone names the field, the zone and the fix', () => {
      expect(problemsOf({ dns: { zone: 'corp.example.org' }, domains: { opsBridge: 'ops.corp.example.org', sso: 'sso.example.org', ldap: 'ldap.corp.example.org' } })).toEqual([
        'mgmt.domains.sso is "sso.example.org": not in mgmt.dns.zone "corp.example.org", so its records cannot be managed there; use a name under corp.example.org, or set mgmt.dns.zone to a zone containing every domain',
      ]);
    });
    test('a suffix that is not a label boundary is outside: ops.example.org is not in ample.org', () => {
      expect(problemsOf({ dns: { zone: 'ample.org' } })).toEqual([
        expect.stringMatching(/^mgmt\.domains\.opsBridge is "ops\.example\.org": not in mgmt\.dns\.zone "ample\.org"/),
        expect.stringMatching(/^mgmt\.domains\.sso is "sso\.example\.org": not in/),
        expect.stringMatching(/^mgmt\.domains\.ldap is "ldap\.example\.org": not in/),
      ]);
    });
    test('a malformed zone is reported once, not once per domain', () => {
      expect(problemsOf({ dns: { zone: 'Example.org' } })).toEqual([expect.stringMatching(/^mgmt\.dns\.zone is "Example\.org"/)]);
    });
  });

  describe('ttl', () => {
    test.each([60, 300, 3600, 86400])('%d seconds is accepted', (ttl) => expect(problemsOf({ dns: { ...dns, ttl } })).toEqual([]));
    test.each([0, 59, 86401, 300.5, -1, Number.NaN])('%d is refused', (ttl) => {
      expect(problemsOf({ dns: { ...dns, ttl } })).toEqual([
        `mgmt.dns.ttl is ${ttl}: use a whole number of seconds from 60 to 86400, e.g. 3600, or leave it unset for the zone's default TTL`,
      ]);
    });
  });

  test('under the given path', () => {
    expect(validateMgmtHost(withMgmt({ dns: { zone: 'example.org', ttl: 1 } }), 'fleet.mgmt')).toEqual([expect.stringMatching(/^fleet\.mgmt\.dns\.ttl is 1:/)]);
  });
});

describe('nameInZone', () => {
  test.each([
    ['example.org', 'example.org', '@'],
    ['ops.example.org', 'example.org', 'ops'],
    ['ops.corp.example.org', 'example.org', 'ops.corp'],
    ['ops.example.org', 'ample.org', undefined],
    ['example.org', 'ops.example.org', undefined],
    ['ops.example.net', 'example.org', undefined],
  ])('%s in %s is %s', (domain, zone, name) => expect(nameInZone(domain, zone)).toBe(name));
});
