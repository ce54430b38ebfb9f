#!/usr/bin/env bash
# After each off-host backup run (restic's backupCleanupCommand on the mgmt
# host, a systemd ExecStopPost): on success only, the freshness metric the
# alert rule HarmonyBackupTooOld reads, through node_exporter's textfile
# collector. A failed run leaves the last success in place, so the alert
# fires 26 hours after the last backup that really reached the repository.
#
# Environment: SERVICE_RESULT (set by systemd for ExecStopPost: "success"
# or the failure), BACKUP_METRICS_DIR (the textfile collector's directory).
set -euo pipefail
dir="${BACKUP_METRICS_DIR:?set BACKUP_METRICS_DIR to the textfile collector directory}"
if [ "${SERVICE_RESULT:-}" != "success" ]; then
  echo "mgmt-backup-finish: the backup failed (${SERVICE_RESULT:-no result}); the last success stays as it was" >&2
  exit 0
fi
# Written beside, then renamed: the collector never reads half a file.
printf '# HELP harmony_backup_last_success_timestamp_seconds When the off-host backup last succeeded.\n# TYPE harmony_backup_last_success_timestamp_seconds gauge\nharmony_backup_last_success_timestamp_seconds %s\n' "$(date +%s)" >"$dir/harmony_backup.prom.tmp"
chmod 0644 "$dir/harmony_backup.prom.tmp"
mv "$dir/harmony_backup.prom.tmp" "$dir/harmony_backup.prom"
