/**
 * Runs the real, pinned OpenHands agent server on 127.0.0.1.
 *
 * As a library: `AgentServer.start()` installs the server if needed (cached virtualenv), starts it
 * on a free port with a temporary root for every directory it writes, a session API key, tool
 * preload and VS Code off, and waits for `/health`. `stop()` ends it gracefully, `kill()` hard, and
 * `restart()` starts it again on the same port and directories.
 *
 * As a command (`deno task server`): starts the scripted LLM and the server, prints the URLs and
 * the key, and keeps running until interrupted. `--info-file F` also writes them as JSON to F,
 * `--watch-parent` exits when the parent process goes away (used by the test fixture).
 *
 * Runs under Deno and Bun (node: APIs only).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AGENT_SERVER_VERSION,
  ensureAgentServerInstalled,
  serverVersion,
} from "./_agent_server_install.ts";

export { AGENT_SERVER_VERSION };

/** Options for {@linkcode AgentServer.start}. */
export interface AgentServerOptions {
  /** Session API key the server requires. Default: a random one. */
  apiKey?: string;
  /** Port on 127.0.0.1. Default: a free one. */
  port?: number;
  /** Root folder for everything the server writes. Default: a new temporary folder. */
  root?: string;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
  /** How long to wait for `/health`. Default 120 s (2-core machines are slow to import litellm). */
  startTimeoutMs?: number;
  /** Progress lines (install). Default: stderr. */
  log?: (line: string) => void;
}

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A running (or stopped) agent server process with its directories. */
export class AgentServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The session API key. */
  readonly apiKey: string;
  /** Root folder for conversations, workspace, persistence and the server log. */
  readonly root: string;
  /** Default working directory for conversations (inside `root`). */
  readonly workspaceDir: string;
  /** The port on 127.0.0.1. */
  readonly port: number;
  /** Seconds the last start took until `/health` answered. */
  lastStartSeconds = 0;
  #python: string;
  #env: Record<string, string>;
  #child: ChildProcess | undefined;
  #ownsRoot: boolean;
  #timeoutMs: number;

  private constructor(
    python: string,
    port: number,
    apiKey: string,
    root: string,
    ownsRoot: boolean,
    env: Record<string, string>,
    timeoutMs: number,
  ) {
    this.#python = python;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.apiKey = apiKey;
    this.root = root;
    this.workspaceDir = join(root, "workspace");
    this.#ownsRoot = ownsRoot;
    this.#timeoutMs = timeoutMs;
    for (const d of ["home", "workspace", "conversations", "bash_events", "persistence", "tmux"]) {
      mkdirSync(join(root, d), { recursive: true });
    }
    // The secret key encrypts stored secrets and the LLM key; keep it across restarts.
    const secretFile = join(root, "secret-key");
    let secretKey: string;
    try {
      secretKey = readFileSync(secretFile, "utf8");
    } catch {
      secretKey = randomBytes(24).toString("hex");
      writeFileSync(secretFile, secretKey);
    }
    this.#env = {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: join(root, "home"),
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      TMUX_TMPDIR: join(root, "tmux"),
      OH_SESSION_API_KEYS_0: apiKey,
      OH_SECRET_KEY: secretKey,
      OH_CONVERSATIONS_PATH: join(root, "conversations"),
      OH_BASH_EVENTS_DIR: join(root, "bash_events"),
      OH_WORKSPACE_PATH: join(root, "workspace"),
      OH_PERSISTENCE_DIR: join(root, "persistence"),
      OH_ENABLE_VSCODE: "false",
      OH_ENABLE_VNC: "false",
      OH_PRELOAD_TOOLS: "false",
      OH_LEASE_TTL_SECONDS: "0",
      OH_TELEMETRY_EXPORTER: "none",
      OPENHANDS_SUPPRESS_BANNER: "1",
      LITELLM_LOCAL_MODEL_COST_MAP: "True",
      ANONYMIZED_TELEMETRY: "false",
      NO_PROXY: "127.0.0.1,localhost",
      LOG_LEVEL: "WARNING",
      ...env,
    };
  }

  /** Installs (first time only) and starts a server; resolves once `/health` answers. */
  static async start(options: AgentServerOptions = {}): Promise<AgentServer> {
    const python = await ensureAgentServerInstalled(options.log);
    const port = options.port ?? await freePort();
    const apiKey = options.apiKey ?? `rh-test-${randomBytes(12).toString("hex")}`;
    const root = options.root ?? mkdtempSync(join(tmpdir(), "remote-hands-server-"));
    const server = new AgentServer(
      python,
      port,
      apiKey,
      root,
      options.root === undefined,
      options.env ?? {},
      options.startTimeoutMs ?? 120_000,
    );
    await server.#launch();
    return server;
  }

  /** Path of the server's log file (stdout and stderr of every start). */
  get logFile(): string {
    return join(this.root, "server.log");
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Whether the process is running. */
  get running(): boolean {
    const c = this.#child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  async #launch(): Promise<void> {
    if (this.running) throw new Error("Cannot start the agent server as it is already running");
    const t0 = performance.now();
    const fd = openSync(this.logFile, "a");
    const child = spawn(
      this.#python,
      ["-m", "openhands.agent_server", "--host", "127.0.0.1", "--port", String(this.port)],
      { cwd: this.root, env: this.#env, stdio: ["ignore", fd, fd], detached: true },
    );
    closeSync(fd);
    this.#child = child;
    let exited = false;
    child.once("exit", () => {
      exited = true;
    });
    const deadline = Date.now() + this.#timeoutMs;
    while (Date.now() < deadline) {
      if (exited) break;
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.ok) {
          this.lastStartSeconds = (performance.now() - t0) / 1000;
          return;
        }
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const tail = readFileSync(this.logFile, "utf8").slice(-3000);
    await this.kill();
    throw new Error(
      `Cannot start the agent server: ${exited ? "it exited" : "no /health answer"} ` +
        `(log ${this.logFile}):\n${tail}`,
    );
  }

  #signal(sig: "SIGTERM" | "SIGKILL"): void {
    const pid = this.#child?.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(-pid, sig); // the whole process group: terminals the agent started too
    } catch {
      try {
        process.kill(pid, sig);
      } catch { /* already gone */ }
    }
  }

  /** Stops the server gracefully (SIGTERM, then SIGKILL after 15 s). Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#signal("SIGTERM");
    if (!await waitForExit(child, 15_000)) {
      this.#signal("SIGKILL");
      await waitForExit(child, 5_000);
    }
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#signal("SIGKILL");
    await waitForExit(child, 5_000);
  }

  /** Starts the server again on the same port, key and directories. */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.#launch();
  }

  /** Stops the server and removes its temporary root (when it created it). */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.#ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }
}

