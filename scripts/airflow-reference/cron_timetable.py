"""Fire times of Airflow's cron timetable across DST changes, as test data for Tide's.

Run with Airflow installed (pip install apache-airflow==3.3.2):

    python scripts/airflow-reference/cron_timetable.py > Tests/TideCoreTests/Fixtures/airflow-cron-dst.json

Each case lists the data intervals Airflow's CronDataIntervalTimetable gives from `earliest`
(catchup, as the scheduler and a backfill iterate them), up to `latest` when set.
"""

import json

import pendulum
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable

CASES = [
    # Fall back: the wall time happens twice.
    ("30 2 * * *", "Europe/Berlin", "2026-10-23T00:00:00+02:00", None, 5),
    ("30 1 * * *", "America/New_York", "2026-10-30T00:00:00-04:00", None, 5),
    ("45 2 * * *", "Australia/Sydney", "2026-04-03T00:00:00+11:00", None, 5),
    ("0 * * * *", "Europe/Berlin", "2026-10-25T00:00:00+02:00", None, 6),
    ("*/20 * * * *", "Europe/Berlin", "2026-10-25T01:40:00+02:00", None, 9),
    ("30 * * * *", "America/New_York", "2026-11-01T00:00:00-04:00", None, 5),
    ("15 2 * * 0", "Europe/Berlin", "2026-10-18T00:00:00+02:00", None, 3),
    # Spring forward: the wall time does not happen.
    ("30 2 * * *", "Europe/Berlin", "2026-03-27T00:00:00+01:00", None, 5),
    ("30 2 * * *", "America/New_York", "2026-03-06T00:00:00-05:00", None, 5),
    ("0 * * * *", "Europe/Berlin", "2026-03-29T00:00:00+01:00", None, 5),
    ("*/20 * * * *", "America/New_York", "2026-03-08T01:20:00-05:00", None, 6),
    # A backfill of exactly the shifted run after a spring-forward gap.
    ("30 2 * * *", "Europe/Berlin", "2026-03-29T03:30:00+02:00", "2026-03-29T03:30:00+02:00", 5),
    ("30 2 * * *", "Europe/Berlin", "2026-03-28T00:00:00+01:00", "2026-03-30T03:00:00+02:00", 5),
    # No DST change: the plain case.
    ("0 3 * * *", "Asia/Seoul", "2026-03-01T00:00:00+09:00", None, 3),
]


def utc(moment):
    return pendulum.instance(moment).in_timezone("UTC").isoformat()


def main():
    out = []
    for expression, zone, earliest, latest, count in CASES:
        timetable = CronDataIntervalTimetable(expression, pendulum.timezone(zone))
        restriction = TimeRestriction(
            pendulum.parse(earliest), pendulum.parse(latest) if latest else None, catchup=True
        )
        intervals, info = [], None
        while len(intervals) < count:
            info = timetable.next_dagrun_info_v2(last_dagrun_info=info, restriction=restriction)
            if info is None:
                break
            intervals.append([utc(info.data_interval.start), utc(info.data_interval.end)])
        out.append(
            {
                "expression": expression,
                "timezone": zone,
                "earliest": earliest,
                "latest": latest,
                "intervals": intervals,
            }
        )
    print(json.dumps({"airflow": __import__("airflow").__version__, "cases": out}, indent=1))


if __name__ == "__main__":
    main()
