#!/usr/bin/env bash
# The command line: run a task, list conversations, replay one, and read the exit codes.
#
# The CLI reads the same environment as the other examples (REMOTE_HANDS_HOST,
# REMOTE_HANDS_API_KEY, REMOTE_HANDS_LLM_URL, REMOTE_HANDS_LLM_MODEL, REMOTE_HANDS_LLM_API_KEY,
# REMOTE_HANDS_WORKING_DIR). The markers [script:...] drive the scripted LLM; with a real LLM,
# drop them.
#
# Run: bash examples/cli.sh            (the CLI under Deno)
#      REMOTE_HANDS_CLI="bun run cli/main.ts" bash examples/cli.sh
# Published: REMOTE_HANDS_CLI="deno run -A jsr:@remote-hands/client/cli" bash examples/cli.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# The CLI's entry point in this repository (cli.ts before it moved to cli/).
if [[ -f cli/main.ts ]]; then entry=cli/main.ts; else entry=cli.ts; fi
read -r -a cli <<<"${REMOTE_HANDS_CLI:-deno run -A $entry}"
export REMOTE_HANDS_LLM_MODEL="${REMOTE_HANDS_LLM_MODEL:-openai/scripted}"
export REMOTE_HANDS_LLM_API_KEY="${REMOTE_HANDS_LLM_API_KEY:-scripted}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

fail() { echo "  FAILED: $*" >&2; exit 1; }
ok() { echo "  ok: $*"; }

echo "\$ remote-hands run \"[script:terminal cmd=...] ...\""
"${cli[@]}" run '[script:terminal cmd="echo cli-example-$((6*7))"] Print the answer.' | tee "$out"
id="$(sed -n 's/^conversation \([0-9a-f-]\{36\}\) .*/\1/p' "$out" | head -n 1)"
[[ -n "$id" ]] || fail "run printed no conversation id"
grep -q '^   cli-example-42$' "$out" || fail "the terminal output is missing"
ok "run exited 0 and showed the terminal output of conversation $id"

echo
echo "\$ remote-hands list --limit 5"
"${cli[@]}" list --limit 5 | tee "$out"
grep -q "^$id  finished" "$out" || fail "list does not show $id as finished"
ok "list shows the conversation"

echo
echo "\$ remote-hands tail $id --history --until-idle"
"${cli[@]}" tail "$id" --history --until-idle | tee "$out"
grep -q 'cli-example-42' "$out" || fail "tail --history does not replay the output"
ok "tail replayed the history and exited 0 (the conversation is not running)"

echo
echo "\$ remote-hands run --confirm \"[script:confirm cmd=...] ...\"   (expect exit code 2)"
set +e
"${cli[@]}" run --confirm '[script:confirm cmd="rm -rf build"] Clean up.' >"$out"
code=$?
set -e
tail -n 3 "$out"
[[ $code -eq 2 ]] || fail "expected exit code 2, got $code"
ok "run --confirm stopped before the action with exit code 2 (waiting_for_confirmation)"

echo
echo "\$ remote-hands list --api-key wrong   (expect exit code 1)"
set +e
err="$("${cli[@]}" list --api-key wrong-key-for-the-example 2>&1 >/dev/null)"
code=$?
set -e
echo "$err"
[[ $code -eq 1 && "$err" == *"authentication failed"* ]] || fail "expected the authentication error"
[[ "$err" != *"wrong-key-for-the-example"* ]] || fail "the key was printed"
ok "a wrong key is one line on stderr, exit code 1, and the key is not printed"
