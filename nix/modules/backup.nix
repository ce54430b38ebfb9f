# Off-host backup of the mgmt host's state with restic (docs/dr.md, "A lost
# management host").
#
# What: PostgreSQL (every database the host creates, pg_dump custom
# format), LLDAP's and Authelia's SQLite databases (consistent copies) and
# the rest of their state directories (LLDAP's server key). Staged by
# scripts/mgmt-backup-prepare.sh in /var/backup/harmony (root only), then
# shipped by restic, encrypted with the repository password, to
# hostFacts.backup.repository (the fleet's mgmt.backup): object storage or a
# Storage Box, never this host.
# When: hostFacts.backup.onCalendar (default daily 03:15 UTC), Persistent
# (a run missed while the host was down happens at boot).
# Kept: restic forget --prune with the fleet's keep-daily/weekly/monthly,
# then restic check.
# Watched: scripts/mgmt-backup-finish.sh writes the time of the last
# success for node_exporter's textfile collector; the alert
# HarmonyBackupTooOld fires 26 hours after it (monitoring.nix).
# Restored: scripts/mgmt-restore.sh, drilled on PostgreSQL and restic in
# npm test (test/drills/mgmt-backup.test.ts).
#
# Secrets (agenix, secrets.nix): restic-password (the repository key) and
# restic-environment (the backend's credentials as KEY=value lines, e.g.
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for s3:).
#
# Option names are those of nixpkgs nixos/modules/services/backup/restic.nix
# (repository, passwordFile, environmentFile, paths, backupPrepareCommand,
# backupCleanupCommand, pruneOpts, initialize, timerConfig, runCheck). They
# are parse-checked here, not evaluated: nixpkgs cannot be fetched on the
# test machine (README, "What is verified where").
{
  config,
  lib,
  pkgs,
  hostFacts,
  ...
}:
let
  backup = hostFacts.backup;
  secrets = config.age.secrets;
  staging = "/var/backup/harmony";
  textfileDir = "/var/lib/prometheus-node-exporter-text";
  authelia = "/var/lib/authelia-main";

  # The scripts the drill runs, with their tools on PATH (shellcheck runs
  # at build time, as it does in npm test).
  prepare = pkgs.writeShellApplication {
    name = "harmony-backup-prepare";
    runtimeInputs = [
      config.services.postgresql.package
      pkgs.sqlite
      pkgs.util-linux # runuser
      pkgs.coreutils
    ];
    text = builtins.readFile ../scripts/mgmt-backup-prepare.sh;
  };
  finish = pkgs.writeShellApplication {
    name = "harmony-backup-finish";
    runtimeInputs = [ pkgs.coreutils ];
    text = builtins.readFile ../scripts/mgmt-backup-finish.sh;
  };
  restore = pkgs.writeShellApplication {
    name = "harmony-restore";
    runtimeInputs = [
      config.services.postgresql.package
      pkgs.restic
      pkgs.util-linux
      pkgs.coreutils
    ];
    text = builtins.readFile ../scripts/mgmt-restore.sh;
  };

  # Shared by the backup unit and the restore wrapper.
  backupEnv = {
    BACKUP_STAGING = staging;
    BACKUP_DATABASES = lib.concatStringsSep " " config.services.postgresql.ensureDatabases;
    BACKUP_SQLITE = "/var/lib/lldap/users.db ${authelia}/db.sqlite3";
    BACKUP_METRICS_DIR = textfileDir;
    PG_RUN_AS = "postgres";
  };
in
{
  services.restic.backups.harmony = {
    repository = backup.repository;
    passwordFile = secrets."restic-password".path;
    environmentFile = secrets."restic-environment".path;
    initialize = true; # `restic init` when the repository does not exist yet
    createWrapper = true; # `restic-harmony <command>` with the repository settings
    paths = [
      staging
      "/var/lib/lldap"
      authelia
    ];
    # The live SQLite files are inconsistent mid-write; their copies in
    # the staging directory are what a restore uses.
    exclude = [
      "/var/lib/lldap/users.db*"
      "${authelia}/db.sqlite3*"
    ];
    extraBackupArgs = [
      "--tag"
      "mgmt"
      "--host"
      hostFacts.hostName
    ];
    backupPrepareCommand = "${prepare}/bin/harmony-backup-prepare";
    backupCleanupCommand = "${finish}/bin/harmony-backup-finish";
    timerConfig = {
      OnCalendar = backup.onCalendar;
      Persistent = true;
      RandomizedDelaySec = "10m";
    };
    pruneOpts = [
      "--keep-daily ${toString backup.keep.daily}"
      "--keep-weekly ${toString backup.keep.weekly}"
      "--keep-monthly ${toString backup.keep.monthly}"
    ];
    runCheck = true;
  };

  systemd.services.restic-backups-harmony.environment = backupEnv;

  # `harmony-restore [snapshot]` on a rebuilt host (docs/dr.md), with the
  # repository settings of the backup unit.
  environment.systemPackages = [
    (pkgs.writeShellApplication {
      name = "harmony-restore-from-backup";
      runtimeInputs = [ restore ];
      text = ''
        set -a
        # shellcheck disable=SC1091
        . ${secrets."restic-environment".path}
        set +a
        export RESTIC_REPOSITORY=${lib.escapeShellArg backup.repository}
        export RESTIC_PASSWORD_FILE=${secrets."restic-password".path}
        ${lib.concatStringsSep "\n" (lib.mapAttrsToList (k: v: "export ${k}=${lib.escapeShellArg v}") backupEnv)}
        exec harmony-restore "$@"
      '';
    })
  ];

  # (The textfile directory is monitoring.nix's.)
  systemd.tmpfiles.rules = [ "d ${staging} 0700 root root -" ];
}
