# PostgreSQL for the state hub (the-custodian), and its nightly dump.
#
# Listening: enableTCPIP = false makes the module set
# listen_addresses = 'localhost', plus the unix socket in /run/postgresql.
# The module's default pg_hba allows peer auth on the socket (unix user
# `custodian` -> role `custodian`) and md5 on 127.0.0.1/::1. The custodian
# service itself is not part of this repository; its module will run as
# the system user `custodian` and connect over the socket.
#
# Backup, what is built: services.postgresqlBackup dumps the `custodian`
# database every night at 01:15 to /var/backup/postgresql/custodian.sql.zstd
# (the previous dump is kept as custodian.prev.sql.zstd), readable by the
# postgres user only.
# What is not built: shipping dumps off the host. Until an off-host job
# (restic or borg to a storage box, with its repository password as one more
# agenix secret) exists, the dumps die with the VM; the job should also
# carry /var/lib/lldap and /var/lib/authelia-main (see lldap.nix and
# authelia.nix).
#
# Option names are those of nixpkgs nixos/modules/services/databases/postgresql.nix
# and nixos/modules/services/backup/postgresql-backup.nix.
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

  services.postgresqlBackup = {
    enable = true;
    databases = [ "custodian" ];
    location = "/var/backup/postgresql";
    compression = "zstd";
    startAt = "*-*-* 01:15:00";
  };
}
