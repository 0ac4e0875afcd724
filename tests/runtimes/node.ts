/**
 * Node: runs `node/conversation.mjs` (which imports the bundle) in a Node child process, with
 * Node 20's experimental global WebSocket or with the `ws` package passed through the `WebSocket`
 * option, and checks its `RESULT` line.
 *
 * Also what a Node consumer gets besides the JavaScript: `.d.ts` files. {@linkcode checkTypes}
 * emits declarations for `mod.ts` with `tsc --declaration --emitDeclarationOnly` into
 * `out/types/`, points `out/remote-hands.d.ts` at them, and type-checks a small consumer against
 * `out/remote-hands.js` (module resolution `nodenext` and `bundler`, no `skipLibCheck`). It also
 * runs `deno publish --dry-run`, whose slow-types check is what lets JSR's npm compatibility layer
 * generate `.d.ts` files from the source.
 *
 * @module
 */

import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertReport,
  type Job,
  makeJob,
  NODE_BIN,
  OUT_DIR,
  parseResultLine,
  REPO_ROOT,
  runProcess,
  RUNTIMES_DIR,
  type ScenarioReport,
  type StackInfo,
} from "./_common.ts";

/** The Node binary (`RH_NODE` overrides). */
export const NODE: string = process.env.RH_NODE ?? "node";

/** How the Node script gets its WebSocket. */
export type NodeSocket = "global" | "ws";

/** Node's version, e.g. `v20.20.2`. */
export async function nodeVersion(): Promise<string> {
  return (await runProcess(NODE, ["--version"])).stdout.trim().split("\n")[0] ?? "";
}

/** Runs the conversation in Node; returns its report. */
export async function testNode(
  stack: StackInfo,
  socket: NodeSocket,
  log: (line: string) => void = console.log,
): Promise<ScenarioReport> {
  const job: Job = makeJob(stack, `node-${socket}`);
  const script = join(RUNTIMES_DIR, "node", "conversation.mjs");
  let args: string[];
  if (socket === "global") {
    args = ["--experimental-websocket", script];
  } else {
    args = [script, "--ws"];
  }
  log(`$ node ${args.map((a) => a.replace(`${REPO_ROOT}/`, "")).join(" ")}`);
  const r = await runProcess(NODE, args, {
    env: { RH_JOB: JSON.stringify(job) },
    timeoutMs: job.timeoutMs + 30_000,
    onLine: (line) => {
      if (!line.startsWith("RESULT ")) log(line);
    },
  });
  const report = parseResultLine(r.stdout);
  if (r.code !== 0 && !report) {
    throw new Error(
      `node exited ${r.code ?? r.signal}${r.timedOut ? " (timeout)" : ""}:\n${
        r.stderr.slice(-3000)
      }`,
    );
  }
  const checked = assertReport(report, `node (${socket})`, r.stderr);
  if (r.code !== 0) throw new Error(`node exited ${r.code} although the checks passed`);
  return checked;
}

const CONSUMER = `import {
  type ConversationExecutionStatus,
  type Event,
  NotFoundError,
  RemoteConversation,
  RemoteWorkspace,
} from "../remote-hands.js";

export async function main(host: string, apiKey: string): Promise<ConversationExecutionStatus> {
  const workspace = new RemoteWorkspace({ host, apiKey, workingDir: "/workspace" });
  const conversation = await RemoteConversation.create({
    agent: { llm: { model: "openai/gpt-4o-mini" }, tools: [{ name: "terminal" }] },
    workspace,
    callbacks: [(event: Event) => console.log(event.kind, event.id)],
  });
  // @ts-expect-error: sendMessage takes a string or a Message, not a number
  await conversation.sendMessage(42);
  // @ts-expect-error: the workspace needs a workingDir
  new RemoteWorkspace({ host });
  try {
    return await conversation.run({ timeoutMs: 60_000 });
  } catch (err) {
    if (err instanceof NotFoundError) return "error";
    throw err;
  } finally {
    await conversation.close();
  }
}
`;

const CONSUMER_WS = `import { WebSocket } from "ws";
import { RemoteWorkspace } from "../remote-hands.js";

export const workspace = new RemoteWorkspace({
  host: "http://127.0.0.1:8000",
  workingDir: "/workspace",
  WebSocket,
});
`;

