#!/usr/bin/env bash
# Restores the mgmt host's state from the off-host restic repository
# (docs/dr.md, "A lost management host"): the staging directory of a
# snapshot, then each PostgreSQL database from its dump.
#
#   mgmt-restore.sh [snapshot]     (default: latest)
#
# Environment: RESTIC_REPOSITORY and RESTIC_PASSWORD_FILE (and the S3
# credentials) as restic reads them; BACKUP_STAGING (the staging path as it
# was backed up); BACKUP_DATABASES; RESTORE_ROOT (where to unpack;
# default a new temporary directory); PGHOST/PGPORT/PGUSER for libpq;
# PG_RUN_AS to run the PostgreSQL clients as that user (peer authentication).
# A database is dropped and re-created from its dump: stop what uses it
# first. SQLite copies are left under RESTORE_ROOT for the operator to put
# back with their services stopped (paths printed).
set -euo pipefail
as_pg() { if [ -n "${PG_RUN_AS:-}" ]; then runuser -u "$PG_RUN_AS" -- "$@"; else "$@"; fi; }
snapshot="${1:-latest}"
staging="${BACKUP_STAGING:?set BACKUP_STAGING to the staging path as it was backed up}"
root="${RESTORE_ROOT:-$(mktemp -d)}"
umask 077
# The whole snapshot: the dumps, and the state directories beside them
# (LLDAP's server key, without which its password hashes do not verify).
restic restore "$snapshot" --target "$root"
for db in ${BACKUP_DATABASES:-}; do
  dump="$root$staging/postgresql/$db.dump"
  [ -f "$dump" ] || { echo "mgmt-restore: $dump is not in snapshot $snapshot" >&2; exit 1; }
  as_pg dropdb --if-exists "$db"
  # --create makes the database from the dump, owner and all. The dump is
  # read here (root owns it) and streamed to the client.
  as_pg pg_restore --create --exit-on-error --dbname=postgres <"$dump"
  echo "mgmt-restore: database $db restored from snapshot $snapshot"
done
if [ -d "$root$staging/sqlite" ]; then
  for file in "$root$staging"/sqlite/*; do
    [ -f "$file" ] && echo "mgmt-restore: SQLite copy to put back (service stopped): $file"
  done
fi
echo "mgmt-restore: unpacked under $root"
