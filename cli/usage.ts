/**
 * The usage text of the CLI.
 *
 * @module
 */

/**
 * The usage text that `--help` prints.
 *
 * @example
 * ```ts
 * import { USAGE } from "./usage.ts";
 * if (!USAGE.includes("--until-idle")) throw new Error("tail's options are missing");
 * ```
 */
export const USAGE: string = `remote-hands: run and watch OpenHands agent conversations

Usage:
  remote-hands list [--status S] [--limit N] [--json]
  remote-hands run "<task>" [--agent agent.json | --model M] [options]
  remote-hands tail <conversation-id> [--history] [--until-idle]
  remote-hands approve <conversation-id> [--timeout SECONDS]
  remote-hands reject <conversation-id> [--reason TEXT]
  remote-hands resume <conversation-id> [--timeout SECONDS]

Commands:
  list                 the server's conversations, newest update first: id, status, title, updated
  run "<task>"         creates a conversation, sends the task, runs the agent and shows its events
  tail <id>            attaches to a conversation and shows its events as they happen (Ctrl-C ends)
  approve <id>         runs the actions a conversation holds for confirmation, shows the run
  reject <id>          rejects the actions a conversation holds for confirmation
  resume <id>          runs a paused (or idle, errored, stuck) conversation again, shows the run

Server (every command):
  --host URL           agent server (env REMOTE_HANDS_HOST; default http://127.0.0.1:8000)
  --api-key KEY        session API key (env REMOTE_HANDS_API_KEY, then OH_SESSION_API_KEY)
  --no-color           plain output (colours are on only on a terminal, and off with NO_COLOR)
  -h, --help           this text

list:
  --status S           only this status: idle, running, paused, waiting_for_confirmation,
                       finished, error, stuck
  --limit N            at most N conversations (default 20)
  --json               one JSON array of the conversations' info instead of the table

run:
  --agent FILE         agent configuration as JSON ({"llm": {...}, "tools": [...], ...});
                       the flags below override its llm fields
  --model M            LLM model, e.g. openai/gpt-4o-mini (env REMOTE_HANDS_LLM_MODEL)
  --base-url URL       OpenAI-compatible LLM base URL (env REMOTE_HANDS_LLM_URL)
  --llm-api-key KEY    LLM API key (env REMOTE_HANDS_LLM_API_KEY)
  --tools A,B          tools of the agent (default terminal,file_editor, unless the file has some)
  --working-dir DIR    the agent's directory on the server (env REMOTE_HANDS_WORKING_DIR);
                       default: the current directory when the server is on this machine
  --confirm            hold every action for confirmation (the run stops before the first one)
  --max-iterations N   most agent steps (default 500)
  --timeout SECONDS    how long to wait for the run (default 3600; it goes on on the server);
                       also for approve and resume

tail:
  --history            show the stored events first
  --until-idle         exit once the conversation is not running (with run's exit codes)

reject:
  --reason TEXT        the reason the agent is given (default "User rejected the action")

Exit codes:
  0    finished (or idle)
  1    error, stuck, or a problem (message on stderr)
  2    waiting_for_confirmation or paused
  130  interrupted (Ctrl-C); an interrupted run is paused on the server, and the
       status the server then reports is printed
`;
