"""Fan-in scale, the Python SDK (openhands-sdk, the version in the server's venv).

The same phases as the TypeScript clients (``scripts/bench/_scale_client.ts``), with the SDK's
``RemoteConversation.attach(workspace, id, callbacks=[...], visualizer=None)`` per conversation,
one after another (the constructor blocks until its socket is ready and its events reconciled;
each conversation runs its socket on a thread of its own). Garbage is collected with
``gc.collect()``; RSS is ``VmRSS`` of ``/proc/self/status``; CPU is ``time.process_time()`` (all
threads). A JSON line is printed after the attach and after each phase, so a run killed at the
time cap still says how far it got; the last line is the result. It exits without closing the
conversations: ``close()`` joins each socket thread with a 5 s timeout.

Run with the cached venv's python: ``python scale_python.py <scale args> [--history-only]``.
"""

import argparse
import gc
import json
import logging
import os
import re
import sys
import threading
import time
import urllib.request

LIVE = re.compile(r"^5ca1e11e-([0-9a-f]{4})-4000-8000-([0-9a-f]{12})$")
STORED = re.compile(r"^5ca1e(157|11e|b17)-")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--conversations", type=int, required=True)
    p.add_argument("--history", type=int, required=True)
    p.add_argument("--events", type=int, required=True)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--idle", type=float, required=True)
    p.add_argument("--big-id", required=True)
    p.add_argument("--big", type=int, required=True)
    p.add_argument("--history-only", action="store_true")
    return p.parse_args()


def conversation_id(i: int) -> str:
    return f"5ca1ec00-0000-4000-8000-{i:012x}"


def live_count(c: int, n: int, events: int) -> int:
    return events // n + (1 if c < events % n else 0)


