"""How Airflow's dynamic task mapping ends: every task instance's final state, by map index, as
test data for Tide's.

Run with Airflow installed (pip install apache-airflow==3.3.2) and a metadata database
(AIRFLOW_HOME=/some/folder airflow db migrate):

    python scripts/airflow-reference/mapping.py > Tests/TideIntegrationTests/Fixtures/airflow-mapping.json

Each case is one DAG: `make` returns a fixed value, `each` is mapped over it (an item "bad" fails),
`collect` (all_done) and `after` (an EmptyOperator, all_success) are downstream of `each`. It runs
with dag.test() and core.max_map_length = 4; Tide's test runs the same DAGs (as YAML) and must end
every instance in Airflow's state. dag.test() reads its DAG from the DAGs folder, so the script
points that folder at a copy of itself.
"""

import json
import os
import shutil
import tempfile

if __name__ == "__main__":
    # Airflow logs to stdout: the results get the real stdout, everything else goes to stderr.
    _results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    _folder = tempfile.mkdtemp(prefix="tide-airflow-mapping-")
    shutil.copy(__file__, _folder)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = _folder
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__MAX_MAP_LENGTH"] = "4"

from airflow.providers.standard.operators.empty import EmptyOperator  # noqa: E402
from airflow.sdk import DAG, task  # noqa: E402

MAX_MAP_LENGTH = 4

# (case, what `make` returns: None means it returns nothing)
CASES = [
    ("a_list", ["a", "b", "c"]),
    ("an_empty_list", []),
    ("one_item_fails", ["a", "bad", "c"]),
    ("not_a_list", "abc"),
    ("nothing_returned", None),
    ("too_long", [1, 2, 3, 4, 5]),
    ("an_object", {"k": 1, "j": 2}),
]


def build(name, source):
    with DAG(dag_id=f"map_{name}", schedule=None) as dag:
        @task
        def make():
            return source

        @task
        def each(x):
            if x == "bad":
                raise ValueError("bad item")
            return x

        @task(trigger_rule="all_done")
        def collect(values):
            return len(list(values))

        mapped = each.expand(x=make())
        collect(mapped)
        mapped >> EmptyOperator(task_id="after")
    return dag


DAGS = {f"map_{name}": build(name, source) for name, source in CASES}
globals().update(DAGS)

if __name__ == "__main__":
    results = {"max_map_length": MAX_MAP_LENGTH, "cases": []}
    for name, source in CASES:
        run = DAGS[f"map_{name}"].test()
        instances = sorted(run.get_task_instances(), key=lambda ti: (ti.task_id, ti.map_index))
        results["cases"].append({
            "name": name, "returns": source, "run_state": str(run.state),
            "instances": [[ti.task_id, ti.map_index, str(ti.state)] for ti in instances],
        })
    _results.write(json.dumps(results, indent=1) + "\n")
