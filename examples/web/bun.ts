/**
 * The web view under `Bun.serve`: `bun run examples/web/bun.ts`, then open
 * `http://127.0.0.1:8787/?c=<conversation id>`. The port comes from `PORT` (default 8787); the
 * agent server from the variables of `../_env.ts`.
 *
 * @module
 */

import process from "node:process";
import { configFromEnv } from "./_config.ts";
import { webApp } from "./app.ts";

declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch: (request: Request) => Promise<Response>;
  }): unknown;
};

const handler = webApp(await configFromEnv());
const port = Number(process.env.PORT ?? 8787);
// idleTimeout 0: an event stream may stay quiet longer than Bun's default 10 s between heartbeats.
Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch: handler });
console.log(`listening on ${port}`);
