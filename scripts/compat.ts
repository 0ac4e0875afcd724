/**
 * Runs the integration suite against another release of the agent server.
 *
 * `deno task compat <version> [--resolve] [--no-test] [--print-lock] [-- <deno test args>]`
 *
 * 1. Lock: the pin (`AGENT_SERVER_VERSION`) uses `python/requirements.lock`; any other release uses
 *    `python/compat/<version>.lock`, resolved here once with pip (`--resolve` does it again):
 *    `openhands-agent-server`, `openhands-sdk` and `openhands-tools` at that version in lock step,
 *    wheels only (no compiler needed) except the pure-Python sdists in `PURE_PYTHON_SDISTS`, and the
 *    pin's closure as preferred versions (a constraint the release rejects is dropped and named in
 *    the lock's header). A dependency floor the index does not have (as `certifi>=2026.10.19` for
 *    1.58.2) is satisfied during resolution by an empty placeholder wheel and locked at the newest
 *    release the index has; the lock is installed with `--no-deps`, like the pin's.
 * 2. Install: `ensureAgentServerInstalled()` with `REMOTE_HANDS_SERVER_VERSION=<version>`, into
 *    its own cached virtualenv (`agent-server-<version>-py312-<lock hash>`).
 * 3. Probe: starts that server with the same harness (`AgentServer`) and records what it offers:
 *    the session socket, first-frame auth, and which REST paths the client calls are missing.
 * 4. Test: `deno test -A tests/integration/` with `REMOTE_HANDS_SERVER_VERSION` set (the fixture
 *    starts that release), then prints a table of every test and a summary line. Results go to
 *    `out/compat/<version>.{json,log,junit.xml}`. Nothing is skipped; a failure is a result.
 *
 * `--print-lock` only resolves, to stdout (for the pin too: its package lines are those of
 * `python/requirements.lock`, which is how to regenerate it after a pin change). `--no-test` stops
 * after the probe.
 *
 * Exit code: 0 when every test passed, 1 when some failed, 2 when install or start failed.
 *
 * @module
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AGENT_SERVER_VERSION,
  ensureAgentServerInstalled,
  findPython312,
  REPO_ROOT,
  venvDir,
} from "./_agent_server_install.ts";

/** Released without wheels; pure Python, so building them needs no compiler. */
const PURE_PYTHON_SDISTS = ["func-timeout"];
/**
 * Upper bounds older releases need but do not declare (found by `deno task compat`): a release
 * below `below` gets `requirement` as a constraint, in place of the pin's version of that package.
 */
const KNOWN_CAPS: ReadonlyArray<{ below: string; requirement: string; why: string }> = [
  {
    below: "1.48.0",
    requirement: "fastapi<0.155",
    why:
      "Query(lte=...) in bash_router; FastAPI 0.155 dropped extra Query kwargs (TypeError at start)",
  },
];
/** Released together; always the same version. */
const LOCKSTEP = ["openhands-agent-server", "openhands-sdk", "openhands-tools"];
const PIN_LOCK = join(REPO_ROOT, "python", "requirements.lock");
const OUT_DIR = join(REPO_ROOT, "out", "compat");

const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, "-");
const log = (line: string): void => console.error(`[compat] ${line}`);