/** What {@linkcode checkTypes} found. */
export interface TypesReport {
  /** `.d.ts` files emitted. */
  files: number;
  /** Diagnostics tsc reported on the source while emitting (emit happens anyway). */
  sourceDiagnostics: string[];
  /** Errors of a consumer passing the ws package's WebSocket (with @types/ws) as the option. */
  wsDiagnostics: string[];
  /** TypeScript's version. */
  tsVersion: string;
}

/** Emits `.d.ts` files for `mod.ts` and type-checks a consumer of the bundle against them. */
export async function checkTypes(log: (line: string) => void = console.log): Promise<TypesReport> {
  const tsc = join(NODE_BIN, "tsc");
  const tsVersion = (await runProcess(tsc, ["--version"])).stdout.trim();
  const typesDir = join(OUT_DIR, "types");
  rmSync(typesDir, { recursive: true, force: true });
  const dtsDir = join(OUT_DIR, "dts");
  mkdirSync(dtsDir, { recursive: true });
  writeFileSync(
    join(dtsDir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["es2022", "dom", "esnext.disposable"],
          strict: true,
          exactOptionalPropertyTypes: true,
          declaration: true,
          emitDeclarationOnly: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: [],
          rootDir: REPO_ROOT,
          outDir: typesDir,
        },
        files: [join(REPO_ROOT, "mod.ts")],
      },
      null,
      2,
    ),
  );
  log(`$ tsc -p out/dts/tsconfig.json (${tsVersion}; --declaration --emitDeclarationOnly)`);
  const emit = await runProcess(tsc, ["-p", join(dtsDir, "tsconfig.json")]);
  const sourceDiagnostics = emit.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
  for (const d of sourceDiagnostics) log(`tsc on the source: ${d}`);
  if (!existsSync(join(typesDir, "mod.d.ts"))) {
    throw new Error(`tsc emitted no mod.d.ts:\n${emit.stdout}${emit.stderr}`);
  }
  const files = (await runProcess("find", [typesDir, "-name", "*.d.ts"])).stdout.trim()
    .split("\n").length;
  log(`emitted ${files} .d.ts files into out/types/`);
  writeFileSync(join(OUT_DIR, "remote-hands.d.ts"), `export * from "./types/mod.ts";\n`);

  const consumerDir = join(OUT_DIR, "consumer");
  mkdirSync(consumerDir, { recursive: true });
  writeFileSync(join(consumerDir, "consumer.ts"), CONSUMER);
  for (const resolution of ["nodenext", "bundler"]) {
    const config = join(consumerDir, `tsconfig.${resolution}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: resolution === "bundler" ? "esnext" : "nodenext",
          moduleResolution: resolution,
          lib: ["es2022", "dom", "esnext.disposable"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ["consumer.ts"],
      }),
    );
    const r = await runProcess(tsc, ["-p", config]);
    if (r.code !== 0) {
      throw new Error(`the consumer does not type-check (${resolution}):\n${r.stdout}${r.stderr}`);
    }
    log(`a consumer of out/remote-hands.js + .d.ts type-checks (moduleResolution ${resolution})`);
  }

  // Node 20 users pass the ws package's WebSocket: does its type fit the option?
  writeFileSync(join(consumerDir, "consumer_ws.ts"), CONSUMER_WS);
  const wsConfig = join(consumerDir, "tsconfig.ws.json");
  writeFileSync(
    wsConfig,
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        lib: ["es2022", "dom", "esnext.disposable"],
        strict: true,
        noEmit: true,
        types: [],
      },
      files: ["consumer_ws.ts"],
    }),
  );
  const ws = await runProcess(tsc, ["-p", wsConfig]);
  const wsDiagnostics = ws.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
  if (ws.code === 0) {
    log("passing ws's WebSocket as the WebSocket option type-checks");
  } else {
    if (wsDiagnostics.length === 0) throw new Error(`tsc failed:\n${ws.stdout}${ws.stderr}`);
    for (const d of wsDiagnostics) log(`note: ws's WebSocket as the option needs a cast: ${d}`);
  }

  log("$ deno publish --dry-run --allow-dirty (JSR: slow types decide the npm layer's .d.ts)");
  const publish = await runProcess(process.execPath, ["publish", "--dry-run", "--allow-dirty"], {
    env: { NO_COLOR: "1" },
  });
  const publishOut = `${publish.stdout}${publish.stderr}`;
  if (publish.code !== 0) throw new Error(`deno publish --dry-run failed:\n${publishOut}`);
  log(publishOut.includes("Success") ? "JSR dry run: no slow types, publishable" : publishOut);
  return { files, sourceDiagnostics, wsDiagnostics, tsVersion };
}
