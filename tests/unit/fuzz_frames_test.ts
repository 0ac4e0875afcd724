import assert from "node:assert/strict";
import process from "node:process";
import { fuzzFrames } from "../chaos/fuzz_frames.ts";
import { fuzzSessionFrames } from "../chaos/fuzz_session_frames.ts";
import { test } from "../support/test.ts";

const FRAMES = Number(process.env.CHAOS_FUZZ_FRAMES ?? 5000);

test(
  `fuzz: ${FRAMES} hostile frames: every good one delivered once in order, every bad one reported once`,
  async () => {
    const r = await fuzzFrames({ frames: FRAMES });
    assert.equal(r.fuzz_frames, FRAMES, "every frame was sent");
    assert.equal(r.good + r.bad, r.fuzz_frames);
    assert.ok(r.good > 0 && r.bad > 0, `a mix: ${r.good} good, ${r.bad} bad`);
    assert.equal(r.reported, r.bad, "every bad frame reported exactly once");
    assert.equal(r.delivered, r.good, "every good frame delivered once, in order");
    assert.equal(r.crashes, 0, "no thrown or unhandled errors");
    assert.equal(r.polluted, false, "no prototype pollution");
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  },
  { timeoutMs: 600_000 },
);

test("fuzz: the same seed sends the same mix", async () => {
  const a = await fuzzFrames({ frames: 300, seed: 7 });
  const b = await fuzzFrames({ frames: 300, seed: 7 });
  assert.deepEqual(a, b);
  assert.deepEqual(
    { reported: a.reported, delivered: a.delivered, crashes: a.crashes, polluted: a.polluted },
    { reported: a.bad, delivered: a.good, crashes: 0, polluted: false },
  );
});

test("fuzz: frames must be a whole number >= 1", async () => {
  await assert.rejects(fuzzFrames({ frames: 0 }), {
    name: "RangeError",
    message: "Cannot fuzz as 'frames' must be a whole number >= 1: current value is 0",
  });
});

const SESSION_FRAMES = Number(process.env.CHAOS_FUZZ_SESSION_FRAMES ?? 3000);

test(
  `fuzz: ${SESSION_FRAMES} hostile session envelopes: every field of every frame type with every JSON type`,
  async () => {
    const r = await fuzzSessionFrames({ frames: SESSION_FRAMES });
    assert.equal(r.session_frames, SESSION_FRAMES, "every frame was sent");
    assert.equal(r.good + r.bad + r.silent, r.session_frames);
    assert.ok(r.good > 0 && r.bad > 0 && r.silent > 0, `${r.good}/${r.bad}/${r.silent}`);
    assert.equal(r.reported, r.bad, "every bad frame reported exactly once");
    assert.equal(r.delivered, r.good, "every good frame delivered once, in order, as expected");
    assert.equal(r.uncaught, 0, "nothing thrown out of a listener");
    assert.equal(r.crashes, 0, "no failure of any kind");
    assert.equal(r.polluted, false, "no prototype pollution");
  },
  { timeoutMs: 600_000 },
);

test("fuzz: the session fuzz is seeded (same seed, same figures) and checks its frames", async () => {
  const a = await fuzzSessionFrames({ frames: 400, seed: 11 });
  const b = await fuzzSessionFrames({ frames: 400, seed: 11 });
  assert.deepEqual(a, b);
  assert.deepEqual(
    { reported: a.reported, delivered: a.delivered, crashes: a.crashes, uncaught: a.uncaught },
    { reported: a.bad, delivered: a.good, crashes: 0, uncaught: 0 },
  );
  await assert.rejects(fuzzSessionFrames({ frames: 1.5 }), {
    name: "RangeError",
    message: "Cannot fuzz as 'frames' must be a whole number >= 1: current value is 1.5",
  });
});
