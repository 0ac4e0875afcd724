#!/usr/bin/env bash
# The two commands of the README, for a fresh machine:
#   bash scripts/dev.sh demo   starts the real agent server and the scripted LLM, runs a conversation
#   bash scripts/dev.sh bench  (a third) runs the side-by-side benchmarks; --readme updates docs/benchmarks.md
#   bash scripts/dev.sh test   runs everything CI runs (fmt, lint, type check, codegen check,
#                              unit + integration tests under Deno, the test suite under Bun,
#                              and real conversations from Node, headless Chromium and workerd)
# Both install what they need first: Deno and Bun from the npm registry (tools/), the npm
# dependencies, and on first use the pinned agent server from PyPI into a cached virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."

install() {
  if [ ! -x tools/node_modules/.bin/deno ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
    # npm ci would insist on lock entries for the other platforms' binaries, which this registry lacks.
    npm install --prefix tools --no-save --no-audit --no-fund --loglevel=error
  fi
  if [ ! -d node_modules/openapi-fetch ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  export PATH="$PWD/tools/node_modules/.bin:$PATH"
  echo "deno $(deno --version | head -1 | cut -d' ' -f2), bun $(bun --version)"
  # Installs the agent server on first use (cached outside the repo) and reports where.
  deno run -A scripts/_agent_server_install.ts >/dev/null
}

case "${1:-}" in
  demo)
    install
    exec deno task demo
    ;;
  bench)
    install
    shift
    exec deno task bench "$@"
    ;;
  test)
    start=$(date +%s)
    install
    log=$(mktemp)
    status=0
    deno task ok 2>&1 | tee "$log" || status=$?
    # One closing line over both runners: Deno's "ok | N passed | M failed" and Bun's "N pass"/"M fail".
    set +e +o pipefail
    strip() { sed -e 's/\x1b\[[0-9;]*m//g' "$log"; }
    dp=$(strip | grep -E '^(ok|FAILED) \| [0-9]+ passed' | sed -E 's/.*\| ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
    df=$(strip | grep -E '^(ok|FAILED) \| [0-9]+ passed' | sed -E 's/.*\| ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
    bp=$(strip | grep -E '^ *[0-9]+ pass$' | tail -1 | tr -dc 0-9 || true)
    bf=$(strip | grep -E '^ *[0-9]+ fail$' | tail -1 | tr -dc 0-9 || true)
    rp=$(strip | grep -E '^runtimes: [0-9]+ passed' | tail -1 | sed -E 's/runtimes: ([0-9]+) passed.*/\1/')
    rf=$(strip | grep -E '^runtimes: [0-9]+ passed' | tail -1 | sed -E 's/.* ([0-9]+) failed.*/\1/')
    rm -f "$log"
    echo "took $(( $(date +%s) - start )) s (install included)"
    echo "deno: ${dp:-0} passed, ${df:-0} failed; bun: ${bp:-0} passed, ${bf:-0} failed; runtimes: ${rp:-0} passed, ${rf:-0} failed"
    failed=$(( ${df:-0} + ${bf:-0} + ${rf:-0} ))
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    echo "tests: $(( ${dp:-0} + ${bp:-0} + ${rp:-0} )) passed, ${failed} failed"
    exit "$status"
    ;;
  *)
    echo "usage: bash scripts/dev.sh demo|test|bench [--readme]" >&2
    exit 2
    ;;
esac
