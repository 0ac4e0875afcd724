/**
 * The layering rules, checked on the source tree: file size, no type escapes, REST paths only in
 * the resource layer, web standards only, no import cycle, and a public surface that exposes no
 * private module. Each rule names the offending files, so a failure says where to look.
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "../support/test.ts";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const ENTRY_POINTS = ["mod.ts", "visualizer.ts", "manager.ts", "browser.ts"];
const MAX_LINES = 400;

/** Every `.ts` file under `dir` (relative to the repo root), sorted. */
function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(join(ROOT, path)).sort()) {
      const child = `${path}/${name}`;
      if (statSync(join(ROOT, child)).isDirectory()) walk(child);
      else if (name.endsWith(".ts")) out.push(child);
    }
  };
  walk(dir);
  return out;
}

function read(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/** The code of a file with comments removed (string contents are kept). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const LIBRARY = sources("src");
const CLI = sources("cli");

test("no file in src/ or cli/ is over 400 lines", () => {
  const long = [...LIBRARY, ...CLI]
    .map((path) => ({ path, lines: read(path).split("\n").length - 1 }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `${f.path} (${f.lines})`);
  assert.deepEqual(long, []);
});

test("src/ has no `as never`, `as any` or `as unknown as`", () => {
  const escapes = LIBRARY.filter((path) => /\bas (never|any|unknown as)\b/.test(code(read(path))));
  assert.deepEqual(escapes, []);
});

test("src/ imports no node: modules (web standards only)", () => {
  const offenders = LIBRARY.filter((path) =>
    /from\s+["']node:|import\(\s*["']node:/.test(read(path))
  );
  assert.deepEqual(offenders, []);
});

test("REST and socket paths are written only in src/rest/", () => {
  const route = /["'`]\/(api|sockets)\/|["'`]\/(ready|alive|health|server_info)["'`?]/;
  const offenders = [...ENTRY_POINTS, ...LIBRARY, ...CLI]
    .filter((path) => !path.startsWith("src/rest/"))
    .filter((path) => route.test(code(read(path))));
  assert.deepEqual(offenders, []);
});

/** The relative imports of a file, resolved to repo paths. */
function importsOf(path: string): string[] {
  const found: string[] = [];
  const pattern = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;
  for (const match of code(read(path)).matchAll(pattern)) {
    found.push(relative(ROOT, resolve(ROOT, dirname(path), match[1]!)));
  }
  return found;
}

test("there is no import cycle among the library's modules", () => {
  const files = [...ENTRY_POINTS, ...LIBRARY, ...CLI];
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => i.endsWith(".ts"))]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, "done");
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});

test("the entry points re-export nothing from private (_name) modules", () => {
  const offenders = ENTRY_POINTS.flatMap((entry) =>
    importsOf(entry).filter((i) => /(^|\/)_[^/]*\.ts$/.test(i)).map((i) => `${entry}: ${i}`)
  );
  assert.deepEqual(offenders, []);
});
