"""What waits without polling: the Server-Sent Events feed of state changes (resumable with
Last-Event-ID) and the live tail of a running try's log; and Tide's own resources (timeline,
why-not-running, queues, workers) read while things happen."""

import json
import queue
import threading
import time
import urllib.parse

import requests


class EventStream:
    """Reads an SSE stream on a thread; events arrive in `events` as (id, event, data, monotonic time)."""

    def __init__(self, url, headers):
        self.events = queue.Queue()
        self.response = requests.get(url, headers=headers, stream=True, timeout=(5, 60))
        assert self.response.status_code == 200, self.response.text
        assert self.response.headers["Content-Type"].startswith("text/event-stream")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        fields = {}
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line == "":
                    if "data" in fields:
                        self.events.put((fields.get("id"), fields.get("event"), fields["data"], time.monotonic()))
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields[name] = value if name != "data" or "data" not in fields else fields["data"] + "\n" + value
        except Exception:  # noqa: BLE001 - close() ends the read with whatever the socket raises
            pass
        self.events.put(None)

    def next(self, timeout=30):
        item = self.events.get(timeout=timeout)
        assert item is not None, "the stream ended"
        return item

    def until(self, predicate, timeout=60):
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            item = self.next(timeout=max(0.1, deadline - time.monotonic()))
            seen.append(item)
            if predicate(item):
                return seen

    def close(self):
        self.response.close()


def wait_for_state(session, url, state, timeout=30):
    """Polls a task instance (which exists once its run has started) until it is in `state`."""
    deadline = time.monotonic() + timeout
    while True:
        answer = session.get(url, timeout=10)
        if answer.status_code == 200 and answer.json()["state"] == state:
            return
        assert time.monotonic() < deadline, f"{url} never became {state}: {answer.text}"
        time.sleep(0.1)


def test_state_changes_stream_as_they_happen_and_resume_from_last_event_id(tide):
    headers = {"Authorization": f"Bearer {tide.token('viewer')}"}
    stream = EventStream(f"{tide.url}/api/v2/events?dag_id=api_chain", headers)
    hello = stream.next()
    assert hello[1] == "hello"
    op = tide.session("op")
    trigger = op.post(f"{tide.url}/api/v2/dags/api_chain/dagRuns", json={"dag_run_id": "sse-1", "logical_date": None},
                      timeout=10)
    assert trigger.status_code == 200
    seen = stream.until(lambda e: e[1] == "dag_run" and json.loads(e[2])["state"] in ("success", "failed"))
    stream.close()
    events = [(e[1], json.loads(e[2])) for e in seen]
    assert all(body["dag_id"] == "api_chain" and body["dag_run_id"] == "sse-1" for _, body in events)
    run_states = [body["state"] for kind, body in events if kind == "dag_run"]
    assert run_states == ["queued", "running", "success"]
    load = [body["state"] for kind, body in events if kind == "task_instance" and body["task_id"] == "load"]
    assert load[0] is None and load[-1] == "success" and "running" in load and "queued" in load
    ids = [int(e[0]) for e in seen]
    assert ids == sorted(ids)
    # The run's state is what the stream said, with no polling needed to learn it.
    assert tide.session("viewer").get(f"{tide.url}/api/v2/dags/api_chain/dagRuns/sse-1", timeout=10).json()[
        "state"] == "success"
    # Resuming after the first run event replays exactly what came after it.
    resumed = EventStream(f"{tide.url}/api/v2/events?dag_run_id=sse-1",
                          {**headers, "Last-Event-ID": str(ids[0])})
    assert resumed.next()[1] == "hello"
    replay = resumed.until(lambda e: e[1] == "dag_run" and json.loads(e[2])["state"] == "success")
    resumed.close()
    assert [int(e[0]) for e in replay] == ids[1:]


