#!/usr/bin/env bash
# One backup: the database (pg_dump, custom format) and the media files (consents, release
# certificates, export files), into BACKUP_DIR/<UTC time>/ with a checksum manifest; then
# backups older than BACKUP_KEEP_DAYS are deleted. Prints the new backup's folder.
#
#   DATABASE_URL=postgres://owner:pw@db:5432/cart_workflow MEDIA_ROOT=/data/media \
#   BACKUP_DIR=/backups BACKUP_KEEP_DAYS=14 deploy/backup/backup.sh
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL (the owner role, which can read every table)}"
: "${MEDIA_ROOT:?set MEDIA_ROOT}" "${BACKUP_DIR:?set BACKUP_DIR}"
KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$BACKUP_DIR/$stamp"
partial="$BACKUP_DIR/.$stamp.partial"
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT

pg_dump --dbname="$DATABASE_URL" --format=custom --compress=6 --no-password \
  --file="$partial/database.dump"
tar -C "$MEDIA_ROOT" -czf "$partial/media.tar.gz" .
(cd "$partial" && sha256sum database.dump media.tar.gz > SHA256SUMS)
# Complete backups only ever appear under their final name.
mv "$partial" "$target"
trap - EXIT

find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '20*Z' -mtime +"$KEEP_DAYS" \
  -exec rm -rf {} +
echo "$target"
