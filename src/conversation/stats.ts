/**
 * Token and cost statistics: the check of the server's `stats` field and
 * {@linkcode getCombinedMetrics}, the totals over every LLM usage (Python's
 * `ConversationStats.get_combined_metrics()`).
 *
 * @module
 */

import { shown } from "../_checks.ts";
import { ProtocolError } from "../errors.ts";
import type { ConversationStats } from "../types.ts";

/**
 * The totals of a conversation's {@linkcode ConversationStats} over every LLM usage, as Python's
 * `get_combined_metrics()` sums them (its per-call lists are left out: they stay in each usage).
 *
 * @example
 * ```ts
 * import { type CombinedMetrics, getCombinedMetrics } from "@remote-hands/client";
 * const total: CombinedMetrics = getCombinedMetrics(undefined); // e.g. conversation.conversationStats
 * if (total.accumulated_cost !== 0 || total.accumulated_token_usage.prompt_tokens !== 0) throw new Error();
 * ```
 */
export interface CombinedMetrics {
  /** The cost of every usage, summed. */
  accumulated_cost: number;
  /** The first budget a usage has, or `null`. */
  max_budget_per_task: number | null;
  /** The token counts of every usage, summed. */
  accumulated_token_usage: {
    /** Prompt (input) tokens, summed. */
    prompt_tokens: number;
    /** Completion (output) tokens, summed. */
    completion_tokens: number;
    /** Prompt tokens read from the provider's cache, summed. */
    cache_read_tokens: number;
    /** Prompt tokens written to the provider's cache, summed. */
    cache_write_tokens: number;
    /** Reasoning tokens, summed. */
    reasoning_tokens: number;
    /** The largest context window of any usage. */
    context_window: number;
    /** The last usage's tokens of its last call (prompt + completion), as Python keeps it. */
    per_turn_token: number;
  };
}

/** The summed token counts, in the order Python's `TokenUsage.__add__` adds them. */
const SUMMED = [
  "prompt_tokens",
  "completion_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
] as const;

/**
 * Sums a conversation's statistics over its LLM usages: costs and token counts added, the
 * largest context window, the first budget, as Python's `ConversationStats.get_combined_metrics()`.
 * Fields a usage leaves out count as 0; no stats at all give zeros.
 *
 * @param stats The statistics, e.g. `conversation.conversationStats` or `state.stats`.
 * @returns The totals.
 * @example
 * ```ts
 * import { getCombinedMetrics } from "@remote-hands/client";
 * const total = getCombinedMetrics({
 *   usage_to_metrics: {
 *     agent: { accumulated_cost: 0.25, accumulated_token_usage: { prompt_tokens: 1000, completion_tokens: 50 } },
 *     condenser: { accumulated_cost: 0.5, accumulated_token_usage: { prompt_tokens: 300, completion_tokens: 20 } },
 *   },
 * });
 * // const total = getCombinedMetrics(conversation.conversationStats);
 * const { prompt_tokens, completion_tokens } = total.accumulated_token_usage;
 * if (total.accumulated_cost !== 0.75 || prompt_tokens !== 1300 || completion_tokens !== 70) throw new Error();
 * ```
 */
export function getCombinedMetrics(stats: ConversationStats | undefined): CombinedMetrics {
  const usage = {
    prompt_tokens: 0,
    completion_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    context_window: 0,
    per_turn_token: 0,
  };
  const total: CombinedMetrics = {
    accumulated_cost: 0,
    max_budget_per_task: null,
    accumulated_token_usage: usage,
  };
  for (const metrics of Object.values(stats?.usage_to_metrics ?? {})) {
    total.accumulated_cost += metrics.accumulated_cost ?? 0;
    total.max_budget_per_task ??= metrics.max_budget_per_task ?? null;
    // Python reads a usage without token usage as zeros (Metrics' validator fills them in).
    const tokens = metrics.accumulated_token_usage ?? {};
    for (const field of SUMMED) usage[field] += tokens[field] ?? 0;
    usage.context_window = Math.max(usage.context_window, tokens.context_window ?? 0);
    usage.per_turn_token = tokens.per_turn_token ?? 0;
  }
  return total;
}

