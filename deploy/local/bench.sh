#!/usr/bin/env bash
# `make bench`: measure the encoding pipeline, the upload path, the
# learning core (enrollment, read path) and the LRS (xAPI statements)
# against their anchors on this machine, in one run, and print the ratios.
#
#   1. pipeline wall time (upload completed -> video ready, i.e. created_at ->
#      ready_at of GET /api/v1/videos/:id, upload through
#      `lectern video upload FILE --wait --json`)
#        / one plain ffmpeg running the same ladder with the same arguments
#          (`lectern transcode args SRC DIR`)                target <= 1.10
#        / one ffmpeg per rendition, run one after another, summed (the
#          PeerTube way; `lectern transcode args --per-rendition`)  <= 0.80
#      for two 60 s 1080p30 sources: "lecture" (slides + presenter + speech,
#      /work/shared/media/make-lecture.sh) and "camera" (testsrc2 + temporal
#      noise, x264 crf 16: tens of Mb/s).
#   2. peak RSS (VmHWM) of `lectern api` while it takes a 2 GiB upload, and
#      of `lectern worker` (ffmpeg excluded: it is a child process) during
#      each encode                                            target <= 150 MiB
#   3. upload throughput: `lectern video upload` of the 2 GiB file through
#      the API / one raw S3 PUT of it to MinIO (curl --aws-sigv4)  >= 0.8
#   4. the learning core (BENCH_SECTIONS=core; deploy/local/benchtool/core.go)
#   5. the LRS (BENCH_SECTIONS=lrs; deploy/local/benchtool/lrs.go): POST
#      /xapi/statements, one statement and batches of 100 a request, at 16
#      and 200 connections, under wrk (deploy/local/bench/lrs.lua) against
#      the bench API and against Learning Locker's statements service
#      (deploy/local/learninglocker.sh, restarted before each run); then a
#      store of a million statements (database lectern_bench_lrs, KEPT
#      between runs and seeded through the API when it holds fewer; served
#      by a second API on BENCH_LRS_API_ADDR) and GET /xapi/statements by
#      agent+verb and by activity with related_activities under wrk.
#      Targets: single POSTs >= 3x Learning Locker's statements/s with a
#      lower p99, batches >= 10,000 statements/s, filtered GETs p99 < 50 ms
#      (at 16 connections).
#   6. gated playback (BENCH_SECTIONS=playback; benchtool/playback.go): a
#      120 s clip encoded by the bench worker, a course with a required
#      checkpoint at 90 s, BENCH_PLAYERS learners; GET .../playback and the
#      learner's truncated signed manifests (HLS media playlist, MPD) under
#      wrk at 200 connections next to the bench nginx serving the same
#      bytes; then BENCH_PLAYERS simulated players reporting played every
#      10 s to /xapi/statements for 60 s (statements/s, p99, share rejected
#      wrongly: refused, or honest watching the server does not credit).
#      Targets: manifests >= 0.25x nginx with p99 < 50 ms; intake keeps
#      >= 99 % of the offered rate, p99 < 100 ms, rejected wrongly = 0.
#
# How: the stack is started if needed (up.sh, like test.sh). The stack's
# `lectern run` is stopped for the duration (nothing else may encode while we
# time encodes) and restarted at the end if it was running; a stack this
# script started is stopped again. The measured `lectern api` (on
# BENCH_API_ADDR) and `lectern worker` are separate processes with their own
# database (lectern_bench), bucket (lectern-bench), Redis DB index
# (BENCH_REDIS_DB) and scratch dir, all removed at the end, so a bench run
# leaves no videos, uploads or objects behind in the stack's data. The
# 2 GiB random file is uploaded for real: the worker downloads it and rejects
# it ("not a video file"), which also measures the worker's download path.
#
# The worker runs ffmpeg/ffprobe through deploy/local/bench/ffmpeg-timed.sh,
# which logs each run's wall and CPU time (~1 ms of overhead), so the report
# shows the worker's own encode next to the plain ffmpeg run. The job's
# stage is polled twice a second to split the pipeline time into queued,
# downloading, probing, encoding, packaging (+ poster and thumbnails),
# publishing. Each timed step also reports how many cores the rest of the
# machine kept busy meanwhile: on a shared machine, that is the noise.
#
# Generated inputs are cached in .data/bench/ (made once; delete to redo).
# The table is printed on stdout and written to .data/bench/results.json.
# A target missed is reported as MISS and does not fail the script; a step
# that errors does. Knobs (environment):
#   BENCH_SECTIONS="pipeline upload core lrs playback"   what to measure (any
#                          subset; e.g. BENCH_SECTIONS=core for the learning
#                          core alone, ~5 min; lrs ~10 min, plus the seeding
#                          of the million statements the first time)
#   BENCH_REPS=1           repetitions; every reported figure is the median.
#                          Odd repetitions time the pipeline before the plain
#                          ffmpeg, even ones after it (3 is a good choice on a
#                          quiet machine; each adds ~13 min here)
#   BENCH_SOURCES="lecture camera"
#   BENCH_SECONDS=60       source duration
#   BENCH_UPLOAD_SIZE=2G   size of the random upload (head -c syntax); 0 skips
#                          the upload/RSS-of-the-API measurements
#   BENCH_WRK_SECONDS=30   duration of each wrk run (core; lrs by default)
#   BENCH_LRS_SECONDS=$BENCH_WRK_SECONDS   duration of each wrk run (lrs)
#   BENCH_LRS_API_ADDR=127.0.0.1:8183   the API serving the million statements
#   BENCH_LL_PORT=8184     Learning Locker
#   BENCH_LRS_PIN_SERVICES=1   with BENCH_PIN=1, pin PostgreSQL and Redis with
#                          the LRS's API (0: the API alone, as in core)
#   BENCH_LRS_RESET=0      1: drop the store of a million statements first
#                          (it is seeded again: several minutes)
#   BENCH_DEBUG_ADDR, BENCH_LRS_DEBUG_ADDR   serve Go's profiles of the bench
#                          API, of the store's API (LECTERN_DEBUG_ADDR;
#                          default none)
#   BENCH_API_ADDR=127.0.0.1:8180
#   BENCH_NGINX_PORT=8182  the bench nginx serving the static copies (core)
#   BENCH_PIN=1            pin what wrk measures: the server on the last CPU
#                          (lrs: the LRS with its PostgreSQL and Redis, or
#                          Learning Locker), wrk on the others (default with
#                          2+ CPUs; 0: no pinning)
#   BENCH_REDIS_DB=1
#   BENCH_PLAYERS=1000     simulated players of the playback section
# `bench.sh --prepare` only generates the cached inputs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

