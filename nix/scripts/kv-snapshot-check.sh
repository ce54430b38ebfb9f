#!/usr/bin/env bash
# On the mgmt host, hourly (kv-snapshot-check.nix): when the newest KV
# snapshot in the snapshot repository was taken, for node_exporter's textfile
# collector. The home site's CronJob (constructs/kv-snapshots.ts) ships the
# snapshots with `restic backup --tag harmony-kv --host <site>`; its failures
# stay inside the cluster, so the governor reads the result from the
# repository instead, and the alert HarmonyKvSnapshotTooOld fires 26 hours
# after the newest snapshot (the CronJob's schedule may be @daily).
#
# restic fails (repository unreachable, wrong password or credentials): exit
# non-zero and keep the last file, so the metric goes stale, the alert fires,
# and the failed unit shows as HarmonyMgmtSystemdUnitFailed meanwhile. No
# snapshot yet: write nothing (HarmonyKvSnapshotMetricMissing covers it).
#
# Environment: RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE and the backend's
# credentials (read-only suffice: --no-lock writes no lock file),
# KV_SNAPSHOT_METRICS_DIR (the textfile collector's directory).
set -euo pipefail
dir="${KV_SNAPSHOT_METRICS_DIR:?set KV_SNAPSHOT_METRICS_DIR to the textfile collector directory}"
repository="${RESTIC_REPOSITORY:?set RESTIC_REPOSITORY to the KV snapshot repository}"
# SNAPSHOT_TAG in constructs/kv-snapshots.ts (the drill backs up with it).
tag=harmony-kv

# --latest 1 keeps the newest per host and paths: a home site that moved
# leaves one entry per site, hence the newest over all of them below.
if ! json=$(restic snapshots --no-lock --json --tag "$tag" --latest 1); then
  echo "kv-snapshot-check: restic snapshots failed on $repository (above); the last metric stays as it was" >&2
  exit 1
fi
entries=$(jq -r 'if type == "array" then .[] | [.time, .hostname, .short_id] | @tsv else error("not a list of snapshots") end' <<<"$json")
if [ -z "$entries" ]; then
  echo "kv-snapshot-check: no snapshot tagged $tag in $repository yet; nothing written"
  exit 0
fi

newest=-1
while IFS=$'\t' read -r time host id; do
  # restic prints RFC 3339 with nanoseconds and the writer's offset
  # (2026-01-02T03:04:05.123456789+05:30). Offsets make the strings unsortable,
  # and `date -d ''` would be today's midnight: check, then convert.
  if ! [[ $time =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]]; then
    echo "kv-snapshot-check: snapshot $id has the time \"$time\", not RFC 3339; nothing written" >&2
    exit 1
  fi
  seconds=$(date -d "$time" +%s)
  if [ "$seconds" -gt "$newest" ]; then
    newest=$seconds
    newest_from="snapshot $id of $host at $time"
  fi
done <<<"$entries"

# Written beside, then renamed: the collector never reads half a file.
printf '# HELP harmony_kv_snapshot_last_timestamp_seconds When the newest KV snapshot in the snapshot repository was taken.\n# TYPE harmony_kv_snapshot_last_timestamp_seconds gauge\nharmony_kv_snapshot_last_timestamp_seconds %s\n' "$newest" >"$dir/harmony_kv_snapshot.prom.tmp"
chmod 0644 "$dir/harmony_kv_snapshot.prom.tmp"
mv "$dir/harmony_kv_snapshot.prom.tmp" "$dir/harmony_kv_snapshot.prom"
echo "kv-snapshot-check: newest is $newest_from ($newest)"
