#!/usr/bin/env python3
"""Tide's chaos suite: a load of mixed DAGs on 2 schedulers and 4 workers while a fault injector
SIGKILLs and restarts workers and schedulers, restarts Redis (once with its data wiped) and
crashes and restarts PostgreSQL. At the end it checks, from PostgreSQL and the tasks' own marker
files, that every task instance is terminal in the state its script decides, that no try ran
twice, and prints a one-line verdict. Exit 0 only when nothing was lost, duplicated or wrong.

Schedulers and workers run as `tide-scheduler` and `tide-worker` (as deployments run them) where
those were built beside `tide`. Run by scripts/chaos (full size) and scripts/test (CI size). Its own Redis and PostgreSQL run on
ports 17379 and 17432 (data under .tide/chaos), so restarting them disturbs nothing else.
"""

import argparse
import collections
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
TASKS_PER_DAG = 50


def log(text):
    print(f"chaos: {text}", flush=True)


class Services:
    """Redis (append-only) and PostgreSQL of the chaos run, through scripts/services."""

    def __init__(self, folder):
        self.env = dict(os.environ)
        self.env.update(
            TIDE_SERVICES_DIR=str(folder), TIDE_SERVICES_PG_PORT="17432", TIDE_SERVICES_REDIS_PORT="17379",
            TIDE_SERVICES_REDIS_AOF="yes")
        self.folder = folder

    def run(self, *command):
        subprocess.run([str(ROOT / "scripts" / "services"), *command], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, timeout=120)

    def urls(self):
        output = subprocess.run([str(ROOT / "scripts" / "services"), "env"], env=self.env, check=True,
                                capture_output=True, text=True).stdout
        return dict(line.removeprefix("export ").split("=", 1) for line in output.splitlines())


class Cluster:
    def __init__(self, tide, env, logs):
        self.tide = tide
        self.env = env
        self.logs = logs
        self.processes = {}
        self.counter = collections.Counter()

    def command(self, arguments):
        """`tide ROLE …`, or for the scheduler and worker the executables their replicas run
        (`tide-scheduler`, `tide-worker`) where they were built beside `tide`."""
        role = pathlib.Path(self.tide).with_name(f"tide-{arguments[0]}")
        if arguments[0] in ("scheduler", "worker") and os.access(role, os.X_OK):
            return [str(role), *arguments[1:]]
        return [self.tide, *arguments]

    def start(self, name, *arguments):
        self.counter[name] += 1
        output = open(self.logs / f"{name}.{self.counter[name]}.log", "w")
        self.processes[name] = subprocess.Popen(self.command(arguments), env=self.env, stdout=output,
                                                stderr=subprocess.STDOUT)

    def kill(self, name):
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.time() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                process.kill()

    def cli(self, *arguments):
        return subprocess.run([self.tide, *arguments], env=self.env, capture_output=True, text=True, timeout=120)


def task_kind(dag_index, task_index):
    """What a task's script does, decided by its place: the expected final state follows from it."""
    key = dag_index * TASKS_PER_DAG + task_index
    if key % 23 == 11:
        return "fails"  # fails every try: ends failed
    if key % 7 == 3:
        return "flaky"  # fails its first try: ends success on a retry
    return "works"


