"""Every malformed request gets a 4xx in Airflow's error shape, naming what is wrong, and
changes nothing."""

import pytest


def state_snapshot(tide):
    admin = tide.session("admin")
    return (
        [(p["name"], p["slots"], p["description"]) for p in admin.get(f"{tide.url}/api/v2/pools?limit=1000",
                                                                       timeout=10).json()["pools"]],
        admin.get(f"{tide.url}/api/v2/dags/~/dagRuns?limit=1000&order_by=id", timeout=10).json()["total_entries"],
        [d["is_paused"] for d in admin.get(f"{tide.url}/api/v2/dags?limit=1000", timeout=10).json()["dags"]],
    )


# (method, path, body or raw text, status, a piece of the detail that names the problem)
CASES = [
    ("GET", "/api/v2/dags?limit=abc", None, 422, ["query", "limit"]),
    ("GET", "/api/v2/dags?limit=100000", None, 422, "less than or equal to 1000"),
    ("GET", "/api/v2/dags?limit=-1", None, 422, "greater than or equal to 0"),
    ("GET", "/api/v2/dags?paused=maybe", None, 422, ["query", "paused"]),
    ("GET", "/api/v2/dags?order_by=owner_password", None, 400, "Ordering with 'owner_password'"),
    ("GET", "/api/v2/dags?tags_match_mode=some", None, 422, ["query", "tags_match_mode"]),
    ("GET", "/api/v2/dags/nope", None, 404, "'nope' was not found"),
    ("GET", "/api/v2/dags/~/dagRuns?state=exploded", None, 422, ["query", "state"]),
    ("GET", "/api/v2/dags/~/dagRuns?start_date_gte=yesterday", None, 422, ["query", "start_date_gte"]),
    ("GET", "/api/v2/dags/~/dagRuns?logical_date_lt=2026-13-01T00:00:00Z", None, 422, ["query", "logical_date_lt"]),
    ("GET", "/api/v2/dags/nope/dagRuns", None, 404, "'nope' was not found"),
    ("GET", "/api/v2/dags/api_chain/dagRuns/no-such-run", None, 404, "run_id: 'no-such-run' was not found"),
    ("GET", "/api/v2/dags/api_chain/dagRuns/no-such-run/taskInstances", None, 404, "no-such-run"),
    ("GET", "/api/v2/importErrors/abc", None, 422, ["path", "import_error_id"]),
    ("GET", "/api/v2/importErrors/999999", None, 404, "999999"),
    ("GET", "/api/v2/pools/nope", None, 404, "'nope' was not found"),
    ("GET", "/api/v2/no/such/thing", None, 404, "Not Found"),
    ("PUT", "/api/v2/pools", {"name": "x", "slots": 1}, 405, "Method Not Allowed"),
    ("PATCH", "/api/v2/dags/api_chain", "{not json", 422, "json_invalid"),
    ("PATCH", "/api/v2/dags/api_chain", [True], 422, "valid dictionary"),
    ("PATCH", "/api/v2/dags/api_chain", {}, 422, ["body", "is_paused"]),
    ("PATCH", "/api/v2/dags/api_chain", {"is_paused": "yes"}, 422, "valid boolean"),
    ("PATCH", "/api/v2/dags/api_chain", {"is_paused": True, "owner": "me"}, 422, "extra_forbidden"),
    ("PATCH", "/api/v2/dags/api_chain", {"is_paused": None}, 422, ["body", "is_paused"]),
    ("POST", "/api/v2/pools", {"name": "p", "slots": 1, "include_deferred": None}, 422, ["body", "include_deferred"]),
    ("POST", "/api/v2/pools", {"name": None, "slots": 1}, 422, ["body", "name"]),
    ("POST", "/api/v2/dags/api_chain/clearTaskInstances", {"dry_run": None}, 422, ["body", "dry_run"]),
    ("PATCH", "/api/v2/dags/api_chain?update_mask=description", {"is_paused": True}, 400, "is_paused"),
    ("POST", "/api/v2/dags/api_chain/dagRuns", {}, 422, ["body", "logical_date"]),
    ("POST", "/api/v2/dags/api_chain/dagRuns", {"logical_date": "last tuesday"}, 422, ["body", "logical_date"]),
    ("POST", "/api/v2/dags/api_chain/dagRuns", {"logical_date": None, "conf": [1, 2]}, 422, ["body", "conf"]),
    ("POST", "/api/v2/dags/api_chain/dagRuns", {"logical_date": None, "conf": {"a": "\u0000"}}, 422, "NUL"),
    ("POST", "/api/v2/dags/api_chain/dagRuns", {"logical_date": None, "dag_run_id": "a/b"}, 400, "dag_run_id"),
    ("POST", "/api/v2/dags/api_chain/dagRuns", {"logical_date": None, "surprise": 1}, 422, "extra_forbidden"),
    ("POST", "/api/v2/dags/nope/dagRuns", {"logical_date": None}, 404, "'nope' was not found"),
    ("PATCH", "/api/v2/dags/api_chain/dagRuns/no-such-run", {"state": "success"}, 404, "no-such-run"),
    ("POST", "/api/v2/pools", {"name": "p"}, 422, ["body", "slots"]),
    ("POST", "/api/v2/pools", {"name": "p", "slots": "3"}, 422, "valid integer"),
    ("POST", "/api/v2/pools", {"name": "p", "slots": -5}, 422, ["body", "slots"]),
    ("POST", "/api/v2/pools", {"name": "", "slots": 1}, 422, ["body", "name"]),
    ("POST", "/api/v2/pools", {"name": "x" * 300, "slots": 1}, 422, "at most 256"),
    ("POST", "/api/v2/pools", {"name": "p", "slots": 1, "team_name": "red"}, 422, "no teams"),
    ("PATCH", "/api/v2/pools/default_pool", {"slots": 1.5}, 422, "valid integer"),
    ("PATCH", "/api/v2/pools/default_pool", {"pool": "renamed"}, 400, "cannot be renamed"),
    ("POST", "/api/v2/dags/api_chain/clearTaskInstances", {"task_ids": [1]}, 422, ["body", "task_ids"]),
    ("POST", "/api/v2/dags/api_chain/clearTaskInstances", {"dry_run": False, "dag_run_id": "no-such-run"}, 404,
     "no-such-run"),
    ("POST", "/api/v2/dags/api_chain/clearTaskInstances",
     {"dry_run": False, "task_ids": ["no_such_task"], "dag_run_id": "bad-input-run"}, 404, "no task 'no_such_task'"),
    ("PATCH", "/api/v2/dags/api_chain/dagRuns/bad-input-run/taskInstances/extract", {"new_state": "running"}, 422,
     ["body", "new_state"]),
    ("PATCH", "/api/v2/dags/api_chain/dagRuns/bad-input-run/taskInstances/extract", {"note": "x" * 1001}, 422,
     "at most 1000"),
    ("GET", "/api/v2/dags/api_chain/dagRuns/bad-input-run/taskInstances/extract/logs/1?token=forged", None, 400,
     "Bad Signature"),
    ("GET", "/api/v2/dags/api_chain/dagRuns/bad-input-run/taskInstances/extract/logs/x", None, 422,
     ["path", "try_number"]),
    ("GET", "/api/v2/events", {"Last-Event-ID": "yesterday"}, 400, "Last-Event-ID"),
    ("POST", "/api/v2/dags/api_chain/dagRuns/bad-input-run/clear", {"dry_run": False, "only_new": True}, 422,
     ["body", "only_new"]),
    ("POST", "/api/v2/dags/api_chain/dagRuns/bad-input-run/clear", {"dry_run": False, "run_on_latest_version": True},
     422, ["body", "run_on_latest_version"]),
    ("POST", "/api/v2/dags/api_chain/clearTaskInstances",
     {"dry_run": False, "dag_run_id": "bad-input-run", "only_failed": False, "reset_dag_runs": False}, 422,
     ["body", "reset_dag_runs"]),
]