interface Run {
  code: number;
  output: string;
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  cwd: string = REPO_ROOT,
): Promise<Run> {
  const out = await new Deno.Command(cmd, { args, env, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, output: text };
}

function parseLock(text: string): Map<string, { name: string; version: string }> {
  const pins = new Map<string, { name: string; version: string }>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$/.exec(line);
    if (m) pins.set(normalize(m[1]!), { name: m[1]!, version: m[2]! });
  }
  return pins;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pb = b.split(/[.+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0, y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** An empty wheel `name==version` (metadata only) so the resolver accepts a missing floor. */
async function placeholderWheel(python: string, dir: string, name: string, version: string) {
  const script = `
import sys, zipfile
d, name, version = sys.argv[1:4]
dist = name.replace("-", "_")
info = f"{dist}-{version}.dist-info"
with zipfile.ZipFile(f"{d}/{dist}-{version}-py3-none-any.whl", "w") as z:
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n")
    z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\\nGenerator: remote-hands-compat\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(f"{info}/RECORD", "")
`;
  const r = await run(python, ["-c", script, dir, name, version]);
  if (r.code !== 0) throw new Error(`Cannot build a placeholder wheel for ${name}: ${r.output}`);
}

/** Resolves the closure of `version` with pip and returns the lock file's text. */
async function resolveLock(version: string): Promise<string> {
  const python = findPython312();
  const tmp = await Deno.makeTempDir({ prefix: "remote-hands-compat-" });
  const links = join(tmp, "placeholders");
  mkdirSync(links);
  const preferred = parseLock(readFileSync(PIN_LOCK, "utf8"));
  for (const name of LOCKSTEP) preferred.delete(name);
  const caps = KNOWN_CAPS.filter((c) => compareVersions(version, c.below) < 0);
  for (const cap of caps) {
    preferred.delete(normalize(/^[A-Za-z0-9._-]+/.exec(cap.requirement)![0]));
    log(`constraint ${cap.requirement}: ${cap.why}`);
  }
  const dropped: string[] = [];
  /** name → { floor asked for, real release locked instead } */
  const placeholders = new Map<string, { floor: string; real: string; spec: string }>();
  const pipVersion = (await run(python, ["-m", "pip", "--version"])).output.split(" ")[1] ?? "?";
  const report = join(tmp, "report.json");
  for (let attempt = 1;; attempt++) {
    if (attempt > 25) throw new Error(`Cannot resolve ${version}: too many attempts (${tmp})`);
    const constraints = join(tmp, "constraints.txt");
    writeFileSync(
      constraints,
      [...preferred.values()].map((p) => `${p.name}==${p.version}\n`).join("") +
        caps.map((c) => `${c.requirement}\n`).join(""),
    );
    const args = [
      "-m",
      "pip",
      "install",
      "--dry-run",
      "--ignore-installed",
      "--disable-pip-version-check",
      "--no-input",
      "--report",
      report,
      "--only-binary=:all:",
      `--no-binary=${PURE_PYTHON_SDISTS.join(",")}`,
      "--find-links",
      links,
      "-c",
      constraints,
      ...LOCKSTEP.map((n) => `${n}==${version}`),
    ];
    const t0 = Date.now();
    log(`resolving ${version} with pip ${pipVersion} (attempt ${attempt}) ...`);
    const r = await run(python, args);
    const text = r.output.split("\n").filter((l) => !l.startsWith("WARNING: Location")).join(
      "\n",
    );
    writeFileSync(join(tmp, `pip-${attempt}.log`), text);
    if (r.code === 0) {
      log(`resolved in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      break;
    }
    // A preferred (pin) version this release rejects: let pip choose.
    const conflicts = [...text.matchAll(/The user requested \(constraint\) ([A-Za-z0-9._-]+)==/g)]
      .map((m) => normalize(m[1]!)).filter((n) => preferred.has(n));
    if (conflicts.length) {
      for (const n of new Set(conflicts)) {
        dropped.push(`${n} ${preferred.get(n)!.version}`);
        preferred.delete(n);
      }
      log(`not the pin's version for: ${[...new Set(conflicts)].join(", ")}`);
      continue;
    }
    const missing =
      /Could not find a version that satisfies the requirement ([A-Za-z0-9._-]+)(?:\[[^\]]*\])?([^ ]*) \(from ([^)]*)\)\s*\(from versions: ([^)]*)\)/
        .exec(text);
    if (missing) {
      const [, name, spec, from, list] = missing as unknown as string[];
      const n = normalize(name!);
      const available = list!.split(",").map((s) => s.trim()).filter((s) => s && s !== "none");
      const floor = /^>=([0-9][0-9A-Za-z.]*)$/.exec(spec!)?.[1];
      if (available.length === 0) {
        throw new Error(
          `Cannot resolve ${version}: ${name} has no wheel on the index (wanted by ${from}). If it ` +
            `is pure Python, add it to PURE_PYTHON_SDISTS in scripts/compat.ts. pip log: ${tmp}`,
        );
      }
      if (!floor || placeholders.has(n) || preferred.has(n)) {
        throw new Error(`Cannot resolve ${version}:\n${text.slice(-3000)}`);
      }
      const real = available.sort(compareVersions).at(-1)!;
      if (compareVersions(real, floor) >= 0) {
        throw new Error(`Cannot resolve ${version}:\n${text.slice(-3000)}`);
      }
      log(`${name}${spec} (from ${from}) is not on the index; locking ${real}, the newest it has`);
      await placeholderWheel(python, links, n, floor);
      placeholders.set(n, { floor, real, spec: `${name}${spec}` });
      continue;
    }
    throw new Error(`Cannot resolve ${version} (pip log in ${tmp}):\n${text.slice(-3000)}`);
  }
  const resolved = JSON.parse(readFileSync(report, "utf8")) as {
    install: Array<
      { metadata: { name: string; version: string }; download_info: { url: string } }
    >;
  };
  const lines: string[] = [];
  const sdists: string[] = [];
  for (const item of resolved.install) {
    const { name, version: v } = item.metadata;
    const n = normalize(name);
    const url = item.download_info.url;
    const placeholder = placeholders.get(n);
    if (placeholder) {
      lines.push(
        `${name}==${placeholder.real}  # the release asks for ${placeholder.spec}, not on the index`,
      );
      continue;
    }
    if (!url.endsWith(".whl")) sdists.push(name);
    lines.push(`${name}==${v}`);
  }
  for (const name of LOCKSTEP) {
    const got = resolved.install.find((i) => normalize(i.metadata.name) === name)?.metadata.version;
    if (got !== version) throw new Error(`Cannot resolve ${version}: ${name} resolved to ${got}`);
  }
  const unexpected = sdists.filter((s) => !PURE_PYTHON_SDISTS.includes(normalize(s)));
  if (unexpected.length) {
    throw new Error(`Cannot resolve ${version}: sdists other than the allowed ones: ${unexpected}`);
  }
  // By name, code point order (as python/requirements.lock).
  const key = (line: string): string => line.split("==")[0]!.toLowerCase();
  lines.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const moved = [
    ...dropped.filter((d) => !placeholders.has(d.split(" ")[0]!)),
    ...[...placeholders].map(([n, p]) => `${n} (floor ${p.floor} not on the index)`),
  ];
  const header = [
    `# openhands-agent-server, openhands-sdk and openhands-tools ${version}: the full resolved`,
    `# closure, installed with --no-deps. Written by \`deno task compat ${version} --resolve\``,
    `# (pip ${pipVersion}, Python 3.12, ${new Date().toISOString().slice(0, 10)}).`,
    `# Preferred versions: python/requirements.lock (the pin's closure);`,
    `# not the pin's here: ${moved.length ? moved.join(", ") : "none"}.`,
    ...caps.map((c) => `# ${c.requirement}: ${c.why}.`),
    `# Wheels only (no compiler needed), except the pure-Python sdists below.`,
    `--only-binary :all:`,
    `--no-binary ${PURE_PYTHON_SDISTS.join(",")}`,
  ];
  return [...header, ...lines, ""].join("\n");
}

// --- probe -------------------------------------------------------------------------------------

interface Probe {
  installedVersion: string;
  /** `GET /server_info`: `version` / `sdk_version` as the running server reports them. */
  serverInfo: string;
  startSeconds: number;
  sessionSocket: string;
  eventsSocketFirstFrameAuth: string;
  restPaths: number;
  missingClientPaths: string[];
}

/** Opens a socket to an unknown conversation with first-frame auth; says how it ended. */
function socketProbe(url: string, apiKey: string): Promise<string> {
  return new Promise((resolve) => {
    let opened = false;
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.close();
      resolve(`no answer in 15 s (opened: ${opened})`);
    }, 15_000);
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify({ type: "auth", session_api_key: apiKey }));
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      clearTimeout(timer);
      resolve(
        opened
          ? `opened, then closed ${ev.code} ${ev.reason}`
          : "refused at the upgrade (no route)",
      );
    };
  });
}

