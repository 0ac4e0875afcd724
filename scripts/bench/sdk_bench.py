"""The Python SDK's side of the benchmarks (openhands-sdk, the version in the server's venv).

Run with the cached venv's python (``scripts/bench.ts`` does), one mode per process; each prints
``READY`` when attached (attach and coldstart) and one JSON line at the end:

- ``ingest --host H --key K --id ID --events N --bytes B``: the SDK's own
  ``WebSocketCallbackClient`` feeding a ``RemoteState`` (its ``RemoteEventsList`` and state cache,
  as ``RemoteConversation`` wires them) from the replay server. The clock runs from the first
  frame to the last event; CPU time is the whole process's (the socket runs on a thread).
- ``attach --host H --key K --id ID --llm L --workdir W``: ``RemoteConversation(conversation_id=...)``
  on an existing conversation (REST history sync, socket, ready, REST reconcile); reports the
  seconds from the constructor call to its return and the events it holds, then closes.
- ``coldstart ...`` (same arguments as attach): the same from a fresh interpreter, for
  process-start-to-exit timing by the caller; ``conversation.close()`` then exit.
"""

import argparse
import json
import logging
import sys
import threading
import time

T_START = time.perf_counter()


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["ingest", "attach", "coldstart"])
    p.add_argument("--host", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--events", type=int, default=0)
    p.add_argument("--bytes", type=int, default=0)
    p.add_argument("--llm", default="http://127.0.0.1:9")
    p.add_argument("--workdir", default="/workspace")
    return p.parse_args()


def ingest(a: argparse.Namespace) -> dict:
    import httpx

    # The terminal tool's action and observation types must be registered for its events to
    # validate, as in any program that uses the tool.
    import openhands.tools.terminal  # noqa: F401
    from openhands.sdk.conversation.impl import remote_conversation as rc

    expected = a.events + 1  # the first state frame, then the events
    lock = threading.Lock()
    counts = {"ok": 0, "errors": 0}
    clock: dict[str, float] = {}
    done = threading.Event()

    def tick(error: bool = False) -> None:
        with lock:
            if counts["ok"] + counts["errors"] == 0:
                clock["t0"] = time.perf_counter()
                clock["c0"] = time.process_time()
            counts["errors" if error else "ok"] += 1
            if counts["ok"] + counts["errors"] == expected:
                clock["t1"] = time.perf_counter()
                clock["c1"] = time.process_time()
                done.set()

    class CountErrors(logging.Handler):
        """The SDK logs and drops a frame it cannot validate; count it as handled."""

        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "ws_event_processing_error":
                tick(True)

    logger = logging.getLogger(rc.__name__)
    logger.handlers = [CountErrors()]
    logger.propagate = False
    logger.setLevel(logging.ERROR)

    client = httpx.Client(base_url=a.host, headers={"X-Session-API-Key": a.key})
    state = rc.RemoteState(client, a.id)  # its RemoteEventsList syncs (an empty page) here
    on_event = state.events.create_default_callback()
    on_state = state.create_state_update_callback()

    def callback(event) -> None:
        on_event(event)
        on_state(event)
        tick()

    ws = rc.WebSocketCallbackClient(
        host=a.host, conversation_id=a.id, callback=callback, api_key=a.key
    )
    ws.start()
    done.wait(timeout=900)
    seconds = clock.get("t1", time.perf_counter()) - clock.get("t0", 0.0)
    cpu = clock.get("c1", time.process_time()) - clock.get("c0", 0.0)
    return {
        "runtime": f"python {sys.version.split()[0]}",
        "events": a.events,
        "delivered": counts["ok"],
        "errors": counts["errors"],
        "complete": counts["ok"] + counts["errors"] == expected,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "events_per_s": a.events / seconds,
        "cpu_us_per_event": cpu / a.events * 1e6,
        "mb_per_s": a.bytes / seconds / 1e6,
        "list_length": len(state.events),
        "pipeline": "WebSocketCallbackClient+RemoteEventsList",
    }


def attach(a: argparse.Namespace) -> dict:
    import uuid

    t_import = time.perf_counter()
    from openhands.sdk import LLM, Agent
    from openhands.sdk.conversation.impl.remote_conversation import RemoteConversation
    from openhands.sdk.workspace import RemoteWorkspace

    imported = time.perf_counter()
    workspace = RemoteWorkspace(host=a.host, api_key=a.key, working_dir=a.workdir)
    agent = Agent(
        llm=LLM(model="openai/scripted", base_url=f"{a.llm}/v1", api_key="scripted-llm-key"),
        tools=[],
    )
    t0 = time.perf_counter()
    conversation = RemoteConversation(
        agent=agent,
        workspace=workspace,
        conversation_id=uuid.UUID(a.id),
        visualizer=None,
    )
    t1 = time.perf_counter()
    print("READY", flush=True)
    events = len(conversation.state.events)
    conversation.close()
    t2 = time.perf_counter()
    return {
        "runtime": f"python {sys.version.split()[0]}",
        "seconds": t1 - t0,
        "events": events,
        "import_seconds": imported - t_import,
        "close_seconds": t2 - t1,
        "process_seconds_to_ready": t1 - T_START,
    }


def main() -> None:
    a = _args()
    result = ingest(a) if a.mode == "ingest" else attach(a)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
