#!/usr/bin/env bash
# Learning Locker's xAPI statements service (npm xapi-statements@5.0.1), the
# comparison LRS for the xAPI benchmark, run locally with its in-memory
# repositories on loopback.
#
# AUTH: with AUTH_REPO=test the service uses its fake auth repo
# (dist/repo/authRepo/getClient/fake.js): the Authorization header is not
# checked at all. Any value, or no header, maps to TEST_CLIENT (scope "all",
# authority mailto:client@example.org), except these test tokens, compared
# as the whole header value:
#   "invalid_scope_client"   -> a client without xAPI scopes (403)
#   "valid_scope_client"     -> a client with scope xapi/all
#   "outside_store_client", "outside_org_client" -> clients of another store/org
#   "Basic missing_token"    -> no client (401)
# So a benchmark sends:
#   Authorization: Basic dGVzdDp0ZXN0        (base64 of "test:test")
# `learninglocker.sh auth` prints that header; `start` prints it too, and
# `eval "$(learninglocker.sh env)"` sets LL_URL and LL_AUTH_HEADER.
#
# Usage:
#   deploy/local/learninglocker.sh start PORT   install once, start on 127.0.0.1:PORT, wait until it answers
#   deploy/local/learninglocker.sh stop         stop it (TERM, then KILL after 10 s)
#   deploy/local/learninglocker.sh url [PORT]   print the xAPI base, e.g. http://127.0.0.1:PORT/xAPI
#                                               (statements: $(url)/statements)
#   deploy/local/learninglocker.sh auth         print the Authorization header line
#   deploy/local/learninglocker.sh env [PORT]   print `export LL_URL=... LL_AUTH_HEADER=...` for eval
#   deploy/local/learninglocker.sh status       print running/stopped (exit 1 when stopped)
#
# Environment:
#   LL_DIR        <repo>/.data/learninglocker   pid, port, log, access logs (relative: to the repo root)
#   LL_CACHE_DIR  ${LECTERN_CACHE_DIR:-~/.cache/lectern}/learninglocker   the npm install
#   LL_NODE_ENV   production                    NODE_ENV of the service
#
# The service is started as
#   AUTH_REPO=test EVENTS_REPO=test MODELS_REPO=memory STORAGE_REPO=memory \
#   EXPRESS_PORT=PORT node -r <cache>/loopback.cjs dist/index.js
# in a clean environment, with LL_DIR as its working directory (so no .env
# file of the repo is read by its dotenv). xapi-statements calls
# app.listen(PORT), which binds every interface; the preload loopback.cjs
# (written by this script into the cache dir) adds the host 127.0.0.1 to
# that listen() and writes the pid file once the port is bound.
# STORAGE_REPO=memory is not a storage repo of 5.0.1: it falls back to local
# files under LL_DIR/storage (only attachments are stored there).
# The package declares engines node 6-8 / npm 3-5; npm warns (EBADENGINE) on
# Node 20 and installs anyway; the service runs on Node 20 unchanged (its
# aws-sdk v2 end-of-support notice is silenced with
# AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1). Only xapi-statements is
# pinned: npm resolves its dependencies' ranges afresh on each install.
#
# BENCHMARKING: the in-memory models repo scans (and copies) the whole
# statement array several times per POST (conflict/void/ref checks, concat,
# setQueriables), so throughput falls as statements accumulate (here: ~330
# req/s fresh, ~230 req/s after ~8,500 statements). Restart it (stop; start)
# before each measured run so every run starts from an empty store.
set -euo pipefail

LL_VERSION=5.0.1
LL_AUTH_HEADER='Authorization: Basic dGVzdDp0ZXN0'

