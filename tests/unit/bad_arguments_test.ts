/**
 * Every bad argument fails at the call, with an exact message, before any request: the injected
 * fetch and WebSocket constructor count what would have gone out.
 */

import assert from "node:assert/strict";
import { callInit, createAgentServerClient } from "../../src/rest/client.ts";
import { type ConfirmationPolicy, ConfirmRisky } from "../../src/confirmation_policy.ts";
import { RemoteConversation } from "../../src/conversation/remote_conversation.ts";
import type { RemoteConversationOptions } from "../../src/conversation/types.ts";
import { LookupSecret, type SecretValue, StaticSecret } from "../../src/secrets.ts";
import { WebSocketCallbackClient } from "../../src/socket/websocket_client.ts";
import type { WebSocketCallbackClientOptions } from "../../src/socket/types.ts";
import { RemoteWorkspace } from "../../src/workspace/remote_workspace.ts";
import type { RemoteWorkspaceOptions } from "../../src/workspace/types.ts";
import { test } from "../support/test.ts";

const ID = "6c1b5b1e-0000-4000-8000-000000000000";
const HOST = "http://127.0.0.1:9";
const AGENT = { llm: { model: "openai/gpt-4o-mini" }, tools: [] };

/** Counts every request and socket that would leave; each one fails loudly. */
function wire(): {
  fetches: number;
  sockets: number;
  fetch: (request: Request) => Promise<Response>;
  WebSocket: typeof WebSocket;
} {
  const counts = { fetches: 0, sockets: 0 };
  class CountingWebSocket {
    constructor() {
      counts.sockets++;
      throw new Error("no socket may be opened");
    }
  }
  return {
    get fetches() {
      return counts.fetches;
    },
    get sockets() {
      return counts.sockets;
    },
    fetch: (request) => {
      counts.fetches++;
      return Promise.reject(new Error(`no request may be sent: ${request.method} ${request.url}`));
    },
    WebSocket: CountingWebSocket as unknown as typeof WebSocket,
  };
}

/** `new RemoteWorkspace(...)` on the counting wire. */
function workspace(w: ReturnType<typeof wire>, options: Partial<RemoteWorkspaceOptions> = {}) {
  return new RemoteWorkspace({
    host: HOST,
    apiKey: "sk-secret-key",
    workingDir: "/workspace",
    fetch: w.fetch,
    WebSocket: w.WebSocket,
    ...options,
  });
}

function nothingSent(w: ReturnType<typeof wire>): void {
  assert.equal(w.fetches, 0, "no HTTP request");
  assert.equal(w.sockets, 0, "no WebSocket");
}

// --- RemoteWorkspace -----------------------------------------------------------------------------

test("RemoteWorkspace: a host that is not an http(s) URL is a TypeError", () => {
  const w = wire();
  const cases: [string, string][] = [
    ["", "Cannot use the host as it is not a URL: current value is ''"],
    ["not a url", "Cannot use the host as it is not a URL: current value is 'not a url'"],
    ["127.0.0.1:8000", "Cannot use the host as it is not a URL: current value is '127.0.0.1:8000'"],
    [
      "localhost:8000",
      "Cannot use the host as its scheme must be http or https: current value is 'localhost:'",
    ],
    ["ftp://x", "Cannot use the host as its scheme must be http or https: current value is 'ftp:'"],
    ["ws://x", "Cannot use the host as its scheme must be http or https: current value is 'ws:'"],
    ["http://user:pw@h", "Cannot use the host as it contains credentials: pass apiKey instead"],
    ["http://h/?token=1", "Cannot use the host as it has a query or fragment: pass the base URL"],
    ["http://h/#x", "Cannot use the host as it has a query or fragment: pass the base URL"],
  ];
  for (const [host, message] of cases) {
    assert.throws(() => workspace(w, { host }), { name: "TypeError", message }, host);
  }
  nothingSent(w);
});

test("RemoteWorkspace: the credentials of a host are not echoed", () => {
  const w = wire();
  assert.throws(() => workspace(w, { host: "http://user:hunter2@h" }), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.ok(!err.message.includes("hunter2"), err.message);
    assert.ok(!err.message.includes("user"), err.message);
    return true;
  });
  nothingSent(w);
});

