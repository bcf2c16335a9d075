#!/usr/bin/env bash
# The ADL LRS conformance suite against the running stack's LRS (make test
# runs it; the stack must be up): a writable copy of
# ../shared/lrs-conformance-test-suite under .data/lrs-conformance with its
# npm dependencies pinned by deploy/local/lrs-conformance/package-lock.json,
# a fresh xAPI credential (`lectern lrs credentials create`), then the suite
# for each version in LRS_VERSIONS (default "2.0.0 1.0.3"). The suite's
# exit status is its number of failures; this script fails when any
# version has one, and prints each run's summary lines. Full logs:
# .data/lrs-conformance/suite/logs/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LOCAL_DIR/services.sh"

src="${LRS_SUITE_SRC:-$REPO_ROOT/../shared/lrs-conformance-test-suite}"
[[ -d "$src" ]] || die "the LRS conformance suite is not at $src (set LRS_SUITE_SRC)"
work="$DATA_DIR/lrs-conformance"
suite="$work/suite"
lock="$LOCAL_DIR/lrs-conformance/package-lock.json"

# A fresh copy when the source or the lock file changed.
stamp="$(cd "$src" && find . -type f ! -path './node_modules/*' -printf '%P %s %T@\n' | sort | sha256sum | cut -c1-16)-$(sha256sum "$lock" | cut -c1-16)"
if [[ ! -f "$suite/.lectern-stamp" || "$(cat "$suite/.lectern-stamp")" != "$stamp" ]]; then
  log "lrs-conformance: copying the suite from $src"
  rm -rf "$suite"
  mkdir -p "$work"
  cp -r "$src" "$suite"
  chmod -R u+w "$suite"
  cp "$lock" "$suite/package-lock.json"
  (cd "$suite" && npm install --no-audit --no-fund --loglevel=error)
  echo "$stamp" >"$suite/.lectern-stamp"
fi

load_env_file
cred="$("$LECTERN_BIN" lrs credentials create --name "conformance $(date -u +%FT%TZ)")"
key="$(node -e 'const c=JSON.parse(process.argv[1]); process.stdout.write(c.key)' "$cred")"
secret="$(node -e 'const c=JSON.parse(process.argv[1]); process.stdout.write(c.secret)' "$cred")"
endpoint="${LRS_ENDPOINT:-$API_URL/xapi}"

failed=0
summary=""
for v in ${LRS_VERSIONS:-2.0.0 1.0.3}; do
  log "lrs-conformance: xAPI $v against $endpoint"
  out="$work/run-$v.log"
  # Its exit status is the failure count modulo 256 (256 failures exit 0):
  # the verdict comes from its JSON run log instead, which also counts the
  # tests that did not run.
  set +e
  (cd "$suite" && node bin/console_runner.js -e "$endpoint" -a -u "$key" -p "$secret" -x "$v" ${LRS_GREP:+-g "$LRS_GREP"}) >"$out" 2>&1
  set -e
  runlog="$(sed -n 's/^Full run log written to //p' "$out" | tail -n 1)"
  if [[ -z "$runlog" || ! -f "$runlog" ]]; then
    tail -n 30 "$out" >&2
    die "lrs-conformance: xAPI $v: the suite wrote no run log (see $out)"
  fi
  set +e
  node "$LOCAL_DIR/lrs-conformance/report.js" "$runlog" >"$work/report-$v.txt"
  rc=$?
  set -e
  line="$(head -n 1 "$work/report-$v.txt")"
  summary+="xAPI $v: $line"$'\n'
  if ((rc != 0)); then
    failed=1
    warn "lrs-conformance: xAPI $v: $line (run log: $runlog)"
    tail -n +2 "$work/report-$v.txt" | head -n "${LRS_SHOW_LINES:-80}" >&2
  else
    ok "lrs-conformance: xAPI $v: $line"
  fi
done
printf '%s' "$summary"
exit "$failed"
