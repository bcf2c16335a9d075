# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
# Shared helpers for the Lectern local stack (deploy/local/*.sh).
# Source it; it does not change shell options of the caller beyond what it
# documents. Every setting is an environment variable with a default:
#
#   LECTERN_DATA_DIR            <repo>/.data     all state (git-ignored)
#   LECTERN_CACHE_DIR           $HOME/.cache/lectern   survives fresh clones (minio binary)
#   LECTERN_HTTP_ADDR           127.0.0.1:8080   API (read by the Go binary)
#   LECTERN_CDN_PORT            8081             nginx (CDN)
#   LECTERN_PG_PORT             5433             PostgreSQL 15
#   LECTERN_REDIS_PORT          6380             Redis
#   LECTERN_MINIO_PORT          9000             MinIO S3 API
#   LECTERN_MINIO_CONSOLE_PORT  9001             MinIO console
#   LECTERN_S3_BUCKET           lectern
#
# Ports used by the last up.sh are remembered in $LECTERN_DATA_DIR/run/ports
# so down.sh / status.sh / restart-*.sh in another shell find the same services.

LECTERN_MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
LECTERN_MINIO_MODULE="github.com/minio/minio@${LECTERN_MINIO_VERSION}"

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"

# ---------------------------------------------------------------- logging
if [[ -t 2 ]]; then
  _c_dim=$'\e[2m' _c_red=$'\e[31m' _c_yel=$'\e[33m' _c_grn=$'\e[32m' _c_off=$'\e[0m'
else
  _c_dim='' _c_red='' _c_yel='' _c_grn='' _c_off=''
fi
log()  { printf '%s[lectern]%s %s\n' "$_c_dim" "$_c_off" "$*" >&2; }
ok()   { printf '%s[lectern]%s %s%s%s\n' "$_c_dim" "$_c_off" "$_c_grn" "$*" "$_c_off" >&2; }
warn() { printf '%s[lectern] warning:%s %s\n' "$_c_yel" "$_c_off" "$*" >&2; }
die()  { printf '%s[lectern] error:%s %s\n' "$_c_red" "$_c_off" "$*" >&2; exit 1; }

# ---------------------------------------------------------------- settings
_abs_path() { # make a path absolute without requiring it to exist
  case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac
}

LECTERN_DATA_DIR="$(_abs_path "${LECTERN_DATA_DIR:-$REPO_ROOT/.data}")"
LECTERN_CACHE_DIR="$(_abs_path "${LECTERN_CACHE_DIR:-${HOME:-/root}/.cache/lectern}")"
export LECTERN_DATA_DIR LECTERN_CACHE_DIR

DATA_DIR="$LECTERN_DATA_DIR"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"
PG_DIR="$DATA_DIR/pg"
REDIS_DIR="$DATA_DIR/redis"
MINIO_DIR="$DATA_DIR/minio"
NGINX_DIR="$DATA_DIR/nginx"
SCRATCH_DIR="$DATA_DIR/scratch"
PORTS_FILE="$RUN_DIR/ports"
ENV_FILE="$DATA_DIR/env"
MINIO_ENV_FILE="$DATA_DIR/minio.env"
ADMIN_TOKEN_FILE="$DATA_DIR/admin-token"
ADMIN_PASSWORD_FILE="$DATA_DIR/admin-password"
MEDIA_SECRET_FILE="$DATA_DIR/media-secret"
ORIGIN_SECRET_FILE="$DATA_DIR/origin-secret"
PG_SOCKET_DIR="$RUN_DIR/pg-socket"
PG_BIN_DIR="${LECTERN_PG_BIN_DIR:-/usr/lib/postgresql/15/bin}"
LECTERN_BIN="${LECTERN_BIN:-$REPO_ROOT/bin/lectern}"

