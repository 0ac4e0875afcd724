/**
 * The socket routes and the probes' request/answer part (`src/rest/sockets.ts`), the probes'
 * timeout/abort bookkeeping (`_probes.ts`), and where a new connection resumes (`_resume.ts`).
 */

import assert from "node:assert/strict";
import { probeConversation, probeReady, socketUrl } from "../../../src/rest/sockets.ts";
import { Probes } from "../../../src/socket/_probes.ts";
import { type ResumeFacts, resumeQuery } from "../../../src/socket/_resume.ts";
import { test } from "../../support/test.ts";

const signal = (): AbortSignal => new AbortController().signal;

test("socketUrl keeps the path prefix, encodes the id, maps https to wss and adds the query", () => {
  const query = new URLSearchParams([["resend_mode", "since"], ["after_timestamp", "a b"]]);
  assert.equal(
    socketUrl("https://agent.test/rt", "events", "c/1", query).href,
    "wss://agent.test/rt/sockets/events/c%2F1?resend_mode=since&after_timestamp=a+b",
  );
  assert.equal(
    socketUrl("http://agent.test", "session", "c1").href,
    "ws://agent.test/sockets/session/c1",
  );
});

test("probeReady GETs /ready without the key, manual redirects; the body is cancelled", async () => {
  let seen: Request | undefined;
  let cancelled = false;
  const body = new ReadableStream({ cancel: () => void (cancelled = true) });
  const answer = await probeReady(
    (request) => {
      seen = request;
      return Promise.resolve(
        new Response(body, { status: 503, headers: { "content-type": "text/plain" } }),
      );
    },
    "http://agent.test/rt",
    signal(),
  );
  assert.deepEqual(answer, { status: 503, json: false });
  assert.equal(seen?.url, "http://agent.test/rt/ready");
  assert.equal(seen?.method, "GET");
  assert.equal(seen?.redirect, "manual");
  assert.equal(seen?.headers.has("X-Session-API-Key"), false);
  assert.equal(cancelled, true);
});

test("probeConversation sends the key and gives the request's path", async () => {
  let key: string | null = null;
  const answer = await probeConversation(
    (request) => {
      key = request.headers.get("X-Session-API-Key");
      return Promise.resolve(Response.json({ detail: "Not Found" }, { status: 404 }));
    },
    "http://agent.test/rt",
    "secret",
    "c 1",
    signal(),
  );
  assert.equal(key, "secret");
  assert.deepEqual(answer, {
    status: 404,
    json: true,
    request: { method: "GET", path: "/rt/api/conversations/c%201" },
  });
});

test("probeConversation without a key sends no key header", async () => {
  let has = true;
  await probeConversation(
    (request) => {
      has = request.headers.has("X-Session-API-Key");
      return Promise.resolve(new Response(null, { status: 200 }));
    },
    "http://agent.test",
    undefined,
    "c1",
    signal(),
  );
  assert.equal(has, false);
});

test("a 3xx, an opaque redirect or a failed fetch is no answer", async () => {
  const redirect = () =>
    Promise.resolve(new Response(null, { status: 307, headers: { location: "/x" } }));
  assert.equal(await probeReady(redirect, "http://agent.test", signal()), undefined);
  const opaque = () =>
    Promise.resolve(
      { type: "opaqueredirect", status: 0, headers: new Headers(), body: null } as Response,
    );
  assert.equal(await probeReady(opaque, "http://agent.test", signal()), undefined);
  const failing = () => Promise.reject(new TypeError("network down"));
  assert.equal(
    await probeConversation(failing, "http://agent.test", "k", "c1", signal()),
    undefined,
  );
});

test("Probes.run gives the answer, or undefined when the work throws", async () => {
  const probes = new Probes();
  assert.equal(await probes.run(() => Promise.resolve(42)), 42);
  assert.equal(await probes.run(() => Promise.reject(new Error("x"))), undefined);
  assert.equal(
    await probes.run(() => {
      throw new Error("sync");
    }),
    undefined,
  );
  assert.deepEqual(probes.abortAll(), [], "nothing left in flight");
});

test("Probes.abortAll ends a probe whose work ignores the signal, and waits for it to settle", async () => {
  const probes = new Probes();
  let finish!: () => void;
  let aborted: unknown;
  const answer = probes.run((s) => {
    s.addEventListener("abort", () => (aborted = s.reason));
    return new Promise<number>((resolve) => (finish = () => resolve(1)));
  });
  const waits = probes.abortAll();
  assert.equal(waits.length, 1);
  assert.equal(await answer, undefined);
  assert.ok(aborted instanceof DOMException && aborted.name === "AbortError");
  let settled = false;
  void waits[0]!.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(settled, false, "done waits for the work itself");
  finish();
  await waits[0];
});

function facts(overrides: Partial<ResumeFacts>): ResumeFacts {
  return {
    protocol: "session",
    lastSeq: undefined,
    sessionReplay: "live",
    resumeAfter: undefined,
    report: () => assert.fail("nothing to report"),
    ...overrides,
  };
}

test("session socket: after_seq is the cursor, else -1 for replay 'all', else none", () => {
  const show = (f: ResumeFacts): [string, number | undefined] => {
    const { query, afterSeq } = resumeQuery(f);
    return [query.toString(), afterSeq];
  };
  assert.deepEqual(show(facts({ lastSeq: 4, sessionReplay: "all" })), ["after_seq=4", 4]);
  assert.deepEqual(show(facts({ sessionReplay: "all" })), ["after_seq=-1", -1]);
  assert.deepEqual(show(facts({ resumeAfter: () => "t" })), ["", undefined]);
});

test("events socket: resumeAfter gives since/all/live; a throw is reported and resends all", () => {
  const show = (resumeAfter: ResumeFacts["resumeAfter"], report?: ResumeFacts["report"]): string =>
    resumeQuery(
      facts({ protocol: "events", lastSeq: 3, resumeAfter, ...(report ? { report } : {}) }),
    )
      .query.toString();
  assert.equal(show(undefined), "");
  assert.equal(
    show(() => "2026-01-01T00:00:00"),
    "resend_mode=since&after_timestamp=2026-01-01T00%3A00%3A00",
  );
  assert.equal(show(() => undefined), "resend_mode=all");
  assert.equal(show(() => null), "");
  const reported: string[] = [];
  const query = show(() => {
    throw new Error("no store");
  }, (error) => void reported.push(error.message));
  assert.equal(query, "resend_mode=all");
  assert.deepEqual(reported, ["resumeAfter threw, so all events are resent: no store"]);
});
