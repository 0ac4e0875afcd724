/**
 * `deno task chaos`: fault injection at full scale against a real agent server of its own.
 *
 * Starts the scripted LLM and the pinned agent server (`AgentServer`, whose kill/stop/restart are
 * the scenarios' `control`), then runs every scenario of `tests/chaos/scenarios.ts` at a larger
 * scale than the integration test (cuts: 68 conversations of 50 steps x 3 cuts, 4 at a time, at
 * least 100 live cuts the socket resumed mid-run and 10,000 events checked against the server's
 * log; hygiene: 1000 cycles; two crash restarts and a graceful one), the frame fuzzer of
 * `tests/chaos/fuzz_frames.ts` when it exists (100000 frames), the session-envelope fuzzer
 * (`tests/chaos/fuzz_session_frames.ts`, 100000 frames), the hostile-server suite (`tests/hostile/`
 * under Deno and Bun: `hostile_cases`, `hostile_failures`, `redirect_leaks`, `unbounded_requests`,
 * `uncaught`, all but the first must be 0), and the frozen-REST probe. Progress
 * goes to stderr; stdout gets ONE JSON line with the figures. Exit code 1 when an invariant
 * failed.
 *
 * ```sh
 * deno task chaos                    # full scale
 * deno task chaos --scale small      # the integration test's scale, for a quick look
 * deno task chaos --only cuts,hygiene # some scenarios only (partial runs always exit 1)
 * ```
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import { AgentServer } from "./agent_server.ts";
import { type HostileFigures, hostileFigures } from "./_hostile_suite.ts";
import { fuzzSessionFrames } from "../tests/chaos/fuzz_session_frames.ts";
import { startScriptedLlm } from "../tests/support/scripted_llm.ts";
import {
  type ChaosEnv,
  cuts,
  frozenRest,
  frozenRestFailures,
  hygiene,
  invariantFailures,
  restart,
  type ScenarioMetrics,
  serverGone,
  slowConsumer,
  tooManySubscribers,
} from "../tests/chaos/scenarios.ts";

const args = process.argv.slice(2);
const scaleIdx = args.indexOf("--scale");
const small = scaleIdx >= 0 && args[scaleIdx + 1] === "small";
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? new Set((args[onlyIdx + 1] ?? "").split(",")) : undefined;
const scale = {
  // Many short runs, a few at a time: the server's cost per step grows with the conversation's
  // length, so 50-step runs check the most events per second of server time.
  conversations: small ? 2 : 68,
  cutsPerConversation: 3,
  cutSteps: small ? undefined : 50,
  cutsParallel: small ? 1 : 4,
  minResumedCuts: small ? 0 : 100,
  minCutEvents: small ? 0 : 10_000,
  restarts: small ? 1 : 2,
  hygieneCycles: small ? 20 : 1000,
  fuzzFrames: small ? 2000 : 100_000,
};

const t0 = performance.now();
function log(line: string): void {
  process.stderr.write(`[chaos ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
}

// Anything thrown outside a scenario's own handling is a crash.
let unhandled = 0;
const onUnhandled = (what: string) => (reason: unknown): void => {
  unhandled++;
  log(`${what}: ${reason instanceof Error ? reason.message : String(reason)}`);
};
process.on("unhandledRejection", onUnhandled("unhandled rejection"));
process.on("uncaughtException", onUnhandled("uncaught exception"));

log(`scale ${small ? "small" : "full"}: ${JSON.stringify(scale)}`);
const llm = await startScriptedLlm();
const server = await AgentServer.start({ log });
log(`agent server on ${server.url} (started in ${server.lastStartSeconds.toFixed(1)} s)`);

let disposed = false;
async function dispose(): Promise<void> {
  if (disposed) return;
  disposed = true;
  await server.dispose().catch(() => {});
  await llm.close().catch(() => {});
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    void dispose().then(() => process.exit(130));
  });
}

const env: ChaosEnv = {
  serverUrl: server.url,
  apiKey: server.apiKey,
  llmUrl: llm.url,
  workspaceDir: server.workspaceDir,
  control: async (action) => {
    if (action === "kill") await server.kill();
    else if (action === "stop") await server.stop();
    else await server.restart(); // start and restart: same port, key and directories
  },
  log,
};

const failures: string[] = [];
const srcBugs: string[] = [];
const scenarioErrors: string[] = [];

async function step<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  if (only && !only.has(name.split(" ")[0]!)) return undefined;
  log(`${name}: start`);
  const started = performance.now();
  try {
    const result = await run();
    log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (err) {
    const message = `${name}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : err}`;
    log(message);
    scenarioErrors.push(message);
    failures.push(message);
    return undefined;
  }
}

function checked<M extends ScenarioMetrics>(m: M | undefined, limits = {}): M | undefined {
  if (m) {
    const broken = invariantFailures(m, limits);
    for (const f of broken) log(`INVARIANT FAILED ${f}`);
    failures.push(...broken);
  }
  return m;
}

let result: Record<string, unknown> = {};
try {
  const cutsM = checked(
    await step("cuts", () =>
      cuts(env, {
        conversations: scale.conversations,
        cutsPerConversation: scale.cutsPerConversation,
        parallel: scale.cutsParallel,
        ...(scale.cutSteps ? { steps: scale.cutSteps } : {}),
      })),
    {
      cutsPerConversation: scale.cutsPerConversation,
      minResumedCuts: scale.minResumedCuts,
      minEventsChecked: scale.minCutEvents,
    },
  );
  const restartM = checked(
    await step("restart (SIGKILL)", () => restart(env, { restarts: scale.restarts })),
  );
  const gracefulM = checked(
    await step("restart (SIGTERM)", () => restart(env, { restarts: 1, mode: "stop" })),
  );
  const goneM = checked(await step("serverGone", () => serverGone(env, { runTimeoutMs: 6000 })));
  const subsM = checked(
    await step("tooManySubscribers", () => tooManySubscribers(env, { maxClients: 60 })),
  );
  const slowSession = checked(
    await step("slowConsumer (session)", () => slowConsumer(env, { socketProtocol: "session" })),
  );
  const slowEvents = checked(
    await step("slowConsumer (events)", () => slowConsumer(env, { socketProtocol: "events" })),
  );
  const hygieneM = checked(
    await step("hygiene", () => hygiene(env, { cycles: scale.hygieneCycles })),
  );

  // The frame fuzzer is written by another helper; run it when it is there.
  let fuzz: Record<string, unknown> | undefined;
  const fuzzPath = new URL("../tests/chaos/fuzz_frames.ts", import.meta.url);
  if (existsSync(fuzzPath)) {
    fuzz = await step("fuzzFrames", async () => {
      const mod = await import(fuzzPath.href) as {
        fuzzFrames: (options: { frames: number }) => Promise<Record<string, unknown>>;
      };
      return await mod.fuzzFrames({ frames: scale.fuzzFrames });
    });
    if (fuzz) {
      const num = (k: string): number | undefined =>
        typeof fuzz![k] === "number" ? fuzz![k] as number : undefined;
      const expect = (ok: boolean, what: string): void => {
        if (!ok) {
          log(`INVARIANT FAILED fuzzFrames: ${what}`);
          failures.push(`fuzzFrames: ${what}`);
        }
      };
      expect(num("crashes") === 0, `crashes ${fuzz.crashes}`);
      if ("polluted" in fuzz) expect(!fuzz.polluted, `polluted ${fuzz.polluted}`);
      if (num("bad") !== undefined && num("reported") !== undefined) {
        expect(num("bad") === num("reported"), `reported ${fuzz.reported} of ${fuzz.bad} bad`);
      }
      if (num("good") !== undefined && num("delivered") !== undefined) {
        expect(
          num("good") === num("delivered"),
          `delivered ${fuzz.delivered} of ${fuzz.good} good`,
        );
      }
      if (num("good") !== undefined && num("bad") !== undefined) {
        expect(
          num("good")! + num("bad")! === num("fuzz_frames"),
          `good + bad != fuzz_frames (${fuzz.good} + ${fuzz.bad} != ${fuzz.fuzz_frames})`,
        );
      }
      log(`fuzzFrames: ${JSON.stringify(fuzz)}`);
    }
  } else {
    log("fuzzFrames: tests/chaos/fuzz_frames.ts does not exist; skipped");
  }

  // The session socket's envelope: every field of every frame type with every JSON type.
  const sessionFuzz = await step(
    "fuzzSessionFrames",
    () => fuzzSessionFrames({ frames: scale.fuzzFrames }),
  );
  if (sessionFuzz) {
    const f = sessionFuzz;
    const broken = [
      f.crashes === 0 ? "" : `crashes ${f.crashes}`,
      f.uncaught === 0 ? "" : `uncaught ${f.uncaught}`,
      f.polluted ? "polluted" : "",
      f.reported === f.bad ? "" : `reported ${f.reported} of ${f.bad} bad`,
      f.delivered === f.good ? "" : `delivered ${f.delivered} of ${f.good} good`,
      f.good + f.bad + f.silent === f.session_frames ? "" : "good + bad + silent != session_frames",
      f.session_frames >= scale.fuzzFrames ? "" : `only ${f.session_frames} frames`,
    ].filter(Boolean);
    for (const b of broken) log(`INVARIANT FAILED fuzzSessionFrames: ${b}`);
    failures.push(...broken.map((b) => `fuzzSessionFrames: ${b}`));
    log(`fuzzSessionFrames: ${JSON.stringify(f)}`);
  }

  // The hostile-server suite (tests/hostile/, loopback fakes) under Deno and Bun.
  const hostile: HostileFigures | undefined = await step("hostile", () => hostileFigures(log));
  if (hostile) {
    for (const key of Object.keys(hostile) as Array<keyof HostileFigures>) {
      if (key !== "hostile_cases" && hostile[key] !== 0) {
        log(`INVARIANT FAILED hostile: ${key} ${hostile[key]}`);
        failures.push(`hostile: ${key} ${hostile[key]}`);
      }
    }
    if (hostile.hostile_cases === 0) failures.push("hostile: no case ran");
  }

  // Probe beyond the required invariants: REST hangs while the socket flows.
  const frozen = await step("frozenRest (probe)", () => frozenRest(env));
  if (frozen) {
    const bugs = frozenRestFailures(frozen);
    for (const b of bugs) log(`FAILED ${b}`);
    failures.push(...bugs);
    if (frozen.secret_leaks > 0) failures.push(`frozenRest: secret_leaks ${frozen.secret_leaks}`);
  }

  const sum = (...values: Array<number | undefined>): number =>
    values.reduce<number>((a, v) => a + (v ?? 0), 0);
  const all: Array<ScenarioMetrics | undefined> = [
    cutsM,
    restartM,
    gracefulM,
    goneM,
    subsM,
    slowSession,
    slowEvents,
    hygieneM,
  ];
  result = {
    cuts: cutsM?.cuts ?? 0,
    cuts_resumed: cutsM?.cuts_resumed ?? 0,
    restarts: sum(restartM?.restarts, gracefulM?.restarts),
    events_checked: sum(
      cutsM?.events_checked,
      restartM?.events_checked,
      gracefulM?.events_checked,
      slowSession?.events_checked,
      slowEvents?.events_checked,
    ),
    lost: sum(
      cutsM?.lost,
      restartM?.lost,
      gracefulM?.lost,
      slowSession?.lost,
      slowEvents?.lost,
    ),
    duplicated: sum(
      cutsM?.duplicated,
      restartM?.duplicated,
      gracefulM?.duplicated,
      slowSession?.duplicated,
      slowEvents?.duplicated,
    ),
    fuzz_frames: typeof fuzz?.fuzz_frames === "number" ? fuzz.fuzz_frames : 0,
    session_fuzz_frames: sessionFuzz?.session_frames ?? 0,
    hostile_cases: hostile?.hostile_cases ?? 0,
    hostile_failures: hostile?.hostile_failures ?? null,
    redirect_leaks: hostile?.redirect_leaks ?? null,
    unbounded_requests: hostile?.unbounded_requests ?? null,
    uncaught: hostile === undefined && sessionFuzz === undefined
      ? null
      : (hostile?.uncaught ?? 0) + (sessionFuzz?.uncaught ?? 0) + unhandled,
    crashes: (typeof fuzz?.crashes === "number" ? fuzz.crashes : 0) + unhandled,
    secret_leaks: sum(...all.map((m) => m?.secret_leaks), frozen?.secret_leaks),
    leaked_resources: hygieneM?.leaked_resources ?? null,
    // cuts
    cut_conversations: cutsM?.conversations,
    cuts_all_connections: cutsM?.cuts_all_connections,
    connections_cut: cutsM?.connections_cut,
    websocket_connections: cutsM?.websocket_connections,
    steps_per_cut_run: cutsM?.steps_per_run,
    cut_outcomes: cutsM?.outcomes,
    extra: sum(
      cutsM?.extra,
      restartM?.extra,
      gracefulM?.extra,
      slowSession?.extra,
      slowEvents?.extra,
    ),
    misordered: sum(
      cutsM?.misordered,
      restartM?.misordered,
      gracefulM?.misordered,
      slowSession?.misordered,
      slowEvents?.misordered,
    ),
    // restarts
    restart_outcomes: [...(restartM?.outcome ?? []), ...(gracefulM?.outcome ?? [])],
    restart_settle_seconds: [
      ...(restartM?.settle_seconds ?? []),
      ...(gracefulM?.settle_seconds ?? []),
    ],
    restart_start_seconds: [
      ...(restartM?.start_seconds ?? []),
      ...(gracefulM?.start_seconds ?? []),
    ],
    // server gone
    attempts: goneM?.attempts,
    attempt_offsets_ms: goneM?.attempt_offsets_ms,
    gone_run_seconds: goneM?.run_seconds,
    gone_run_outcome: goneM?.run_outcome,
    closed_port_error: goneM?.closed_port_error,
    closed_port_seconds: goneM?.closed_port_seconds,
    // subscribers
    subscribers_at_limit: subsM?.subscribers_at_limit,
    limit_close: subsM?.limit_close,
    recovered: subsM?.recovered,
    recovery_seconds: subsM?.recovery_seconds,
    // slow consumer
    slow_events: sum(slowSession?.slow_events, slowEvents?.slow_events),
    slow_heap_mib: slowSession &&
      [slowSession.heap_before_mib, slowSession.heap_after_mib, slowEvents?.heap_after_mib],
    // hygiene
    hygiene_cycles: hygieneM?.cycles,
    fds_before: hygieneM?.fds_before,
    fds_after: hygieneM?.fds_after,
    hygiene_heap_mib: hygieneM && [hygieneM.heap_before_mib, hygieneM.heap_after_mib],
    hygiene_cycle_ms: hygieneM?.cycle_ms,
    // fuzz and probes
    fuzz: fuzz ?? null,
    session_fuzz: sessionFuzz ?? null,
    frozen_rest: frozen
      ? {
        run_timeout_ms: frozen.run_timeout_ms,
        before_run_seconds: frozen.before_run_seconds,
        before_run_outcome: frozen.before_run_outcome,
        mid_run_seconds: frozen.mid_run_seconds,
        mid_run_outcome: frozen.mid_run_outcome,
        mid_run_socket_finished_seconds: frozen.mid_run_socket_finished_seconds,
        frozen_close_settled: frozen.frozen_close_settled,
        frozen_close_seconds: frozen.frozen_close_seconds,
      }
      : null,
    scenario_seconds: Object.fromEntries(
      Object.entries({
        cuts: cutsM,
        restart: restartM,
        restart_graceful: gracefulM,
        serverGone: goneM,
        tooManySubscribers: subsM,
        slowConsumer_session: slowSession,
        slowConsumer_events: slowEvents,
        hygiene: hygieneM,
        frozenRest: frozen,
      }).filter(([, m]) => m !== undefined).map(([name, m]) => [name, m!.seconds]),
    ),
    notes: [...all, frozen].flatMap((m) => m?.notes.map((n) => `${m.scenario}: ${n}`) ?? []),
    scenario_errors: scenarioErrors,
    src_bugs: srcBugs,
    failures,
  };
} finally {
  await dispose();
}

if (only) failures.push(`partial run: --only ${[...only].join(",")}`);
const ok = failures.length === 0;
const line = {
  ok,
  ...result,
  failures,
  seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
};
process.stdout.write(`${JSON.stringify(line)}\n`);
log(ok ? "all invariants held" : `${failures.length} invariant(s) failed`);
process.exit(ok ? 0 : 1);
