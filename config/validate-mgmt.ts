import { isIP } from 'node:net';
import type { MgmtHostSpec } from './mgmt-types';

/** A rule: when `failed`, `message` says what is wrong, where, and the fix. */
interface Rule {
  readonly failed: boolean;
  readonly message: string;
}

/** Hetzner Cloud locations (https://docs.hetzner.com/cloud/general/locations/). */
export const HETZNER_LOCATIONS = ['fsn1', 'nbg1', 'hel1', 'ash', 'hil', 'sin'] as const;

/** Retired shared x86 types and their successors (cx22 was retired for cx23). */
const RETIRED_SERVER_TYPES: Readonly<Record<string, string>> = { cx22: 'cx23', cx32: 'cx33', cx42: 'cx43', cx52: 'cx53' };

/** The x86 families; disko + grub in nix/ assume x86 BIOS boot. */
const X86_SERVER_TYPE = /^(cx|cpx|ccx)\d{2}$/;

/** Key types the hosts' sshd and Hetzner accept; the blob repeats the type. */
const SSH_KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];

/**
 * nix-build.sh before 1.11.0 cannot wrap a flake that is not at the git
 * root with special_args (nixos-anywhere PR #541); ours is in nix/.
 */
const MIN_NIXOS_ANYWHERE = [1, 11, 0];

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EMAIL = /^[^\s@]+@([^\s@]+)$/;

/** TTL bounds for mgmt.dns.ttl, in seconds. */
export const DNS_TTL_MIN = 60;
export const DNS_TTL_MAX = 86400;

/**
 * `domain`'s name relative to `zone`, as Hetzner DNS wants it: `@` for the
 * apex, `ops` for `ops.example.org` in `example.org`; undefined when the
 * domain is not in the zone.
 */
export function nameInZone(domain: string, zone: string): string | undefined {
  if (domain === zone) return '@';
  return domain.endsWith(`.${zone}`) ? domain.slice(0, -zone.length - 1) : undefined;
}

interface Cidr {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
}

/** `address/prefix` with a valid IPv4/IPv6 address (node's parser) and prefix. */
export function parseCidr(value: string): Cidr | undefined {
  const parts = value.split('/');
  // A zone index (fe80::1%eth0) is valid for isIP but not for a firewall.
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1]) || parts[0].includes('%')) return undefined;
  const family = isIP(parts[0]);
  const prefix = Number(parts[1]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { family: family as 4 | 6, address: parts[0], prefix };
}

