/**
 * `remote-hands list`: the server's conversations, newest update first, as a table or as JSON.
 *
 * @module
 */

import type { ConversationExecutionStatus } from "../mod.ts";
import { ConversationManager } from "../manager.ts";
import { terminalJson } from "../src/_terminal_safe.ts";
import { type Parsed, positiveInt, UsageError } from "./_args.ts";
import type { Context } from "./_context.ts";
import { oneLine, shorten } from "./_output.ts";

/** The statuses `--status` takes. */
const STATUSES: readonly ConversationExecutionStatus[] = [
  "idle",
  "running",
  "paused",
  "waiting_for_confirmation",
  "finished",
  "error",
  "stuck",
];

/**
 * Runs `list`: at most `--limit` conversations (default 20), of `--status` only when given; a
 * table (id, status, title, updated), or with `--json` one JSON array of their info.
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The exit code: 0.
 * @throws {UsageError} For an argument, a bad `--status` or `--limit`.
 * @example
 * ```ts ignore
 * import { parse } from "./_args.ts";
 * import { context } from "./_context.ts";
 * import { processIO } from "./io.ts";
 * import { listCommand } from "./list.ts";
 * const parsed = parse(["list", "--status", "finished"]);
 * const code = await listCommand(context(processIO(), parsed), parsed);
 * ```
 */
export async function listCommand(ctx: Context, parsed: Parsed): Promise<number> {
  if (parsed.positionals.length > 0) {
    throw new UsageError(`list takes no arguments: got '${parsed.positionals[0]}'`);
  }
  const status = parsed.strings.status;
  if (status !== undefined && !STATUSES.includes(status as ConversationExecutionStatus)) {
    throw new UsageError(`--status must be one of ${STATUSES.join(", ")}: got '${status}'`);
  }
  const limit = positiveInt("limit", parsed.strings.limit) ?? 20;
  const manager = new ConversationManager({ host: ctx.host, apiKey: ctx.apiKey });
  const rows = await manager.list({
    limit,
    sortOrder: "UPDATED_AT_DESC",
    ...(status ? { status: status as ConversationExecutionStatus } : {}),
  });
  if (parsed.flags.json) {
    ctx.out(`${terminalJson(JSON.stringify(rows, null, 2))}\n`);
    return 0;
  }
  if (rows.length === 0) {
    ctx.out(status ? `no ${status} conversations\n` : "no conversations\n");
    return 0;
  }
  const table = rows.map((info) => [
    oneLine(info.id),
    oneLine(info.execution_status ?? ""),
    shorten(oneLine(info.title ?? ""), 48),
    oneLine(info.updated_at ?? "").replace("T", " ").slice(0, 19),
  ]);
  const header = ["ID", "STATUS", "TITLE", "UPDATED (UTC)"];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ");
  ctx.out(`${line(header).trimEnd()}\n`);
  for (const row of table) ctx.out(`${line(row).trimEnd()}\n`);
  if (rows.length === limit) {
    const total = await manager.count(
      status ? { status: status as ConversationExecutionStatus } : {},
    );
    if (total > limit) ctx.out(`(${limit} of ${oneLine(total)}; --limit shows more)\n`);
  }
  return 0;
}
