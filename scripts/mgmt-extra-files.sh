#!/usr/bin/env bash
# nixos-anywhere `extra_files_script` for the mgmt host (constructs/nixos-host.ts).
#
# nixos-anywhere runs this in an empty temporary directory and copies what it
# leaves there to / on the new system before first boot. It places the
# host's SSH ed25519 key, so the host keeps one identity across rebuilds and
# agenix can decrypt the secrets that are encrypted to it.
#
# Needs: age, and AGE_IDENTITY_FILE = absolute path of an identity (age or
# ssh key) that is a recipient of nix/secrets/ssh_host_ed25519_key.age.
set -euo pipefail

die() {
  echo "mgmt-extra-files: $*" >&2
  exit 1
}

# The working directory is nixos-anywhere's temp dir: find the repo from here.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
key_age="$repo_root/nix/secrets/ssh_host_ed25519_key.age"
key_pub="$repo_root/nix/secrets/ssh_host_ed25519_key.pub"

[[ -n "${AGE_IDENTITY_FILE:-}" ]] ||
  die "AGE_IDENTITY_FILE is not set; export AGE_IDENTITY_FILE=/absolute/path/to/your/identity (an age or ssh private key that can decrypt $key_age)"
[[ "$AGE_IDENTITY_FILE" == /* ]] ||
  die "AGE_IDENTITY_FILE is '$AGE_IDENTITY_FILE': use an absolute path (this script runs in a temporary directory)"
[[ -f "$AGE_IDENTITY_FILE" && -r "$AGE_IDENTITY_FILE" ]] ||
  die "AGE_IDENTITY_FILE '$AGE_IDENTITY_FILE' does not exist or is not readable"
[[ -f "$key_age" ]] || die "$key_age is missing; mint the host key first: npm run keys -- host-key"
[[ -f "$key_pub" ]] || die "$key_pub is missing; mint the host key first: npm run keys -- host-key"
command -v age >/dev/null || die "age is not installed; see https://age-encryption.org"

mkdir -p etc/ssh
umask 077
tmp="etc/ssh/.ssh_host_ed25519_key.partial"
trap 'rm -f "$tmp"' EXIT

age --decrypt --identity "$AGE_IDENTITY_FILE" --output "$tmp" "$key_age" ||
  die "cannot decrypt $key_age with $AGE_IDENTITY_FILE; is that identity a recipient (nix/secrets/secrets.nix)?"

# A mismatch would give the host a key its agenix secrets are not encrypted to.
if command -v ssh-keygen >/dev/null; then
  derived="$(ssh-keygen -y -f "$tmp" 2>/dev/null | cut -d' ' -f1-2)" ||
    die "the decrypted $key_age is not an OpenSSH private key"
  [[ "$derived" == "$(cut -d' ' -f1-2 "$key_pub")" ]] ||
    die "the decrypted private key does not match $key_pub; re-mint or fix the pair"
fi

chmod 600 "$tmp"
mv "$tmp" etc/ssh/ssh_host_ed25519_key
install -m 644 "$key_pub" etc/ssh/ssh_host_ed25519_key.pub