test("RemoteWorkspace: an empty or missing workingDir is a TypeError", () => {
  const w = wire();
  const message =
    "Cannot create RemoteWorkspace as 'workingDir' must be a non-empty path on the server";
  assert.throws(() => workspace(w, { workingDir: "" }), { name: "TypeError", message });
  assert.throws(() => workspace(w, { workingDir: undefined as unknown as string }), {
    name: "TypeError",
    message,
  });
  assert.throws(() => workspace(w, { workingDir: 42 as unknown as string }), {
    name: "TypeError",
    message,
  });
  nothingSent(w);
});

test("RemoteWorkspace: missing options, a non-string apiKey, bad timeoutMs or maxRetries throw", () => {
  const w = wire();
  assert.throws(
    () => new RemoteWorkspace(undefined as unknown as RemoteWorkspaceOptions),
    { name: "TypeError", message: "Cannot create RemoteWorkspace as the options are missing" },
  );
  assert.throws(() => workspace(w, { apiKey: 42 as unknown as string }), {
    name: "TypeError",
    message: "Cannot create RemoteWorkspace as 'apiKey' must be a string",
  });
  assert.throws(() => workspace(w, { timeoutMs: 0 }), {
    name: "RangeError",
    message:
      "Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is 0",
  });
  assert.throws(() => workspace(w, { maxRetries: 1.5 }), {
    name: "RangeError",
    message: "Cannot use 'maxRetries' as it must be a whole number >= 0: current value is 1.5",
  });
  nothingSent(w);
});

// --- RemoteConversation.create -------------------------------------------------------------------

/** `RemoteConversation.create` on the counting wire with `overrides`. */
function create(
  w: ReturnType<typeof wire>,
  overrides: Partial<RemoteConversationOptions>,
): Promise<RemoteConversation> {
  return RemoteConversation.create({ agent: AGENT, workspace: workspace(w), ...overrides });
}

test("RemoteConversation.create: a conversationId that is not a UUID is a TypeError", async () => {
  const w = wire();
  for (const conversationId of ["abc", "", `${ID}x`, `../${ID}`, `${ID}/events`]) {
    await assert.rejects(create(w, { conversationId }), {
      name: "TypeError",
      message:
        `Cannot use the conversation id as it is not a UUID: current value is '${conversationId}'`,
    });
  }
  nothingSent(w);
});

