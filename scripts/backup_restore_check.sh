#!/usr/bin/env bash
# Back up a PostgreSQL database with pg_dump, restore it into a fresh database with pg_restore,
# and prove the copy is whole: the same tables with the same row counts, the same sequence
# positions, the audit log's append-only trigger in place, and no migration missing.
#
#   scripts/backup_restore_check.sh DATABASE        (PGHOST, PGPORT, PGUSER as for psql; defaults
#                                                     127.0.0.1, 5432, postgres)
# Exit status 0 only if everything matches.  The restored copy is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE="${1:?usage: $0 DATABASE}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
RESTORED="${SOURCE}_restore_check_$$"
WORK=$(mktemp -d)
DUMP="$WORK/backup.dump"

q() { psql -X -v ON_ERROR_STOP=1 -qtA "$@"; }
cleanup() {
  q -d postgres -c "DROP DATABASE IF EXISTS \"$RESTORED\"" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# every base table of the public schema with its exact row count, one "table|count" per line
row_counts() {
  q -d "$1" -c "
    SELECT table_name || '|' || (xpath('/row/c/text()', query_to_xml(
             format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
    FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
    ORDER BY table_name"
}
sequences() { q -d "$1" -c "SELECT sequencename || '|' || coalesce(last_value, 0) FROM pg_sequences ORDER BY 1"; }

started=$(date +%s)
pg_dump --format=custom --no-owner --no-privileges --file="$DUMP" "$SOURCE"
q -d postgres -c "CREATE DATABASE \"$RESTORED\""
pg_restore --no-owner --no-privileges --exit-on-error --jobs=2 --dbname="$RESTORED" "$DUMP"

row_counts "$SOURCE" >"$WORK/source.txt"
row_counts "$RESTORED" >"$WORK/restored.txt"
sequences "$SOURCE" >"$WORK/source-seq.txt"
sequences "$RESTORED" >"$WORK/restored-seq.txt"
tables=$(wc -l <"$WORK/source.txt")
rows=$(awk -F'|' '{s += $2} END {print s + 0}' "$WORK/source.txt")
if ! diff -u "$WORK/source.txt" "$WORK/restored.txt"; then
  echo "BACKUP CHECK FAILED: row counts differ between $SOURCE and its restored copy" >&2
  exit 1
fi
if ! diff -u "$WORK/source-seq.txt" "$WORK/restored-seq.txt"; then
  echo "BACKUP CHECK FAILED: sequence positions differ (new rows would collide)" >&2
  exit 1
fi
[ "$tables" -gt 0 ] && [ "$rows" -gt 0 ] || { echo "BACKUP CHECK FAILED: $SOURCE has no rows to compare" >&2; exit 1; }
trigger=$(q -d "$RESTORED" -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_entry_append_only'")
[ "$trigger" = "1" ] || { echo "BACKUP CHECK FAILED: the audit log trigger is missing in the copy" >&2; exit 1; }
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$RESTORED" .venv/bin/python manage.py migrate --check >/dev/null \
  || { echo "BACKUP CHECK FAILED: the restored copy misses migrations" >&2; exit 1; }
printf 'Backup and restore: %s tables, %s rows, %s sequences identical in the restored copy (dump %s, %ss).\n' \
  "$tables" "$rows" "$(wc -l <"$WORK/source-seq.txt")" "$(du -h "$DUMP" | cut -f1)" "$(( $(date +%s) - started ))"
