#!/usr/bin/env bash
# Install what the local stack needs, only what is missing:
#   Debian packages (apt-get, as root), MinIO (built once into
#   $LECTERN_CACHE_DIR/bin), npm dependencies of player/ and e2e/.
# Usage: install.sh [--test] [--bench]
#   --test   also chromium + gcc (browser tests, go test -race)
#   --bench  also espeak-ng, fonts-dejavu-core (bench media), wrk, hyperfine
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cmds=("${RUNTIME_CMDS[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) cmds+=("${TEST_CMDS[@]}") ;;
    --bench) cmds+=("${BENCH_CMDS[@]}") ;;
    *) die "unknown option $arg (use --test / --bench)" ;;
  esac
done
[[ -f "$REPO_ROOT/player/package.json" || -f "$REPO_ROOT/e2e/package.json" ]] && cmds+=(npm:npm node:nodejs)
need_cmds "${cmds[@]}"
command -v go >/dev/null || die "Go is not installed (need the version in go.mod; https://go.dev/dl/)"

mkdir -p "$LOG_DIR"
ensure_minio

npm_install() { # dir
  local dir="$1"
  [[ -f "$dir/package.json" ]] || return 0
  # Installed, and not older than the lock file (a dependency was added).
  if [[ -d "$dir/node_modules" && ! ( -f "$dir/package-lock.json" && "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ) ]]; then
    return 0
  fi
  log "npm dependencies in ${dir#"$REPO_ROOT"/}"
  # browsers come from Debian (chromium); never download one from npm postinstall
  export PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if [[ -f "$dir/package-lock.json" ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund) >&2
  else
    (cd "$dir" && npm install --no-audit --no-fund) >&2
  fi
}
npm_install "$REPO_ROOT/player"
npm_install "$REPO_ROOT/e2e"
ok "dependencies present"
