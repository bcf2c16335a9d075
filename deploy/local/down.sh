#!/usr/bin/env bash
# Stop everything the data dir started: API, nginx, MinIO, Redis, PostgreSQL.
# Idempotent. Data is kept (Redis is shut down with SHUTDOWN so the AOF is flushed).
set -euo pipefail
LECTERN_USE_SAVED_PORTS=1
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

[[ -d "$DATA_DIR" ]] || { log "nothing to stop ($DATA_DIR does not exist)"; exit 0; }
stop_api
stop_nginx
stop_minio
stop_redis
stop_pg
ok "local stack stopped (data kept in $DATA_DIR)"
