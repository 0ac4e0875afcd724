/**
 * Installs the pinned agent server into a cached virtualenv outside the repo.
 *
 * The virtualenv lives under `$REMOTE_HANDS_CACHE` (default `~/.cache/remote-hands`) in a folder
 * named after the pinned version and a hash of `python/requirements.lock`, so a change of pin or
 * lock builds a fresh one and every later run reuses it. Runs under Deno and Bun (node: APIs).
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The agent server release this project pins. */
export const AGENT_SERVER_VERSION = "1.58.2";

/** The repository root (this file lives in `scripts/`). */
export const REPO_ROOT: string = dirname(dirname(fileURLToPath(import.meta.url)));

const LOCK_FILE = join(REPO_ROOT, "python", "requirements.lock");

/**
 * The server release to install and run: `$REMOTE_HANDS_SERVER_VERSION` (a compatibility run, see
 * `scripts/compat.ts`), else the pin. Read on every call.
 */
export function serverVersion(): string {
  return process.env.REMOTE_HANDS_SERVER_VERSION || AGENT_SERVER_VERSION;
}

/** The lock file of {@linkcode serverVersion}: the pin's, or `python/compat/<version>.lock`. */
export function lockFile(): string {
  const version = serverVersion();
  if (version === AGENT_SERVER_VERSION) return LOCK_FILE;
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(
      `Cannot install the agent server as REMOTE_HANDS_SERVER_VERSION must be a release like 1.44.1: current value is ${version}`,
    );
  }
  const file = join(REPO_ROOT, "python", "compat", `${version}.lock`);
  if (!existsSync(file)) {
    throw new Error(
      `Cannot install the agent server ${version} as ${file} is missing: run 'deno task compat ${version}'`,
    );
  }
  return file;
}

/** Where cached virtualenvs and downloads go. */
export function cacheDir(): string {
  const env = process.env;
  return env.REMOTE_HANDS_CACHE ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "remote-hands");
}

/** Finds a Python 3.12 interpreter: `$PYTHON312`, pyenv's 3.12.x, or `python3.12` on PATH. */
export function findPython312(): string {
  const explicit = process.env.PYTHON312;
  if (explicit) return explicit;
  const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  const versions = join(pyenvRoot, "versions");
  if (existsSync(versions)) {
    const found = readdirSync(versions).filter((v) => /^3\.12\.\d+$/.test(v)).sort((a, b) =>
      Number(b.split(".")[2]) - Number(a.split(".")[2])
    );
    for (const v of found) {
      const bin = join(versions, v, "bin", "python3.12");
      if (existsSync(bin)) return bin;
    }
  }
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const bin = join(dir, "python3.12");
    if (dir && existsSync(bin)) return bin;
  }
  throw new Error(
    "Cannot install the agent server as no Python 3.12 was found: set PYTHON312 to a python3.12 " +
      "binary or install 3.12 with pyenv",
  );
}

/** The cached virtualenv folder for the current version and its lock file. */
export function venvDir(): string {
  const lock = readFileSync(lockFile());
  const hash = createHash("sha256").update(lock).digest("hex").slice(0, 12);
  return join(cacheDir(), `agent-server-${serverVersion()}-py312-${hash}`);
}

function run(
  cmd: string,
  args: string[],
  log: (line: string) => void,
  env: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let tail = "";
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else {
        log(tail);
        reject(
          new Error(`Cannot install the agent server: '${cmd} ${args.join(" ")}' exited ${code}`),
        );
      }
    });
  });
}

/**
 * Makes sure the pinned server is installed and returns the virtualenv's python.
 *
 * Installs every package of `python/requirements.lock` with `--no-deps`: the lock is the full,
 * resolved closure. (The 1.58.2 wheels ask for `certifi>=2026.10.19`, a release the package index
 * reachable here does not have; the lock holds the newest one it has, see README.)
 */
export async function ensureAgentServerInstalled(
  log: (line: string) => void = (l) => console.error(l),
): Promise<string> {
  const dir = venvDir();
  const python = join(dir, "bin", "python");
  const stamp = join(dir, ".remote-hands-installed");
  if (existsSync(stamp)) return python;
  mkdirSync(cacheDir(), { recursive: true });
  const lockDir = `${dir}.lock`;
  const started = Date.now();
  // A second process installing the same venv waits for the first (mkdir is atomic).
  while (true) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      if (existsSync(stamp)) return python;
      if (Date.now() - started > 15 * 60_000) {
        throw new Error(`Cannot install the agent server: ${lockDir} is held; remove it if stale`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (existsSync(stamp)) return python;
    rmSync(dir, { recursive: true, force: true });
    const base = findPython312();
    log(`Installing openhands-agent-server ${serverVersion()} into ${dir} (first run only)`);
    const t0 = Date.now();
    await run(base, ["-m", "venv", dir], log);
    await run(python, ["-m", "pip", "install", "--quiet", "--no-deps", "-r", lockFile()], log);
    // litellm fetches a price list at import unless told to use its bundled copy.
    await run(
      python,
      ["-c", "import openhands.sdk, openhands.agent_server, openhands.tools"],
      log,
      {
        LITELLM_LOCAL_MODEL_COST_MAP: "True",
        OPENHANDS_SUPPRESS_BANNER: "1",
      },
    );
    writeFileSync(stamp, `${serverVersion()}\n`);
    log(`Installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return python;
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  console.log(await ensureAgentServerInstalled());
}
