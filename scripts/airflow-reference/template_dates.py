"""How Airflow renders its date values in templates, as test data for Tide's.

Run with Airflow installed (pip install apache-airflow==3.3.2):

    python scripts/airflow-reference/template_dates.py > Tests/TideCoreTests/Fixtures/airflow-template-dates.json

The context's date values are built as Airflow's task runner builds them
(airflow/sdk/execution_time/task_runner.py) and rendered by Airflow's own template environment.
"""

import json

import pendulum
from airflow.sdk.definitions._internal.templater import create_template_env

TEMPLATE = (
    "{{ logical_date }}|{{ data_interval_start }}|{{ data_interval_end }}|{{ ts }}|{{ ts_nodash }}|"
    "{{ ts_nodash_with_tz }}|{{ ds }}|{{ ds_nodash }}|{{ dag_run.logical_date }}"
)

CASES = [
    # A scheduled daily run: whole seconds.
    ("2026-03-10T00:00:00+00:00", "2026-03-10T00:00:00+00:00", "2026-03-11T00:00:00+00:00"),
    # A manual run: the trigger time, with microseconds.
    ("2026-03-10T12:34:56.123456+00:00", "2026-03-10T12:34:56.123456+00:00", "2026-03-10T12:34:56.123456+00:00"),
    # Milliseconds only (PostgreSQL keeps microseconds; a time like this prints six digits).
    ("2026-12-31T23:59:59.5+00:00", "2026-12-31T23:59:59.5+00:00", "2027-01-01T00:00:00+00:00"),
]


class DagRun:
    def __init__(self, logical_date):
        self.logical_date = logical_date


def context(logical, start, end):
    logical_date = pendulum.parse(logical)
    ts = logical_date.isoformat()
    return {
        "logical_date": logical_date,
        "ds": logical_date.strftime("%Y-%m-%d"),
        "ds_nodash": logical_date.strftime("%Y-%m-%d").replace("-", ""),
        "ts": ts,
        "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
        "data_interval_start": pendulum.parse(start),
        "data_interval_end": pendulum.parse(end),
        "dag_run": DagRun(logical_date),
    }


def main():
    env = create_template_env()
    template = env.from_string(TEMPLATE)
    out = []
    for logical, start, end in CASES:
        rendered = template.render(**context(logical, start, end))
        out.append({"logical_date": logical, "data_interval_start": start, "data_interval_end": end,
                    "template": TEMPLATE, "rendered": rendered})
    print(json.dumps({"airflow": __import__("airflow").__version__, "cases": out}, indent=1))


if __name__ == "__main__":
    main()