async function main(args: string[]): Promise<void> {
  const { startScriptedLlm } = await import("../tests/support/scripted_llm.ts");
  const infoIdx = args.indexOf("--info-file");
  const infoFile = infoIdx >= 0 ? args[infoIdx + 1] : undefined;
  const ref: { server?: AgentServer } = {};
  const llm = await startScriptedLlm({
    control: {
      "/_stack/kill": async () => await ref.server?.kill(),
      "/_stack/stop": async () => await ref.server?.stop(),
      "/_stack/start": async () => await ref.server?.restart(),
      "/_stack/restart": async () => await ref.server?.restart(),
    },
  });
  const t0 = performance.now();
  const server = ref.server = await AgentServer.start();
  const info = {
    serverUrl: server.url,
    apiKey: server.apiKey,
    llmUrl: llm.url,
    root: server.root,
    workspaceDir: server.workspaceDir,
    logFile: server.logFile,
    pid: process.pid,
    startSeconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    serverVersion: serverVersion(),
  };
  if (infoFile) writeFileSync(infoFile, JSON.stringify(info));
  else {
    console.log(`agent server ${info.serverVersion}: ${info.serverUrl}`);
    console.log(`API key:        ${info.apiKey}`);
    console.log(`scripted LLM:   ${info.llmUrl}/v1  (model "openai/scripted")`);
    console.log(`root:           ${info.root}`);
    console.log(`started in ${info.startSeconds} s; Ctrl-C stops both`);
  }
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await server.dispose();
    await llm.close();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  if (args.includes("--watch-parent")) {
    const parent = process.ppid;
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        void shutdown();
      }
    }, 500);
  }
}

if (import.meta.main) {
  await main(process.argv.slice(2));
}
