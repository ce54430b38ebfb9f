# Watch on the KV snapshots: the home site's CronJob (constructs/
# kv-snapshots.ts) ships a snapshot of the HARMONY origin stream to
# hostFacts.kvSnapshots.repository every hour; when it fails, it fails inside
# the cluster, where nothing watches it. The governor reads the result
# instead, from the repository, not from the site: hourly,
# scripts/kv-snapshot-check.sh writes the newest snapshot's time for
# node_exporter's textfile collector, and the alerts HarmonyKvSnapshotTooOld
# and HarmonyKvSnapshotMetricMissing (monitoring/alert-rules.yml) fire when it
# is over 26 hours old or absent. A failed run (repository unreachable,
# wrong credentials) keeps the last value and leaves the unit failed
# (HarmonyMgmtSystemdUnitFailed).
#
# Secrets (agenix, secrets.nix): kv-snapshot-restic-password (the
# repository's password, the store's .kvSnapshots.resticPassword) and
# kv-snapshot-restic-environment (backend credentials that can only read
# that bucket: the script takes no lock, so it writes nothing).
#
# Option names are those of nixpkgs nixos/lib/systemd-unit-options.nix and
# systemd.exec(5)/systemd.timer(5); parse-checked here, not evaluated
# (nixpkgs cannot be fetched on the test machine).
{
  config,
  pkgs,
  hostFacts,
  ...
}:
let
  secrets = config.age.secrets;
  name = "harmony-kv-snapshot-check";
  textfileDir = "/var/lib/prometheus-node-exporter-text";

  # The script the drill runs (test/drills/kv-snapshot-check.test.ts), with
  # its tools on PATH; shellcheck runs at build time.
  check = pkgs.writeShellApplication {
    inherit name;
    runtimeInputs = [
      pkgs.restic
      pkgs.jq
      pkgs.coreutils
    ];
    text = builtins.readFile ../scripts/kv-snapshot-check.sh;
  };
in
{
  systemd.services.${name} = {
    description = "Time of the newest KV snapshot, for the textfile collector";
    wants = [ "network-online.target" ];
    after = [ "network-online.target" ];
    environment = {
      RESTIC_REPOSITORY = hostFacts.kvSnapshots.repository;
      RESTIC_PASSWORD_FILE = secrets."kv-snapshot-restic-password".path;
      RESTIC_CACHE_DIR = "/var/cache/${name}";
      KV_SNAPSHOT_METRICS_DIR = textfileDir;
    };
    serviceConfig = {
      Type = "oneshot";
      ExecStart = "${check}/bin/${name}";
      # KEY=value lines (AWS_ACCESS_KEY_ID=..., AWS_SECRET_ACCESS_KEY=...).
      EnvironmentFile = secrets."kv-snapshot-restic-environment".path;
      # root, as the backup's finish script: the textfile directory is
      # root's (monitoring.nix), and so are the agenix files. Everything
      # else read-only.
      User = "root";
      CacheDirectory = name;
      CacheDirectoryMode = "0700";
      ProtectSystem = "strict";
      ReadWritePaths = [ textfileDir ];
      ProtectHome = true;
      PrivateTmp = true;
      PrivateDevices = true;
      NoNewPrivileges = true;
      ProtectKernelTunables = true;
      ProtectKernelModules = true;
      ProtectControlGroups = true;
      RestrictAddressFamilies = [
        "AF_INET"
        "AF_INET6"
        "AF_UNIX"
      ];
    };
  };

  # Hourly, like the CronJob (the alert waits 26 hours: a daily schedule
  # also passes). Persistent: a run missed while the host was down happens
  # at boot.
  systemd.timers.${name} = {
    wantedBy = [ "timers.target" ];
    timerConfig = {
      OnCalendar = "hourly";
      Persistent = true;
      RandomizedDelaySec = "5m";
    };
  };
}