def write_dags(folder, markers, dag_count):
    folder.mkdir(parents=True, exist_ok=True)
    for dag_index in range(dag_count):
        lines = [
            f"dag_id: chaos_{dag_index:03d}", "schedule: null", "max_active_tasks: 64",
            "default_args:", "  retries: 12", "  retry_delay: 1s", "tasks:",
        ]
        for task_index in range(TASKS_PER_DAG):
            kind = task_kind(dag_index, task_index)
            duration = (dag_index * 31 + task_index * 17) % 15 / 10  # 0.0 .. 1.4 s
            # Every try leaves one marker line (O_APPEND: lines from many processes never interleave).
            script = (f"echo \"$TIDE_RUN_ID $TIDE_TASK_ID $TIDE_TRY_NUMBER\" >> {markers}/chaos_{dag_index:03d}; "
                      f"sleep {duration}")
            if kind == "fails":
                script += "; exit 1"
            elif kind == "flaky":
                script += "; [ \"$TIDE_TRY_NUMBER\" -gt 1 ] || exit 1"
            if task_index == 0:
                upstream = []
            elif task_index < 5:
                upstream = [f"t{task_index - 1:02d}"]  # a chain t00 -> t04
            elif task_index < TASKS_PER_DAG - 1:
                upstream = ["t00"]  # fan-out
            else:
                upstream = [f"t{i:02d}" for i in range(5, TASKS_PER_DAG - 1)]  # join
            lines.append(f"  - task_id: t{task_index:02d}")
            pod = task_index % 10 == 6  # one task in ten runs in a pod on the simulated cluster
            if upstream:
                lines.append(f"    upstream: [{', '.join(upstream)}]")
            if task_index == TASKS_PER_DAG - 1:
                lines.append("    trigger_rule: all_done")
            if kind == "fails":
                lines.append("    retries: 1")
            if pod:
                # The simulator's kubelet runs the command on this machine; templates give the try.
                pod_script = script.replace("$TIDE_RUN_ID", "{{ run_id }}").replace("$TIDE_TASK_ID", "{{ ti.task_id }}")
                pod_script = pod_script.replace("$TIDE_TRY_NUMBER", "{{ ti.try_number }}")
                lines.append("    kubernetes_pod:")
                lines.append("      image: busybox")
                lines.append(f"      cmds: [sh, -c, '{pod_script}']")
                lines.append("      startup_timeout: 2m")
            else:
                lines.append(f"    bash: '{script}'")
        (folder / f"chaos_{dag_index:03d}.yaml").write_text("\n".join(lines) + "\n")
    for probe in ["redis_probe", "failover_probe"]:
        (folder / f"{probe}.yaml").write_text(
            f"dag_id: {probe}\nschedule: null\ntasks:\n  - {{task_id: a, bash: 'true'}}\n"
            "  - {task_id: b, upstream: [a], bash: 'true'}\n")
    (folder / "outage_probe.yaml").write_text(
        "dag_id: outage_probe\nschedule: null\ntasks:\n  - task_id: probe\n"
        f"    bash: 'echo \"$TIDE_TRY_NUMBER\" >> {markers}/outage_probe; sleep 4'\n")


def expected_state(dag_index, task_index):
    # A chain task after a failed one never runs; nor does the fan-out when t00 failed. The join
    # (all_done) runs whatever happened.
    if 0 < task_index < 5 and any(task_kind(dag_index, i) == "fails" for i in range(task_index)):
        return "upstream_failed"
    if 5 <= task_index < TASKS_PER_DAG - 1 and task_kind(dag_index, 0) == "fails":
        return "upstream_failed"
    return "failed" if task_kind(dag_index, task_index) == "fails" else "success"


def log_sizes(logs):
    return {file: file.stat().st_size for file in logs.iterdir()}


def outage_lines(logs, since, phrases):
    """Per log file, the lines containing any of PHRASES written after the sizes in SINCE."""
    counts = {}
    for file in sorted(logs.iterdir()):
        with open(file, errors="replace") as handle:
            handle.seek(since.get(file, 0))
            text = handle.read()
        counts[file.name] = sum(text.count(phrase) for phrase in phrases)
    return counts