# Ports: explicit env > defaults. Scripts that act on an already running
# stack (down, status, restart-*) set LECTERN_USE_SAVED_PORTS=1 first, so they
# find the ports the last up.sh used (explicit env > saved > defaults).
if [[ "${LECTERN_USE_SAVED_PORTS:-0}" == 1 && -r "$PORTS_FILE" ]]; then
  while IFS='=' read -r _k _v; do
    case "$_k" in
      LECTERN_HTTP_ADDR|LECTERN_CDN_PORT|LECTERN_PG_PORT|LECTERN_REDIS_PORT|LECTERN_MINIO_PORT|LECTERN_MINIO_CONSOLE_PORT|LECTERN_S3_BUCKET)
        [[ -n "${!_k:-}" ]] || printf -v "$_k" '%s' "$_v" ;;
    esac
  done <"$PORTS_FILE"
  unset _k _v
fi
LECTERN_HTTP_ADDR="${LECTERN_HTTP_ADDR:-127.0.0.1:8080}"
LECTERN_CDN_PORT="${LECTERN_CDN_PORT:-8081}"
LECTERN_PG_PORT="${LECTERN_PG_PORT:-5433}"
LECTERN_REDIS_PORT="${LECTERN_REDIS_PORT:-6380}"
LECTERN_MINIO_PORT="${LECTERN_MINIO_PORT:-9000}"
LECTERN_MINIO_CONSOLE_PORT="${LECTERN_MINIO_CONSOLE_PORT:-9001}"
LECTERN_S3_BUCKET="${LECTERN_S3_BUCKET:-lectern}"
export LECTERN_HTTP_ADDR LECTERN_CDN_PORT LECTERN_PG_PORT LECTERN_REDIS_PORT \
  LECTERN_MINIO_PORT LECTERN_MINIO_CONSOLE_PORT LECTERN_S3_BUCKET
API_PORT="${LECTERN_HTTP_ADDR##*:}"
API_HOST="${LECTERN_HTTP_ADDR%:*}"
[[ -n "$API_HOST" && "$API_HOST" != "0.0.0.0" ]] || API_HOST=127.0.0.1
API_URL="http://$API_HOST:$API_PORT"