/** The `/api/...` paths the client's source calls (string literals in `src/`). */
function clientPaths(): string[] {
  const paths = new Set<string>();
  const dir = join(REPO_ROOT, "src");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    for (const m of readFileSync(join(dir, f), "utf8").matchAll(/["`](\/api\/[^"`$?]+)["`]/g)) {
      if (m[1] !== "/api/x") paths.add(m[1]!);
    }
  }
  return [...paths].sort();
}

async function probe(version: string, python: string): Promise<Probe> {
  const { AgentServer } = await import("./agent_server.ts");
  const installed = await run(python, [
    "-c",
    "import importlib.metadata as m; print(m.version('openhands-agent-server'))",
  ]);
  const installedVersion = installed.output.trim();
  if (installedVersion !== version) {
    throw new Error(`The virtualenv holds openhands-agent-server ${installedVersion}`);
  }
  const server = await AgentServer.start({ log });
  try {
    const uuid = crypto.randomUUID();
    const ws = server.url.replace(/^http/, "ws");
    const sessionSocket = await socketProbe(`${ws}/sockets/session/${uuid}`, server.apiKey);
    const eventsSocket = await socketProbe(`${ws}/sockets/events/${uuid}`, server.apiKey);
    const infoRes = await fetch(`${server.url}/server_info`, {
      headers: { "X-Session-API-Key": server.apiKey },
    });
    const about = infoRes.ok
      ? await infoRes.json() as { version?: string; sdk_version?: string }
      : undefined;
    if (!infoRes.ok) await infoRes.body?.cancel();
    const serverInfo = about
      ? `version ${about.version}, sdk_version ${about.sdk_version}`
      : `HTTP ${infoRes.status}`;
    const res = await fetch(`${server.url}/openapi.json`);
    const spec = res.ok ? await res.json() as { paths?: Record<string, unknown> } : {};
    if (!res.ok) await res.body?.cancel();
    const paths = Object.keys(spec.paths ?? {});
    return {
      installedVersion,
      serverInfo,
      startSeconds: Number(server.lastStartSeconds.toFixed(1)),
      sessionSocket,
      eventsSocketFirstFrameAuth: eventsSocket,
      restPaths: paths.length,
      missingClientPaths: res.ok ? clientPaths().filter((p) => !paths.includes(p)) : ["(no spec)"],
    };
  } finally {
    await server.dispose();
  }
}

