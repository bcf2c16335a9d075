#!/usr/bin/env bash
# Timing wrapper the bench worker runs as ffmpeg and ffprobe (bench.sh links
# it as .data/bench/run/bin/{ffmpeg,ffprobe} and points LECTERN_FFMPEG /
# LECTERN_FFPROBE there). It runs the real program with the same arguments,
# stdin/stdout/stderr and exit status, and appends one line per run to
# $BENCH_FFMPEG_LOG:  KIND START END CPU
# (KIND: probe, encode, poster, thumbnails, other; START/END: epoch seconds;
# CPU: user+system clock ticks of the program, from this shell's cutime and
# cstime in /proc). Costs ~1 ms.
name="${0##*/}"
case "$name" in
  ffprobe) real="${BENCH_REAL_FFPROBE:?}" kind=probe ;;
  *) real="${BENCH_REAL_FFMPEG:?}" kind=other ;;
esac
if [[ "$kind" == other ]]; then
  case " $* " in
    *poster.jpg*) kind=poster ;;
    *sprite-*) kind=thumbnails ;;
    */enc/*) kind=encode ;;
  esac
fi
start="$EPOCHREALTIME"
"$real" "$@"
rc=$?
end="$EPOCHREALTIME"
read -r -a st <"/proc/$$/stat" # fields 16, 17: cutime, cstime (comm has no spaces here)
printf '%s %s %s %s\n' "$kind" "$start" "$end" "$((st[15] + st[16]))" >>"${BENCH_FFMPEG_LOG:-/dev/null}"
exit "$rc"
