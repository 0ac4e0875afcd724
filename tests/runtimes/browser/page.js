/**
 * The browser page's script: loads the job from `/job.json`, the bundle from `/remote-hands.js`,
 * runs the shared scenario and renders every event into the DOM as it arrives. The outcome ends up
 * in `#status` (`finished` or `failed: ...`), `data-done` on `<body>` and `globalThis.__result`.
 *
 * @module
 */

// Served beside this page by the static server (the bundle is built into out/, the scenario lives
// in tests/runtimes/): loaded by URL so that `deno check` does not look for them next to this file.
const here = (/** @type {string} */ name) => new URL(name, import.meta.url).href;
const client = await import(here("./remote-hands.js"));
const { checkScenario, runScenario } = await import(here("./scenario.js"));

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

async function main() {
  const job = await (await fetch("./job.json")).json();
  $("server").textContent = job.serverUrl;
  $("status").textContent = "running";
  const result = await runScenario(client, job, {
    onEvent: (/** @type {{ kind: string, source: string, text: string }} */ e) => {
      const li = document.createElement("li");
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = e.kind;
      const source = document.createElement("span");
      source.className = "source";
      source.textContent = ` [${e.source}] `;
      li.append(kind, source, e.text);
      $("events").append(li);
    },
  });
  $("conversation").textContent = result.conversationId;
  const problems = checkScenario(result, job);
  $("status").textContent = problems.length === 0 ? result.status : `failed: ${result.status}`;
  $("status").className = problems.length === 0 ? result.status : "failed";
  $("problems").textContent = problems.join("\n");
  return { ...result, problems };
}

main().then(
  (result) => {
    Object.assign(globalThis, { __result: result });
    document.body.dataset.done = "true";
  },
  (err) => {
    const text = `${err?.name ?? "Error"}: ${err?.message ?? String(err)}`;
    $("status").textContent = `failed: ${text}`;
    $("status").className = "failed";
    Object.assign(globalThis, { __result: { error: text, stack: String(err?.stack ?? "") } });
    document.body.dataset.done = "true";
  },
);
