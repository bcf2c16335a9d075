#!/usr/bin/env bash
# `make run`: start the stack, migrate, then run `bin/lectern run` (API +
# worker) in the foreground. Ctrl-C / TERM / exit stops the API and the whole
# local stack (down.sh). Data is kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

[[ -x "$LECTERN_BIN" ]] || die "missing $LECTERN_BIN (run: make build)"

LPID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  echo >&2
  if [[ -n "$LPID" ]] && pid_alive "$LPID"; then
    log "stopping lectern (pid $LPID)"
    stop_pid lectern "$LPID" 30
  fi
  rm -f "$RUN_DIR/lectern.pid"
  "$LOCAL_DIR/down.sh" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

"$LOCAL_DIR/up.sh"
load_env_file
stop_api # one left running in the background by `make up`
check_port "$API_PORT" "api"
migrate_db
print_urls
echo "  Press Ctrl-C to stop lectern and the local stack."
echo

# Own session, so the terminal's Ctrl-C reaches only this script, which then
# sends lectern exactly one SIGTERM (graceful shutdown) and stops the stack.
setsid "$LECTERN_BIN" run </dev/null &
LPID=$!
echo "$LPID" >"$RUN_DIR/lectern.pid"
set +e
wait "$LPID"
rc=$?
set -e
LPID=""
log "lectern exited with status $rc"
exit "$rc"
