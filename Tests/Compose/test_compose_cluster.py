"""compose/docker-compose.yml on a real Docker engine: up in order, spread, drain, SIGKILL,
network partition, Redis and PostgreSQL restarts, down/up, and following the scaling hint.

The checks run in file order on one cluster (each leaves it with 3 healthy workers unless it says
otherwise). Run through scripts/compose-test, which builds the images and sets the environment.
"""

import datetime
import json
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from cluster import Cluster, log

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = sorted((ROOT / "examples" / "dags").glob("*.yaml"))
TIDE_SERVICES = ("scheduler", "api", "worker")


def fan_out_dag(dag_id, width, task_script, retries=0):
    """start → `width` parallel tasks running `task_script` → join, all of them allowed at once."""
    lines = [f"dag_id: {dag_id}", "schedule: null", f"max_active_tasks: {width}", "default_args:",
             f"  retries: {retries}", "  retry_delay: 1s", "tasks:", "  - task_id: start", "    bash: echo start"]
    for index in range(width):
        lines += [f"  - task_id: work_{index:02d}", "    upstream: [start]", f"    bash: {json.dumps(task_script)}"]
    lines += ["  - task_id: join", f"    upstream: [{', '.join(f'work_{i:02d}' for i in range(width))}]",
              "    bash: echo joined"]
    return "\n".join(lines) + "\n"


# Each try says once where it ran, so a try that ran twice would show in its log.
MARK = 'echo "ran $TIDE_TASK_ID try $TIDE_TRY_NUMBER on $HOSTNAME"'

TEST_DAGS = {
    "compose_spread.yaml": fan_out_dag("compose_spread", 24, f"{MARK}; sleep 1"),
    "compose_drain.yaml": fan_out_dag("compose_drain", 36, f"{MARK}; sleep 4"),
    "compose_kill.yaml": fan_out_dag("compose_kill", 16, f"{MARK}; sleep 8", retries=1),
    # 40 tries at once ask for 5 workers of 8 slots.
    "compose_burst.yaml": fan_out_dag("compose_burst", 40, f"{MARK}; sleep 6"),
    # The first try outlives the partition; the retry is quick.
    "compose_partition.yaml": "\n".join([
        "dag_id: compose_partition", "schedule: null", "tasks:", "  - task_id: slow", "    retries: 1",
        "    retry_delay: 1s",
        f"    bash: '{MARK}; if [ \"$TIDE_TRY_NUMBER\" = 1 ]; then sleep 20; fi; echo done'", ""]),
    "compose_chain.yaml": "\n".join(
        ["dag_id: compose_chain", "schedule: null", "tasks:"] +
        [line for index in range(6) for line in
         ([f"  - task_id: step_{index}"] + ([f"    upstream: [step_{index - 1}]"] if index else []) +
          [f"    bash: '{MARK}; sleep 2'"])] + [""]),
}


