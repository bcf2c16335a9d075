#!/usr/bin/env bash
# Start the Lectern local stack on loopback: PostgreSQL 15, Redis (AOF),
# MinIO, nginx (CDN). Idempotent: services already running from the same data
# dir are reused. Installs missing Debian packages (as root) and MinIO once.
# Writes $LECTERN_DATA_DIR/env and ~/.config/lectern/credentials.json.
# Does NOT start the Go API (see start-api.sh / `make up`).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

need_cmds "${RUNTIME_CMDS[@]}"
ensure_dirs
save_ports

start_pg
start_redis
start_minio
start_nginx
write_env_file

echo
print_status
echo
echo "env:         $ENV_FILE   (set -a; . $ENV_FILE; set +a)"
echo "credentials: $CREDENTIALS_FILE"
echo "minio:       console http://127.0.0.1:$LECTERN_MINIO_CONSOLE_PORT  (user/password in $MINIO_ENV_FILE)"