// --- tests -------------------------------------------------------------------------------------

interface TestResult {
  file: string;
  name: string;
  status: "passed" | "failed" | "ignored";
  seconds: number;
  reason?: string;
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, "&");
}

// deno-lint-ignore no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "");

function parseJunit(xml: string): TestResult[] {
  const results: TestResult[] = [];
  for (const suite of xml.matchAll(/<testsuite\b([^>]*)>([\s\S]*?)<\/testsuite>/g)) {
    const file = unescapeXml(/\bname="([^"]*)"/.exec(suite[1]!)?.[1] ?? "?")
      .replace(/^.*?tests\/integration\//, "");
    for (
      const tc of suite[2]!.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)
    ) {
      const attrs = tc[1]!;
      const body = tc[2] ?? "";
      const name = unescapeXml(/\bname="([^"]*)"/.exec(attrs)?.[1] ?? "?");
      const seconds = Number(/\btime="([^"]*)"/.exec(attrs)?.[1] ?? 0);
      const failure = /<failure\b([^>]*?)(?:\/>|>([\s\S]*?)<\/failure>)/.exec(body);
      if (failure) {
        const message = unescapeXml(/\bmessage="([^"]*)"/.exec(failure[1]!)?.[1] ?? "");
        const detail = stripAnsi(unescapeXml(failure[2] ?? ""));
        results.push({
          file,
          name,
          seconds,
          status: "failed",
          reason: stripAnsi(message || detail).trim(),
        });
      } else if (/<skipped\b/.test(body)) {
        results.push({ file, name, seconds, status: "ignored" });
      } else results.push({ file, name, seconds, status: "passed" });
    }
  }
  return results;
}

async function runSuite(
  version: string,
  extra: string[],
): Promise<{ results: TestResult[]; seconds: number; summary: string; code: number }> {
  const junit = join(OUT_DIR, `${version}.junit.xml`);
  const logPath = join(OUT_DIR, `${version}.log`);
  const t0 = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", `--junit-path=${junit}`, ...extra, "tests/integration/"],
    cwd: REPO_ROOT,
    env: { REMOTE_HANDS_SERVER_VERSION: version, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const file = await Deno.open(logPath, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let summary = "";
  // The JUnit report names the file that called Deno.test (tests/support/test.ts), so each test's
  // file comes from the "running N tests from <file>" lines of the pretty output.
  let currentFile = "?";
  let inErrors = false;
  const seen: Array<{ file: string; name: string }> = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      await file.write(encoder.encode(chunk));
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const plain = stripAnsi(line);
        const from = /^running \d+ tests? from (\S+)/.exec(plain);
        if (from) currentFile = from[1]!.replace(/^.*?tests\/integration\//, "");
        const result = /^(.*) \.\.\. (ok|FAILED|ignored)\b/.exec(plain.trim());
        if (result) {
          seen.push({ file: currentFile, name: result[1]! });
          console.error(`  ${plain.trim()}`);
        } else if (/^(ok|FAILED) \| \d+ passed/.test(plain)) summary = plain.trim();
        else if (/^ ERRORS\s*$/.test(plain)) inErrors = true;
        else if (!inErrors && /^(error|Uncaught)/.test(plain)) console.error(`  ${plain.trim()}`);
      }
    }
  };
  await Promise.all([pump(child.stdout), pump(child.stderr)]);
  const { code } = await child.status;
  file.close();
  const results = existsSync(junit) ? parseJunit(readFileSync(junit, "utf8")) : [];
  for (const r of results) {
    const i = seen.findIndex((s) => s.name === r.name);
    if (i >= 0) r.file = seen.splice(i, 1)[0]!.file;
  }
  return { results, seconds: (Date.now() - t0) / 1000, summary, code };
}

