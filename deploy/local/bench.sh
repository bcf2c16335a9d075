#!/usr/bin/env bash
# Benchmarks (encode throughput, CDN hit path). Not written yet.
echo "deploy/local/bench.sh: not yet" >&2
exit 1
