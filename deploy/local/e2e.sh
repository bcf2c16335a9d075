#!/usr/bin/env bash
# Browser end-to-end tests against the running stack (make test starts it):
# 1. generate a 40 s clip with ffmpeg (a busy test pattern, so the ladder has
#    renditions far enough apart for the throttling test),
# 2. upload it with the CLI, exactly as an instructor would
#    (`lectern video upload FILE --wait --json`), which finds the API and its
#    credentials on its own,
# 3. run e2e/ (node --test, playwright-core driving Debian's chromium): HLS
#    and DASH playback through the nginx CDN, an ABR down-switch under
#    DevTools network throttling, the upload page (progress, reload,
#    resume of the same upload, ready, playback), and a course from the
#    course editor to a learner playing its video lesson (course.test.js:
#    it makes its own instructor and learner with the admin token), and the
#    admin page's LRS (lrs.test.js: admin@localhost with .data/admin-password
#    creates an xAPI credential, sends a statement with it, finds it in the
#    statements table, opens its JSON, exports it as CSV, revokes the key).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

load_env_file
CHROMIUM="$(command -v chromium || true)"
[[ -n "$CHROMIUM" ]] || die "chromium is not installed (make deps-test installs it)"
export CHROMIUM PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

work="$DATA_DIR/e2e"
mkdir -p "$work"
clip="$work/e2e-clip.mp4"
if [[ ! -s "$clip" ]]; then
  log "e2e: generating a 40 s 854x480 test clip"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=s=854x480:r=30:d=40" \
    -f lavfi -i "sine=frequency=330:sample_rate=48000:d=40" \
    -c:v libx264 -preset veryfast -crf 16 -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$clip.tmp.mp4"
  mv "$clip.tmp.mp4" "$clip"
fi

log "e2e: lectern video upload $clip --wait --json"
"$LECTERN_BIN" video upload "$clip" --title "E2E lecture" --wait --json >"$work/upload.out"
tail -n 1 "$work/upload.out" >"$work/video.json"
cat "$work/video.json"
export LECTERN_E2E_VIDEO_JSON="$work/video.json"

cd "$REPO_ROOT/e2e"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npm test