def wait_for_probe(url, schema, dag_id, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        rows = psql_or_none(url, schema, f"SELECT state, try_number FROM task_instances WHERE dag_id = '{dag_id}'")
        if rows and all(row[0] in ("success", "failed", "upstream_failed") for row in rows):
            return rows
        time.sleep(0.2)
    return None


def redis_outage(cluster, services, url, schema, logs, seconds):
    """Redis away for SECONDS while a run waits to be queued: every process keeps running, logs the
    outage once, and the run completes once Redis is back."""
    since = log_sizes(logs)
    services.run("stop-redis")
    cluster.cli("dags", "trigger", "redis_probe")
    time.sleep(seconds)
    services.run("start-redis")
    rows = wait_for_probe(url, schema, "redis_probe", 120)
    problems = [] if rows and all(row[0] == "success" for row in rows) else [f"redis_probe ended {rows}"]
    time.sleep(3)
    for name, count in outage_lines(logs, since, ["cannot pop from Redis", "scheduling passes fail"]).items():
        if count > 1:
            problems.append(f"{name} logged the Redis outage {count} times")
    return problems


def scheduler_failover(cluster, url, schema):
    """One of the two schedulers is killed; a run triggered right after must be scheduled by the
    other. Returns the seconds from the run's creation to its last task's end (PostgreSQL's
    clocks), or a problem."""
    cluster.kill("scheduler-a")
    cluster.cli("dags", "trigger", "failover_probe")
    rows = wait_for_probe(url, schema, "failover_probe", 60)
    cluster.start("scheduler-a", "scheduler")
    if not rows or any(row[0] != "success" for row in rows):
        return None, [f"failover_probe ended {rows}"]
    took = psql(url, schema, "SELECT extract(epoch FROM max(ti.ended_at) - r.queued_at) FROM dag_runs r "
                             "JOIN task_instances ti ON ti.run_id = r.id WHERE r.dag_id = 'failover_probe' "
                             "GROUP BY r.queued_at")
    elapsed = float(took[0][0])
    # Active-active: the other scheduler is already running, so no lease has to expire first.
    return elapsed, ([] if elapsed < 15 else [f"failover_probe took {elapsed:.1f} s with one scheduler"])


def report_after_outage(cluster, services, url, schema, markers, logs, seconds):
    """A try that ends while PostgreSQL is down for longer than worker_timeout is reported when it
    returns (try 1, run once), and every process logs the outage once, not once per attempt."""
    since = log_sizes(logs)
    deadline = time.time() + 60
    while not psql_or_none(url, schema, "SELECT 1 FROM dags WHERE dag_id = 'outage_probe'"):
        if time.time() > deadline:
            return ["outage_probe did not load"]
        time.sleep(0.5)
    cluster.cli("dags", "trigger", "outage_probe")
    while not psql_or_none(url, schema, "SELECT 1 FROM task_instances WHERE dag_id = 'outage_probe' AND state = 'running'"):
        if time.time() > deadline:
            return ["outage_probe did not start"]
        time.sleep(0.2)
    services.run("stop-postgres", "--crash")
    time.sleep(seconds)  # the try ends meanwhile; longer than worker_timeout (10 s)
    services.run("start-postgres")
    deadline = time.time() + 60
    while True:
        rows = psql_or_none(url, schema, "SELECT state, try_number FROM task_instances WHERE dag_id = 'outage_probe'")
        if rows and rows[0][0] in ("success", "failed", "up_for_retry", "queued"):
            break
        if time.time() > deadline:
            return [f"outage_probe unfinished: {rows}"]
        time.sleep(0.5)
    problems = []
    if rows[0] != ["success", "1"]:
        problems.append(f"outage_probe ended {rows[0]}, expected success on try 1")
    runs = (markers / "outage_probe").read_text().splitlines() if (markers / "outage_probe").exists() else []
    if len(runs) != 1:
        problems.append(f"outage_probe ran {len(runs)} times, expected once")
    time.sleep(3)  # every process notices the recovery
    for name, count in outage_lines(logs, since, ["PostgreSQL calls fail", "scheduling passes fail"]).items():
        if count > 1:
            problems.append(f"{name} logged the outage {count} times")
    return problems


def start_simulator(tide, folder):
    """tide-kubesim with one roomy node; its kubeconfig goes to FOLDER/kubeconfig."""
    (folder / "cluster.yaml").write_text(
        "node_pools:\n  - name: default\n    cpu: '64'\n    memory: 256Gi\n    max_pods: 500\n"
        "    min_nodes: 1\n    max_nodes: 1\n")
    binary = pathlib.Path(tide).parent / "tide-kubesim"
    output = open(folder / "logs" / "kubesim.log", "w")
    process = subprocess.Popen(
        [str(binary), "--config", str(folder / "cluster.yaml"), "--write-kubeconfig", str(folder / "kubeconfig"),
         "--tick", "0.05"], stdout=output, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while not (folder / "kubeconfig").exists():
        if time.time() > deadline or process.poll() is not None:
            sys.exit("chaos: the Kubernetes simulator did not start")
        time.sleep(0.1)
    return process


def simulator_pods(folder):
    """Tide's pods left in the simulated cluster, not labelled finished (kubectl-free: its REST API)."""
    import json
    import urllib.request
    server = next(line.split("server:")[1].strip() for line in (folder / "kubeconfig").read_text().splitlines()
                  if "server:" in line)
    with urllib.request.urlopen(f"{server}/api/v1/namespaces/default/pods?labelSelector=tide.io%2Fmanaged%3Dtrue",
                                timeout=10) as response:
        items = json.load(response)["items"]
    return [item["metadata"]["name"] for item in items
            if "tide.io/finished" not in item["metadata"].get("labels", {})]


def psql_or_none(url, schema, sql):
    try:
        return psql(url, schema, sql)
    except RuntimeError:
        return None


def psql(url, schema, sql):
    result = subprocess.run(["psql", url, "-tA", "-F", "|", "-c", f"SET search_path TO {schema}; {sql}"],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return [line.split("|") for line in result.stdout.splitlines() if line and line != "SET"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks in all (50 per DAG)")
    parser.add_argument("--seed", type=int, default=int(time.strftime("%Y%m%d")))
    parser.add_argument("--max-seconds", type=float, default=1200, help="give up (and fail) after this")
    parser.add_argument("--fault-every", type=float, default=2.0, help="mean seconds between faults")
    parser.add_argument("--outage-seconds", type=float, default=60, help="length of the scripted outages")
    parser.add_argument("--tide", default=str(ROOT / ".build" / "debug" / "tide"))
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    dag_count = max(1, arguments.tasks // TASKS_PER_DAG)
    work = ROOT / ".tide" / "chaos"
    shutil.rmtree(work / "run", ignore_errors=True)
    (work / "run" / "logs").mkdir(parents=True)
    markers = work / "run" / "markers"
    markers.mkdir()
    services = Services(work / "services")
    services.run("start")
    try:
        run(arguments, rng, dag_count, work, markers, services)
    finally:
        services.run("stop")


def run(arguments, rng, dag_count, work, markers, services):
    urls = services.urls()
    schema = "chaos"
    subprocess.run(["psql", urls["TIDE_DATABASE_URL"], "-qc", f"DROP SCHEMA IF EXISTS {schema} CASCADE"],
                   check=True, capture_output=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIDE_")}
    env.update(urls)
    env.update(
        TIDE_DATABASE_SCHEMA=schema, TIDE_REDIS_KEY_PREFIX="chaos:", TIDE_DAGS_FOLDER=str(work / "run" / "dags"),
        TIDE_CONFIG="/dev/null", TIDE_SCHEDULER_POLL_INTERVAL="1s", TIDE_SCHEDULER_DAG_SYNC_INTERVAL="2s",
        TIDE_SCHEDULER_QUEUED_TIMEOUT="5s", TIDE_SCHEDULER_WORKER_TIMEOUT="10s", TIDE_SCHEDULER_PARALLELISM="64",
        TIDE_WORKER_HEARTBEAT_INTERVAL="1s", TIDE_WORKER_SHUTDOWN_GRACE="5s", TIDE_LOG_LEVEL="info")
    write_dags(work / "run" / "dags", markers, dag_count)
    simulator = start_simulator(arguments.tide, work / "run")
    env.update(
        TIDE_KUBERNETES_KUBECONFIG=str(work / "run" / "kubeconfig"), TIDE_KUBERNETES_ORPHAN_SWEEP_INTERVAL="2s")
    cluster = Cluster(arguments.tide, env, work / "run" / "logs")
    migrate = cluster.cli("db", "migrate")
    if migrate.returncode != 0:
        sys.exit(f"chaos: migrate failed: {migrate.stderr}")
    schedulers = ["scheduler-a", "scheduler-b"]
    workers = [f"worker-{i}" for i in range(4)]
    for name in schedulers:
        cluster.start(name, "scheduler")
    for name in workers:
        cluster.start(name, "worker", "--concurrency", "8")
    started = time.time()
    faults = collections.Counter()
    try:
        deadline = started + 60
        while len(cluster.cli("dags", "list", "--output", "json").stdout.split('"dag_id"')) - 1 < dag_count + 3:
            if time.time() > deadline:
                sys.exit("chaos: the DAGs did not load within 60 s")
            time.sleep(0.5)
        url, logs, outage = urls["TIDE_DATABASE_URL"], work / "run" / "logs", arguments.outage_seconds
        scenario = report_after_outage(cluster, services, url, schema, markers, logs, outage)
        faults["postgres"] += 1
        log(f"a try ending during a {outage:.0f} s PostgreSQL outage: "
            + ("reported on its return, run once, the outage logged once per process" if not scenario
               else "; ".join(scenario)))
        problems = redis_outage(cluster, services, url, schema, logs, outage)
        faults["redis"] += 1
        log(f"a run triggered during a {outage:.0f} s Redis outage: "
            + ("completed once Redis was back, the outage logged once per process" if not problems
               else "; ".join(problems)))
        scenario += problems
        failover, problems = scheduler_failover(cluster, url, schema)
        faults["scheduler"] += 1
        log("one of two schedulers killed: " + (f"a 2-task run triggered next finished {failover:.2f} s after "
                                               "it was created" if not problems else "; ".join(problems)))
        scenario += problems
        for dag_index in range(dag_count):
            result = cluster.cli("dags", "trigger", f"chaos_{dag_index:03d}")
            if result.returncode != 0:
                sys.exit(f"chaos: trigger failed: {result.stderr}")
        log(f"{dag_count} runs of {TASKS_PER_DAG} tasks triggered; injecting faults every ~{arguments.fault_every} s")
        wiped = False
        # Faults come from shuffled bags holding every kind, so each kind happens in every bag.
        bag = []
        next_fault = time.time() + rng.expovariate(1 / arguments.fault_every)
        while True:
            now = time.time()
            if now - started > arguments.max_seconds:
                log(f"gave up after {arguments.max_seconds} s")
                break
            try:
                open_runs = psql(urls["TIDE_DATABASE_URL"], schema,
                                 "SELECT count(*) FROM dag_runs WHERE state IN ('queued', 'running')")
                if open_runs and open_runs[0][0] == "0":
                    break
            except RuntimeError:
                pass  # PostgreSQL is restarting
            if now >= next_fault:
                if not bag:
                    bag = ["worker", "worker", "worker", "scheduler", "scheduler", "redis", "postgres"]
                    rng.shuffle(bag)
                fault = bag.pop()
                if fault == "worker":
                    name = rng.choice(workers)
                    cluster.kill(name)
                    time.sleep(rng.uniform(0.2, 2))
                    cluster.start(name, "worker", "--concurrency", "8")
                elif fault == "scheduler":
                    name = rng.choice(schedulers)
                    cluster.kill(name)
                    time.sleep(rng.uniform(0.2, 3))
                    cluster.start(name, "scheduler")
                elif fault == "redis":
                    wipe = not wiped  # the first restart loses everything; later ones keep the AOF
                    services.run("stop-redis", "--crash" if wipe else "")
                    if wipe:
                        shutil.rmtree(work / "services" / "redis" / "appendonlydir", ignore_errors=True)
                        wiped = True
                        faults["redis wiped"] += 1
                    time.sleep(rng.uniform(0.5, 3))
                    services.run("start-redis")
                else:
                    services.run("stop-postgres", "--crash")
                    time.sleep(rng.uniform(0.5, 4))
                    services.run("start-postgres")
                faults[fault] += 1
                next_fault = time.time() + rng.expovariate(1 / arguments.fault_every)
            time.sleep(0.5)
        elapsed = time.time() - started
        # Nothing may have exited by itself: outages are waited out, not crashed on.
        crashed = [name for name, process in cluster.processes.items() if process.poll() is not None]
        # Every pod is deleted once its try is over, by its worker or, if that worker died first,
        # by a sweep (every 2 s here): after a few sweeps none may be left.
        deadline = time.time() + 30
        orphans = simulator_pods(work / "run")
        while orphans and time.time() < deadline:
            time.sleep(1)
            orphans = simulator_pods(work / "run")
    finally:
        cluster.stop_all()
        simulator.send_signal(signal.SIGTERM)
        simulator.wait(timeout=30)

    rows = psql(urls["TIDE_DATABASE_URL"], schema,
                "SELECT r.dag_id, r.run_id, ti.task_id, ti.state, ti.try_number FROM task_instances ti "
                "JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id LIKE 'chaos\\_%'")
    executions = collections.Counter()
    for file in markers.glob("chaos_*"):
        for line in file.read_text().splitlines():
            run_id, task_id, try_number = line.split(" ")
            executions[(file.name, run_id, task_id, try_number)] += 1
    duplicates = [key for key, count in executions.items() if count > 1]
    lost, wrong = [], []
    for dag_id, run_id, task_id, state, try_number in rows:
        dag_index, task_index = int(dag_id.split("_")[1]), int(task_id[1:])
        if state not in ("success", "failed", "skipped", "upstream_failed"):
            lost.append((dag_id, task_id, state))
            continue
        want = expected_state(dag_index, task_index)
        if state != want:
            wrong.append((dag_id, task_id, state, want))
        elif state == "success" and executions[(dag_id, run_id, task_id, try_number)] != 1:
            wrong.append((dag_id, task_id, state, f"no marker for its final try {try_number}"))
    fault_text = ", ".join(f"{name} {count}" for name, count in sorted(faults.items()))
    total_faults = sum(count for name, count in faults.items() if name != "redis wiped")
    complete = len(rows) == dag_count * TASKS_PER_DAG
    verdict = "PASS" if not (duplicates or lost or wrong or scenario or crashed or orphans) and complete else "FAIL"
    if orphans:
        log(f"  pods left behind: {', '.join(orphans[:10])}")
    if crashed:
        log(f"  exited on their own: {', '.join(crashed)}")
    for item in (lost + wrong)[:10]:
        log(f"  {item}")
    for item in duplicates[:10]:
        log(f"  ran twice: {item}")
    log(f"{verdict}: {len(rows)} tasks in {elapsed:.0f} s, {total_faults} faults ({fault_text}), "
        f"{len(executions)} tries run, duplicates={len(duplicates)} lost={len(lost)} wrong={len(wrong)} "
        f"crashed={len(crashed)} orphaned_pods={len(orphans)} "
        f"(seed {arguments.seed}; logs in {work / 'run' / 'logs'})")
    if verdict != "PASS":
        sys.exit(1)


if __name__ == "__main__":
    main()