test("RemoteConversation.create: maxIterationPerRun must be a positive whole number", async () => {
  const w = wire();
  for (const value of [0, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    await assert.rejects(create(w, { maxIterationPerRun: value }), {
      name: "RangeError",
      message:
        `Cannot use 'maxIterationPerRun' as it must be a positive whole number: current value is ${value}`,
    });
    // With an id too: the check comes before the attach GET.
    await assert.rejects(create(w, { conversationId: ID, maxIterationPerRun: value }), RangeError);
  }
  nothingSent(w);
});

test("RemoteConversation.create: readyTimeoutMs must be a positive number a timer can wait", async () => {
  const w = wire();
  for (const value of [-5, 0, Number.NaN, Infinity, 2 ** 31]) {
    await assert.rejects(create(w, { readyTimeoutMs: value }), {
      name: "RangeError",
      message:
        `Cannot use 'readyTimeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is ${value}`,
    });
  }
  nothingSent(w);
});

test("RemoteConversation.create: an unknown confirmation policy kind is a TypeError", async () => {
  const w = wire();
  await assert.rejects(
    create(w, {
      conversationId: ID,
      confirmationPolicy: { kind: "Sometimes" } as unknown as ConfirmationPolicy,
    }),
    {
      name: "TypeError",
      message:
        "Cannot set the confirmation policy as its kind must be NeverConfirm, AlwaysConfirm or ConfirmRisky: current value is Sometimes",
    },
  );
  await assert.rejects(
    create(w, {
      confirmationPolicy: {
        kind: "ConfirmRisky",
        threshold: "UNKNOWN",
      } as unknown as ConfirmationPolicy,
    }),
    {
      name: "RangeError",
      message:
        "Cannot create ConfirmRisky as 'threshold' must be LOW, MEDIUM or HIGH: current value is UNKNOWN",
    },
  );
  nothingSent(w);
});

test("RemoteConversation.create: a bad socketProtocol or callbacks is a TypeError before any request", async () => {
  const w = wire();
  await assert.rejects(create(w, { socketProtocol: "x" as unknown as "auto" }), {
    name: "TypeError",
    message:
      "Cannot create the conversation as 'socketProtocol' must be auto, events or session: current value is x",
  });
  await assert.rejects(create(w, { callbacks: "nope" as unknown as [] }), {
    name: "TypeError",
    message: "Cannot create the conversation as 'callbacks' must be an array of functions",
  });
  await assert.rejects(create(w, { tokenCallbacks: [() => {}, "no" as unknown as () => void] }), {
    name: "TypeError",
    message: "Cannot create the conversation as 'tokenCallbacks' must be an array of functions",
  });
  nothingSent(w);
});

test("RemoteConversation.create: a visualizer without onEvent is a TypeError before any request", async () => {
  const w = wire();
  const message = "Cannot create the conversation as 'visualizer' must have an onEvent method";
  for (const visualizer of [true, null, "yes", {}, { onEvent: "no" }, () => {}]) {
    await assert.rejects(
      create(w, { visualizer: visualizer as RemoteConversationOptions["visualizer"] }),
      { name: "TypeError", message },
      String(visualizer),
    );
  }
  nothingSent(w);
});

test("RemoteConversation.create: a secret that is not a string or source is a TypeError naming the key only", async () => {
  const w = wire();
  await assert.rejects(
    create(w, { secrets: { A: 42 } as unknown as Record<string, SecretValue> }),
    (err: unknown) => {
      assert.ok(err instanceof TypeError, String(err));
      assert.equal(
        err.message,
        "Cannot update secrets as 'A' must be a string, StaticSecret or LookupSecret",
      );
      assert.ok(!err.message.includes("42"));
      return true;
    },
  );
  await assert.rejects(
    create(w, {
      conversationId: ID,
      secrets: { OK: "fine", B: { value: "leaky-value" } } as unknown as Record<
        string,
        SecretValue
      >,
    }),
    (err: unknown) => {
      assert.ok(err instanceof TypeError, String(err));
      assert.equal(
        err.message,
        "Cannot update secrets as 'B' must be a string, StaticSecret or LookupSecret",
      );
      assert.ok(!err.message.includes("leaky-value") && !err.message.includes("fine"));
      return true;
    },
  );
  await assert.rejects(create(w, { secrets: { "": "x" } }), {
    name: "TypeError",
    message: "Cannot update secrets as a secret name is empty",
  });
  await assert.rejects(
    create(w, { secrets: null as unknown as Record<string, SecretValue> }),
    {
      name: "TypeError",
      message: "Cannot update secrets as 'secrets' must be an object of name to value",
    },
  );
  nothingSent(w);
});

test("RemoteConversation.create: missing options, workspace or agent are TypeErrors", async () => {
  const w = wire();
  await assert.rejects(
    RemoteConversation.create(undefined as unknown as RemoteConversationOptions),
    { name: "TypeError", message: "Cannot create the conversation as the options are missing" },
  );
  await assert.rejects(
    RemoteConversation.create({
      agent: AGENT,
      workspace: { host: HOST } as unknown as RemoteWorkspace,
    }),
    {
      name: "TypeError",
      message: "Cannot create the conversation as 'workspace' must be a RemoteWorkspace",
    },
  );
  for (const agent of [undefined, null, "Agent"]) {
    await assert.rejects(
      create(w, { agent: agent as unknown as RemoteConversationOptions["agent"] }),
      {
        name: "TypeError",
        message: "Cannot create the conversation as 'agent' must be an agent configuration",
      },
    );
  }
  nothingSent(w);
});

test("RemoteConversation.create: an aborted signal rejects with its reason before any request", async () => {
  const w = wire();
  const reason = new Error("not now");
  await assert.rejects(create(w, { signal: AbortSignal.abort(reason) }), (err: unknown) => {
    assert.equal(err, reason);
    return true;
  });
  await assert.rejects(
    create(w, { conversationId: ID, signal: AbortSignal.abort(reason) }),
    (err: unknown) => err === reason,
  );
  nothingSent(w);
});

// --- createAgentServerClient and callInit --------------------------------------------------------

test("createAgentServerClient: timeoutMs -1 and maxRetries -1 are RangeErrors", () => {
  const w = wire();
  const cases: [Record<string, number>, string][] = [
    [
      { timeoutMs: -1 },
      "Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is -1",
    ],
    [
      { timeoutMs: 0 },
      "Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is 0",
    ],
    [
      { timeoutMs: Number.NaN },
      "Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is NaN",
    ],
    [
      { maxRetries: -1 },
      "Cannot use 'maxRetries' as it must be a whole number >= 0: current value is -1",
    ],
    [
      { maxRetries: 0.5 },
      "Cannot use 'maxRetries' as it must be a whole number >= 0: current value is 0.5",
    ],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => createAgentServerClient({ host: HOST, fetch: w.fetch, ...options }),
      { name: "RangeError", message },
      JSON.stringify(options),
    );
  }
  assert.throws(() => createAgentServerClient({ host: "ftp://x", fetch: w.fetch }), {
    name: "TypeError",
    message: "Cannot use the host as its scheme must be http or https: current value is 'ftp:'",
  });
  nothingSent(w);
});

