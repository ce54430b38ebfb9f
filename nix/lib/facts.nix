# Values derived from `hostFacts` (the JSON the Terraform side passes as
# nixos-anywhere `special_args`, or hosts/mgmt/host-facts.example.json).
#
# Only `builtins` are used on purpose: this file can be evaluated without
# nixpkgs (test/nix/nix-parse.test.ts runs it with plain `nix-instantiate`),
# so the derivations below are tested, not only parse-checked.
#
#   import ./facts.nix hostFacts
hostFacts:
let
  # "sso.example.org" -> [ "sso" "example" "org" ]
  labels = domain: builtins.filter builtins.isString (builtins.split "\\." domain);
  parentDomain = domain: builtins.concatStringsSep "." (builtins.tail (labels domain));
  isSubdomainOf = parent: domain:
    let
      suffix = ".${parent}";
      ld = builtins.stringLength domain;
      ls = builtins.stringLength suffix;
    in
    ld > ls && builtins.substring (ld - ls) ls domain == suffix;
  isIPv6 = cidr: builtins.match ".*:.*" cidr != null;
  # restic backends that are off this host (no local path).
  isOffHostRepository = repository: builtins.match "(s3|rest|b2|azure|gs|swift|sftp):.+" repository != null;

  # The key set the Terraform side produces; keep both sides in step.
  expectedKeys = [
    "acmeEmail"
    "adminCidrs"
    "adminSshKeys"
    "backup"
    "domains"
    "hostName"
    "ipv4Address"
    "ipv6Address"
    "ipv6PrefixLength"
    "kvSnapshots"
    "monitoring"
  ];
  expectedDomainKeys = [
    "ldap"
    "opsBridge"
    "sso"
  ];
  missingKeys = builtins.filter (k: !(hostFacts ? ${k})) expectedKeys;
  unknownKeys = builtins.filter (k: !(builtins.elem k expectedKeys)) (builtins.attrNames hostFacts);
  domains = hostFacts.domains or { };
  missingDomainKeys = builtins.filter (k: !(domains ? ${k})) expectedDomainKeys;

  # The organisation domain is the parent of the SSO domain: it is the
  # Authelia session cookie domain and the LLDAP base DN.
  orgDomain = parentDomain (domains.sso or "");

  check = cond: msg: if cond then [ ] else [ msg ];
  backup = hostFacts.backup or { };
  kvSnapshots = hostFacts.kvSnapshots or { };
  monitoring = hostFacts.monitoring or { };
  receiverKind = (monitoring.receiver or { }).kind or null;
in
{
  inherit orgDomain expectedKeys expectedDomainKeys;

  # "example.org" -> "dc=example,dc=org"
  baseDn = builtins.concatStringsSep "," (map (l: "dc=${l}") (labels orgDomain));

  adminCidrsV4 = builtins.filter (c: !(isIPv6 c)) (hostFacts.adminCidrs or [ ]);
  adminCidrsV6 = builtins.filter isIPv6 (hostFacts.adminCidrs or [ ]);

  # Human-readable problems; hosts/mgmt turns each into a failed assertion,
  # so a malformed special_args object stops the build with a clear message
  # instead of deploying a host nobody can reach.
  problems =
    check (missingKeys == [ ]) "missing keys: ${builtins.concatStringsSep ", " missingKeys}"
    ++ check (unknownKeys == [ ]) "unknown keys: ${builtins.concatStringsSep ", " unknownKeys}"
    ++ check (missingDomainKeys == [ ])
      "missing domains.*: ${builtins.concatStringsSep ", " missingDomainKeys}"
    ++ check ((hostFacts.adminSshKeys or [ ]) != [ ])
      "adminSshKeys is empty: root could not log in (password login is disabled)"
    ++ check ((hostFacts.adminCidrs or [ ]) != [ ])
      "adminCidrs is empty: the firewall would refuse SSH from everywhere"
    ++ check (builtins.length (labels orgDomain) >= 2)
      "domains.sso (${domains.sso or "<unset>"}) must be a subdomain of the organisation domain, e.g. sso.example.org"
    ++ check (isSubdomainOf orgDomain (domains.opsBridge or ""))
      "domains.opsBridge must be under ${orgDomain} (the Authelia cookie domain)"
    ++ check (isSubdomainOf orgDomain (domains.ldap or ""))
      "domains.ldap must be under ${orgDomain} (the Authelia cookie domain)"
    ++ check (builtins.isInt (hostFacts.ipv6PrefixLength or null))
      "ipv6PrefixLength must be an integer"
    ++ check (isOffHostRepository (backup.repository or ""))
      "backup.repository must be an off-host restic repository (s3:, rest:, b2:, azure:, gs:, swift:, sftp:)"
    ++ check (builtins.isString (backup.onCalendar or null)) "backup.onCalendar must be a systemd calendar string"
    ++ check (builtins.all (k: builtins.isInt ((backup.keep or { }).${k} or null)) [ "daily" "weekly" "monthly" ])
      "backup.keep must give daily, weekly and monthly as integers"
    ++ check (isOffHostRepository (kvSnapshots.repository or ""))
      "kvSnapshots.repository must be the KV snapshots' restic repository (s3:, rest:, b2:, azure:, gs:, swift:, sftp:)"
    ++ check (builtins.elem receiverKind [ "email" "webhook" ])
      "monitoring.receiver.kind must be \"email\" or \"webhook\""
    ++ check (builtins.isList (monitoring.natsTargets or null) && builtins.isList (monitoring.gatewayTargets or null))
      "monitoring.natsTargets and monitoring.gatewayTargets must be lists (empty when no site exists)";
}
