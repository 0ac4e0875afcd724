/**
 * Edge: a Worker (ES module, bundled with the client by esbuild) for `workerd`.
 *
 * `POST /` with a job (see `../scenario.js`) creates a conversation on the real agent server from
 * inside the Worker, runs it, and streams what happens back as NDJSON: one `{"type":"event",...}`
 * line per event as the Worker's callback gets it, then `{"type":"result",...}` (with the
 * scenario's problems) or `{"type":"error",...}`.
 *
 * `job.webSocket` picks the socket: `"global"` (default) is workerd's own `new WebSocket(url)`;
 * `"fetch"` is {@linkcode FetchWebSocket}, an adapter over `fetch(url, { headers: { Upgrade } })`
 * passed through the `WebSocket` option.
 *
 * @module
 */

import * as client from "../../../mod.ts";
import { checkScenario, runScenario } from "../scenario.js";

/**
 * The subset of the browser `WebSocket` the client uses, over workerd's `fetch` upgrade
 * (`response.webSocket` + `accept()`). Events are dispatched on the next turn, as a browser does.
 */
export class FetchWebSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  /** @param {string} url */
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    this.binaryType = "arraybuffer";
    /** @type {any} */
    this.socket = undefined;
    const httpUrl = url.replace(/^ws/, "http");
    fetch(httpUrl, { headers: { Upgrade: "websocket" } }).then((res) => {
      const ws = /** @type {any} */ (res).webSocket;
      if (!ws) {
        this.#fail(`no upgrade: HTTP ${res.status}`, 1006);
        return;
      }
      ws.accept();
      this.socket = ws;
      ws.addEventListener("message", (/** @type {MessageEvent} */ e) => {
        this.dispatchEvent(new MessageEvent("message", { data: e.data }));
      });
      ws.addEventListener("close", (/** @type {CloseEvent} */ e) => {
        this.readyState = 3;
        this.dispatchEvent(new CloseEvent("close", { code: e.code, reason: e.reason }));
      });
      ws.addEventListener("error", () => this.dispatchEvent(new Event("error")));
      if (this.readyState === 0) {
        this.readyState = 1;
        this.dispatchEvent(new Event("open"));
      } else {
        ws.close(1000, "closed before open");
      }
    }, (err) => this.#fail(String(err), 1006));
  }

  /**
   * @param {string} message
   * @param {number} code
   */
  #fail(message, code) {
    this.readyState = 3;
    const error = new Event("error");
    Object.assign(error, { message });
    this.dispatchEvent(error);
    this.dispatchEvent(new CloseEvent("close", { code, reason: "" }));
  }

  /** @param {string | ArrayBuffer} data */
  send(data) {
    if (this.readyState !== 1) throw new DOMException("not open", "InvalidStateError");
    this.socket.send(data);
  }

  /**
   * @param {number} [code]
   * @param {string} [reason]
   */
  close(code = 1000, reason = "") {
    if (this.readyState >= 2) return;
    const wasOpen = this.readyState === 1;
    this.readyState = 2;
    if (wasOpen) this.socket.close(code, reason);
  }
}

export default {
  /**
   * @param {Request} request
   * @param {unknown} _env
   * @param {{ waitUntil(p: Promise<unknown>): void }} ctx
   */
  async fetch(request, _env, ctx) {
    if (request.method !== "POST") {
      return new Response(`remote-hands worker: POST a job (${typeof WebSocket} WebSocket)\n`);
    }
    const job = await request.json();
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const send = (/** @type {Record<string, unknown>} */ obj) =>
      writer.write(encoder.encode(`${JSON.stringify(obj)}\n`)).catch(() => {});
    const WebSocketCtor = job.webSocket === "fetch" ? FetchWebSocket : undefined;
    const work = (async () => {
      try {
        const result = await runScenario(client, job, {
          ...(WebSocketCtor ? { WebSocket: WebSocketCtor } : {}),
          onEvent: (e) => void send({ type: "event", ...e }),
        });
        await send({ type: "result", ...result, problems: checkScenario(result, job) });
      } catch (err) {
        const e = /** @type {Error} */ (err);
        await send({ type: "error", error: `${e?.name}: ${e?.message}`, stack: String(e?.stack) });
      } finally {
        await writer.close().catch(() => {});
      }
    })();
    ctx.waitUntil(work);
    return new Response(readable, { headers: { "content-type": "application/x-ndjson" } });
  },
};