test("callInit: a timeoutMs that is not a positive number is a RangeError", () => {
  for (const timeoutMs of [-1, 0, Number.POSITIVE_INFINITY]) {
    assert.throws(() => callInit({ timeoutMs }), {
      name: "RangeError",
      message:
        `Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is ${timeoutMs}`,
    });
  }
});

// --- WebSocketCallbackClient ---------------------------------------------------------------------

/** `new WebSocketCallbackClient(...)` on the counting wire with `overrides`. */
function socketClient(
  w: ReturnType<typeof wire>,
  overrides: Partial<WebSocketCallbackClientOptions>,
): WebSocketCallbackClient {
  return new WebSocketCallbackClient({
    host: HOST,
    conversationId: ID,
    callback: () => {},
    WebSocket: w.WebSocket,
    fetch: w.fetch,
    ...overrides,
  });
}

test("WebSocketCallbackClient: an empty conversationId or an unknown protocol is a TypeError", () => {
  const w = wire();
  assert.throws(() => socketClient(w, { conversationId: "" }), {
    name: "TypeError",
    message: "Cannot open the event socket as the conversation id is empty",
  });
  assert.throws(() => socketClient(w, { conversationId: undefined as unknown as string }), {
    name: "TypeError",
    message: "Cannot open the event socket as the conversation id is empty",
  });
  assert.throws(
    () =>
      socketClient(w, {
        protocol: "x" as unknown as WebSocketCallbackClientOptions["protocol"],
      }),
    {
      name: "TypeError",
      message:
        "Cannot open the event socket as 'protocol' must be events, session or auto: current value is x",
    },
  );
  assert.throws(() => socketClient(w, { host: "ftp://x" }), {
    name: "TypeError",
    message: "Cannot use the host as its scheme must be http or https: current value is 'ftp:'",
  });
  nothingSent(w);
});

test("WebSocketCallbackClient: invalid reconnect options are RangeErrors", () => {
  const w = wire();
  assert.throws(() => socketClient(w, { reconnect: { jitter: 2 } }), {
    name: "RangeError",
    message: "Cannot reconnect as 'jitter' must be between 0 and 1: current value is 2",
  });
  assert.throws(() => socketClient(w, { reconnect: { multiplier: 0 } }), {
    name: "RangeError",
    message: "Cannot reconnect as 'multiplier' must be a finite number >= 1: current value is 0",
  });
  assert.throws(() => socketClient(w, { reconnect: { initialDelayMs: -1 } }), {
    name: "RangeError",
    message: "Cannot reconnect as 'initialDelayMs' must be a number >= 0: current value is -1",
  });
  nothingSent(w);
});

// --- policies and secrets ------------------------------------------------------------------------

test("ConfirmRisky: threshold UNKNOWN is a RangeError", () => {
  for (const threshold of ["UNKNOWN", "high", ""]) {
    assert.throws(
      () =>
        new ConfirmRisky({
          threshold: threshold as unknown as "HIGH",
        }),
      {
        name: "RangeError",
        message:
          `Cannot create ConfirmRisky as 'threshold' must be LOW, MEDIUM or HIGH: current value is ${threshold}`,
      },
    );
  }
});

test("StaticSecret and LookupSecret: bad values are TypeErrors that do not echo them", () => {
  assert.throws(() => new StaticSecret({ value: 42 as unknown as string }), {
    name: "TypeError",
    message: "Cannot create StaticSecret as 'value' must be a string",
  });
  assert.throws(() => new LookupSecret({ url: "" }), {
    name: "TypeError",
    message: "Cannot create LookupSecret as 'url' must be a non-empty string",
  });
});
