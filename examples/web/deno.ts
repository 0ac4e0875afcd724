/**
 * The web view under `Deno.serve`: `deno run -A examples/web/deno.ts`, then open
 * `http://127.0.0.1:8787/?c=<conversation id>` (or POST `/api/conversations` for a new one). The
 * port comes from `PORT` (default 8787); the agent server from the variables of `../_env.ts`.
 *
 * @module
 */

import process from "node:process";
import { configFromEnv } from "./_config.ts";
import { webApp } from "./app.ts";

const handler = webApp(await configFromEnv());
const port = Number(process.env.PORT ?? 8787);
Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => console.log(`listening on ${port}`) },
  handler,
);
