"""How Airflow's branching ends: the final state of every task, as test data for Tide's.

Run with Airflow installed (pip install apache-airflow==3.3.2) and a metadata database
(AIRFLOW_HOME=/some/folder airflow db migrate):

    python scripts/airflow-reference/branching.py > Tests/TideCoreTests/Fixtures/airflow-branching.json

Each case is a DAG of EmptyOperators and one @task.branch returning a fixed value, run with
dag.test(); the states it ends in are what Tide's resolver must reach from the same choice.
dag.test() reads its DAG from the DAGs folder, so the script points that folder at a copy of itself.
"""

import json
import logging
import os
import shutil
import tempfile

if __name__ == "__main__":
    # Airflow logs to stdout: the results get the real stdout, everything else goes to stderr.
    _results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    _folder = tempfile.mkdtemp(prefix="tide-airflow-branching-")
    shutil.copy(__file__, _folder)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = _folder
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

from airflow.providers.standard.operators.empty import EmptyOperator  # noqa: E402
from airflow.sdk import DAG, task  # noqa: E402

# A choice between two loads, and two joins after them.
LOADS = [
    ("pick", [], "all_success"),
    ("full_load", ["pick"], "all_success"),
    ("delta_load", ["pick"], "all_success"),
    ("after_delta", ["delta_load"], "all_success"),
    ("join", ["full_load", "after_delta"], "none_failed_min_one_success"),
    ("strict_join", ["full_load", "after_delta"], "all_success"),
]

# (name, tasks as (task_id, upstream ids, trigger rule), the branch task's id, what it returns)
CASES = [
    (
        "a chosen path, a skipped path, and two joins",
        LOADS,
        "pick",
        "delta_load",
    ),
    (
        "the other path, chosen as a list",
        LOADS,
        "pick",
        ["full_load"],
    ),
    (
        "a join directly downstream of the branch and of the chosen task",
        [
            ("branch", [], "all_success"),
            ("a", ["branch"], "all_success"),
            ("b", ["branch"], "all_success"),
            ("join", ["a", "b", "branch"], "all_success"),
            ("after_b", ["b"], "all_success"),
        ],
        "branch",
        "a",
    ),
    (
        "nothing chosen",
        [
            ("branch", [], "all_success"),
            ("a", ["branch"], "all_success"),
            ("b", ["branch"], "all_success"),
            ("join", ["a", "b"], "none_failed_min_one_success"),
            ("cleanup", ["a", "b"], "all_done"),
            ("one", ["a", "b"], "one_success"),
        ],
        "branch",
        None,
    ),
    (
        "two chosen of three, and a task upstream of a skipped one",
        [
            ("start", [], "all_success"),
            ("branch", ["start"], "all_success"),
            ("a", ["branch"], "all_success"),
            ("b", ["branch"], "all_success"),
            ("c", ["branch", "start"], "all_success"),
            ("after_c", ["c"], "none_skipped"),
            ("end", ["a", "b", "after_c"], "none_failed"),
        ],
        "branch",
        ["a", "b"],
    ),
]


def build(number, tasks, branch_id, returned):
    with DAG(f"branching_{number}", schedule=None) as dag:
        operators = {}
        for task_id, _, rule in tasks:
            if task_id == branch_id:

                @task.branch(task_id=task_id, trigger_rule=rule)
                def choose():
                    return returned

                operators[task_id] = choose()
            else:
                operators[task_id] = EmptyOperator(task_id=task_id, trigger_rule=rule)
        for task_id, upstream, _ in tasks:
            for parent in upstream:
                operators[parent] >> operators[task_id]
    return dag


DAGS = [build(number, case[1], case[2], case[3]) for number, case in enumerate(CASES)]
for _dag in DAGS:
    globals()[_dag.dag_id] = _dag


def run(number, name, tasks, branch_id, returned):
    dag_run = DAGS[number].test()
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    return {
        "name": name,
        "tasks": [{"task_id": t, "upstream": u, "trigger_rule": r} for t, u, r in tasks],
        "branch": branch_id,
        "returns": returned,
        "states": dict(sorted(states.items())),
    }


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)
    results = [run(number, *case) for number, case in enumerate(CASES)]
    shutil.rmtree(_folder)
    _results.write(json.dumps(results, indent=2) + "\n")
    _results.close()