_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$_here/../.." && pwd)"
LL_DIR="${LL_DIR:-.data/learninglocker}"
case "$LL_DIR" in /*) ;; *) LL_DIR="$REPO_ROOT/$LL_DIR" ;; esac
LL_CACHE_DIR="${LL_CACHE_DIR:-${LECTERN_CACHE_DIR:-${HOME:-/root}/.cache/lectern}/learninglocker}"
LL_PKG_DIR="$LL_CACHE_DIR/node_modules/xapi-statements"
PID_FILE="$LL_DIR/learninglocker.pid"
PORT_FILE="$LL_DIR/port"
LOG_FILE="$LL_DIR/learninglocker.log"

log() { printf '[learninglocker] %s\n' "$*" >&2; }
die() { printf '[learninglocker] error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n 's/^#   deploy\/local\/learninglocker.sh /  /p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

valid_port() { [[ "${1:-}" =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 65535)); }

# running_pid -> the pid of our service if it runs, else nothing (status 1)
running_pid() {
  local pid
  [[ -r "$PID_FILE" ]] || return 1
  pid="$(head -n1 "$PID_FILE" | tr -dc '0-9')"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- 'xapi-statements/dist/index.js' || return 1
  printf '%s\n' "$pid"
}

saved_port() { [[ -r "$PORT_FILE" ]] && head -n1 "$PORT_FILE" | tr -dc '0-9'; }

port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

installed() {
  [[ -f "$LL_PKG_DIR/dist/index.js" && -f "$LL_PKG_DIR/package.json" ]] &&
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$LL_PKG_DIR/package.json" "$LL_VERSION"
}

install_ll() {
  installed && return 0
  command -v npm >/dev/null || die "npm not found (Node.js is needed for Learning Locker)"
  mkdir -p "$LL_CACHE_DIR"
  # A package.json of its own, so npm installs here and not into a parent
  # directory that has one.
  [[ -f "$LL_CACHE_DIR/package.json" ]] ||
    printf '{\n  "name": "lectern-learninglocker",\n  "private": true\n}\n' >"$LL_CACHE_DIR/package.json"
  log "npm install xapi-statements@$LL_VERSION into $LL_CACHE_DIR (once; ~1 min)"
  mkdir -p "$LL_DIR"
  if ! (cd "$LL_CACHE_DIR" && npm install --no-audit --no-fund "xapi-statements@$LL_VERSION") >"$LL_DIR/npm-install.log" 2>&1; then
    tail -n 30 "$LL_DIR/npm-install.log" >&2
    die "npm install failed (log: $LL_DIR/npm-install.log)"
  fi
  installed || die "npm install finished but $LL_PKG_DIR is not version $LL_VERSION"
}

write_preload() {
  cat >"$LL_CACHE_DIR/loopback.cjs.tmp" <<'EOF'
// Written by deploy/local/learninglocker.sh. Preloaded with `node -r`:
// binds a listen(port) without a host to LL_LISTEN_HOST (127.0.0.1), and
// writes process.pid to LL_PID_FILE once the port is bound.
'use strict';
const net = require('net');
const fs = require('fs');
const host = process.env.LL_LISTEN_HOST || '127.0.0.1';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const p = args[0];
  if ((typeof p === 'number' || (typeof p === 'string' && /^\d+$/.test(p))) && typeof args[1] !== 'string') {
    args.splice(1, 0, host);
  }
  if (process.env.LL_PID_FILE) {
    this.once('listening', () => {
      const f = process.env.LL_PID_FILE;
      fs.writeFileSync(f + '.tmp', process.pid + '\n');
      fs.renameSync(f + '.tmp', f);
    });
  }
  return listen.apply(this, args);
};
EOF
  mv -f "$LL_CACHE_DIR/loopback.cjs.tmp" "$LL_CACHE_DIR/loopback.cjs"
}

base_url() { printf 'http://127.0.0.1:%s/xAPI\n' "$1"; }

answers() { # answers PORT -> the about resource answers 200
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    -H 'X-Experience-API-Version: 1.0.3' "$(base_url "$1")/about" 2>/dev/null)" == 200 ]]
}

cmd_start() {
  local port="${1:-}" pid i
  valid_port "$port" || die "usage: $0 start PORT"
  command -v node >/dev/null || die "node not found"
  command -v curl >/dev/null || die "curl not found"
  if pid="$(running_pid)"; then
    [[ "$(saved_port)" == "$port" ]] || die "already running (pid $pid) on port $(saved_port); stop it first"
    answers "$port" || die "running (pid $pid) but not answering on port $port; see $LOG_FILE"
    log "already running (pid $pid) on 127.0.0.1:$port"
  else
    port_in_use "$port" && die "port $port is already in use: $(ss -Hltnp "sport = :$port" | tr -s ' ' | head -n3)"
    install_ll
    write_preload
    mkdir -p "$LL_DIR/storage" "$LL_DIR/accessLogs"
    rm -f "$PID_FILE"
    printf '%s\n' "$port" >"$PORT_FILE"
    log "starting xapi-statements@$LL_VERSION on 127.0.0.1:$port (log: $LOG_FILE)"
    # A clean environment (no .env of the caller or the repo), its own
    # session (setsid) so a Ctrl-C of the caller does not reach it.
    (
      cd "$LL_DIR"
      exec setsid env -i PATH="$PATH" HOME="${HOME:-/root}" NODE_ENV="${LL_NODE_ENV:-production}" \
        AUTH_REPO=test EVENTS_REPO=test MODELS_REPO=memory STORAGE_REPO=memory \
        AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1 \
        EXPRESS_PORT="$port" LL_LISTEN_HOST=127.0.0.1 LL_PID_FILE="$PID_FILE" \
        FS_LOCAL_STORAGE_DIR="$LL_DIR/storage" EXPRESS_MORGAN_DIRECTORY="$LL_DIR/accessLogs" \
        node -r "$LL_CACHE_DIR/loopback.cjs" "$LL_PKG_DIR/dist/index.js"
    ) </dev/null >>"$LOG_FILE" 2>&1 &
    local launcher=$!
    for ((i = 0; i < 120; i++)); do # 30 s
      if [[ -s "$PID_FILE" ]] && answers "$port"; then break; fi
      if ! kill -0 "$launcher" 2>/dev/null && [[ ! -s "$PID_FILE" ]]; then
        tail -n 20 "$LOG_FILE" >&2
        die "xapi-statements exited before listening (log: $LOG_FILE)"
      fi
      sleep 0.25
    done
    pid="$(running_pid)" || { tail -n 20 "$LOG_FILE" >&2; die "xapi-statements did not start (log: $LOG_FILE)"; }
    answers "$port" || { tail -n 20 "$LOG_FILE" >&2; die "xapi-statements (pid $pid) did not answer on port $port in 30 s"; }
    log "ready: pid $pid"
  fi
  base_url "$port"
  printf '%s\n' "$LL_AUTH_HEADER"
}

cmd_stop() {
  local pid i
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop in 10 s; killing"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$PID_FILE"
  log "stopped (pid $pid)"
}

cmd_url() {
  local port="${1:-$(saved_port || true)}"
  valid_port "$port" || die "no port: pass one (url PORT) or start the service first"
  base_url "$port"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  url) shift; cmd_url "$@" ;;
  auth) printf '%s\n' "$LL_AUTH_HEADER" ;;
  env)
    shift
    printf 'export LL_URL=%q LL_AUTH_HEADER=%q\n' "$(cmd_url "$@")" "$LL_AUTH_HEADER"
    ;;
  status)
    if pid="$(running_pid)"; then echo "running (pid $pid) at $(cmd_url)"; else echo stopped; exit 1; fi
    ;;
  *) usage ;;
esac
