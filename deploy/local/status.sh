#!/usr/bin/env bash
# Show what the local stack is running. Exit status 0 if every service
# (postgres, redis, minio, nginx) is up and healthy; the API is informational.
set -uo pipefail
LECTERN_USE_SAVED_PORTS=1
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

echo "data dir: $DATA_DIR"
print_status
{ pg_pid && pg_ready && redis_pid && redis_ready &&
  minio_pid && minio_ready && nginx_pid && nginx_ready; } >/dev/null 2>&1