@pytest.fixture(scope="module")
def cluster():
    dags = ROOT / ".tide" / "compose-test" / "dags"
    shutil.rmtree(dags, ignore_errors=True)
    dags.mkdir(parents=True)
    for path in EXAMPLE_DAGS:
        shutil.copy(path, dags / path.name)
    for name, text in TEST_DAGS.items():
        (dags / name).write_text(text)
    for path in [dags, *dags.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the image's user (uid 10001) reads them
    os.environ["TIDE_DAGS"] = str(dags)
    instance = Cluster()
    instance.compose("down", "-v", "--remove-orphans", timeout=180)  # what an aborted run left behind
    yield instance
    if os.environ.get("TIDE_COMPOSE_KEEP") != "1":
        instance.compose("down", "-v", "--remove-orphans", timeout=180, check=False)


def container_events(cluster, since, until):
    """Docker's own record of what happened to the project's containers between two times."""
    result = cluster.docker("events", "--since", f"{since:.3f}", "--until", f"{until:.3f}", "--filter", "type=container",
                            "--filter", f"label=com.docker.compose.project={cluster.project}",
                            "--format", "{{json .}}")
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    for event in events:
        event["service"] = event["Actor"]["Attributes"].get("com.docker.compose.service")
    return events


def first(events, service, status):
    times = [e["timeNano"] for e in events if e["service"] == service and e["status"] == status]
    assert times, f"no '{status}' event for {service}: {[(e['service'], e['status']) for e in events]}"
    return min(times)


def seconds_between(start, end):
    parse = datetime.datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def live_workers(cluster):
    return [w for w in cluster.get("/api/v2/workers")["workers"] if w["live"]]


def restart_counts(cluster):
    return {c["Name"]: c["RestartCount"] for service in TIDE_SERVICES for c in cluster.containers(service)}


def assert_each_try_ran_once(cluster, dag_id, run_id, instances):
    for ti in instances:
        if ti["task_id"] in ("start", "join"):
            continue
        text = cluster.log_text(dag_id, run_id, ti["task_id"], ti["try_number"])
        marks = [line for line in text.splitlines() if line.startswith("ran ")]
        assert marks == [f"ran {ti['task_id']} try {ti['try_number']} on {ti['hostname']}"], (ti["task_id"], text)


def test_1_up_starts_every_service_healthy_in_order_and_spreads_a_fan_out(cluster):
    began = time.time()
    cluster.up("--scale", "worker=3")
    log(f"up --scale worker=3: every service healthy after {time.time() - began:.1f} s")
    events = container_events(cluster, began, time.time())
    postgres_healthy = first(events, "postgres", "health_status: healthy")
    redis_healthy = first(events, "redis", "health_status: healthy")
    migrate_started = first(events, "migrate", "start")
    migrate_ended = [e for e in events if e["service"] == "migrate" and e["status"] == "die"]
    assert [e["Actor"]["Attributes"]["exitCode"] for e in migrate_ended] == ["0"]
    assert migrate_started > postgres_healthy, "migrate started before PostgreSQL was healthy"
    for service in TIDE_SERVICES:
        starts = [e["timeNano"] for e in events if e["service"] == service and e["status"] == "start"]
        assert starts and min(starts) > migrate_ended[0]["timeNano"], f"{service} started before migrate finished"
        assert min(starts) > redis_healthy, f"{service} started before Redis was healthy"
        containers = cluster.containers(service)
        assert containers and all(c["State"]["Health"]["Status"] == "healthy" for c in containers), service
    assert len(cluster.containers("worker")) == 3 and len(cluster.containers("scheduler")) == 2

    expected = {path.stem for path in EXAMPLE_DAGS} | {name.removesuffix(".yaml") for name in TEST_DAGS}
    cluster.wait_for("every DAG file to load",
                     lambda: {d["dag_id"] for d in cluster.get("/api/v2/dags", limit=100)["dags"]} >= expected, 60)
    assert cluster.get("/api/v2/importErrors")["total_entries"] == 0
    assert len(live_workers(cluster)) == 3

    cluster.trigger("compose_spread", "spread-1")
    cluster.wait_for_run("compose_spread", "spread-1", timeout=120)
    instances = cluster.task_instances("compose_spread", "spread-1")
    workers = cluster.hostnames("worker")
    used = {ti["hostname"] for ti in instances}
    assert used == set(workers), f"tasks ran on {used}, workers are {workers}"
    assert_each_try_ran_once(cluster, "compose_spread", "spread-1", instances)


def test_2_scaling_workers_down_drains_them_and_loses_nothing(cluster):
    workers_before = cluster.hostnames("worker")
    cluster.trigger("compose_drain", "drain-1")
    cluster.wait_for("tries running on every worker", lambda: {
        ti["hostname"] for ti in cluster.task_instances("compose_drain", "drain-1") if ti["state"] == "running"
    } == set(workers_before), 60, interval=0.2)
    began = time.time()
    cluster.compose("up", "-d", "--no-deps", "--no-recreate", "--scale", "worker=1", "worker", timeout=120)
    log(f"scale worker 3 -> 1 returned after {time.time() - began:.1f} s (stopped workers drained)")
    remaining = cluster.hostnames("worker")
    assert len(remaining) == 1
    stopped = set(workers_before) - set(remaining)
    deaths = [e for e in container_events(cluster, began, time.time()) if e["status"] == "die"]
    assert {e["Actor"]["Attributes"]["name"] for e in deaths} == {workers_before[h] for h in stopped}
    assert all(e["Actor"]["Attributes"]["exitCode"] == "0" for e in deaths), "a stopped worker was killed, not drained"

    cluster.wait_for_run("compose_drain", "drain-1", timeout=180)
    instances = cluster.task_instances("compose_drain", "drain-1")
    assert all(ti["state"] == "success" and ti["try_number"] == 1 for ti in instances), \
        [(ti["task_id"], ti["state"], ti["try_number"]) for ti in instances if ti["try_number"] != 1]
    assert stopped <= {ti["hostname"] for ti in instances}, "the stopped workers' tries did not finish there"
    assert_each_try_ran_once(cluster, "compose_drain", "drain-1", instances)
    cluster.up("--scale", "worker=3")


def test_3_a_sigkilled_worker_and_scheduler_lose_no_run(cluster):
    cluster.trigger("compose_kill", "kill-1")
    workers = cluster.hostnames("worker")

    def running_by_worker():
        running = {}
        for ti in cluster.task_instances("compose_kill", "kill-1"):
            if ti["state"] == "running":
                running.setdefault(ti["hostname"], set()).add(ti["task_id"])
        return running

    # The victim: whichever worker runs the most tries (with 24 slots for 16 tasks, one may run none).
    running = cluster.wait_for("tries running", running_by_worker, 60, interval=0.2)
    victim = max(running, key=lambda hostname: len(running[hostname]))
    doomed = running[victim]
    schedulers = cluster.containers("scheduler")
    cluster.docker("kill", workers[victim])
    cluster.docker("kill", schedulers[0]["Name"].lstrip("/"))
    log(f"SIGKILLed {workers[victim]} (running {len(doomed)} tries) and {schedulers[0]['Name'].lstrip('/')}")
    # What `restart: unless-stopped` does after a crash: the same container (same hostname, PID 1)
    # starts again at once, long before the scheduler would declare the dead worker's tries lost.
    cluster.docker("start", workers[victim])

    cluster.wait_for_run("compose_kill", "kill-1", timeout=180)
    retried = set()
    for ti in cluster.task_instances("compose_kill", "kill-1"):
        tries = {t["try_number"]: t for t in cluster.tries("compose_kill", "kill-1", ti["task_id"])}
        if tries[1]["hostname"] == victim and tries[1]["state"] != "success":
            retried.add(ti["task_id"])
            assert tries[1]["state"] == "failed", tries[1]
            assert ti["try_number"] == 2 and ti["state"] == "success", ti
        else:
            assert ti["try_number"] == 1 and ti["state"] == "success", ti
    assert retried >= doomed, f"tries running on the killed worker: {doomed}; retried: {retried}"
    cluster.up("--scale", "worker=3")
    assert len(cluster.containers("scheduler")) == 2


def test_4_a_partitioned_workers_late_result_is_fenced_out(cluster):
    cluster.trigger("compose_partition", "partition-1")
    running = cluster.wait_for("the slow task to run", lambda: [
        ti for ti in cluster.task_instances("compose_partition", "partition-1") if ti["state"] == "running"], 60, 0.2)
    hostname = running[0]["hostname"]
    container = cluster.hostnames("worker")[hostname]
    cluster.docker("network", "disconnect", cluster.network(), container)
    began = time.time()
    log(f"disconnected {container} from {cluster.network()} while it runs try 1")
    cluster.wait_for("the scheduler to give the try to another worker", lambda: any(
        t["try_number"] == 2 for t in cluster.tries("compose_partition", "partition-1", "slow")), 120)
    log(f"try 2 queued {time.time() - began:.1f} s after the partition")
    cluster.docker("network", "connect", cluster.network(), container)

    cluster.wait_for_run("compose_partition", "partition-1", timeout=120)
    tries = {t["try_number"]: t for t in cluster.tries("compose_partition", "partition-1", "slow")}
    assert sorted(tries) == [1, 2]
    assert tries[1]["state"] == "failed" and tries[1]["hostname"] == hostname
    assert tries[2]["state"] == "success" and tries[2]["hostname"] != hostname
    # Try 1 ended during the partition; once reconnected, the worker's late result is refused.
    cluster.wait_for("the worker to report its late result as refused", lambda: "the try was no longer this worker's"
                     in cluster.compose("logs", "--no-color", "--since", "5m", "worker").stdout, 90)
    assert cluster.tries("compose_partition", "partition-1", "slow")[0]["state"] == "failed"
    cluster.wait_for("the reconnected worker to heartbeat again",
                     lambda: any(w["hostname"] == hostname for w in live_workers(cluster)), 90)
    cluster.up("--scale", "worker=3")


def test_5_the_cluster_recovers_from_redis_and_postgresql_restarts(cluster):
    restarts = restart_counts(cluster)
    for service in ["redis", "postgres"]:
        run_id = f"restart-{service}"
        cluster.trigger("compose_chain", run_id)
        cluster.wait_for("the chain to start", lambda: any(
            ti["state"] == "success" for ti in cluster.task_instances("compose_chain", run_id)), 60, 0.2)
        began = time.time()
        cluster.compose("restart", service, timeout=120)
        log(f"restarted {service} in {time.time() - began:.1f} s")
        cluster.wait_for_run("compose_chain", run_id, timeout=180)
        log(f"the run across the {service} restart succeeded {time.time() - began:.1f} s after it")
        # Nothing waited for the re-push of a lost message (queued_timeout, 30 s): a popped message
        # whose claim met the restart was claimed when the server was back.
        waits = {t["task_id"]: seconds_between(t["scheduled_at"], t["claimed_at"])
                 for t in cluster.get(f"/api/v2/dags/compose_chain/dagRuns/{run_id}/timeline")["tries"]}
        assert max(waits.values()) < 20, f"ready → claimed across the {service} restart: {waits}"
    cluster.trigger("compose_chain", "after-restarts")
    cluster.wait_for_run("compose_chain", "after-restarts", timeout=120)
    cluster.wait_for("every Tide container to be healthy", lambda: all(
        c["State"]["Health"]["Status"] == "healthy" for s in TIDE_SERVICES for c in cluster.containers(s)), 120)
    assert restart_counts(cluster) == restarts, "a Tide process exited instead of riding out the restart"


def finished_test_runs(cluster):
    """The runs the checks above made (example DAGs on a schedule may add runs meanwhile)."""
    return {run["dag_run_id"]: (run["state"], run["start_date"], run["end_date"])
            for run in cluster.get("/api/v2/dags/~/dagRuns", limit=100)["dag_runs"]
            if run["dag_id"].startswith("compose_")}


def test_6_down_and_up_keeps_runs_and_logs(cluster):
    before = finished_test_runs(cluster)
    assert {"spread-1", "drain-1", "kill-1", "partition-1", "after-restarts"} <= set(before)
    log_before = cluster.log_text("compose_spread", "spread-1", "work_00", 1)
    cluster.compose("down", timeout=180)
    assert not cluster.containers("postgres", all_states=True)
    began = time.time()
    cluster.up("--scale", "worker=3")
    log(f"down, then up again: healthy after {time.time() - began:.1f} s")
    assert finished_test_runs(cluster) == before
    assert cluster.log_text("compose_spread", "spread-1", "work_00", 1) == log_before


def test_7_the_documented_loop_follows_the_scaling_hint(cluster):
    cluster.compose("up", "-d", "--no-deps", "--no-recreate", "--scale", "worker=1", "worker", timeout=120)
    cluster.wait_for("one live worker", lambda: len(live_workers(cluster)) == 1, 90)
    # The hint may still hold earlier runs' demand (its scale-down window); the burst asks for more.
    before = cluster.scaling()["queues"]["default"]["desiredWorkers"]
    assert before < 4, cluster.scaling()
    cluster.trigger("compose_burst", "burst-1")
    hint = cluster.wait_for("the hint to ask for workers for the burst", lambda: (
        q := cluster.scaling()["queues"]["default"])["desiredWorkers"] >= 4 and q, 60)
    log(f"burst: queued {hint['queued']}, running {hint['running']}: desired workers {before} -> "
        f"{hint['desiredWorkers']}")

    script = subprocess.run([str(ROOT / "compose" / "follow-scaling-hint"), "--once"], capture_output=True,
                            text=True, timeout=180, cwd=ROOT / "compose",
                            env={**os.environ, "COMPOSE": os.environ["TIDE_COMPOSE"]})
    assert script.returncode == 0, script.stdout + script.stderr
    log(f"follow-scaling-hint: {script.stdout.strip()}")
    applied = re.fullmatch(r"worker replicas: (\d+) \(desiredWorkers of queue 'default'\)", script.stdout.strip())
    assert applied, script.stdout
    desired = int(applied.group(1))
    assert desired >= 4 and len(cluster.containers("worker")) == desired
    cluster.wait_for(f"{desired} live workers", lambda: len(live_workers(cluster)) == desired, 90)
    cluster.wait_for_run("compose_burst", "burst-1", timeout=240)
    assert len({ti["hostname"] for ti in cluster.task_instances("compose_burst", "burst-1")}) >= 2