/** The numeric fields of a usage's `accumulated_token_usage`. */
const TOKEN_FIELDS = [...SUMMED, "context_window", "per_turn_token"] as const;
/** The per-call lists of a usage's full form. */
const LISTS = ["costs", "response_latencies", "token_usages"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `value` unless it is absent or, when `nullable`, null: then why it is not a number. */
function notNumber(value: unknown, nullable: boolean): string | undefined {
  if (value === undefined || (nullable && value === null)) return undefined;
  return typeof value === "number" && Number.isFinite(value)
    ? undefined
    : `${shown(value)}, not a number`;
}

/** Why one usage's metrics are not {@linkcode Metrics}, or undefined when they are. */
function metricsProblem(metrics: unknown): string | undefined {
  if (!isRecord(metrics)) return `${shown(metrics)}, not an object`;
  const cost = notNumber(metrics.accumulated_cost, false);
  if (cost) return `accumulated_cost is ${cost}`;
  const budget = notNumber(metrics.max_budget_per_task, true);
  if (budget) return `max_budget_per_task is ${budget}`;
  const name = metrics.model_name;
  if (name !== undefined && typeof name !== "string") return `model_name is ${shown(name)}`;
  const tokens = metrics.accumulated_token_usage;
  if (tokens !== undefined && tokens !== null) {
    if (!isRecord(tokens)) return `accumulated_token_usage is ${shown(tokens)}, not an object`;
    for (const field of TOKEN_FIELDS) {
      const problem = notNumber(tokens[field], false);
      if (problem) return `accumulated_token_usage.${field} is ${problem}`;
    }
  }
  for (const list of LISTS) {
    const value = metrics[list];
    if (value !== undefined && !Array.isArray(value)) return `${list} is ${shown(value)}`;
  }
  return undefined;
}

/**
 * The server's `stats` field checked to be {@linkcode ConversationStats}: `usage_to_metrics` an
 * object of usages whose totals are numbers where present (what {@linkcode getCombinedMetrics}
 * adds) and whose lists are arrays. Fields it does not name are kept unchecked.
 *
 * @param value The field as the server sent it; `undefined` when it sent none.
 * @param what Where it came from, for the error (`conversation <id> state`).
 * @returns The same value, typed; `undefined` for `undefined`.
 * @throws {ProtocolError} When it is not that shape.
 * @example
 * ```ts
 * import { checkStats } from "./stats.ts";
 * const stats = { usage_to_metrics: { agent: { accumulated_cost: 0 } } };
 * if (checkStats(stats, "conversation c1 state") !== stats) throw new Error();
 * try {
 *   checkStats({ usage_to_metrics: { agent: { accumulated_cost: "1" } } }, "conversation c1 state");
 *   throw new Error("accepted a cost that is not a number");
 * } catch (err) {
 *   if (!(err instanceof Error) || err.name !== "ProtocolError") throw err;
 * }
 * ```
 */
export function checkStats(value: unknown, what: string): ConversationStats | undefined {
  if (value === undefined) return undefined;
  const problem = statsProblem(value);
  if (problem === undefined) return value as ConversationStats;
  throw new ProtocolError(what, `stats: ${problem}`);
}

/** Why `value` is not {@linkcode ConversationStats}, or undefined when it is. */
function statsProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `${shown(value)}, not an object`;
  const usages = value.usage_to_metrics;
  if (!isRecord(usages)) return `usage_to_metrics is ${shown(usages)}, not an object`;
  for (const [usageId, metrics] of Object.entries(usages)) {
    const problem = metricsProblem(metrics);
    if (problem) return `usage_to_metrics[${shown(usageId)}]: ${problem}`;
  }
  return undefined;
}