prepare_only=0
for arg in "$@"; do
  case "$arg" in
    --prepare) prepare_only=1 ;;
    *) die "unknown option $arg (use --prepare)" ;;
  esac
done

BENCH_SECTIONS="${BENCH_SECTIONS:-pipeline upload core lrs playback}"
BENCH_PLAYERS="${BENCH_PLAYERS:-1000}"
BENCH_REPS="${BENCH_REPS:-1}"
BENCH_SOURCES="${BENCH_SOURCES:-lecture camera}"
BENCH_SECONDS="${BENCH_SECONDS:-60}"
BENCH_UPLOAD_SIZE="${BENCH_UPLOAD_SIZE:-2G}"
BENCH_API_ADDR="${BENCH_API_ADDR:-127.0.0.1:8180}"
BENCH_REDIS_DB="${BENCH_REDIS_DB:-1}"
BENCH_WRK_SECONDS="${BENCH_WRK_SECONDS:-30}"
BENCH_NGINX_PORT="${BENCH_NGINX_PORT:-8182}"
BENCH_LRS_SECONDS="${BENCH_LRS_SECONDS:-$BENCH_WRK_SECONDS}"
BENCH_LRS_API_ADDR="${BENCH_LRS_API_ADDR:-127.0.0.1:8183}"
BENCH_LL_PORT="${BENCH_LL_PORT:-8184}"
BENCH_LRS_RESET="${BENCH_LRS_RESET:-0}"
BENCH_LRS_PIN_SERVICES="${BENCH_LRS_PIN_SERVICES:-1}"
# The read path pins the server under test (the API, then nginx) to the last
# CPU and wrk to the others, so that the load generator and the server do
# not take each other's cores (co-located, the server's tail latency is
# mostly wrk waiting for a core). BENCH_PIN=0 lets everything float.
ncpu="$(nproc)"
BENCH_PIN="${BENCH_PIN:-$((ncpu >= 2 ? 1 : 0))}"
BENCH_SERVER_CPUS="" BENCH_LOAD_CPUS=""
if [[ "$BENCH_PIN" == 1 ]]; then
  BENCH_SERVER_CPUS="$((ncpu - 1))"
  BENCH_LOAD_CPUS="0-$((ncpu - 2))"
