#!/usr/bin/env bash
# Restore one backup made by backup.sh: checks the checksums, replaces the database's
# contents and the media files. Stop web, worker and beat first (README, "Restore").
#
#   DATABASE_URL=postgres://owner:pw@db:5432/cart_workflow MEDIA_ROOT=/data/media \
#   deploy/backup/restore.sh /backups/20261204T020000Z
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL (the owner role)}" "${MEDIA_ROOT:?set MEDIA_ROOT}"
source_dir="${1:?usage: restore.sh BACKUP_FOLDER}"
[ -f "$source_dir/SHA256SUMS" ] || { echo "not a backup folder: $source_dir" >&2; exit 2; }
(cd "$source_dir" && sha256sum --check --quiet SHA256SUMS)

# --clean drops each object before recreating it, so a wiped or a damaged database both end
# up exactly as backed up (grants to the application role included).
pg_restore --dbname="$DATABASE_URL" --clean --if-exists --no-password --exit-on-error \
  --single-transaction "$source_dir/database.dump"

mkdir -p "$MEDIA_ROOT"
find "$MEDIA_ROOT" -mindepth 1 -delete
tar -C "$MEDIA_ROOT" -xzf "$source_dir/media.tar.gz"
echo "restored $source_dir"