save_ports() {
  mkdir -p "$RUN_DIR"
  cat >"$PORTS_FILE.tmp" <<EOF
LECTERN_HTTP_ADDR=$LECTERN_HTTP_ADDR
LECTERN_CDN_PORT=$LECTERN_CDN_PORT
LECTERN_PG_PORT=$LECTERN_PG_PORT
LECTERN_REDIS_PORT=$LECTERN_REDIS_PORT
LECTERN_MINIO_PORT=$LECTERN_MINIO_PORT
LECTERN_MINIO_CONSOLE_PORT=$LECTERN_MINIO_CONSOLE_PORT
LECTERN_S3_BUCKET=$LECTERN_S3_BUCKET
EOF
  mv -f "$PORTS_FILE.tmp" "$PORTS_FILE"
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# random_hex N -> 2N hex chars from the kernel CSPRNG
random_hex() { head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }

# ---------------------------------------------------------------- packages
# need_cmds: "command:package" pairs; installs the packages of missing commands.
_APT_UPDATED=${_APT_UPDATED:-0}
install_pkgs() { # install_pkgs pkg... (only call with packages that are missing)
  (($# > 0)) || return 0
  if ! is_root; then
    die "missing Debian packages: $*
  install them with:  sudo apt-get update && sudo apt-get install -y $*
  (or run this as root and it installs them itself)"
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install these packages by hand: $*"
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update once, before the first install (skipped if the package
  # lists were refreshed within the last hour, e.g. by an earlier run)
  if [[ "$_APT_UPDATED" != 1 ]] && [[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -n1)" ]]; then
    _APT_UPDATED=1
  fi
  if [[ "$_APT_UPDATED" != 1 ]]; then
    log "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    _APT_UPDATED=1
    export _APT_UPDATED
  fi
  log "apt-get install $*"
  apt-get install -y -qq "$@" >&2 || die "apt-get install $* failed"
}

# need_cmds cmd:pkg ...   e.g. need_cmds ffmpeg:ffmpeg ffprobe:ffmpeg
need_cmds() {
  local pair cmd pkg missing=()
  for pair in "$@"; do
    cmd="${pair%%:*}" pkg="${pair#*:}"
    if ! _have_cmd "$cmd"; then
      [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
    fi
  done
  install_pkgs "${missing[@]}"
  for pair in "$@"; do
    cmd="${pair%%:*}"
    _have_cmd "$cmd" || die "command $cmd still missing after installing ${pair#*:}"
  done
}
_have_cmd() {
  case "$1" in
    pg15) [[ -x "$PG_BIN_DIR/pg_ctl" && -x "$PG_BIN_DIR/initdb" && -x "$PG_BIN_DIR/postgres" ]] ;;
    fonts-dejavu) [[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] ;;
    njs-module) [[ -e "$NGINX_JS_MODULE" ]] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

# nginx's njs module (gated media check); nginx.conf.tmpl load_modules this path.
NGINX_JS_MODULE=/usr/lib/nginx/modules/ngx_http_js_module.so

# Runtime commands for the stack itself.
RUNTIME_CMDS=(curl:curl ss:iproute2 ffmpeg:ffmpeg ffprobe:ffmpeg pg15:postgresql-15 psql:postgresql-client-15
  redis-server:redis-server redis-cli:redis-tools nginx:nginx njs-module:libnginx-mod-http-js)
TEST_CMDS=(chromium:chromium gcc:gcc)
BENCH_CMDS=(espeak-ng:espeak-ng fonts-dejavu:fonts-dejavu-core wrk:wrk hyperfine:hyperfine)

# ensure_minio: sets MINIO_BIN. PATH, then cache, then a one-time go install.
ensure_minio() {
  MINIO_BIN="$(command -v minio 2>/dev/null || true)"
  [[ -n "$MINIO_BIN" ]] && return 0
  MINIO_BIN="$LECTERN_CACHE_DIR/bin/minio"
  [[ -x "$MINIO_BIN" ]] && return 0
  mkdir -p "$LECTERN_CACHE_DIR/bin"
  # A copy built earlier on this machine by hand (same pinned version).
  local prebuilt="${HOME:-/root}/.cache/lectern-bin/minio"
  if [[ -x "$prebuilt" ]] && "$prebuilt" --version >/dev/null 2>&1; then
    log "using prebuilt MinIO from $prebuilt"
    cp -f "$prebuilt" "$MINIO_BIN.tmp" && mv -f "$MINIO_BIN.tmp" "$MINIO_BIN"
    return 0
  fi
  command -v go >/dev/null || die "MinIO is not installed and Go is missing to build it (need go on PATH)"
  log "building MinIO once into $LECTERN_CACHE_DIR/bin (go install $LECTERN_MINIO_MODULE; takes several minutes)"
  mkdir -p "$LOG_DIR"
  # Build outside the repo so the repo's go.mod does not interfere.
  if ! (cd / && GOBIN="$LECTERN_CACHE_DIR/bin" GOFLAGS='' GOWORK=off go install "$LECTERN_MINIO_MODULE") >"$LOG_DIR/minio-build.log" 2>&1; then
    tail -n 30 "$LOG_DIR/minio-build.log" >&2
    die "building MinIO failed (full log: $LOG_DIR/minio-build.log)"
  fi
  [[ -x "$MINIO_BIN" ]] || die "go install finished but $MINIO_BIN is missing"
}

# ---------------------------------------------------------------- processes
pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# pid_from_file FILE [comm-substring] -> prints the pid if alive (and its
# command line contains the substring), else nothing (and returns 1).
pid_from_file() {
  local f="$1" want="${2:-}" pid
  [[ -r "$f" ]] || return 1
  pid="$(head -n1 "$f" 2>/dev/null | tr -dc '0-9')"
  pid_alive "$pid" || return 1
  if [[ -n "$want" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$want" || return 1
  fi
  printf '%s\n' "$pid"
}

pid_cmd() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/ *$//' | cut -c1-120; }
pid_ppid() { awk '/^PPid:/{print $2}' "/proc/$1/status" 2>/dev/null; }

# wait_pid_exit PID SECONDS -> 0 when gone
wait_pid_exit() {
  local pid="$1" t="${2:-20}" i
  for ((i = 0; i < t * 10; i++)); do
    pid_alive "$pid" || return 0
    # a zombie child of ours counts as gone
    [[ "$(awk '/^State:/{print $2}' "/proc/$pid/status" 2>/dev/null)" == Z ]] && return 0
    sleep 0.1
  done
  return 1
}

# stop_pid NAME PID [SECONDS] : TERM, wait, then KILL.
stop_pid() {
  local name="$1" pid="$2" t="${3:-20}"
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_exit "$pid" "$t"; then
    warn "$name (pid $pid) did not stop in ${t}s; killing"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 5 || true
  fi
}

# wait_for DESCRIPTION SECONDS COMMAND... -> polls COMMAND until it succeeds.
wait_for() {
  local desc="$1" t="$2" i
  shift 2
  for ((i = 0; i < t * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  warn "timed out after ${t}s waiting for $desc"
  return 1
}

# ---------------------------------------------------------------- ports
# port_pids PORT -> pids of processes listening on TCP PORT (any address).
port_pids() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -un
}
port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# pid_in_tree PID ROOT -> true if PID is ROOT or a descendant of ROOT.
pid_in_tree() {
  local p="$1" root="$2" n
  for ((n = 0; n < 8; n++)); do
    [[ -z "$p" || "$p" == 0 || "$p" == 1 ]] && return 1
    [[ "$p" == "$root" ]] && return 0
    p="$(pid_ppid "$p")"
  done
  return 1
}

# check_port PORT NAME [OUR_PID]
# Succeeds if the port is free, or held only by OUR_PID (or its children).
# Otherwise prints who holds it and exits non-zero.
check_port() {
  local port="$1" name="$2" ours="${3:-}" pid foreign=()
  port_in_use "$port" || return 0
  local pids
  pids="$(port_pids "$port")"
  if [[ -z "$pids" ]]; then
    [[ -n "$ours" ]] && return 0 # cannot see pids (not root); trust our pid file
    die "port $port ($name) is already in use by another process (run as root or 'ss -ltnp' to see which); stop it or choose another port with $(_port_var "$name")"
  fi
  for pid in $pids; do
    if [[ -n "$ours" ]] && pid_in_tree "$pid" "$ours"; then continue; fi
    foreign+=("$pid")
  done
  ((${#foreign[@]} == 0)) && return 0
  local desc="" p
  for p in "${foreign[@]}"; do desc+="${desc:+, }pid $p ($(pid_cmd "$p"))"; done
  die "port $port ($name) is already in use by $desc; stop it or choose another port with $(_port_var "$name")"
}
_port_var() {
  case "$1" in
    postgres) echo LECTERN_PG_PORT ;; redis) echo LECTERN_REDIS_PORT ;;
    minio) echo LECTERN_MINIO_PORT ;; "minio console") echo LECTERN_MINIO_CONSOLE_PORT ;;
    nginx*|cdn*) echo LECTERN_CDN_PORT ;; api|lectern*) echo LECTERN_HTTP_ADDR ;;
    *) echo "the LECTERN_* port variables" ;;
  esac
}

# pid_listens PID PORT -> true if PID (or a child) listens on PORT.
pid_listens() {
  local p
  for p in $(port_pids "$2"); do pid_in_tree "$p" "$1" && return 0; done
  return 1
}

# ---------------------------------------------------------------- permissions
# ensure_traversable USER DIR : make sure USER can reach DIR (o+x on ancestors).
ensure_traversable() {
  local user="$1" dir="$2" d
  is_root || return 0
  runuser -u "$user" -- test -x "$dir" 2>/dev/null && return 0
  d="$dir"
  while [[ "$d" != "/" ]]; do
    d="$(dirname "$d")"
    if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
      log "chmod o+x $d (so the $user user can reach $dir)"
      chmod o+x "$d"
    fi
  done
  runuser -u "$user" -- test -x "$dir" 2>/dev/null || die "user $user cannot reach $dir; move the data dir (LECTERN_DATA_DIR) somewhere world-traversable"
}

# as_pg CMD... : run as the postgres system user when root (PostgreSQL refuses root).
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ensure_dirs() {
  mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR" "$REDIS_DIR" "$MINIO_DIR/data" \
    "$NGINX_DIR/logs" "$NGINX_DIR/cache" "$NGINX_DIR/tmp" "$SCRATCH_DIR"
}
