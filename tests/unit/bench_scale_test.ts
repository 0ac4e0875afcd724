import assert from "node:assert/strict";
import { benchConfig, BenchUsageError, parseOptions } from "../../scripts/bench/_options.ts";
import {
  BIG_ID,
  conversationId,
  historyEventId,
  isStoredId,
  liveCount,
  liveEventId,
  liveTarget,
  LiveTracker,
  parseLiveId,
  percentile,
  stampMs,
  stampOf,
} from "../../scripts/bench/_scale_live.ts";
import type { ScaleResult, ScaleRow } from "../../scripts/bench/measure_scale.ts";
import {
  costRatio,
  officialBound,
  scaleHeadlineOf,
  scaleMet,
} from "../../scripts/bench/scale_figures.ts";
import { test } from "../support/test.ts";

// --- ids, shares and stamps ----------------------------------------------------------------------

test("bench scale: live ids round-trip and no other id parses as live", () => {
  assert.deepEqual(parseLiveId(liveEventId(4095, 123_456)), { conversation: 4095, index: 123_456 });
  assert.equal(parseLiveId(historyEventId(1, 1)), undefined);
  assert.equal(parseLiveId(conversationId(1)), undefined);
  assert.equal(parseLiveId(`${liveEventId(1, 1)}x`), undefined);
  assert.equal(conversationId(255), "5ca1ec00-0000-4000-8000-0000000000ff");
  assert.notEqual(historyEventId(-1, 0), BIG_ID);
});

test("bench scale: stored ids are history and live events, not snapshots or conversations", () => {
  assert.equal(isStoredId(historyEventId(3, 9)), true);
  assert.equal(isStoredId(historyEventId(-1, 19_999)), true);
  assert.equal(isStoredId(liveEventId(0, 0)), true);
  assert.equal(isStoredId("5ca1e5a9-0000-4000-8000-000000000000"), false);
  assert.equal(isStoredId(BIG_ID), false);
});

test("bench scale: round-robin shares add up to every event, each sent once", () => {
  for (const [n, events] of [[1000, 4000], [7, 100], [20, 3], [3, 0]] as const) {
    let sum = 0;
    for (let c = 0; c < n; c++) sum += liveCount(c, n, events);
    assert.equal(sum, events);
    const perConversation = new Array<number>(n).fill(0);
    for (let j = 0; j < events; j++) {
      const { conversation, index } = liveTarget(j, n);
      assert.equal(index, perConversation[conversation]); // in order, no gap
      perConversation[conversation]!++;
    }
    assert.deepEqual(perConversation, perConversation.map((_, c) => liveCount(c, n, events)));
  }
});

test("bench scale: a stamp keeps microseconds and reads back; other formats do not read", () => {
  const ms = Date.UTC(2026, 11, 5, 12, 0, 0) + 123.456;
  assert.equal(stampOf(ms), "2026-12-05T12:00:00.123456");
  assert.ok(Math.abs(stampMs(stampOf(ms))! - ms) < 0.001);
  assert.equal(stampOf(Date.UTC(2026, 0, 1) + 0.9995), "2026-01-01T00:00:00.000999");
  assert.equal(stampMs("2026-12-05T12:00:00.123"), undefined);
  assert.equal(stampMs("2026-12-05T12:00:00.123456Z"), undefined);
});