def test_a_running_tries_log_is_tailed_live(tide):
    op = tide.session("op")
    assert op.post(f"{tide.url}/api/v2/dags/api_slow/dagRuns", json={"dag_run_id": "tail-1", "logical_date": None},
                   timeout=10).status_code == 200
    viewer = tide.session("viewer")
    base = f"{tide.url}/api/v2/dags/api_slow/dagRuns/tail-1/taskInstances/ticker"
    wait_for_state(viewer, base, "running")
    stream = EventStream(base + "/logs/1/stream", {"Authorization": f"Bearer {tide.token('viewer')}"})
    first = stream.next(timeout=20)
    state_at_first_line = viewer.get(base, timeout=10).json()["state"]
    rest = stream.until(lambda e: e[1] == "end", timeout=30)
    stream.close()
    lines = [first] + rest[:-1]
    assert state_at_first_line == "running", "the first lines must arrive while the try still runs"
    assert [e[2] for e in lines] == [f"tick {i}" for i in range(1, 17)]
    assert json.loads(rest[-1][2]) == {"state": "success"}
    # Each line's id is the offset after it: resuming from the 10th line sends the rest only.
    resumed = EventStream(base + "/logs/1/stream",
                          {"Authorization": f"Bearer {tide.token('viewer')}", "Last-Event-ID": lines[9][0]})
    after = resumed.until(lambda e: e[1] == "end")
    resumed.close()
    assert [e[2] for e in after[:-1]] == [f"tick {i}" for i in range(11, 17)]
    # The NDJSON form of the log endpoint streams the same lines.
    ndjson = viewer.get(base + "/logs/1", headers={"Accept": "application/x-ndjson"}, timeout=10)
    assert ndjson.headers["Content-Type"] == "application/x-ndjson"
    assert [json.loads(line)["event"] for line in ndjson.text.splitlines()] == [f"tick {i}" for i in range(1, 17)]


def test_timeline_orders_each_tries_steps(tide):
    op = tide.session("op")
    assert op.post(f"{tide.url}/api/v2/dags/api_chain/dagRuns", json={"dag_run_id": "timeline-1", "logical_date": None},
                   timeout=10).status_code == 200
    tide.wait_for_run("api_chain", "timeline-1")
    timeline = tide.session("viewer").get(f"{tide.url}/api/v2/dags/api_chain/dagRuns/timeline-1/timeline",
                                          timeout=10).json()
    assert timeline["state"] == "success" and timeline["total_entries"] == 3
    tries = {t["task_id"]: t for t in timeline["tries"]}
    assert set(tries) == {"extract", "transform", "load"}
    for entry in tries.values():
        steps = [entry[k] for k in ("scheduled_at", "queued_at", "claimed_at", "running_at", "end_date")]
        assert None not in steps and steps == sorted(steps), entry
        assert entry["try_number"] == 1 and entry["worker_id"] and entry["pod"] is None
    # A downstream task becomes ready only after its upstream ended.
    assert tries["transform"]["scheduled_at"] >= tries["extract"]["end_date"]
    assert tries["load"]["scheduled_at"] >= tries["transform"]["end_date"]


def test_why_a_task_waits_for_a_pool_and_for_upstream(tide):
    admin = tide.session("admin")
    assert admin.post(f"{tide.url}/api/v2/pools", json={"name": "zero_pool", "slots": 0}, timeout=10).status_code == 201
    assert admin.post(f"{tide.url}/api/v2/dags/api_pool/dagRuns", json={"dag_run_id": "why-1", "logical_date": None},
                      timeout=10).status_code == 200
    viewer = tide.session("viewer")
    base = f"{tide.url}/api/v2/dags/api_pool/dagRuns/why-1/taskInstances/starved"
    wait_for_state(viewer, base, "scheduled")
    why = viewer.get(base + "/why", timeout=10).json()
    assert why["blocked"] is True
    assert [r["kind"] for r in why["reasons"] if r["blocking"]] == ["pool_full"]
    assert "zero_pool: 0 of 0 slots" in why["reasons"][0]["message"]
    # Giving the pool a slot lets it run.
    assert admin.patch(f"{tide.url}/api/v2/pools/zero_pool", json={"slots": 1}, timeout=10).status_code == 200
    assert tide.wait_for_run("api_pool", "why-1")["state"] == "success"
    finished = viewer.get(base + "/why", timeout=10).json()
    assert finished["blocked"] is False and finished["reasons"][0]["kind"] == "finished"


def test_queues_and_workers_show_the_cluster(tide):
    viewer = tide.session("viewer")
    queues = viewer.get(f"{tide.url}/api/v2/queues", timeout=10).json()
    default = {q["name"]: q for q in queues["queues"]}["default"]
    assert default["live_workers"] == 2 and default["slots"] == 8 and default["depth"] == 0
    workers = viewer.get(f"{tide.url}/api/v2/workers", timeout=10).json()["workers"]
    live = [w for w in workers if w["live"]]
    assert len(live) == 2 and all(w["queues"] == ["default"] and w["slots"] == 4 for w in live)
    quoted = urllib.parse.quote("no such run", safe="")
    assert viewer.get(f"{tide.url}/api/v2/dags/api_chain/dagRuns/{quoted}/timeline", timeout=10).status_code == 404
