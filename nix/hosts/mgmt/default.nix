# The management host ("mgmt"): one Hetzner Cloud x86 VPS running the
# management plane (state hub database, operator directory + SSO, ops-bridge).
#
# `hostFacts` is a specialArg: the example JSON next to this file when the
# flake is evaluated on its own, Terraform's JSON at deploy time.
{
  lib,
  hostFacts,
  ...
}:
let
  facts = import ../../lib/facts.nix hostFacts;
in
{
  imports = [
    ../../modules/disko-hetzner.nix
    ../../modules/network.nix
    ../../modules/sshd.nix
    ../../modules/secrets.nix
    ../../modules/postgresql.nix
    ../../modules/lldap.nix
    ../../modules/authelia.nix
    ../../modules/caddy.nix
    ../../modules/backup.nix
    ../../modules/monitoring.nix
    ../../modules/kv-snapshot-check.nix
  ];

  # A malformed hostFacts object stops the build with a readable message.
  assertions = map (problem: {
    assertion = false;
    message = "hostFacts: ${problem}";
  }) facts.problems;

  networking.hostName = hostFacts.hostName;
  time.timeZone = "UTC";

  # The facts this system was built from, for operators (no secrets in them).
  environment.etc."harmony/host-facts.json".text = builtins.toJSON hostFacts;

  # Users are declared here only; root logs in with hostFacts.adminSshKeys
  # (modules/sshd.nix) and has no password. Break-glass is Hetzner's rescue
  # system.
  users.mutableUsers = false;

  nix = {
    settings = {
      experimental-features = [
        "nix-command"
        "flakes"
      ];
      trusted-users = [ "root" ];
    };
    gc = {
      automatic = true;
      dates = "weekly";
      options = "--delete-older-than 30d";
    };
    optimise.automatic = true;
  };

  # Keep the ESP (where grub puts kernels) from filling up.
  boot.loader.grub.configurationLimit = lib.mkDefault 20;

  # First installed with NixOS 26.05; do not bump on upgrades (it selects
  # stateful defaults such as the PostgreSQL data layout).
  system.stateVersion = "26.05";
}
