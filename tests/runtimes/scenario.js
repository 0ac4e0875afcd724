/**
 * The one conversation every runtime drives, in plain JavaScript so that Node, a browser page and
 * a Worker run this very file: create a conversation on the real agent server (scripted LLM), send
 * the job's message (a `terminal` script: one command, then `finish`), run it, and summarize what
 * happened. {@linkcode checkScenario} turns the summary into a list of problems (empty: passed);
 * the runtime itself and the Deno driver both check it.
 *
 * The client is passed in (`client`: the bundle's module), since each runtime loads it its own way.
 *
 * @module
 */

/**
 * @typedef {object} Job What the driver asks a runtime to do.
 * @property {string} runtime A label, e.g. `node`.
 * @property {string} serverUrl The agent server.
 * @property {string} apiKey Its session API key.
 * @property {string} workspaceDir The agent's working directory on the server.
 * @property {Record<string, unknown>} agent The agent config (scripted LLM, terminal tool).
 * @property {string} message The user message, with the scripted LLM's marker.
 * @property {string} expectOutput Text the terminal command prints (not in the command itself).
 * @property {string} expectFinish The agent's finish message.
 * @property {number} [timeoutMs] Bound of the run.
 */

/**
 * @typedef {object} EventLine One event, shortened for printing and checking.
 * @property {string} kind
 * @property {string} source
 * @property {string} text
 */

/**
 * @typedef {object} ScenarioResult What {@linkcode runScenario} saw.
 * @property {string} conversationId
 * @property {string} status What `run()` resolved with.
 * @property {string | undefined} agentStatus The cached state's status after the run.
 * @property {EventLine[]} live Events delivered to the callback, in order.
 * @property {EventLine[]} history The conversation's event list after the run.
 * @property {string[]} errors What `onError` reported.
 * @property {{ create: number, run: number, total: number }} ms Durations.
 */

// deno-lint-ignore no-control-regex
const ANSI = /\u001b\[[0-9;?]*[a-zA-Z]/g;

/**
 * One line per event: `kind`, `source` and the part a person reads.
 * @param {{ contentText: (c: unknown) => string }} client
 * @param {Record<string, any>} e
 * @returns {EventLine}
 */
export function eventLine(client, e) {
  let text = "";
  switch (e.kind) {
    case "MessageEvent":
      text = client.contentText(e.llm_message?.content);
      break;
    case "ActionEvent": {
      const a = e.action ?? {};
      text = `${e.tool_name}: ${a.command ?? a.message ?? a.thought ?? ""}`;
      break;
    }
    case "ObservationEvent":
      text = `${e.tool_name}: ${
        client.contentText(e.observation?.content).replace(ANSI, "").trim()
      }`;
      break;
    case "ConversationStateUpdateEvent":
      text = e.key === "full_state"
        ? `full_state ${e.value?.execution_status}`
        : `${e.key}=${typeof e.value === "object" ? "{...}" : String(e.value)}`;
      break;
    case "ConversationErrorEvent":
      text = `${e.code}: ${e.detail}`;
      break;
    default:
      text = "";
  }
  return { kind: String(e.kind), source: String(e.source), text: text.slice(0, 300) };
}

/**
 * Runs the job's conversation with the given client module.
 * @param {Record<string, any>} client The bundle's exports (`RemoteConversation`, ...).
 * @param {Job} job
 * @param {{ WebSocket?: unknown, onEvent?: (line: EventLine) => void }} [options]
 * @returns {Promise<ScenarioResult>}
 */
export async function runScenario(client, job, options = {}) {
  const { RemoteConversation, RemoteWorkspace } = client;
  const t0 = Date.now();
  const workspace = new RemoteWorkspace({
    host: job.serverUrl,
    apiKey: job.apiKey,
    workingDir: job.workspaceDir,
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
  });
  /** @type {EventLine[]} */
  const live = [];
  /** @type {string[]} */
  const errors = [];
  const conversation = await RemoteConversation.create({
    agent: job.agent,
    workspace,
    autotitle: false,
    stuckDetection: false,
    callbacks: [(/** @type {Record<string, any>} */ e) => {
      const line = eventLine(client, e);
      live.push(line);
      options.onEvent?.(line);
    }],
    onError: (/** @type {unknown} */ err) => errors.push(String(err)),
  });
  const t1 = Date.now();
  try {
    await conversation.sendMessage(job.message);
    const status = await conversation.run({ timeoutMs: job.timeoutMs ?? 120_000 });
    const t2 = Date.now();
    return {
      conversationId: String(conversation.id),
      status,
      agentStatus: conversation.state.agentStatus,
      live,
      history: conversation.state.events.slice().map((
        /** @type {Record<string, any>} */ e,
      ) => eventLine(client, e)),
      errors,
      ms: { create: t1 - t0, run: t2 - t1, total: t2 - t0 },
    };
  } finally {
    await conversation.close();
  }
}

/**
 * What is wrong with a result (empty: the scenario passed).
 * @param {ScenarioResult} r
 * @param {Job} job
 * @returns {string[]}
 */
export function checkScenario(r, job) {
  const problems = [];
  if (r.status !== "finished") problems.push(`run() resolved ${r.status}, not finished`);
  if (r.agentStatus !== "finished") problems.push(`state.agentStatus is ${r.agentStatus}`);
  const has = (/** @type {EventLine[]} */ list, /** @type {(e: EventLine) => boolean} */ f) =>
    list.some(f);
  if (
    !has(
      r.history,
      (e) => e.kind === "MessageEvent" && e.source === "user" && e.text === job.message,
    )
  ) {
    problems.push("the history has no user message with the job's text");
  }
  const output = (/** @type {EventLine} */ e) =>
    e.kind === "ObservationEvent" && e.text.startsWith("terminal:") &&
    e.text.includes(job.expectOutput);
  if (!has(r.history, output)) {
    problems.push(
      `the history has no terminal observation with ${JSON.stringify(job.expectOutput)}`,
    );
  }
  if (!has(r.live, output)) problems.push("the callbacks never saw the terminal observation");
  const finish = (/** @type {EventLine} */ e) =>
    e.kind === "ActionEvent" && e.text === `finish: ${job.expectFinish}`;
  if (!has(r.history, finish)) problems.push("the history has no finish action");
  // `full_state` snapshots are never stored, so only the event WebSocket can have delivered one.
  if (
    !has(
      r.live,
      (e) => e.kind === "ConversationStateUpdateEvent" && e.text.startsWith("full_state"),
    )
  ) {
    problems.push("no state update arrived: the event WebSocket delivered nothing");
  }
  if (r.errors.length > 0) problems.push(`onError: ${r.errors.join("; ")}`);
  return problems;
}