function shorten(s: string, n: number): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function table(results: TestResult[]): string {
  const rows = results.map((r, i) => [
    String(i + 1),
    r.file.replace(/_test\.ts$/, ""),
    r.name,
    r.status === "passed" ? "ok" : r.status === "failed" ? "FAIL" : "ignored",
    `${r.seconds.toFixed(1)}s`,
    r.reason ? shorten(r.reason, 160) : "",
  ]);
  const head = ["#", "file", "test", "result", "time", "why"];
  const widths = head.map((h, c) =>
    Math.min(c === 2 ? 90 : 200, Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  );
  const fmt = (r: string[]) =>
    "| " + r.map((cell, c) => shorten(cell, widths[c]! + 1).padEnd(widths[c]!)).join(" | ") + " |";
  return [fmt(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(fmt)]
    .join("\n");
}

// --- main --------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const args = dash >= 0 ? argv.slice(0, dash) : argv;
  const extra = dash >= 0 ? argv.slice(dash + 1) : [];
  const version = args.find((a) => !a.startsWith("--"));
  if (!version || !/^\d+\.\d+\.\d+$/.test(version) || args.includes("--help")) {
    console.error(
      "usage: deno task compat <version> [--resolve] [--no-test] [--print-lock] [-- <deno test args>]\n" +
        `  e.g. deno task compat 1.44.1   (the pin is ${AGENT_SERVER_VERSION})`,
    );
    return 2;
  }
  if (args.includes("--print-lock")) {
    // Resolve only, to stdout (the pin too: how python/requirements.lock is regenerated).
    console.log(await resolveLock(version));
    return 0;
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const t0 = Date.now();
  Deno.env.set("REMOTE_HANDS_SERVER_VERSION", version);
  let python: string;
  let info: Probe;
  try {
    if (version !== AGENT_SERVER_VERSION) {
      const lock = join(REPO_ROOT, "python", "compat", `${version}.lock`);
      if (!existsSync(lock) || args.includes("--resolve")) {
        const text = await resolveLock(version);
        mkdirSync(join(REPO_ROOT, "python", "compat"), { recursive: true });
        writeFileSync(lock, text);
        log(`wrote ${lock}`);
      }
    }
    log(`virtualenv: ${venvDir()}`);
    python = await ensureAgentServerInstalled(log);
    const check = await run(python, ["-m", "pip", "check"]);
    if (check.code !== 0) log(`pip check (informational):\n${check.output.trim()}`);
    info = await probe(version, python);
  } catch (err) {
    log(`FAILED before the tests: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  log(
    `server ${info.installedVersion} up in ${info.startSeconds} s; /server_info: ${info.serverInfo}; ` +
      `session socket: ` +
      `${info.sessionSocket}; events socket (first-frame auth): ` +
      `${info.eventsSocketFirstFrameAuth}; ${info.restPaths} REST paths; client paths missing: ` +
      `${info.missingClientPaths.length ? info.missingClientPaths.join(", ") : "none"}`,
  );
  if (args.includes("--no-test")) return 0;
  log(
    `deno test -A tests/integration/ ${extra.join(" ")} (REMOTE_HANDS_SERVER_VERSION=${version})`,
  );
  const suite = await runSuite(version, extra);
  const { results } = suite;
  const count = (s: TestResult["status"]) => results.filter((r) => r.status === s).length;
  console.log(table(results));
  for (const r of results.filter((r) => r.status === "failed")) {
    console.log(
      `\nFAIL ${r.file} > ${r.name}\n  ${r.reason?.split("\n").slice(0, 12).join("\n  ")}`,
    );
  }
  const line = `compat ${version}: ${count("passed")} passed, ${count("failed")} failed, ` +
    `${count("ignored")} ignored of ${results.length} tests in ${suite.seconds.toFixed(0)} s ` +
    `(deno test exit ${suite.code}; session socket ${
      info.sessionSocket.startsWith("opened") ? "yes" : "no"
    }; total ${((Date.now() - t0) / 1000).toFixed(0)} s)`;
  console.log(`\n${line}`);
  if (suite.summary) console.log(`deno test: ${suite.summary}`);
  if (results.length === 0 || (suite.code !== 0 && count("failed") === 0)) {
    console.log(`deno test failed outside any test: see out/compat/${version}.log`);
  }
  writeFileSync(
    join(OUT_DIR, `${version}.json`),
    JSON.stringify({ version, probe: info, summary: line, results }, null, 2),
  );
  return suite.code === 0 && count("failed") === 0 && results.length > 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