@pytest.fixture(scope="module")
def prepared(tide):
    admin = tide.session("admin")
    admin.post(f"{tide.url}/api/v2/dags/api_chain/dagRuns", json={"dag_run_id": "bad-input-run", "logical_date": None})
    tide.wait_for_run("api_chain", "bad-input-run")
    return tide


@pytest.mark.parametrize("method,path,body,status,detail", CASES, ids=[f"{c[0]} {c[1][:60]} {c[3]}" for c in CASES])
def test_malformed_requests_are_refused_clearly_and_change_nothing(prepared, method, path, body, status, detail):
    tide = prepared
    admin = tide.session("admin")
    before = state_snapshot(tide)
    if path == "/api/v2/events":
        answer = admin.get(tide.url + path, headers=body, timeout=10)
    elif isinstance(body, str):
        answer = admin.request(method, tide.url + path, data=body, headers={"Content-Type": "application/json"},
                               timeout=10)
    else:
        answer = admin.request(method, tide.url + path, json=body, timeout=10)
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert set(error) == {"detail"}
    if isinstance(detail, list):
        assert any(problem["loc"] == detail for problem in error["detail"]), error
        for problem in error["detail"]:
            assert {"loc", "msg", "type"} <= set(problem)
    else:
        assert detail in str(error["detail"]), error
    assert state_snapshot(tide) == before


def test_body_and_page_size_are_capped(tide):
    admin = tide.session("admin")
    huge = {"logical_date": None, "conf": {"blob": "x" * (2 * 1024 * 1024)}}
    runs_before = admin.get(f"{tide.url}/api/v2/dags/api_chain/dagRuns", timeout=10).json()["total_entries"]
    answer = admin.post(f"{tide.url}/api/v2/dags/api_chain/dagRuns", json=huge, timeout=30)
    assert answer.status_code == 413 and "larger than 1048576 bytes" in answer.json()["detail"]
    assert admin.get(f"{tide.url}/api/v2/dags/api_chain/dagRuns", timeout=10).json()["total_entries"] == runs_before
    assert admin.get(f"{tide.url}/api/v2/dags?limit=1000", timeout=10).status_code == 200
    assert admin.get(f"{tide.url}/api/v2/dags?limit=1001", timeout=10).status_code == 422


def test_polled_gets_answer_304_while_nothing_changed(tide):
    viewer = tide.session("viewer")
    first = viewer.get(f"{tide.url}/api/v2/dags/api_chain", timeout=10)
    tag = first.headers["ETag"]
    again = viewer.get(f"{tide.url}/api/v2/dags/api_chain", headers={"If-None-Match": tag}, timeout=10)
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag
    op = tide.session("op")
    assert op.patch(f"{tide.url}/api/v2/dags/api_chain", json={"is_paused": True}, timeout=10).status_code == 200
    changed = viewer.get(f"{tide.url}/api/v2/dags/api_chain", headers={"If-None-Match": tag}, timeout=10)
    assert changed.status_code == 200 and changed.headers["ETag"] != tag and changed.json()["is_paused"] is True
    assert op.patch(f"{tide.url}/api/v2/dags/api_chain", json={"is_paused": False}, timeout=10).status_code == 200
