# Every secret of the mgmt host, as agenix secrets.
#
# agenix decrypts nix/secrets/<name>.age at activation into
# /run/agenix/<name> (tmpfs), owned by the service that reads it. Services
# only ever get the *path* (config.age.secrets.<name>.path) through a *File
# option or a *_FILE environment variable: no secret value enters the Nix
# store. Recipients (who can decrypt) are listed in nix/secrets/secrets.nix,
# which must have one "<name>.age" entry per secret declared here
# (test/nix/nix-parse.test.ts checks both directions).
#
# Missing .age files: the files are minted by operators (see
# nix/secrets/README.md), so a fresh checkout has none. A path to a missing
# file is not an error by itself in Nix; it fails only when it is copied to
# the store, which agenix does when the activation script is built. To get a
# readable error at that point, `file` is a lazy `throw` when the file is
# absent: evaluating the configuration (and `nix flake check`, which only
# checks that toplevel is a derivation) works without the files, building
# the system fails with the message below until they exist *and are tracked
# by git* (a flake only sees git-tracked files).
{ config, lib, hostFacts, ... }:
let
  ageFile =
    name:
    let
      path = ../secrets + "/${name}.age";
    in
    if builtins.pathExists path then
      path
    else
      throw ''
        agenix: nix/secrets/${name}.age does not exist (or is not tracked by git,
        and a flake only sees tracked files). Mint it with
          cd nix/secrets && agenix -e ${name}.age
        then `git add` it. See nix/secrets/README.md.
      '';

  secret =
    name:
    { owner, group }:
    {
      file = ageFile name;
      inherit owner group;
      mode = "0400";
    };

  authelia = config.services.authelia.instances.main;
  receiver = hostFacts.monitoring.receiver;
  root = {
    owner = "root";
    group = "root";
  };
in
{
  # The host decrypts with its SSH host key, which nixos-anywhere places at
  # this path before the first boot (see sshd.nix).
  age.identityPaths = [ "/etc/ssh/ssh_host_ed25519_key" ];

  age.secrets = {
    # LLDAP (lldap.nix) runs as the static user/group `lldap`.
    "lldap-jwt-secret" = secret "lldap-jwt-secret" {
      owner = "lldap";
      group = "lldap";
    };
    # Password of LLDAP's built-in `admin` user.
    "lldap-admin-password" = secret "lldap-admin-password" {
      owner = "lldap";
      group = "lldap";
    };

    # Authelia (authelia.nix) runs as authelia-main.
    "authelia-jwt-secret" = secret "authelia-jwt-secret" {
      owner = authelia.user;
      group = authelia.group;
    };
    "authelia-storage-encryption-key" = secret "authelia-storage-encryption-key" {
      owner = authelia.user;
      group = authelia.group;
    };
    "authelia-session-secret" = secret "authelia-session-secret" {
      owner = authelia.user;
      group = authelia.group;
    };
    # Password of the `authelia` LDAP service account. Read by Authelia (to
    # bind) and by LLDAP's bootstrap (to create the account with it), hence
    # group lldap and mode 0440.
    "authelia-ldap-password" = (
      secret "authelia-ldap-password" {
        owner = authelia.user;
        group = "lldap";
      }
    ) // {
      mode = "0440";
    };

    # The off-host backup (backup.nix) runs as root: the repository
    # password, and the backend's credentials as KEY=value lines.
    "restic-password" = secret "restic-password" root;
    "restic-environment" = secret "restic-environment" root;

    # The KV snapshot check (kv-snapshot-check.nix) runs as root: the KV
    # snapshot repository's password, and read-only credentials of its
    # backend as KEY=value lines.
    "kv-snapshot-restic-password" = secret "kv-snapshot-restic-password" root;
    "kv-snapshot-restic-environment" = secret "kv-snapshot-restic-environment" root;
  }
  # Alertmanager (monitoring.nix) gets its receiver's secret as a systemd
  # credential (read by root); only the fleet's receiver kind needs one.
  // lib.optionalAttrs (receiver.kind == "email" && receiver ? username) {
    "alertmanager-smtp-password" = secret "alertmanager-smtp-password" root;
  }
  // lib.optionalAttrs (receiver.kind == "webhook") {
    "alertmanager-webhook-url" = secret "alertmanager-webhook-url" root;
  };
}