test("bench scale: nearest-rank percentiles", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

// --- the exactly-once tracker ----------------------------------------------------------------------

test("bench scale: the tracker settles once every live event came once, in order", async () => {
  let now = 10_000;
  const tracker = new LiveTracker(2, 3, () => now);
  tracker.receive(historyEventId(0, 0), stampOf(0)); // not live: ignored
  tracker.receive(liveEventId(0, 0), stampOf(9_999));
  now = 10_010;
  tracker.receive(liveEventId(1, 0), stampOf(10_000));
  assert.equal(tracker.complete, false);
  tracker.receive(liveEventId(0, 1), stampOf(10_005));
  await tracker.done;
  const s = tracker.summary();
  assert.equal(s.exactlyOnce, true);
  assert.equal(s.delivered, 3);
  assert.equal(s.conversationsComplete, 2);
  assert.deepEqual([s.p50Ms, s.p99Ms, s.maxMs], [5, 10, 10]);
});

test("bench scale: duplicates, reordering and strangers each break exactly-once", () => {
  const dup = new LiveTracker(1, 2, () => 0);
  dup.receive(liveEventId(0, 0), stampOf(0));
  dup.receive(liveEventId(0, 0), stampOf(0));
  dup.receive(liveEventId(0, 1), stampOf(0));
  assert.deepEqual([dup.summary().duplicates, dup.summary().exactlyOnce], [1, false]);

  const reordered = new LiveTracker(1, 2, () => 0);
  reordered.receive(liveEventId(0, 1), stampOf(0));
  reordered.receive(liveEventId(0, 0), stampOf(0));
  assert.equal(reordered.complete, true);
  assert.deepEqual([reordered.summary().outOfOrder, reordered.summary().exactlyOnce], [2, false]);

  const stranger = new LiveTracker(1, 1, () => 0);
  stranger.receive(liveEventId(1, 0), stampOf(0)); // no such conversation
  stranger.receive(liveEventId(0, 1), stampOf(0)); // beyond its share
  stranger.receive(liveEventId(0, 0), "yesterday"); // no send stamp
  stranger.receive(liveEventId(0, 0), stampOf(0));
  assert.deepEqual([stranger.summary().foreign, stranger.summary().exactlyOnce], [3, false]);

  const lost = new LiveTracker(2, 2, () => 0);
  lost.receive(liveEventId(0, 0), stampOf(0));
  const s = lost.summary();
  assert.deepEqual([s.delivered, s.conversationsComplete, s.exactlyOnce], [1, 1, false]);
});

// --- ratios and goals --------------------------------------------------------------------------------

const row = (key: string, figures: Partial<ScaleRow>): ScaleRow => ({
  c: { key, label: key, runtime: "Deno", cmd: "", args: () => [] },
  run: {},
  attachSeconds: undefined,
  rssPerConvKiB: undefined,
  cpuUsPerEvent: undefined,
  p50Ms: undefined,
  p99Ms: undefined,
  idleCpuPct: undefined,
  idleTraffic: undefined,
  historySeconds: undefined,
  historyRuns: [],
  note: undefined,
  ...figures,
});

test("bench scale: cost ratios and goals (at the goal is met, unless strict)", () => {
  assert.equal(costRatio(2.4, 1.2), 2);
  assert.equal(costRatio(1, 3, 3), 0.333);
  assert.equal(costRatio(0, 1), null);
  assert.equal(costRatio(1, 0), null);
  assert.equal(scaleMet(1.3, 1.3), true);
  assert.equal(scaleMet(1, 1, true), false);
  assert.equal(scaleMet(1.31, 1.3), false);
  assert.equal(scaleMet(null, 1), null);
});

test("bench scale: the headline keys are ours ÷ each peer, null where a row is missing", () => {
  const scale: ScaleResult = {
    config: { ...benchConfig(false).scale },
    rows: [
      row("ours_deno", { attachSeconds: 2.2, rssPerConvKiB: 160, idleCpuPct: 0.12345 }),
      row("bare_deno", { attachSeconds: 1.1, rssPerConvKiB: 128 }),
      row("ours_bun", { historySeconds: 0.7, p99Ms: 2 }),
      row("bare_bun", { historySeconds: 0.5, p99Ms: 1 }),
      row("official_bun", { historySeconds: 0.56, p99Ms: 4 }),
      row("python", { note: "did not finish in 240 s" }),
    ],
  };
  const h = scaleHeadlineOf(scale);
  assert.equal(h.scale_n, 1000);
  assert.equal(h.scale_attach_vs_bare_deno, 2);
  assert.equal(h.scale_rss_vs_bare_deno, 1.25);
  assert.equal(h.scale_history_vs_bare_bun, 1.4);
  assert.equal(h.scale_history_vs_official_bun, 1.25);
  assert.equal(h.scale_p99_vs_official_bun, 0.5);
  assert.equal(h.scale_cpu_vs_bare_deno, null);
  assert.equal(h.scale_attach_vs_python, null);
  assert.equal(h.scale_idle_cpu_pct_deno, 0.123);
  assert.equal(h.scale_idle_cpu_pct_bun, null);
  assert.equal(officialBound(scale, "history"), 0.89);
  assert.equal(scaleHeadlineOf(undefined).scale_n, null);
});

// --- the command line ----------------------------------------------------------------------------------

test("bench scale: --only scale and --scale-n parse; bad values and --readme are refused", () => {
  assert.deepEqual(parseOptions(["--", "--only", "scale", "--scale-n", "50"]), {
    smoke: false,
    docs: false,
    only: "scale",
    scaleN: 50,
  });
  assert.deepEqual(parseOptions(["--smoke"]), {
    smoke: true,
    docs: false,
    only: undefined,
    scaleN: undefined,
  });
  for (
    const argv of [
      ["--only"],
      ["--only", "ingest"],
      ["--only", "--smoke"],
      ["--scale-n", "0"],
      ["--scale-n", "1.5"],
      ["--scale-n", "70000"],
      ["--only", "scale", "--readme"],
      ["--smoke", "--readme"],
      ["--fast"],
    ]
  ) {
    assert.throws(() => parseOptions(argv), BenchUsageError, argv.join(" "));
  }
  assert.equal(benchConfig(true, 7).scale.conversations, 7);
  assert.equal(benchConfig(true).scale.conversations, 20);
  assert.equal(benchConfig(false).scale.conversations, 1000);
});
