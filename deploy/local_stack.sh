#!/usr/bin/env bash
# The compose stack as local processes, with the compose file's settings: Debian's nginx with
# deploy/nginx/cart.conf.template (self-signed certificate made here), migrate as the owner
# role, gunicorn with deploy/gunicorn.conf.py, a Celery worker and beat as the application
# role, one shared media folder. Then, through the proxy: log in, upload a consent, run a
# background export and download it (X-Accel-Redirect); back up, wipe, restore, compare.
#
#   deploy/local_stack.sh        (needs PostgreSQL on 127.0.0.1:5432 as postgres, Redis)
# Environment: STACK_DB (cart_deploy_stack), REDIS_URL (redis://127.0.0.1:6379/8).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
DB="${STACK_DB:-cart_deploy_stack}"
OWNER="${DB}_owner"
APP="${DB}_app"
PW_OWNER="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PW_APP="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/8}"
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qtA)

WORK="$(mktemp -d /tmp/cart-stack.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  local code=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$code" -ne 0 ]; then
    echo "--- logs (last lines)"; tail -n 30 "$WORK"/*.log 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
step() { echo "== stack: $*"; }

step "database $DB with an owner role and an application role (as deploy/postgres/)"
"${PSQL[@]}" -d postgres <<SQL
DROP DATABASE IF EXISTS "$DB" WITH (FORCE);
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$OWNER') THEN CREATE ROLE "$OWNER" LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP') THEN CREATE ROLE "$APP" LOGIN; END IF;
END \$\$;
ALTER ROLE "$OWNER" PASSWORD '$PW_OWNER';
ALTER ROLE "$APP" PASSWORD '$PW_APP';
CREATE DATABASE "$DB" OWNER "$OWNER";
SQL
"${PSQL[@]}" -d "$DB" <<SQL
ALTER SCHEMA public OWNER TO "$OWNER";
GRANT USAGE ON SCHEMA public TO "$APP";
ALTER DEFAULT PRIVILEGES FOR ROLE "$OWNER" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "$APP";
ALTER DEFAULT PRIVILEGES FOR ROLE "$OWNER" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "$APP";
SQL
redis-cli -u "$REDIS_URL" flushdb >/dev/null

OWNER_URL="postgres://$OWNER:$PW_OWNER@127.0.0.1:5432/$DB"
APP_URL="postgres://$APP:$PW_APP@127.0.0.1:5432/$DB"
WEB_PORT=$(free_port); HTTPS_PORT=$(free_port); HTTP_PORT=$(free_port)
HOST=cart.local.test
BASE="https://127.0.0.1:$HTTPS_PORT"
mkdir -p "$WORK/media" "$WORK/backups" "$WORK/certs" "$WORK/var"

# The compose file's app environment (x-app), with local addresses.
export DEBUG=false SECRET_KEY="stack-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS="$HOST,127.0.0.1" CSRF_TRUSTED_ORIGINS="$BASE,https://$HOST:$HTTPS_PORT"
export MEDIA_ROOT="$WORK/media" PROTECTED_MEDIA_ACCEL_PREFIX=/_protected/ LOG_FORMAT=json
export EMAIL_URL=consolemail:// TIME_ZONE=Asia/Shanghai SECOND_FACTOR_ROLES=administrator
export DATABASE_URL="$APP_URL" STATIC_ROOT="$WORK/static"
"$PY" manage.py collectstatic --noinput >"$WORK/static.log" 2>&1

step "migrate (owner role), then demo data (application role)"
DATABASE_URL="$OWNER_URL" DATABASE_OWNER_URL="$OWNER_URL" DATABASE_APP_ROLE="$APP" \
  "$PY" manage.py migrate --noinput >"$WORK/migrate.log" 2>&1
"$PY" manage.py seed_demo >"$WORK/seed.log" 2>&1
COURSE_ID=$("$PY" manage.py shell <deploy/stack_prepare.py 2>>"$WORK/seed.log" | sed -n 's/^COURSE_ID=//p')
[ -n "$COURSE_ID" ] || { echo "preparing the check data failed"; exit 1; }

start_app() {
  GUNICORN_BIND="127.0.0.1:$WEB_PORT" GUNICORN_WORKERS=2 GUNICORN_THREADS=4 \
    .venv/bin/gunicorn -c deploy/gunicorn.conf.py cart_workflow.wsgi:application \
    >>"$WORK/web.log" 2>&1 &
  PIDS+=($!)
  .venv/bin/celery -A cart_workflow worker --loglevel=INFO --concurrency=2 -n "stack@%h" \
    >>"$WORK/worker.log" 2>&1 &
  PIDS+=($!)
  .venv/bin/celery -A cart_workflow beat --loglevel=INFO --schedule "$WORK/var/beat-schedule" \
    >>"$WORK/beat.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 60); do
    # /health/live/ (liveness, no database); /health/ on builds before that split.
    curl -fsk -o /dev/null "$BASE/health/live/" && return 0
    curl -fsk -o /dev/null "$BASE/health/" && return 0
    sleep 0.5
  done
  echo "web did not come up behind nginx"; return 1
}
stop_app() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

step "nginx with the compose template and a self-signed certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST,IP:127.0.0.1" \
  -keyout "$WORK/certs/privkey.pem" -out "$WORK/certs/fullchain.pem" 2>/dev/null
CART_SERVER_NAME="$HOST 127.0.0.1" CART_UPSTREAM="127.0.0.1:$WEB_PORT" \
CART_HTTP_PORT="127.0.0.1:$HTTP_PORT" CART_HTTPS_PORT="127.0.0.1:$HTTPS_PORT" \
CART_TLS_CERT="$WORK/certs/fullchain.pem" CART_TLS_KEY="$WORK/certs/privkey.pem" \
CART_MAX_BODY=12m CART_PROXY_READ_TIMEOUT=130s CART_MEDIA_ROOT="$WORK/media" \
  envsubst '${CART_SERVER_NAME} ${CART_UPSTREAM} ${CART_HTTP_PORT} ${CART_HTTPS_PORT} ${CART_TLS_CERT} ${CART_TLS_KEY} ${CART_MAX_BODY} ${CART_PROXY_READ_TIMEOUT} ${CART_MEDIA_ROOT}' \
  <deploy/nginx/cart.conf.template >"$WORK/cart.conf"
# The redirect names its port after the colon; locally the "port" carries the address too.
sed -i "s|https://\$host:127.0.0.1:$HTTPS_PORT|https://\$host:$HTTPS_PORT|" "$WORK/cart.conf"
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $WORK/nginx-access.log;
  client_body_temp_path $WORK/nginx-body;
  proxy_temp_path $WORK/nginx-proxy;
  fastcgi_temp_path $WORK/nginx-fastcgi;
  uwsgi_temp_path $WORK/nginx-uwsgi;
  scgi_temp_path $WORK/nginx-scgi;
  include $WORK/cart.conf;
}
NGINX
nginx -t -c "$WORK/nginx.conf" -p "$WORK" >"$WORK/nginx-test.log" 2>&1 || { cat "$WORK/nginx-test.log"; exit 1; }
nginx -c "$WORK/nginx.conf" -p "$WORK"
# The checks verify TLS against the certificate made above.
export REQUESTS_CA_BUNDLE="$WORK/certs/fullchain.pem"

step "gunicorn, worker and beat (application role)"
start_app

step "the proxy: TLS, upload limit, media never by address"
code=$(curl -sk -o /dev/null -w '%{http_code}' "$BASE/media/eligibility/")
[ "$code" = 404 ] || { echo "/media/ answered $code"; exit 1; }
code=$(curl -sk -o /dev/null -w '%{http_code}' "$BASE/_protected/")
[ "$code" = 404 ] || { echo "/_protected/ answered $code by address"; exit 1; }
head -c $((13 * 1024 * 1024)) /dev/zero >"$WORK/big.bin"
code=$(curl -sk -o /dev/null -w '%{http_code}' -F "document=@$WORK/big.bin" "$BASE/accounts/login/")
[ "$code" = 413 ] || { echo "a 13 MB body answered $code, not 413"; exit 1; }
curl -sk -o /dev/null -w '' "http://127.0.0.1:$HTTP_PORT/" -D "$WORK/redirect.txt"
grep -qi "^location: https://" "$WORK/redirect.txt" || { echo "HTTP does not redirect to HTTPS"; exit 1; }

step "log in through the proxy and upload a consent"
OUT=$("$PY" deploy/stack_check.py "$BASE" login-upload "$COURSE_ID")
echo "$OUT"
CONSENT_ID=$(sed -n 's/^CONSENT_ID=//p' <<<"$OUT"); CONSENT_SHA=$(sed -n 's/^CONSENT_SHA256=//p' <<<"$OUT")

step "background export on the web node, written by the worker, downloaded through the proxy"
"$PY" deploy/stack_check.py "$BASE" export
grep -q '"request_id"' "$WORK/web.log" || { echo "gunicorn access log is not JSON"; exit 1; }
grep -q '"task_id"' "$WORK/worker.log" || { echo "worker log lines carry no task id"; exit 1; }

step "back up (deploy/backup/backup.sh)"
count_rows() {
  "${PSQL[@]}" -d "$DB" -c "SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM (
    SELECT c.relname AS t, (xpath('/row/n/text()', query_to_xml(
      format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text AS n
    FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
    WHERE s.nspname = 'public' AND c.relkind = 'r') x"
}
media_sums() { (cd "$WORK/media" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
BEFORE_ROWS=$(count_rows); BEFORE_MEDIA=$(media_sums)
BACKUP=$(DATABASE_URL="$OWNER_URL" BACKUP_DIR="$WORK/backups" BACKUP_KEEP_DAYS=14 \
  deploy/backup/backup.sh)
echo "backup in $BACKUP"

step "wipe: stop the app, drop the database, empty the media folder"
stop_app
"${PSQL[@]}" -d postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE \"$DB\" OWNER \"$OWNER\""
find "$WORK/media" -mindepth 1 -delete

step "restore (deploy/backup/restore.sh) and compare"
DATABASE_URL="$OWNER_URL" deploy/backup/restore.sh "$BACKUP" >/dev/null
AFTER_ROWS=$(count_rows); AFTER_MEDIA=$(media_sums)
[ "$BEFORE_ROWS" = "$AFTER_ROWS" ] || { echo "row counts differ after restore"; diff <(tr ' ' '\n' <<<"$BEFORE_ROWS") <(tr ' ' '\n' <<<"$AFTER_ROWS"); exit 1; }
[ "$BEFORE_MEDIA" = "$AFTER_MEDIA" ] || { echo "media files differ after restore"; exit 1; }
echo "rows and media files identical ($(wc -w <<<"$BEFORE_ROWS") tables, $(wc -l <<<"$BEFORE_MEDIA") files)"

step "the restored installation serves the consent again (application role)"
start_app
"$PY" deploy/stack_check.py "$BASE" consent "$CONSENT_ID" "$CONSENT_SHA"
echo "== stack: all checks passed"
