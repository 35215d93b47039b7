#!/usr/bin/env bash
# The backup service's loop: one backup a day at BACKUP_AT (UTC, HH:MM), forever.
set -euo pipefail
AT="${BACKUP_AT:-01:30}"
here="$(dirname "$0")"
while true; do
  now=$(date -u +%s)
  next=$(date -u -d "today $AT" +%s)
  [ "$next" -gt "$now" ] || next=$(date -u -d "tomorrow $AT" +%s)
  echo "{\"level\": \"INFO\", \"logger\": \"backup\", \"message\": \"next backup at $(date -u -d "@$next" +%FT%TZ)\"}"
  sleep $((next - now))
  if folder=$("$here/backup.sh"); then
    echo "{\"level\": \"INFO\", \"logger\": \"backup\", \"message\": \"backup written to $folder\"}"
  else
    echo "{\"level\": \"ERROR\", \"logger\": \"backup\", \"message\": \"backup failed\"}"
  fi
done
