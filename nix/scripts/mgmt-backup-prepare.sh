#!/usr/bin/env bash
# Before each off-host backup (restic's backupPrepareCommand on the mgmt
# host): consistent copies of the host's state into one staging directory,
# which restic then ships with the state directories.
#
#   PostgreSQL: every database listed, `pg_dump --format=custom` (restored
#     with pg_restore; a dump of a live database is consistent by itself).
#   SQLite (LLDAP, Authelia): `sqlite3 .backup` when sqlite3 is there, a
#     copy otherwise (their services write rarely; restore stops them).
#
# Environment: BACKUP_STAGING (the directory), BACKUP_DATABASES (space
# separated), BACKUP_SQLITE (space separated paths); PGHOST/PGPORT/PGUSER as
# libpq reads them; PG_RUN_AS (the host sets it to postgres) runs the
# PostgreSQL clients as that user, for peer authentication, while this
# script (root, under restic) owns the files. Exits non-zero on any failure:
# restic then does not run.
set -euo pipefail
as_pg() { if [ -n "${PG_RUN_AS:-}" ]; then runuser -u "$PG_RUN_AS" -- "$@"; else "$@"; fi; }
staging="${BACKUP_STAGING:?set BACKUP_STAGING to the staging directory}"
umask 077
mkdir -p "$staging/postgresql" "$staging/sqlite"
# A failed dump leaves no partial file behind.
trap 'rm -f "$staging"/postgresql/*.tmp "$staging"/sqlite/*.tmp' EXIT
for db in ${BACKUP_DATABASES:-}; do
  # Write beside, then rename: a failed dump never replaces a good one.
  as_pg pg_dump --format=custom "$db" >"$staging/postgresql/$db.dump.tmp"
  mv "$staging/postgresql/$db.dump.tmp" "$staging/postgresql/$db.dump"
done
for file in ${BACKUP_SQLITE:-}; do
  [ -f "$file" ] || continue
  name="$(echo "${file#/}" | tr '/' '_')"
  if command -v sqlite3 >/dev/null; then
    sqlite3 "$file" ".backup '$staging/sqlite/$name.tmp'"
  else
    cp "$file" "$staging/sqlite/$name.tmp"
  fi
  mv "$staging/sqlite/$name.tmp" "$staging/sqlite/$name"
done
