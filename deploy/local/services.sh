# shellcheck shell=bash
# shellcheck disable=SC2016,SC2034,SC2059,SC2119,SC2120
# Start/stop/health functions for each service of the local stack.
# Source after lib.sh. Each start_* is idempotent: a service already running
# from this data dir on the right port is reused ("running"), one running from
# this data dir on another port is restarted, and a port held by anything else
# is a clear error.

declare -gA SVC_ACTION=()

# ================================================================ PostgreSQL
pg_pid() { pid_from_file "$PG_DIR/postmaster.pid" postgres; }

pg_socket_dir() {
  # unix socket paths are limited to 107 bytes; fall back to /tmp for long repo paths
  local s="$PG_SOCKET_DIR/.s.PGSQL.$LECTERN_PG_PORT"
  if ((${#s} > 100)); then
    printf '/tmp/lectern-pg-%s\n' "$(printf '%s' "$DATA_DIR" | cksum | cut -d' ' -f1)"
  else
    printf '%s\n' "$PG_SOCKET_DIR"
  fi
}

pg_ready() { "$PG_BIN_DIR/pg_isready" -q -h 127.0.0.1 -p "$LECTERN_PG_PORT" -d postgres; }

psql_admin() { # psql as the cluster superuser over loopback TCP (trust)
  psql -X -q -h 127.0.0.1 -p "$LECTERN_PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"
}

start_pg() {
  SVC_ACTION[postgres]=""
  local pid sock
  if is_root; then
    id postgres >/dev/null 2>&1 || die "the postgres system user is missing (reinstall postgresql-15)"
  fi
  mkdir -p "$PG_DIR"
  chmod 700 "$PG_DIR"
  sock="$(pg_socket_dir)"
  mkdir -p "$sock"
  touch "$LOG_DIR/postgres.log"
  if is_root; then
    chown postgres:postgres "$PG_DIR" "$sock" "$LOG_DIR/postgres.log"
    ensure_traversable postgres "$PG_DIR"
    ensure_traversable postgres "$sock"
    ensure_traversable postgres "$LOG_DIR"
  fi

  if [[ ! -s "$PG_DIR/PG_VERSION" ]]; then
    log "initdb PostgreSQL 15 cluster in $PG_DIR"
    if ! as_pg "$PG_BIN_DIR/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1; then
      # locale missing on a very minimal system: fall back to the C locale
      rm -rf "${PG_DIR:?}"/* 2>/dev/null || true
      as_pg "$PG_BIN_DIR/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --no-locale >"$LOG_DIR/initdb.log" 2>&1 ||
        { cat "$LOG_DIR/initdb.log" >&2; die "initdb failed (log: $LOG_DIR/initdb.log)"; }
    fi
  fi

  # Server settings beyond the defaults, for the LRS's write load (its
  # index tables take many small B-tree inserts spread over the index):
  # shared_buffers large enough to keep those indexes' inner pages in
  # memory, fewer checkpoints (each makes the next write of every page log
  # the whole page), and those full pages compressed. Durability is the
  # default one (fsync, synchronous_commit, full_page_writes all on).
  local shared_buffers=1GB wal_compression=lz4
  local pg_settings="-c shared_buffers=$shared_buffers -c max_wal_size=4GB -c checkpoint_timeout=15min -c wal_compression=$wal_compression"
  if pid="$(pg_pid)"; then
    if pid_listens "$pid" "$LECTERN_PG_PORT" &&
      [[ "$(psql_admin -d postgres -tAc "select current_setting('shared_buffers') || ' ' || current_setting('wal_compression')" 2>/dev/null)" != "$shared_buffers $wal_compression" ]]; then
      log "PostgreSQL (pid $pid) runs with other settings; restarting with: $pg_settings"
      stop_pg
      pid=""
    elif pid_listens "$pid" "$LECTERN_PG_PORT"; then
      SVC_ACTION[postgres]=running
    else
      log "PostgreSQL (pid $pid) runs on another port; restarting on $LECTERN_PG_PORT"
      stop_pg
      pid=""
    fi
  fi
  if [[ -z "${SVC_ACTION[postgres]:-}" ]]; then
    check_port "$LECTERN_PG_PORT" postgres
    log "starting PostgreSQL on 127.0.0.1:$LECTERN_PG_PORT"
    if ! as_pg "$PG_BIN_DIR/pg_ctl" start -D "$PG_DIR" -l "$LOG_DIR/postgres.log" -w -t 60 -s \
      -o "-c listen_addresses=127.0.0.1 -c port=$LECTERN_PG_PORT -c unix_socket_directories='$sock' -c max_connections=200 $pg_settings" >&2; then
      tail -n 20 "$LOG_DIR/postgres.log" >&2
      die "PostgreSQL failed to start (log: $LOG_DIR/postgres.log)"
    fi
    SVC_ACTION[postgres]=started
  fi
  wait_for "PostgreSQL on port $LECTERN_PG_PORT" 30 pg_ready || die "PostgreSQL does not answer (log: $LOG_DIR/postgres.log)"

  # role + databases (idempotent)
  if [[ "$(psql_admin -d postgres -tAc "select 1 from pg_roles where rolname='lectern'")" != 1 ]]; then
    log "creating role lectern"
    psql_admin -d postgres -c "create role lectern login createdb" >/dev/null
  fi
  # The role tenant work acts as (database.TenantRole): row-level security
  # applies to it, not to lectern, which owns the tables.
  if [[ "$(psql_admin -d postgres -tAc "select 1 from pg_roles where rolname='lectern_tenant'")" != 1 ]]; then
    log "creating role lectern_tenant"
    psql_admin -d postgres -c "create role lectern_tenant nologin" >/dev/null
  fi
  if [[ "$(psql_admin -d postgres -tAc "select pg_has_role('lectern', 'lectern_tenant', 'member')")" != t ]]; then
    psql_admin -d postgres -c "grant lectern_tenant to lectern" >/dev/null
  fi
  local db
  for db in lectern lectern_test; do
    if [[ "$(psql_admin -d postgres -tAc "select 1 from pg_database where datname='$db'")" != 1 ]]; then
      log "creating database $db"
      psql_admin -d postgres -c "create database $db owner lectern" >/dev/null
    fi
  done
}

stop_pg() {
  local pid
  pid="$(pg_pid)" || return 0
  log "stopping PostgreSQL (pid $pid)"
  as_pg "$PG_BIN_DIR/pg_ctl" stop -D "$PG_DIR" -m fast -w -t 60 -s >&2 || stop_pid postgres "$pid" 30
}

# ================================================================ Redis
redis_pid() { pid_from_file "$RUN_DIR/redis.pid" redis-server; }
redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$LECTERN_REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

start_redis() {
  SVC_ACTION[redis]=""
  local pid
  if pid="$(redis_pid)"; then
    if pid_listens "$pid" "$LECTERN_REDIS_PORT"; then
      SVC_ACTION[redis]=running
    else
      log "Redis (pid $pid) runs on another port; restarting on $LECTERN_REDIS_PORT"
      stop_redis
    fi
  fi
  if [[ -z "${SVC_ACTION[redis]:-}" ]]; then
    check_port "$LECTERN_REDIS_PORT" redis
    rm -f "$RUN_DIR/redis.pid"
    log "starting Redis on 127.0.0.1:$LECTERN_REDIS_PORT (AOF in $REDIS_DIR)"
    redis-server --bind 127.0.0.1 --port "$LECTERN_REDIS_PORT" --dir "$REDIS_DIR" \
      --appendonly yes --appendfsync everysec \
      --daemonize yes --pidfile "$RUN_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" ||
      die "redis-server failed to start (log: $LOG_DIR/redis.log)"
    SVC_ACTION[redis]=started
  fi
  wait_for "Redis on port $LECTERN_REDIS_PORT" 30 redis_ready || {
    tail -n 20 "$LOG_DIR/redis.log" >&2
    die "Redis does not answer (log: $LOG_DIR/redis.log)"
  }
}

# stop_redis [--hard] : SHUTDOWN (flushes the AOF; NOT nosave). --hard = SIGKILL (crash test).
stop_redis() {
  local pid
  pid="$(redis_pid)" || { rm -f "$RUN_DIR/redis.pid"; return 0; }
  if [[ "${1:-}" == --hard ]]; then
    log "killing Redis (pid $pid) with SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || true
  else
    log "stopping Redis (pid $pid)"
    local port
    # the port it really listens on (env may have changed since)
    port="$(ss -Hltnp 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {n=split($4,a,":"); print a[n]; exit}')"
    redis-cli -h 127.0.0.1 -p "${port:-$LECTERN_REDIS_PORT}" shutdown >/dev/null 2>&1 || true
    wait_pid_exit "$pid" 20 || stop_pid redis "$pid" 10
  fi
  rm -f "$RUN_DIR/redis.pid"
}

# ================================================================ MinIO
minio_pid() { pid_from_file "$RUN_DIR/minio.pid" minio; }
minio_ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$LECTERN_MINIO_PORT/minio/health/live"; }

ensure_minio_creds() {
  if [[ ! -s "$MINIO_ENV_FILE" ]]; then
    log "generating MinIO root credentials in $MINIO_ENV_FILE"
    (
      umask 077
      printf 'MINIO_ROOT_USER=lectern%s\nMINIO_ROOT_PASSWORD=%s\n' "$(random_hex 6)" "$(random_hex 20)" >"$MINIO_ENV_FILE.tmp"
    )
    mv -f "$MINIO_ENV_FILE.tmp" "$MINIO_ENV_FILE"
  fi
  MINIO_ROOT_USER="$(sed -n 's/^MINIO_ROOT_USER=//p' "$MINIO_ENV_FILE")"
  MINIO_ROOT_PASSWORD="$(sed -n 's/^MINIO_ROOT_PASSWORD=//p' "$MINIO_ENV_FILE")"
  [[ -n "$MINIO_ROOT_USER" && -n "$MINIO_ROOT_PASSWORD" ]] || die "$MINIO_ENV_FILE is malformed; delete it (and $MINIO_DIR) to regenerate"
}

start_minio() {
  SVC_ACTION[minio]=""
  local pid
  ensure_minio
  ensure_minio_creds
  if pid="$(minio_pid)"; then
    if pid_listens "$pid" "$LECTERN_MINIO_PORT" && pid_listens "$pid" "$LECTERN_MINIO_CONSOLE_PORT"; then
      SVC_ACTION[minio]=running
    else
      log "MinIO (pid $pid) runs on other ports; restarting"
      stop_minio
    fi
  fi
  if [[ -z "${SVC_ACTION[minio]:-}" ]]; then
    check_port "$LECTERN_MINIO_PORT" minio
    check_port "$LECTERN_MINIO_CONSOLE_PORT" "minio console"
    log "starting MinIO on 127.0.0.1:$LECTERN_MINIO_PORT (console :$LECTERN_MINIO_CONSOLE_PORT)"
    mkdir -p "$MINIO_DIR/data" "$MINIO_DIR/certs"
    rm -f "$RUN_DIR/minio.pid"
    # setsid: own session, so a Ctrl-C in the terminal that ran us does not reach it.
    MINIO_ROOT_USER="$MINIO_ROOT_USER" MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" \
      MINIO_UPDATE=off MINIO_BROWSER=on \
      setsid bash -c 'echo $$ >"$1"; shift; exec nohup "$@"' _ "$RUN_DIR/minio.pid" \
      "$MINIO_BIN" server "$MINIO_DIR/data" \
      --address "127.0.0.1:$LECTERN_MINIO_PORT" \
      --console-address "127.0.0.1:$LECTERN_MINIO_CONSOLE_PORT" \
      --certs-dir "$MINIO_DIR/certs" \
      </dev/null >>"$LOG_DIR/minio.log" 2>&1 &
    SVC_ACTION[minio]=started
  fi
  if ! wait_for "MinIO on port $LECTERN_MINIO_PORT" 60 minio_ready; then
    tail -n 30 "$LOG_DIR/minio.log" >&2
    die "MinIO does not answer (log: $LOG_DIR/minio.log)"
  fi
}

# stop_minio [--hard]
stop_minio() {
  local pid
  pid="$(minio_pid)" || { rm -f "$RUN_DIR/minio.pid"; return 0; }
  if [[ "${1:-}" == --hard ]]; then
    log "killing MinIO (pid $pid) with SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || true
  else
    log "stopping MinIO (pid $pid)"
    stop_pid minio "$pid" 30
  fi
  rm -f "$RUN_DIR/minio.pid"
}

# ================================================================ nginx (CDN)
NGINX_CONF="$NGINX_DIR/nginx.conf"
NGINX_TMPL="$LOCAL_DIR/nginx.conf.tmpl"
nginx_pid() { pid_from_file "$RUN_DIR/nginx.pid" nginx; }
nginx_ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$LECTERN_CDN_PORT/healthz"; }
nginx_cmd() { nginx -p "$NGINX_DIR/" -c "$NGINX_CONF" -e "$NGINX_DIR/logs/error.log" "$@"; }

_sed_esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# render_nginx_conf -> writes $NGINX_CONF; returns 0 if it changed
render_nginx_conf() {
  local user_directive="# not root: workers run as the current user"
  if is_root; then
    local u=www-data
    id "$u" >/dev/null 2>&1 || u=nobody
    user_directive="user $u $(id -gn "$u");"
    chown -R "$u:$(id -gn "$u")" "$NGINX_DIR/cache" "$NGINX_DIR/tmp"
    ensure_traversable "$u" "$NGINX_DIR/cache"
  fi
  ensure_media_secret
  ensure_origin_secret
  # edge.js (the njs gated-segment check) sits next to nginx.conf, which
  # imports it by absolute path; a changed script counts as a changed config.
  local js_changed=1
  if [[ -f "$NGINX_DIR/edge.js" ]] && cmp -s "$LOCAL_DIR/edge.js" "$NGINX_DIR/edge.js"; then
    js_changed=0
  else
    cp -f "$LOCAL_DIR/edge.js" "$NGINX_DIR/edge.js.new"
    mv -f "$NGINX_DIR/edge.js.new" "$NGINX_DIR/edge.js"
  fi
  sed -e "s|\${LECTERN_CDN_PORT}|$(_sed_esc "$LECTERN_CDN_PORT")|g" \
    -e "s|\${LECTERN_MEDIA_SECRET}|$(_sed_esc "$MEDIA_SECRET")|g" \
    -e "s|\${LECTERN_ORIGIN_SECRET}|$(_sed_esc "$ORIGIN_SECRET")|g" \
    -e "s|\${LECTERN_MINIO_PORT}|$(_sed_esc "$LECTERN_MINIO_PORT")|g" \
    -e "s|\${LECTERN_S3_BUCKET}|$(_sed_esc "$LECTERN_S3_BUCKET")|g" \
    -e "s|\${NGINX_DIR}|$(_sed_esc "$NGINX_DIR")|g" \
    -e "s|\${NGINX_JS_MODULE}|$(_sed_esc "$NGINX_JS_MODULE")|g" \
    -e "s|\${RUN_DIR}|$(_sed_esc "$RUN_DIR")|g" \
    -e "s|\${NGINX_USER_DIRECTIVE}|$(_sed_esc "$user_directive")|g" \
    "$NGINX_TMPL" >"$NGINX_CONF.new"
  if [[ -f "$NGINX_CONF" ]] && cmp -s "$NGINX_CONF" "$NGINX_CONF.new"; then
    rm -f "$NGINX_CONF.new"
    ((js_changed)) && return 0
    return 1
  fi
  mv -f "$NGINX_CONF.new" "$NGINX_CONF"
  return 0
}

start_nginx() {
  SVC_ACTION[nginx]=""
  local pid changed=0
  mkdir -p "$NGINX_DIR/logs" "$NGINX_DIR/cache" "$NGINX_DIR/tmp"
  if pid="$(nginx_pid)"; then
    pid_listens "$pid" "$LECTERN_CDN_PORT" || check_port "$LECTERN_CDN_PORT" "nginx cdn"
  else
    check_port "$LECTERN_CDN_PORT" "nginx cdn"
  fi
  render_nginx_conf && changed=1
  if ! nginx_cmd -t -q 2>"$LOG_DIR/nginx-t.log"; then
    cat "$LOG_DIR/nginx-t.log" >&2
    die "generated nginx config $NGINX_CONF is invalid (template: $NGINX_TMPL)"
  fi
  if pid="$(nginx_pid)"; then
    if ((changed)) || ! pid_listens "$pid" "$LECTERN_CDN_PORT"; then
      log "reloading nginx (pid $pid) with the new config"
      nginx_cmd -s reload || die "nginx reload failed (log: $NGINX_DIR/logs/error.log)"
      SVC_ACTION[nginx]=reloaded
      # wait until the new workers listen
      wait_for "nginx to listen on $LECTERN_CDN_PORT" 10 pid_listens "$pid" "$LECTERN_CDN_PORT" || true
    else
      SVC_ACTION[nginx]=running
    fi
  else
    rm -f "$RUN_DIR/nginx.pid"
    log "starting nginx (CDN) on 127.0.0.1:$LECTERN_CDN_PORT"
    nginx_cmd || {
      tail -n 20 "$NGINX_DIR/logs/error.log" >&2
      die "nginx failed to start (log: $NGINX_DIR/logs/error.log)"
    }
    SVC_ACTION[nginx]=started
  fi
  wait_for "nginx on port $LECTERN_CDN_PORT" 20 nginx_ready || {
    tail -n 20 "$NGINX_DIR/logs/error.log" >&2
    die "nginx does not answer /healthz (log: $NGINX_DIR/logs/error.log)"
  }
}

stop_nginx() {
  local pid
  pid="$(nginx_pid)" || { rm -f "$RUN_DIR/nginx.pid"; return 0; }
  log "stopping nginx (pid $pid)"
  if [[ -f "$NGINX_CONF" ]]; then
    nginx_cmd -s quit 2>/dev/null || kill -QUIT "$pid" 2>/dev/null || true
  else
    kill -QUIT "$pid" 2>/dev/null || true
  fi
  wait_pid_exit "$pid" 20 || stop_pid nginx "$pid" 5
  rm -f "$RUN_DIR/nginx.pid"
}

# ================================================================ Lectern API (bin/lectern)
lectern_pid() { pid_from_file "$RUN_DIR/lectern.pid" lectern; }
api_ready() { curl -fsS -o /dev/null --max-time 3 "$API_URL/healthz"; }

stop_api() {
  local pid
  pid="$(lectern_pid)" || { rm -f "$RUN_DIR/lectern.pid"; return 0; }
  log "stopping lectern (pid $pid)"
  stop_pid lectern "$pid" 30
  rm -f "$RUN_DIR/lectern.pid"
}

# ================================================================ generated env
# secret_file FILE BYTES : prints the hex secret kept in FILE (mode 600),
# generating BYTES random bytes the first time.
secret_file() {
  if [[ ! -s "$1" ]]; then
    (umask 077; random_hex "$2" >"$1.tmp")
    mv -f "$1.tmp" "$1"
  fi
  chmod 600 "$1"
  tr -dc '0-9a-f' <"$1"
}

ensure_admin_token() {
  ADMIN_TOKEN="$(secret_file "$ADMIN_TOKEN_FILE" 32)"
  [[ ${#ADMIN_TOKEN} -eq 64 ]] || die "$ADMIN_TOKEN_FILE is malformed; delete it to regenerate"
}

# ensure_media_secret: the secret the CDN (nginx secure_link) and the API
# share to sign media URLs.
ensure_media_secret() { MEDIA_SECRET="$(secret_file "$MEDIA_SECRET_FILE" 32)"; }

# ensure_origin_secret: the secret nginx sends MinIO as its Referer; the
# bucket policy (lectern migrate, internal/blob) lets anonymous requests read
# media/ only with it, so the origin answers the CDN and nobody else.
ensure_origin_secret() { ORIGIN_SECRET="$(secret_file "$ORIGIN_SECRET_FILE" 32)"; }

write_env_file() {
  ensure_admin_token
  ensure_media_secret
  ensure_origin_secret
  ensure_minio_creds
  local pgurl="postgres://lectern@127.0.0.1:$LECTERN_PG_PORT"
  (
    umask 077
    cat >"$ENV_FILE.tmp" <<EOF
# Generated by deploy/local/up.sh — do not edit; it is rewritten on every up.
# Use:  set -a; . $ENV_FILE; set +a
export LECTERN_HTTP_ADDR=$LECTERN_HTTP_ADDR
export LECTERN_PUBLIC_URL=$API_URL
export LECTERN_DATABASE_URL='$pgurl/lectern?sslmode=disable'
export LECTERN_TEST_DATABASE_URL='$pgurl/lectern_test?sslmode=disable'
export LECTERN_REDIS_ADDR=127.0.0.1:$LECTERN_REDIS_PORT
export LECTERN_S3_ENDPOINT=127.0.0.1:$LECTERN_MINIO_PORT
export LECTERN_S3_ACCESS_KEY=$MINIO_ROOT_USER
export LECTERN_S3_SECRET_KEY=$MINIO_ROOT_PASSWORD
export LECTERN_S3_BUCKET=$LECTERN_S3_BUCKET
export LECTERN_CDN_URL=http://127.0.0.1:$LECTERN_CDN_PORT
export LECTERN_ADMIN_TOKEN=$ADMIN_TOKEN
export LECTERN_MEDIA_SECRET=$MEDIA_SECRET
export LECTERN_ORIGIN_SECRET=$ORIGIN_SECRET
export LECTERN_DATA_DIR='$DATA_DIR'
export LECTERN_SCRATCH_DIR='$SCRATCH_DIR'
EOF
  )
  mv -f "$ENV_FILE.tmp" "$ENV_FILE"

  local cfg="${XDG_CONFIG_HOME:-${HOME:-/root}/.config}/lectern"
  mkdir -p "$cfg"
  (
    umask 077
    printf '{"api":"%s","token":"%s"}\n' "$API_URL" "$ADMIN_TOKEN" >"$cfg/credentials.json.tmp"
  )
  chmod 600 "$cfg/credentials.json.tmp"
  mv -f "$cfg/credentials.json.tmp" "$cfg/credentials.json"
  CREDENTIALS_FILE="$cfg/credentials.json"
}

# ================================================================ status table
_health() { if "$@" >/dev/null 2>&1; then echo healthy; else echo "not answering"; fi; }

# print_status : one line per service (SERVICE ADDRESS PID STATE [ACTION])
print_status() {
  local fmt='%-10s %-28s %-8s %-14s %s\n' pid state
  printf "$fmt" SERVICE ADDRESS PID STATE ""
  _row() { # name addr pid-fn health-fn...
    local name="$1" addr="$2" pidfn="$3"
    shift 3
    if pid="$($pidfn)"; then state="$(_health "$@")"; else pid=- state=stopped; fi
    printf "$fmt" "$name" "$addr" "$pid" "$state" "${SVC_ACTION[$name]:-}"
  }
  _row postgres "127.0.0.1:$LECTERN_PG_PORT" pg_pid pg_ready
  _row redis "127.0.0.1:$LECTERN_REDIS_PORT" redis_pid redis_ready
  _row minio "127.0.0.1:$LECTERN_MINIO_PORT" minio_pid minio_ready
  _row console "127.0.0.1:$LECTERN_MINIO_CONSOLE_PORT" minio_pid curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$LECTERN_MINIO_CONSOLE_PORT/"
  _row nginx "127.0.0.1:$LECTERN_CDN_PORT" nginx_pid nginx_ready
  _row lectern "$API_URL" lectern_pid api_ready
}

# ================================================================ summary for humans
print_urls() {
  ensure_admin_token
  cat <<EOF2

Lectern is up
  API:            $API_URL          (health: $API_URL/healthz)
  Web UI:         $API_URL/login    sign in as admin@localhost / $(ensure_admin_password; echo "$ADMIN_PASSWORD")
                  (password in $ADMIN_PASSWORD_FILE; lectern user passwd changes it)
  Upload page:    $API_URL/upload
  CDN (media):    http://127.0.0.1:$LECTERN_CDN_PORT/media/
  MinIO console:  http://127.0.0.1:$LECTERN_MINIO_CONSOLE_PORT   (credentials in $MINIO_ENV_FILE)
  Admin token:    $ADMIN_TOKEN
                  (also in $ADMIN_TOKEN_FILE and ${XDG_CONFIG_HOME:-${HOME:-/root}/.config}/lectern/credentials.json)
  Environment:    set -a; . $ENV_FILE; set +a
  Logs:           $LOG_DIR/
EOF2
}

# migrate_db : bin/lectern migrate with the generated env (schema, bucket, policy, CORS)
migrate_db() {
  [[ -x "$LECTERN_BIN" ]] || die "missing $LECTERN_BIN (run: make build)"
  log "lectern migrate"
  "$LECTERN_BIN" migrate 2>&1 | tee -a "$LOG_DIR/lectern-migrate.log" >&2 ||
    die "lectern migrate failed (log: $LOG_DIR/lectern-migrate.log)"
  # migrate made the admin token the first admin's (admin@localhost); give
  # that admin a password too, for signing in to the web UI.
  ensure_admin_password
  LECTERN_PASSWORD="$ADMIN_PASSWORD" "$LECTERN_BIN" user passwd --email admin@localhost >>"$LOG_DIR/lectern-migrate.log" 2>&1 ||
    die "could not set the admin password (log: $LOG_DIR/lectern-migrate.log)"
}

ensure_admin_password() { ADMIN_PASSWORD="$(secret_file "$ADMIN_PASSWORD_FILE" 12)"; }

load_env_file() {
  [[ -s "$ENV_FILE" ]] || die "$ENV_FILE missing; run deploy/local/up.sh first"
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
}