fi
BENCH_DB=lectern_bench
BENCH_LRS_DB=lectern_bench_lrs # kept between runs: the million statements
BENCH_BUCKET=lectern-bench
[[ "$BENCH_REPS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive integer"
[[ "$BENCH_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive integer"
[[ "$BENCH_REDIS_DB" =~ ^([1-9]|1[0-5])$ ]] || die "BENCH_REDIS_DB must be 1..15 (0 is the stack's queue)"
[[ "$BENCH_WRK_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_WRK_SECONDS must be a positive integer"
[[ "$BENCH_NGINX_PORT" =~ ^[1-9][0-9]*$ ]] || die "BENCH_NGINX_PORT must be a port number"
[[ "$BENCH_LRS_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_LRS_SECONDS must be a positive integer"
[[ "$BENCH_LL_PORT" =~ ^[1-9][0-9]*$ ]] || die "BENCH_LL_PORT must be a port number"
[[ "$BENCH_LRS_PIN_SERVICES" =~ ^[01]$ ]] || die "BENCH_LRS_PIN_SERVICES must be 0 or 1"
for s in $BENCH_SECTIONS; do
  case "$s" in
    pipeline | upload | core | lrs | playback) ;;
    *) die "unknown bench section $s (BENCH_SECTIONS: pipeline, upload, core, lrs, playback)" ;;
  esac
done
[[ -n "${BENCH_SECTIONS// /}" ]] || die "BENCH_SECTIONS is empty (use any of: pipeline upload core lrs playback)"
[[ "$BENCH_PLAYERS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_PLAYERS must be a positive integer"
section() { [[ " $BENCH_SECTIONS " == *" $1 "* ]]; }
section pipeline || BENCH_SOURCES=""
section upload || BENCH_UPLOAD_SIZE=0

BENCH_DIR="$DATA_DIR/bench"
WORK="$BENCH_DIR/work"
BENCH_RUN="$BENCH_DIR/run"
BENCHTOOL="$BENCH_DIR/benchtool"
mkdir -p "$BENCH_DIR" "$LOG_DIR"

# ---------------------------------------------------------------- inputs
bench_cmds=(ffmpeg:ffmpeg ffprobe:ffmpeg curl:curl)
[[ -n "$BENCH_SOURCES" ]] && bench_cmds+=(espeak-ng:espeak-ng fonts-dejavu:fonts-dejavu-core)
section core && bench_cmds+=(wrk:wrk nginx:nginx)
section lrs && bench_cmds+=(wrk:wrk node:nodejs npm:npm)
section playback && bench_cmds+=(wrk:wrk nginx:nginx)
need_cmds "${bench_cmds[@]}"

make_lecture_script() {
  local s="${BENCH_MAKE_LECTURE:-$REPO_ROOT/../shared/media/make-lecture.sh}"
  [[ -f "$s" ]] || s="$LOCAL_DIR/bench/make-lecture.sh" # copy kept in the repo
  printf '%s\n' "$s"
}

src_path() { # name -> cached file
  case "$1" in
    lecture) printf '%s\n' "$BENCH_DIR/lecture-${BENCH_SECONDS}s-1920x1080-30.mp4" ;;
    camera) printf '%s\n' "$BENCH_DIR/camera-${BENCH_SECONDS}s-1920x1080-30-noise6-crf16.mp4" ;;
    player) printf '%s\n' "$BENCH_DIR/player-120s-640x360-30.mp4" ;;
    *) die "unknown bench source $1 (BENCH_SOURCES: lecture, camera)" ;;
  esac
}

make_source() { # name
  local out tmp
  out="$(src_path "$1")"
  [[ -s "$out" ]] && return 0
  tmp="$out.tmp.mp4"
  case "$1" in
    lecture)
      log "bench: generating the lecture source ($BENCH_SECONDS s 1080p30, make-lecture.sh)"
      bash "$(make_lecture_script)" "$tmp" "$BENCH_SECONDS" 1920x1080 30
      ;;
    camera)
      # A busy test pattern under per-frame noise: like a camera sensor, every
      # frame differs everywhere, so x264 at crf 16 needs tens of Mb/s.
      log "bench: generating the camera source ($BENCH_SECONDS s 1080p30, ~45 Mb/s; takes a few minutes)"
      ffmpeg -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$BENCH_SECONDS" \
        -f lavfi -i "sine=frequency=220:beep_factor=4:sample_rate=48000:d=$BENCH_SECONDS" \
        -vf "noise=alls=6:allf=t+u,format=yuv420p" \
        -c:v libx264 -preset veryfast -crf 16 -g 60 \
        -c:a aac -b:a 128k -ac 2 -shortest -movflags +faststart "$tmp"
      ;;
    player)
      # The playback section's clip: small, quick to encode.
      log "bench: generating the playback clip (120 s 360p30)"
      ffmpeg -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=s=640x360:r=30:d=120" \
        -f lavfi -i "sine=frequency=330:sample_rate=48000:d=120" \
        -c:v libx264 -preset veryfast -crf 23 -g 60 -pix_fmt yuv420p \
        -c:a aac -b:a 96k -shortest -movflags +faststart "$tmp"
      ;;
  esac
  mv -f "$tmp" "$out"
}

upload_path() { printf '%s\n' "$BENCH_DIR/random-$BENCH_UPLOAD_SIZE.bin"; }

make_upload_file() {
  [[ "$BENCH_UPLOAD_SIZE" == 0 ]] && return 0
  local out
  out="$(upload_path)"
  [[ -s "$out" ]] && return 0
  log "bench: writing $BENCH_UPLOAD_SIZE of random bytes to $out"
  head -c "$BENCH_UPLOAD_SIZE" /dev/urandom >"$out.tmp"
  mv -f "$out.tmp" "$out"
}

for s in $BENCH_SOURCES; do make_source "$s"; done
section playback && make_source player
make_upload_file
if ((prepare_only)); then
  ok "bench inputs are in $BENCH_DIR"
  exit 0
fi

[[ -x "$LECTERN_BIN" ]] || die "missing $LECTERN_BIN (run: make build)"
log "bench: building the bench driver (deploy/local/benchtool)"
(cd "$REPO_ROOT" && go build -o "$BENCHTOOL" ./deploy/local/benchtool)

# ---------------------------------------------------------------- stack
stack_was_running=0
if pg_pid >/dev/null || redis_pid >/dev/null || minio_pid >/dev/null || nginx_pid >/dev/null || lectern_pid >/dev/null; then
  stack_was_running=1
fi
api_was_running=0
lectern_pid >/dev/null && api_was_running=1

BENCH_API_PID="" BENCH_WORKER_PID="" BENCH_LRS_API_PID=""
s3() { curl -sS --max-time 600 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$LECTERN_S3_ACCESS_KEY:$LECTERN_S3_SECRET_KEY" "$@"; }
s3_url() { printf 'http://127.0.0.1:%s/%s\n' "$LECTERN_MINIO_PORT" "$1"; }

# The core section's nginx: a static server of its own on BENCH_NGINX_PORT
# (config rendered from deploy/local/bench/nginx-static.conf.tmpl into
# .data/bench/nginx/, the files it serves in .data/bench/nginx/www/).
BENCH_NGINX_DIR="$BENCH_DIR/nginx"
bench_nginx_pid() { pid_from_file "$BENCH_NGINX_DIR/nginx.pid" nginx; }
bench_nginx_ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$BENCH_NGINX_PORT/healthz"; }
stop_bench_nginx() {
  local pid
  pid="$(bench_nginx_pid)" || return 0
  log "stopping bench nginx (pid $pid)"
  kill -QUIT "$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 20 || stop_pid "bench nginx" "$pid" 5
  rm -f "$BENCH_NGINX_DIR/nginx.pid"
}
start_bench_nginx() { # -> prints the master's pid
  local user_directive="# not root: workers run as the current user" u
  check_port "$BENCH_NGINX_PORT" "bench nginx (BENCH_NGINX_PORT)"
  rm -rf "$BENCH_NGINX_DIR"
  mkdir -p "$BENCH_NGINX_DIR/www" "$BENCH_NGINX_DIR/tmp" "$BENCH_NGINX_DIR/logs"
  if is_root; then
    u=www-data
    id "$u" >/dev/null 2>&1 || u=nobody
    user_directive="user $u $(id -gn "$u");"
    chown -R "$u:$(id -gn "$u")" "$BENCH_NGINX_DIR/tmp"
    chmod 755 "$BENCH_NGINX_DIR" "$BENCH_NGINX_DIR/www"
    ensure_traversable "$u" "$BENCH_NGINX_DIR/www"
  fi
  local workers=auto pin=()
  if [[ -n "$BENCH_SERVER_CPUS" ]]; then workers=1 pin=(taskset -c "$BENCH_SERVER_CPUS"); fi
  sed -e "s|\${BENCH_NGINX_PORT}|$(_sed_esc "$BENCH_NGINX_PORT")|g" \
    -e "s|\${NGINX_WORKERS}|$workers|g" \
    -e "s|\${BENCH_NGINX_DIR}|$(_sed_esc "$BENCH_NGINX_DIR")|g" \
    -e "s|\${NGINX_USER_DIRECTIVE}|$(_sed_esc "$user_directive")|g" \
    "$LOCAL_DIR/bench/nginx-static.conf.tmpl" >"$BENCH_NGINX_DIR/nginx.conf"
  "${pin[@]}" nginx -p "$BENCH_NGINX_DIR/" -c "$BENCH_NGINX_DIR/nginx.conf" -e "$BENCH_NGINX_DIR/logs/error.log" >&2 ||
    die "bench nginx failed to start (config: $BENCH_NGINX_DIR/nginx.conf, log: $BENCH_NGINX_DIR/logs/error.log)"
  wait_for "bench nginx on port $BENCH_NGINX_PORT" 20 bench_nginx_ready || die "bench nginx does not answer (log: $BENCH_NGINX_DIR/logs/error.log)"
  bench_nginx_pid
}

# Remove everything a bench run creates (also what a killed earlier run left).
bench_clean() {
  local k
  stop_bench_nginx
  if pg_ready 2>/dev/null; then
    PGOPTIONS='-c client_min_messages=warning' psql_admin -d postgres -c "drop database if exists $BENCH_DB with (force)" >/dev/null || warn "could not drop database $BENCH_DB"
  fi
  if minio_ready 2>/dev/null; then
    s3 -o /dev/null -X DELETE -H "x-minio-force-delete: true" "$(s3_url "$BENCH_BUCKET")" || warn "could not remove bucket $BENCH_BUCKET"
    s3 -o /dev/null -X DELETE "$(s3_url "$LECTERN_S3_BUCKET/bench/raw")" || true
  fi
  if redis_ready 2>/dev/null; then
    # the queue (asynq:*) and the rate limiter's budgets (lectern:rl:*)
    for k in 'asynq:*' 'lectern:*'; do
      redis-cli -h 127.0.0.1 -p "$LECTERN_REDIS_PORT" -n "$BENCH_REDIS_DB" --scan --pattern "$k"
    done | while read -r k; do redis-cli -h 127.0.0.1 -p "$LECTERN_REDIS_PORT" -n "$BENCH_REDIS_DB" del "$k" >/dev/null; done
  fi
  rm -rf "$WORK" "$BENCH_DIR/scratch" "$BENCH_RUN"
}

# Learning Locker (lrs section), with its state in .data/bench/learninglocker.
learninglocker() { LL_DIR="$BENCH_DIR/learninglocker" "$LOCAL_DIR/learninglocker.sh" "$@"; }

stop_bench_procs() {
  [[ -n "$BENCH_WORKER_PID" ]] && { log "stopping bench worker (pid $BENCH_WORKER_PID)"; stop_pid "bench worker" "$BENCH_WORKER_PID" 30; }
  [[ -n "$BENCH_API_PID" ]] && { log "stopping bench api (pid $BENCH_API_PID)"; stop_pid "bench api" "$BENCH_API_PID" 30; }
  [[ -n "$BENCH_LRS_API_PID" ]] && { log "stopping bench lrs-api (pid $BENCH_LRS_API_PID)"; stop_pid "bench lrs-api" "$BENCH_LRS_API_PID" 30; }
  BENCH_WORKER_PID="" BENCH_API_PID="" BENCH_LRS_API_PID=""
  stop_bench_nginx
  if section lrs; then learninglocker stop 2>/dev/null || true; fi
}

# The lrs section pins PostgreSQL and Redis (the stack's) for its runs and
# puts them back; should benchtool have died in between, unpin them here.
unpin_services() {
  local pid p
  [[ -n "$BENCH_SERVER_CPUS" ]] && section lrs || return 0
  for pid in $(pg_pid) $(redis_pid); do
    for p in $pid $(pgrep -P "$pid"); do taskset -a -p -c "0-$((ncpu - 1))" "$p" >/dev/null 2>&1 || true; done
  done
}

finish() {
  local rc=$?
  trap - EXIT INT TERM
  stop_bench_procs || true
  unpin_services
  [[ -s "$ENV_FILE" ]] && { bench_clean || true; }
  if ((stack_was_running == 0)); then
    log "stopping the stack make bench started"
    "$LOCAL_DIR/down.sh" || true
  elif ((api_was_running)); then
    log "restarting the stack's lectern run"
    "$LOCAL_DIR/start-api.sh" || rc=1
  fi
  if ((rc == 0)); then ok "make bench: done (results: $BENCH_DIR/results.json)"; else printf '[lectern] make bench: FAILED (status %s)\n' "$rc" >&2; fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$LOCAL_DIR/up.sh" >&2
load_env_file
# Nothing but the bench may encode while encodes are timed.
stop_api

bench_clean
mkdir -p "$WORK" "$BENCH_RUN" "$BENCH_DIR/scratch"
psql_admin -d postgres -c "create database $BENCH_DB owner lectern" >/dev/null
if section lrs; then
  if [[ "$BENCH_LRS_RESET" == 1 ]]; then
    log "bench: dropping the store of a million statements ($BENCH_LRS_DB; BENCH_LRS_RESET=1)"
    PGOPTIONS='-c client_min_messages=warning' psql_admin -d postgres -c "drop database if exists $BENCH_LRS_DB with (force)" >/dev/null
  fi
  if [[ "$(psql_admin -d postgres -tAc "select 1 from pg_database where datname = '$BENCH_LRS_DB'")" != 1 ]]; then
    psql_admin -d postgres -c "create database $BENCH_LRS_DB owner lectern" >/dev/null
  fi
fi

BENCH_RATE_LIMIT=100000 BENCH_RATE_BURST=1000000
BENCH_XAPI_RATE_LIMIT=1000000 BENCH_XAPI_RATE_BURST=10000000
bench_port="${BENCH_API_ADDR##*:}"
check_port "$bench_port" "bench api"
bench_url="http://${BENCH_API_ADDR%:*}:$bench_port"
# The worker runs ffmpeg and ffprobe through a wrapper that logs the wall and
# CPU time of each run (deploy/local/bench/ffmpeg-timed.sh; ~1 ms each), so
# the report can compare the worker's own encode with the plain ffmpeg run.
mkdir -p "$BENCH_RUN/bin"
ln -sf "$LOCAL_DIR/bench/ffmpeg-timed.sh" "$BENCH_RUN/bin/ffmpeg"
ln -sf "$LOCAL_DIR/bench/ffmpeg-timed.sh" "$BENCH_RUN/bin/ffprobe"
bench_env=(
  LECTERN_FFMPEG="$BENCH_RUN/bin/ffmpeg"
  LECTERN_FFPROBE="$BENCH_RUN/bin/ffprobe"
  BENCH_REAL_FFMPEG="$(command -v "${LECTERN_FFMPEG:-ffmpeg}")"
  BENCH_REAL_FFPROBE="$(command -v "${LECTERN_FFPROBE:-ffprobe}")"
  BENCH_FFMPEG_LOG="$BENCH_RUN/ffmpeg-runs.log"
  LECTERN_HTTP_ADDR="$BENCH_API_ADDR"
  LECTERN_PUBLIC_URL="$bench_url"
  LECTERN_DATABASE_URL="postgres://lectern@127.0.0.1:$LECTERN_PG_PORT/$BENCH_DB?sslmode=disable"
  LECTERN_REDIS_DB="$BENCH_REDIS_DB"
  LECTERN_S3_BUCKET="$BENCH_BUCKET"
  LECTERN_SCRATCH_DIR="$BENCH_DIR/scratch"
  # The limiter runs (it leases budgets from Redis) but never refuses:
  # the core section sends 10,000 sequential requests and wrk far more.
  # 100000 is the most LECTERN_RATE_LIMIT accepts.
  LECTERN_RATE_LIMIT="$BENCH_RATE_LIMIT"
  LECTERN_RATE_BURST="$BENCH_RATE_BURST"
  # Likewise the LRS's own limit (per xAPI credential), at its maximum.
  LECTERN_XAPI_RATE_LIMIT="$BENCH_XAPI_RATE_LIMIT"
  LECTERN_XAPI_RATE_BURST="$BENCH_XAPI_RATE_BURST"
  # The playback section signs in its players from this one address, and
  # each player holds a connection of its own.
  LECTERN_SIGNIN_RATE=1000
  LECTERN_SIGNIN_BURST=100000
  LECTERN_MAX_CONNS_PER_IP="$((BENCH_PLAYERS + 1024))"
)
# The API of the store of a million statements: the same but for its
# address and database.
lrs_port="${BENCH_LRS_API_ADDR##*:}"
lrs_url="http://${BENCH_LRS_API_ADDR%:*}:$lrs_port"
lrs_db_url="postgres://lectern@127.0.0.1:$LECTERN_PG_PORT/$BENCH_LRS_DB?sslmode=disable"
lrs_env=(
  LECTERN_HTTP_ADDR="$BENCH_LRS_API_ADDR"
  LECTERN_PUBLIC_URL="$lrs_url"
  LECTERN_DATABASE_URL="$lrs_db_url"
  LECTERN_DEBUG_ADDR="${BENCH_LRS_DEBUG_ADDR:-}"
)

start_bench_proc() { # NAME api|worker [VAR=value...] -> prints the pid
  local what="$1" cmd="$2" logf="$LOG_DIR/bench-$1.log"
  shift 2
  # The API logs a line per request: the core section's wrk runs write
  # hundreds of thousands. Keep one older log, not an ever-growing one.
  if [[ -f "$logf" ]] && (($(stat -c %s "$logf") > 64 << 20)); then mv -f "$logf" "$logf.1"; fi
  printf '\n==== %s lectern %s (bench)\n' "$(date -Is)" "$what" >>"$logf"
  # shellcheck disable=SC2016  # $$ and $@ are for the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$BENCH_RUN/$what.pid" \
    env "${bench_env[@]}" "$@" "$LECTERN_BIN" "$cmd" </dev/null >>"$logf" 2>&1 &
  wait_for "the bench $what pid file" 10 test -s "$BENCH_RUN/$what.pid" || die "bench $what did not start"
  head -n1 "$BENCH_RUN/$what.pid"
}

log "bench: starting lectern api on $BENCH_API_ADDR (log: $LOG_DIR/bench-api.log)"
BENCH_API_PID="$(start_bench_proc api api LECTERN_DEBUG_ADDR="${BENCH_DEBUG_ADDR:-}")"
bench_api_ready() { pid_alive "$BENCH_API_PID" && curl -fsS -o /dev/null --max-time 3 "$bench_url/healthz"; }
wait_for "bench api /healthz" 60 bench_api_ready || { tail -n 30 "$LOG_DIR/bench-api.log" >&2; die "bench api did not become healthy"; }

log "bench: starting lectern worker (log: $LOG_DIR/bench-worker.log)"
touch "$LOG_DIR/bench-worker.log"
mark="$(wc -l <"$LOG_DIR/bench-worker.log")"
BENCH_WORKER_PID="$(start_bench_proc worker worker)"
bench_worker_ready() { pid_alive "$BENCH_WORKER_PID" && tail -n "+$((mark + 1))" "$LOG_DIR/bench-worker.log" | grep -q 'worker started'; }
wait_for "bench worker" 60 bench_worker_ready || { tail -n 30 "$LOG_DIR/bench-worker.log" >&2; die "bench worker did not start"; }

lrs_args=()
if section lrs; then
  check_port "$lrs_port" "bench lrs-api (BENCH_LRS_API_ADDR)"
  check_port "$BENCH_LL_PORT" "Learning Locker (BENCH_LL_PORT)"
  log "bench: starting the store's lectern api on $BENCH_LRS_API_ADDR ($BENCH_LRS_DB; log: $LOG_DIR/bench-lrs-api.log)"
  BENCH_LRS_API_PID="$(start_bench_proc lrs-api api "${lrs_env[@]}")"
  bench_lrs_api_ready() { pid_alive "$BENCH_LRS_API_PID" && curl -fsS -o /dev/null --max-time 3 "$lrs_url/healthz"; }
  wait_for "bench lrs-api /healthz" 60 bench_lrs_api_ready || { tail -n 30 "$LOG_DIR/bench-lrs-api.log" >&2; die "bench lrs-api did not become healthy"; }
  # An xAPI credential of the bench organization (the admin token's) on
  # each side; the store keeps one per run.
  lrs_credential() { # DATABASE_URL -> the credential as JSON
    env "${bench_env[@]}" LECTERN_DATABASE_URL="$1" "$LECTERN_BIN" lrs credentials create --name "make bench $(date -u +%FT%TZ)" --org default
  }
  BENCH_LRS_CREDENTIAL="$(lrs_credential "postgres://lectern@127.0.0.1:$LECTERN_PG_PORT/$BENCH_DB?sslmode=disable")" || die "lectern lrs credentials create failed (bench database)"
  BENCH_LRS_STORE_CREDENTIAL="$(lrs_credential "$lrs_db_url")" || die "lectern lrs credentials create failed ($BENCH_LRS_DB)"
  export BENCH_LRS_CREDENTIAL BENCH_LRS_STORE_CREDENTIAL
  lrs_args=(
    -lrs
    -lrs-seconds "$BENCH_LRS_SECONDS"
    -lrs-store-api "$lrs_url"
    -lrs-store-pid "$BENCH_LRS_API_PID"
    -lrs-store-db "$lrs_db_url"
    -lrs-script "$LOCAL_DIR/bench/lrs.lua"
    -ll-script "$LOCAL_DIR/learninglocker.sh"
    -ll-port "$BENCH_LL_PORT"
    -lrs-pin-services="$([[ "$BENCH_LRS_PIN_SERVICES" == 1 ]] && echo true || echo false)"
  )
fi

nginx_args=()
if section core || section playback; then
  log "bench: starting the bench nginx (static copies) on 127.0.0.1:$BENCH_NGINX_PORT"
  BENCH_NGINX_PID="$(start_bench_nginx)"
  nginx_args=(
    -wrk-seconds "$BENCH_WRK_SECONDS"
    -static-dir "$BENCH_NGINX_DIR/www"
    -static-url "http://127.0.0.1:$BENCH_NGINX_PORT"
    -nginx-pid "$BENCH_NGINX_PID"
  )
fi
core_args=()
section core && core_args=(-core -rate-limit "LECTERN_RATE_LIMIT=$BENCH_RATE_LIMIT, LECTERN_RATE_BURST=$BENCH_RATE_BURST")
playback_args=()
section playback && playback_args=(-playback -playback-source "$(src_path player)" -playback-players "$BENCH_PLAYERS" -playback-script "$LOCAL_DIR/bench/playback.lua")

sources=()
for s in $BENCH_SOURCES; do sources+=("$s=$(src_path "$s")"); done
upload_file=""
[[ "$BENCH_UPLOAD_SIZE" == 0 ]] || upload_file="$(upload_path)"

LECTERN_API="$bench_url" LECTERN_TOKEN="$LECTERN_ADMIN_TOKEN" LL_DIR="$BENCH_DIR/learninglocker" \
  "$BENCHTOOL" \
  -lectern "$LECTERN_BIN" \
  -api "$bench_url" \
  -api-pid "$BENCH_API_PID" \
  -worker-pid "$BENCH_WORKER_PID" \
  -minio-pid "$(minio_pid || echo 0)" \
  -pg-pid "$(pg_pid || echo 0)" \
  -redis-pid "$(redis_pid || echo 0)" \
  -server-cpus "$BENCH_SERVER_CPUS" \
  -load-cpus "$BENCH_LOAD_CPUS" \
  -work "$WORK" \
  -reps "$BENCH_REPS" \
  -sources "$(IFS=,; echo "${sources[*]}")" \
  -upload "$upload_file" \
  -raw-put-url "$(s3_url "$LECTERN_S3_BUCKET/bench/raw")" \
  -ffmpeg-log "$BENCH_RUN/ffmpeg-runs.log" \
  -results "$BENCH_DIR/results.json" \
  "${nginx_args[@]}" "${core_args[@]}" "${lrs_args[@]}" "${playback_args[@]}"
