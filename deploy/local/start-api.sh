#!/usr/bin/env bash
# Migrate, then (re)start `bin/lectern run` in the background with the
# generated env: pid in $LECTERN_DATA_DIR/run/lectern.pid, log in
# $LECTERN_DATA_DIR/logs/lectern.log. Waits (60 s) for GET /healthz = 200.
# Assumes deploy/local/up.sh ran. A running API from this data dir is
# restarted so the freshly built binary is the one serving.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

load_env_file
[[ -x "$LECTERN_BIN" ]] || die "missing $LECTERN_BIN (run: make build)"
stop_api
check_port "$API_PORT" "api"
migrate_db

log "starting lectern run on $LECTERN_HTTP_ADDR (log: $LOG_DIR/lectern.log)"
rm -f "$RUN_DIR/lectern.pid"
printf '\n==== %s lectern run\n' "$(date -Is)" >>"$LOG_DIR/lectern.log"
# own session: a later Ctrl-C in this terminal does not reach it
setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$RUN_DIR/lectern.pid" \
  "$LECTERN_BIN" run </dev/null >>"$LOG_DIR/lectern.log" 2>&1 &

deadline=$((SECONDS + ${LECTERN_API_WAIT:-60}))
while ! api_ready 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    echo "---- last lines of $LOG_DIR/lectern.log" >&2
    tail -n 40 "$LOG_DIR/lectern.log" >&2
    die "lectern did not answer $API_URL/healthz with 200 within ${LECTERN_API_WAIT:-60}s"
  fi
  if [[ -s "$RUN_DIR/lectern.pid" ]] && ! lectern_pid >/dev/null; then
    echo "---- last lines of $LOG_DIR/lectern.log" >&2
    tail -n 40 "$LOG_DIR/lectern.log" >&2
    die "lectern exited during startup"
  fi
  sleep 0.5
done
ok "lectern is healthy at $API_URL (pid $(lectern_pid))"
