/**
 * Keeps `generated/` in sync with the pinned agent server.
 *
 * 1. Builds the server's public OpenAPI document offline, from the installed pinned package
 *    (`openhands.agent_server.openapi.build_public_openapi`: no server is started).
 * 2. Writes it to `generated/openapi.json` exactly as the server serializes it (sorted keys).
 * 3. Runs openapi-typescript on it and writes `generated/openapi.ts` with a do-not-edit header.
 *
 * `--check` writes nothing and exits 1 when either file differs from what the pin produces.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import openapiTS, { astToString, UNKNOWN } from "openapi-typescript";
import {
  AGENT_SERVER_VERSION,
  ensureAgentServerInstalled,
  REPO_ROOT,
} from "./_agent_server_install.ts";

const JSON_OUT = join(REPO_ROOT, "generated", "openapi.json");
const TS_OUT = join(REPO_ROOT, "generated", "openapi.ts");
const OPENAPI_TS_VERSION: string =
  JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/openapi-typescript/package.json"), "utf8"))
    .version;

const EXPORT_SPEC = `
import sys
from openhands.agent_server.openapi import build_public_openapi, serialize_openapi
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write(serialize_openapi(build_public_openapi()))
`;

/** Exports the public OpenAPI document of the installed pinned server, as the server writes it. */
export async function exportSpec(): Promise<string> {
  const python = await ensureAgentServerInstalled();
  const dir = mkdtempSync(join(tmpdir(), "remote-hands-codegen-"));
  try {
    const out = join(dir, "openapi.json");
    // A clean environment and a scratch cwd/HOME: the server reads config at import time.
    const env = {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: dir,
      LANG: "C.UTF-8",
      OPENHANDS_SUPPRESS_BANNER: "1",
      LITELLM_LOCAL_MODEL_COST_MAP: "True",
      OH_ENABLE_VSCODE: "false",
      OH_PRELOAD_TOOLS: "false",
      OH_SECRET_KEY: "codegen-only",
      LOG_LEVEL: "ERROR",
    };
    await new Promise<void>((resolve, reject) => {
      let stderr = "";
      const child = spawn(python, ["-c", EXPORT_SPEC, out], {
        cwd: dir,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr.on("data", (c: Uint8Array) => (stderr = (stderr + c).slice(-4000)));
      child.on("error", reject);
      child.on(
        "close",
        (code) =>
          code === 0
            ? resolve()
            : reject(new Error(`Cannot export the OpenAPI spec: python exited ${code}\n${stderr}`)),
      );
    });
    return readFileSync(out, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Json = Record<string, unknown>;

/**
 * The server's discriminator mappings are keyed by internal names
 * (`openhands__sdk__agent__agent__Agent-Input__1`), not by the `kind` values sent on the wire
 * (`Agent`). openapi-typescript types `kind` from the mapping keys, so re-key each mapping by the
 * target schema's `const` for the discriminator property. The JSON file stays as the server wrote it.
 */
export function fixDiscriminators(spec: Json): number {
  const schemas = ((spec.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  let fixed = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    const obj = node as Json;
    const disc = obj.discriminator as
      | { propertyName?: string; mapping?: Record<string, string> }
      | undefined;
    if (disc?.mapping && disc.propertyName) {
      const mapping: Record<string, string> = {};
      for (const [key, ref] of Object.entries(disc.mapping)) {
        const target = schemas[ref.replace("#/components/schemas/", "")];
        const props = target?.properties as Record<string, Json> | undefined;
        const value = props?.[disc.propertyName]?.const;
        mapping[typeof value === "string" ? value : key] = ref;
        if (typeof value === "string" && value !== key) fixed++;
      }
      disc.mapping = mapping;
    }
    for (const value of Object.values(obj)) visit(value);
  };
  visit(spec);
  return fixed;
}

/** Generates the TypeScript types for a spec. */
export async function generateTypes(specText: string): Promise<string> {
  const spec = JSON.parse(specText) as Json;
  fixDiscriminators(spec);
  const ast = await openapiTS(spec as never, {
    // Fields with a server-side default stay optional: request bodies may leave them out.
    defaultNonNullable: false,
    // `JSONValue` refers to itself through indexed access, which TypeScript rejects (TS2502):
    // it becomes `unknown`, which is what an arbitrary JSON value is to a caller anyway.
    transform(_schema, metadata) {
      return metadata.path === "#/components/schemas/JSONValue" ? UNKNOWN : undefined;
    },
  });
  const header = [
    "// This file was generated by scripts/codegen.ts. Do not make direct changes to the file.",
    `// Source: generated/openapi.json (openhands-agent-server ${AGENT_SERVER_VERSION}),`,
    `// through openapi-typescript ${OPENAPI_TS_VERSION}. Run \`deno task codegen\` to update it.`,
    "// deno-lint-ignore-file",
    "",
  ].join("\n");
  return header + astToString(ast);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const spec = await exportSpec();
  const version = JSON.parse(spec).info?.version;
  if (version !== AGENT_SERVER_VERSION) {
    console.error(
      `The installed server reports version ${version}, expected ${AGENT_SERVER_VERSION}`,
    );
    return 1;
  }
  const types = await generateTypes(spec);
  if (check) {
    const stale = [
      [JSON_OUT, spec],
      [TS_OUT, types],
    ].filter(([path, text]) => readOrEmpty(path!) !== text).map(([path]) => path);
    if (stale.length > 0) {
      console.error(`Out of date with server ${AGENT_SERVER_VERSION}: ${stale.join(", ")}`);
      console.error("Run `deno task codegen` and commit the result.");
      return 1;
    }
    console.log(`generated/ matches openhands-agent-server ${AGENT_SERVER_VERSION}`);
    return 0;
  }
  writeFileSync(JSON_OUT, spec);
  writeFileSync(TS_OUT, types);
  const paths = Object.keys(JSON.parse(spec).paths).length;
  console.log(`Wrote generated/openapi.json (${paths} paths) and generated/openapi.ts`);
  return 0;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
