#!/usr/bin/env bash
# `make test`: start the stack + API (like `make up`), go vet, go test -race
# with LECTERN_INTEGRATION=1 and the generated env, then the browser e2e
# and the LRS conformance suite (both versions).
# Stops the stack at the end only if this script started it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

was_running=0
if pg_pid >/dev/null || redis_pid >/dev/null || minio_pid >/dev/null || nginx_pid >/dev/null || lectern_pid >/dev/null; then
  was_running=1
fi
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if ((was_running == 0)); then
    log "stopping the stack make test started"
    "$LOCAL_DIR/down.sh" || true
  else
    log "leaving the already running local stack up"
  fi
  if ((rc == 0)); then ok "make test: PASS"; else printf '[lectern] make test: FAIL (status %s)\n' "$rc" >&2; fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$LOCAL_DIR/up.sh"
"$LOCAL_DIR/start-api.sh"
load_env_file
export LECTERN_INTEGRATION=1
export LECTERN_API_URL="$API_URL"
export LECTERN_DEPLOY_DIR="$LOCAL_DIR"   # restart-minio.sh, restart-redis.sh
CHROMIUM="$(command -v chromium || true)"
export LECTERN_CHROMIUM="$CHROMIUM"

cd "$REPO_ROOT"
log "go vet ./..."
go vet ./...
log "go test -race -count=1 ./..."
go test -race -count=1 ./...
log "player unit tests (node --test)"
(cd player && npm test)
"$LOCAL_DIR/e2e.sh"
# The ADL LRS conformance suite, xAPI 2.0.0 and 1.0.3, against the LRS at
# /xapi: any failure, or any test that did not run, fails make test.
"$LOCAL_DIR/lrs-conformance.sh"
