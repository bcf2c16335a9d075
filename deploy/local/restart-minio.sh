#!/usr/bin/env bash
# Stop and start MinIO only (data kept). --hard kills it with SIGKILL first
# (simulates a crash). Used by integration tests.
set -euo pipefail
LECTERN_USE_SAVED_PORTS=1
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"
ensure_dirs
stop_minio "${1:-}"
start_minio
ok "MinIO restarted (pid $(minio_pid))"
