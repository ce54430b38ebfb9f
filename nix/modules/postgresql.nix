# PostgreSQL for the state hub (the-custodian).
#
# Listening: enableTCPIP = false makes the module set
# listen_addresses = 'localhost', plus the unix socket in /run/postgresql.
# The module's default pg_hba allows peer auth on the socket (unix user
# `custodian` -> role `custodian`) and md5 on 127.0.0.1/::1. The custodian
# service itself is not part of this repository; its module will run as
# the system user `custodian` and connect over the socket.
#
# Backup: backup.nix dumps every database in ensureDatabases (pg_dump,
# custom format) before each off-host restic run; the latest dump also
# stays in /var/backup/harmony (root only).
#
# Option names are those of nixpkgs nixos/modules/services/databases/postgresql.nix.
{ pkgs, ... }:
{
  services.postgresql = {
    enable = true;
    # Pinned rather than derived from system.stateVersion, so a major
    # upgrade is a visible change (and needs a dump/restore or pg_upgrade).
    package = pkgs.postgresql_17;
    enableTCPIP = false;
    ensureDatabases = [ "custodian" ];
    ensureUsers = [
      {
        name = "custodian";
        ensureDBOwnership = true; # owner of the database of the same name
      }
    ];
  };
}