def stamp_ms(stamp: str) -> float | None:
    """Milliseconds since the epoch of a naive UTC timestamp with microseconds."""
    if not STAMP.match(stamp):
        return None
    import calendar

    whole = time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(whole) * 1000 + int(stamp[20:]) / 1000


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    rank = -(-p * len(values) // 100)  # ceil
    return values[min(len(values), max(1, int(rank))) - 1]


class Tracker:
    """Each live event once and in order per conversation, and its latency (see LiveTracker)."""

    def __init__(self, n: int, events: int) -> None:
        self.lock = threading.Lock()
        self.seen = [bytearray(live_count(c, n, events)) for c in range(n)]
        self.next = [0] * n
        self.expected = events
        self.latencies: list[float] = []
        self.duplicates = 0
        self.out_of_order = 0
        self.foreign = 0
        self.done = threading.Event()
        if events == 0:
            self.done.set()

    def receive(self, event_id: str, timestamp: str) -> None:
        m = LIVE.match(event_id)
        if not m:
            return
        received = time.time() * 1000
        c, k = int(m.group(1), 16), int(m.group(2), 16)
        sent = stamp_ms(timestamp)
        with self.lock:
            if c >= len(self.seen) or k >= len(self.seen[c]) or sent is None:
                self.foreign += 1
                return
            if self.seen[c][k]:
                self.duplicates += 1
                return
            self.seen[c][k] = 1
            if k != self.next[c]:
                self.out_of_order += 1
            self.next[c] = max(self.next[c], k + 1)
            self.latencies.append(received - sent)
            if len(self.latencies) == self.expected:
                self.done.set()

    def summary(self) -> dict:
        with self.lock:
            lat = sorted(self.latencies)
            complete = sum(1 for s in self.seen if all(s))
            delivered = len(lat)
            return {
                "p50_ms": percentile(lat, 50),
                "p99_ms": percentile(lat, 99),
                "max_ms": lat[-1] if lat else float("nan"),
                "delivered": delivered,
                "duplicates": self.duplicates,
                "out_of_order": self.out_of_order,
                "foreign": self.foreign,
                "conversations_complete": complete,
                "exactly_once": delivered == self.expected
                and self.duplicates == 0
                and self.out_of_order == 0
                and self.foreign == 0
                and complete == len(self.seen),
            }


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def server_stats(host: str) -> dict:
    with urllib.request.urlopen(f"{host}/_bench/stats") as r:
        return json.loads(r.read())


def out(fields: dict) -> None:
    print(
        json.dumps({"runtime": f"python {sys.version.split()[0]}", **fields}),
        flush=True,
    )


def main() -> None:
    a = _args()
    # The terminal tool's action and observation types must be registered for its events to
    # validate, as in any program that uses the tool.
    import openhands.tools.terminal  # noqa: F401
    from openhands.sdk.conversation.impl.remote_conversation import RemoteConversation
    from openhands.sdk.workspace import RemoteWorkspace

    logging.getLogger("openhands").setLevel(logging.ERROR)
    workspace = RemoteWorkspace(host=a.host, api_key=a.key, working_dir="/workspace")

    if a.history_only:
        t0 = time.perf_counter()
        conversation = RemoteConversation.attach(workspace, a.big_id, visualizer=None)
        seconds = time.perf_counter() - t0
        held = sum(1 for e in conversation.state.events[:] if STORED.match(e.id))
        out(
            {
                "history_s": seconds,
                "held": held,
                "expected": a.big,
                "complete": held == a.big,
            }
        )
        os._exit(0)

    n, events = a.conversations, a.events
    tracker = Tracker(n, events)

    def deliver(event) -> None:
        tracker.receive(event.id, event.timestamp)

    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    conversations = []
    for i in range(n):
        conversations.append(
            RemoteConversation.attach(
                workspace, conversation_id(i), callbacks=[deliver], visualizer=None
            )
        )
        if (i + 1) % 100 == 0:
            out({"phase": "attaching", "attached": i + 1, "s": time.perf_counter() - t0})
    attach_s = time.perf_counter() - t0
    gc.collect()
    rss1 = rss_bytes()
    result = {
        "pipeline": "RemoteConversation.attach, one after another",
        "n": n,
        "history": a.history,
        "events": events,
        "attach_s": attach_s,
        "threads": threading.active_count(),
        "rss_before_mib": round(rss0 / 2**20, 1),
        "rss_after_mib": round(rss1 / 2**20, 1),
        "rss_per_conv_kib": (rss1 - rss0) / n / 1024,
        "gc": "gc.collect()",
        "complete": False,
    }
    out({"phase": "attached", **result})

    stats_0 = server_stats(a.host)
    c0 = time.process_time()
    l0 = time.perf_counter()
    urllib.request.urlopen(
        urllib.request.Request(f"{a.host}/_bench/live", method="POST")
    ).read()
    tracker.done.wait(timeout=events / a.rate + 600)
    result["live_s"] = time.perf_counter() - l0
    result["cpu_live_s"] = time.process_time() - c0
    result["cpu_us_per_event"] = result["cpu_live_s"] / events * 1e6
    result.update(tracker.summary())
    out({"phase": "live", **result})

    time.sleep(0.2)
    stats_a = server_stats(a.host)
    i0 = time.perf_counter()
    ca = time.process_time()
    time.sleep(a.idle)
    cpu_idle = time.process_time() - ca
    idle_s = time.perf_counter() - i0
    stats_b = server_stats(a.host)
    mismatches = 0
    first = ""
    for i, conversation in enumerate(conversations):
        want = a.history + live_count(i, n, events)
        got = sum(1 for e in conversation.state.events[:] if STORED.match(e.id))
        if got != want:
            if not mismatches:
                first = f"conversation {i} holds {got} stored events, not {want}"
            mismatches += 1
    result.update(tracker.summary())
    result.update(
        {
            "live_requests": stats_a["requests"] - stats_0["requests"],
            "idle_s": idle_s,
            "idle_cpu_pct": cpu_idle / idle_s * 100,
            "idle_requests": stats_b["requests"] - stats_a["requests"],
            "idle_messages": stats_b["messages"] - stats_a["messages"],
            "idle_pings": stats_b["pings"] - stats_a["pings"],
            "list_mismatches": mismatches,
            "first_mismatch": first,
        }
    )
    result["complete"] = result["exactly_once"] and mismatches == 0
    out(result)
    os._exit(0)


if __name__ == "__main__":
    main()
