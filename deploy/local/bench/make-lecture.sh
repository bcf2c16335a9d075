#!/bin/bash
# Copy of /work/shared/media/make-lecture.sh for machines without it (bench.sh prefers the shared one).
# make-lecture.sh OUT.mp4 [SECONDS] [WIDTHxHEIGHT] [FPS]
# A synthetic but lecture-like source for tests and benchmarks: slides that change every
# 15 s (text on a flat background), a moving "presenter" picture-in-picture in the corner,
# and narration (espeak-ng) as the audio. Needs ffmpeg, espeak-ng and fonts-dejavu-core.
set -euo pipefail
out=${1:?usage: make-lecture.sh OUT.mp4 [SECONDS] [WxH] [FPS]}
dur=${2:-60}; size=${3:-1920x1080}; fps=${4:-30}
w=${size%x*}; h=${size#*x}
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -f "$font" ] || { echo "make-lecture: install fonts-dejavu-core" >&2; exit 2; }
command -v espeak-ng >/dev/null || { echo "make-lecture: install espeak-ng" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
espeak-ng -s 150 -w "$tmp/voice.wav" "Welcome back. Today we look at how a signal is sampled, \
why the sampling rate must exceed twice the highest frequency, and what aliasing looks like \
when it does not. Keep an eye on the second slide, there will be a question about it."
pip_w=$((w / 4 / 2 * 2)); pip_h=$((h / 4 / 2 * 2))
ts=$((h / 18)); bs=$((h / 30))
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "color=c=0xF4F1EA:s=${w}x${h}:r=${fps}:d=${dur}" \
  -f lavfi -i "mandelbrot=s=${pip_w}x${pip_h}:r=${fps}" \
  -stream_loop -1 -i "$tmp/voice.wav" \
  -f lavfi -i "color=c=0xC0392B:s=$((bs / 2 * 2))x$((bs / 2 * 2)):r=${fps}" \
  -filter_complex "\
[0:v]drawbox=x=0:y=0:w=iw:h=ih/7:color=0x1F3A5F:t=fill,\
drawtext=fontfile=$font:fontsize=$ts:fontcolor=white:x=w/20:y=h/28:text='Signals and Systems — slide %{eif\:floor(t/15)+1\:d}',\
drawtext=fontfile=$font:fontsize=$bs:fontcolor=0x222222:x=w/14:y=h/4:text='• Sampling theorem, case %{eif\:mod(floor(t/15)*37\,997)\:d}',\
drawtext=fontfile=$font:fontsize=$bs:fontcolor=0x222222:x=w/14:y=h/4+2.2*$bs:text='• Aliasing at %{eif\:mod(floor(t/15)*53\,9973)\:d} Hz',\
drawtext=fontfile=$font:fontsize=$bs:fontcolor=0x222222:x=w/14:y=h/4+4.4*$bs:text='• Reconstruction filters and their cost'[slides];\
[slides][1:v]overlay=x=W-w-W/40:y=H-h-H/40[withpip];\
[withpip][3:v]overlay=x=W/14+mod(t\,15)*W/30:y=H/4+7*$bs,format=yuv420p[v];\
[2:a]aformat=sample_rates=48000:channel_layouts=stereo[a]" \
  -map "[v]" -map "[a]" -t "$dur" -c:v libx264 -preset veryfast -crf 18 -g $((fps * 2)) \
  -c:a aac -b:a 128k -movflags +faststart "$out"
