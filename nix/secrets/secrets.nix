# agenix recipients: which public keys each secret is encrypted to.
#
# This file is read by the agenix CLI only; it is not imported into the
# NixOS configuration. Every "<name>.age" below must match an
# age.secrets."<name>" in nix/modules/secrets.nix (the test suite checks
# both directions).
#
# Add a secret:
#   1. add `"<name>.age".publicKeys = admins ++ [ mgmt ];` below;
#   2. add age.secrets."<name>" (owner/group of the reading service) to
#      nix/modules/secrets.nix and pass config.age.secrets."<name>".path to
#      the service through a *File option or *_FILE variable;
#   3. cd nix/secrets && agenix -e <name>.age    (opens $EDITOR; needs a
#      private key matching one of `admins`, e.g. -i ~/.ssh/id_ed25519)
#   4. git add nix/secrets/<name>.age (a flake only sees tracked files).
#
# Add or remove a recipient (a new operator, a rebuilt host key):
#   edit `admins` / `mgmt`, then re-encrypt every file to the new list:
#   cd nix/secrets && agenix -r
#   (you must be able to decrypt the files, i.e. be a current recipient).
#   Removing a recipient does not revoke what they already decrypted:
#   rotate the secret values too.
#
# The CLI at the flake's pinned version: nix run ..#agenix -- -e <name>.age
let
  # Operators (ssh-ed25519 or age1... public keys). EXAMPLES ONLY: their
  # private halves were discarded; replace them with the operators' real
  # public keys before minting any secret.
  admins = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8nIQ2bOovs+nUsDNKAyP8DQ1L8zRcsgC9Q9+IiTG8G example-admin@example.org"
    "age1k4yfk960636j5hm2ty2jyd6ef9nhvv2tnvzksgh3p8jytf3s899skdneea"
  ];

  # The mgmt host's SSH host key (public half of the key that
  # extra_files_script installs as /etc/ssh/ssh_host_ed25519_key).
  # Deliberately not a valid key: age refuses to encrypt to it, so no secret
  # can be minted for a host key that does not exist yet.
  mgmt = "ssh-ed25519 REPLACE-WITH-THE-MGMT-HOST-ED25519-PUBLIC-KEY";
in
{
  "lldap-jwt-secret.age".publicKeys = admins ++ [ mgmt ];
  "lldap-admin-password.age".publicKeys = admins ++ [ mgmt ];
  "authelia-jwt-secret.age".publicKeys = admins ++ [ mgmt ];
  "authelia-storage-encryption-key.age".publicKeys = admins ++ [ mgmt ];
  "authelia-session-secret.age".publicKeys = admins ++ [ mgmt ];
  "authelia-ldap-password.age".publicKeys = admins ++ [ mgmt ];
  "restic-password.age".publicKeys = admins ++ [ mgmt ];
  "restic-environment.age".publicKeys = admins ++ [ mgmt ];
  "kv-snapshot-restic-password.age".publicKeys = admins ++ [ mgmt ];
  "kv-snapshot-restic-environment.age".publicKeys = admins ++ [ mgmt ];
  # Mint the one your mgmt.monitoring.receiver needs (email with a username, or webhook).
  "alertmanager-smtp-password.age".publicKeys = admins ++ [ mgmt ];
  "alertmanager-webhook-url.age".publicKeys = admins ++ [ mgmt ];
}