function toBigInt(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  let text = address;
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (isIP(tail) === 4) {
    // ::ffff:192.0.2.1 style: the dotted tail is the last two groups.
    const v4 = toBigInt(tail, 4);
    text = `${text.slice(0, text.lastIndexOf(':') + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':'));
  const groups = rest === undefined ? groupsOf(head) : [...groupsOf(head), ...Array(8 - groupsOf(head).length - groupsOf(rest).length).fill('0'), ...groupsOf(rest)];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function fromBigInt(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  const full = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
  return new URL(`http://[${full}]`).hostname.slice(1, -1); // WHATWG URL prints the canonical compressed form
}

/** The network address of a CIDR (host bits cleared). */
export function networkOf(cidr: Cidr): string {
  const bits = cidr.family === 4 ? 32n : 128n;
  const hostBits = bits - BigInt(cidr.prefix);
  const value = toBigInt(cidr.address, cidr.family);
  return fromBigInt((value >> hostBits) << hostBits, cidr.family);
}

const PASTE_PUB = 'paste one line of a .pub file, e.g. ~/.ssh/id_ed25519.pub';

/** The strings of an SSH wire-format blob (RFC 4251 string/mpint: uint32 length, bytes), or undefined when it does not parse whole. */
function sshStrings(bytes: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (at + 4 > bytes.length) return undefined;
    const length = bytes.readUInt32BE(at);
    if (at + 4 + length > bytes.length) return undefined;
    out.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/** Bits of an mpint, leading zero bytes ignored. */
const mpintBits = (b: Buffer): number => {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return i === b.length ? 0 : (b.length - i - 1) * 8 + Math.floor(Math.log2(b[i])) + 1;
};

/** authorized_keys options a line may start with; root's authorized keys must not carry any from the fleet. */
const AUTHORIZED_KEYS_OPTION = /^(command|from|environment|permitopen|permitlisten|principals|tunnel|expiry-time)=|^(no-|restrict|cert-authority|agent-forwarding|port-forwarding|pty|user-rc|x11-forwarding)/;

/** Checks an OpenSSH public key line whole; returns problem and fix, or undefined. */
function sshKeyProblem(line: string): string | undefined {
  if (/PRIVATE KEY/.test(line)) return 'a private key; never put it in the config, paste the public half (the .pub file)';
  if (/[\r\n\0]/.test(line)) return `more than one line: one key per entry, or a second line would land in root's authorized keys as written; ${PASTE_PUB}`;
  const [type, blob] = line.trim().split(/\s+/);
  if (AUTHORIZED_KEYS_OPTION.test(type ?? '')) return `authorized_keys options (${type.split(/[=,]/)[0]}...) before the key: the fleet grants plain keys only; ${PASTE_PUB}`;
  if (!SSH_KEY_TYPES.includes(type)) return `not an OpenSSH public key (${SSH_KEY_TYPES.join(', ')}); ${PASTE_PUB}`;
  // The base64 blob starts with the key type again (RFC 4253 section 6.6).
  const parts = /^[A-Za-z0-9+/]+={0,2}$/.test(blob ?? '') ? sshStrings(Buffer.from(blob, 'base64')) : undefined;
  if (!parts || parts.length === 0 || parts[0].toString('latin1') !== type) return `no valid ${type} key data after the type (truncated or mangled?); ${PASTE_PUB}`;
  if (type === 'ssh-ed25519' && (parts.length !== 2 || parts[1].length !== 32)) return `not a whole ed25519 key (32 bytes); ${PASTE_PUB}`;
  if (type === 'ssh-rsa') {
    const bits = parts.length === 3 ? mpintBits(parts[2]) : 0;
    if (bits < 3072) return `an RSA key of ${bits} bits: too weak for root on the management host; use ssh-ed25519 (ssh-keygen -t ed25519) or RSA of at least 3072 bits`;
  }
  if (type.startsWith('ecdsa-sha2-') && (parts.length !== 3 || parts[1].toString('latin1') !== type.slice('ecdsa-sha2-'.length))) return `its curve does not match ${type}; ${PASTE_PUB}`;
  return undefined;
}

/** Whether the CIDRs of one family together cover every address of it. */
export function coverAll(cidrs: readonly Cidr[], family: 4 | 6): boolean {
  const bits = family === 4 ? 32n : 128n;
  const ranges = cidrs
    .filter((c) => c.family === family)
    .map((c) => {
      const host = bits - BigInt(c.prefix);
      const start = (toBigInt(c.address, family) >> host) << host;
      return [start, start + (1n << host) - 1n] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let next = 0n;
  for (const [start, end] of ranges) {
    if (start > next) return false;
    if (end + 1n > next) next = end + 1n;
  }
  return next === 1n << bits;
}

function refTooOld(ref: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(ref);
  if (!m) return false; // a commit or branch: the operator's call
  const v = m.slice(1).map(Number);
  const i = v.findIndex((n, k) => n !== MIN_NIXOS_ANYWHERE[k]);
  return i >= 0 && v[i] < MIN_NIXOS_ANYWHERE[i];
}

function dnsRules(host: MgmtHostSpec, path: string): Rule[] {
  const { dns, domains } = host;
  if (dns === undefined) return [];
  const zoneValid = HOSTNAME.test(dns.zone);
  return [
    {
      failed: !zoneValid,
      message: `${path}.dns.zone is "${dns.zone}": not a lowercase DNS name; write the zone as the Hetzner Console lists it, without a trailing dot, e.g. example.org`,
    },
    ...(['opsBridge', 'sso', 'ldap'] as const).map((key) => ({
      // A malformed zone or domain already has its own message.
      failed: zoneValid && HOSTNAME.test(domains[key]) && nameInZone(domains[key], dns.zone) === undefined,
      message: `${path}.domains.${key} is "${domains[key]}": not in ${path}.dns.zone "${dns.zone}", so its records cannot be managed there; use a name under ${dns.zone}, or set ${path}.dns.zone to a zone containing every domain`,
    })),
    {
      failed: dns.ttl !== undefined && !(Number.isInteger(dns.ttl) && dns.ttl >= DNS_TTL_MIN && dns.ttl <= DNS_TTL_MAX),
      message: `${path}.dns.ttl is ${dns.ttl}: use a whole number of seconds from ${DNS_TTL_MIN} to ${DNS_TTL_MAX}, e.g. 3600, or leave it unset for the zone's default TTL`,
    },
  ];
}

function rules(host: MgmtHostSpec, path: string): Rule[] {
  const { domains } = host;
  const orgDomain = domains.sso.split('.').slice(1).join('.');
  const under = (d: string) => d.endsWith(`.${orgDomain}`);
  const retired = RETIRED_SERVER_TYPES[host.serverType];
  return [
    {
      failed: !DNS_LABEL.test(host.name),
      message: `${path}.name is "${host.name}": not a DNS label; use 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen, e.g. "mgmt"`,
    },
    {
      failed: !(HETZNER_LOCATIONS as readonly string[]).includes(host.location),
      message: `${path}.location is "${host.location}": not a Hetzner Cloud location; use one of ${HETZNER_LOCATIONS.join(', ')}`,
    },
    {
      failed: retired !== undefined,
      message: `${path}.serverType is "${host.serverType}": retired, use ${retired}`,
    },
    {
      failed: host.serverType.startsWith('cax'),
      message: `${path}.serverType is "${host.serverType}": Arm64; disko and grub in nix/ are for x86 BIOS boot; use an x86 type, e.g. cx23`,
    },
    {
      failed: retired === undefined && !host.serverType.startsWith('cax') && !X86_SERVER_TYPE.test(host.serverType),
      message: `${path}.serverType is "${host.serverType}": not an x86 Hetzner type; use cx<NN>, cpx<NN> or ccx<NN>, e.g. cx23`,
    },
    {
      failed: host.image !== undefined && host.image.trim() === '',
      message: `${path}.image is empty: leave it unset for "debian-12" or name a Hetzner image`,
    },
    {
      failed: host.adminSshKeys.length === 0,
      message: `${path}.adminSshKeys is empty: add at least one OpenSSH public key, e.g. "ssh-ed25519 AAAA... you@example.org"`,
    },
    ...host.adminSshKeys.map((key, i) => {
      const problem = sshKeyProblem(key);
      return {
        failed: problem !== undefined,
        // Never echo key material that might be private.
        message: `${path}.adminSshKeys[${i}] is ${/PRIVATE KEY/.test(key) ? '(not shown)' : `"${key.slice(0, 40)}${key.length > 40 ? '...' : ''}"`}: ${problem}`,
      };
    }),
    {
      failed: host.adminCidrs.length === 0,
      message: `${path}.adminCidrs is empty: SSH (and so nixos-anywhere) would be unreachable; add your network, e.g. 203.0.113.0/24`,
    },
    ...host.adminCidrs.flatMap((value, i): Rule[] => {
      const cidr = parseCidr(value);
      if (cidr === undefined) {
        return [{ failed: true, message: `${path}.adminCidrs[${i}] is "${value}": not a CIDR; write it as address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32` }];
      }
      const network = networkOf(cidr);
      return [
        {
          // The provider refuses "is not the start of the cidr block".
          failed: toBigInt(network, cidr.family) !== toBigInt(cidr.address, cidr.family),
          message: `${path}.adminCidrs[${i}] is "${value}": host bits set; write the network, ${network}/${cidr.prefix}, or one host as ${cidr.address}/${cidr.family === 4 ? 32 : 128}`,
        },
        {
          failed: cidr.prefix === 0 && host.allowSshFromAnywhere !== true,
          message: `${path}.adminCidrs[${i}] is "${value}": opens SSH to the whole Internet; list your admin networks, or set ${path}.allowSshFromAnywhere: true`,
        },
      ];
    }),
    ...([4, 6] as const).map((family) => {
      const cidrs = host.adminCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
      return {
        // One /0 already has its own message; several ranges can add up to the same.
        failed: host.allowSshFromAnywhere !== true && !cidrs.some((c) => c.family === family && c.prefix === 0) && coverAll(cidrs, family),
        message: `${path}.adminCidrs together cover every IPv${family} address: that opens SSH to the whole Internet; list your admin networks, or set ${path}.allowSshFromAnywhere: true`,
      };
    }),
    ...(['opsBridge', 'sso', 'ldap'] as const).map((key) => ({
      failed: !HOSTNAME.test(domains[key]),
      message: `${path}.domains.${key} is "${domains[key]}": not a lowercase DNS name; e.g. ${key === 'opsBridge' ? 'ops' : key}.example.org`,
    })),
    {
      failed: new Set([domains.opsBridge, domains.sso, domains.ldap]).size !== 3,
      message: `${path}.domains has a name twice (${domains.opsBridge}, ${domains.sso}, ${domains.ldap}): each service needs its own virtual host`,
    },
    {
      // nix/lib/facts.nix: the parent of domains.sso is Authelia's cookie
      // domain, so the two protected vhosts must live under it.
      failed: [domains.sso, orgDomain, domains.opsBridge, domains.ldap].every((d) => HOSTNAME.test(d)) && (!under(domains.opsBridge) || !under(domains.ldap)),
      message: `${path}.domains: opsBridge (${domains.opsBridge}) and ldap (${domains.ldap}) must be under ${orgDomain}, the parent of domains.sso (Authelia's cookie domain)`,
    },
    {
      failed: HOSTNAME.test(domains.sso) && !HOSTNAME.test(orgDomain),
      message: `${path}.domains.sso is "${domains.sso}": must be a subdomain of the organisation domain, e.g. sso.example.org`,
    },
    {
      failed: !HOSTNAME.test(EMAIL.exec(host.acmeEmail)?.[1]?.toLowerCase() ?? ''),
      message: `${path}.acmeEmail is "${host.acmeEmail}": not an email address; Let's Encrypt needs a contact, e.g. ops@example.org`,
    },
    {
      // A branch moves under a pinned deployment; anything else could smuggle text into the module source URL.
      failed: host.nixosAnywhereRef !== undefined && !/^(v?\d{1,4}\.\d{1,4}\.\d{1,4}|[0-9a-f]{40})$/.test(host.nixosAnywhereRef),
      message: `${path}.nixosAnywhereRef is "${host.nixosAnywhereRef}": pin a release tag (e.g. "1.13.0") or a full 40-character commit; a branch or anything else would change under a deployed host`,
    },
    {
      failed: host.nixosAnywhereRef !== undefined && refTooOld(host.nixosAnywhereRef),
      message: `${path}.nixosAnywhereRef is "${host.nixosAnywhereRef}": before 1.11.0 nixos-anywhere cannot pass special_args to a flake in a git subdirectory (nix/); use "1.13.0" or leave it unset`,
    },
    ...dnsRules(host, path),
  ];
}

/** Every problem with the mgmt host spec (empty when valid). */
export function validateMgmtHost(host: MgmtHostSpec, path = 'mgmt'): string[] {
  return rules(host, path)
    .filter((r) => r.failed)
    .map((r) => r.message);
}
