#!/usr/bin/env bash
# Browser end-to-end tests: `npm test` in e2e/ against the running stack
# (started by `make test`). Skipped when e2e/package.json does not exist yet.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

if [[ ! -f "$REPO_ROOT/e2e/package.json" ]]; then
  log "e2e: no e2e/package.json yet; skipping browser tests"
  exit 0
fi
load_env_file
export LECTERN_API_URL="$API_URL"
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
export LECTERN_CHROMIUM="$CHROMIUM" CHROME_PATH="$CHROMIUM" PUPPETEER_EXECUTABLE_PATH="$CHROMIUM"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$REPO_ROOT/e2e"
if [[ ! -d node_modules ]]; then
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
npm test
