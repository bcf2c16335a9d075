#!/usr/bin/env bash
# Stop and start Redis only. Default: SHUTDOWN (AOF flushed). --hard kills it
# with SIGKILL (simulates a crash; AOF fsyncs every second). Used by tests.
set -euo pipefail
LECTERN_USE_SAVED_PORTS=1
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"
ensure_dirs
stop_redis "${1:-}"
start_redis
ok "Redis restarted (pid $(redis_pid))"
