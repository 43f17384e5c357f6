"""Authentication and roles over a real socket: every endpoint × {no credentials, viewer, op,
admin} answers 401, 403 or its normal status; long-lived API tokens; login errors."""

import json
import os
import re
import secrets
import subprocess
import time

import pytest
import requests

from conftest import DATABASE, PASSWORDS, TIDE, free_port

RUN = "/api/v2/dags/api_chain/dagRuns/access-run"
TI = RUN + "/taskInstances/extract"

# (method, path, body, the lowest role allowed). Bodies are valid, so an allowed role gets 2xx
# (or 404/409 for something the matrix itself already removed or created).
MATRIX = [
    ("GET", "/api/v2/dags", None, "viewer"),
    ("GET", "/api/v2/dags/api_chain", None, "viewer"),
    ("GET", "/api/v2/dags/api_chain/details", None, "viewer"),
    ("GET", "/api/v2/dags/api_chain/tasks", None, "viewer"),
    ("GET", "/api/v2/dags/api_chain/tasks/extract", None, "viewer"),
    ("GET", "/api/v2/dags/~/dagRuns", None, "viewer"),
    ("GET", RUN, None, "viewer"),
    ("GET", RUN + "/taskInstances", None, "viewer"),
    ("GET", TI, None, "viewer"),
    ("GET", TI + "/tries", None, "viewer"),
    ("GET", TI + "/tries/1", None, "viewer"),
    ("GET", TI + "/logs/1", None, "viewer"),
    ("GET", TI + "/xcomEntries", None, "viewer"),
    ("GET", RUN + "/timeline", None, "viewer"),
    ("GET", RUN + "/upstreamAssetEvents", None, "viewer"),
    ("GET", TI + "/why", None, "viewer"),
    ("GET", "/api/v2/pools", None, "viewer"),
    ("GET", "/api/v2/pools/default_pool", None, "viewer"),
    ("GET", "/api/v2/importErrors", None, "viewer"),
    ("GET", "/api/v2/queues", None, "viewer"),
    ("GET", "/api/v2/workers", None, "viewer"),
    ("GET", "/api/v2/nodePools", None, "viewer"),
    ("PATCH", "/api/v2/dags/api_ledger", {"is_paused": False}, "op"),
    ("POST", "/api/v2/dags/api_ledger/dagRuns", {"logical_date": None}, "op"),
    ("PATCH", RUN, {"note": "checked"}, "op"),
    ("POST", RUN + "/clear", {"dry_run": True}, "op"),
    ("PATCH", TI, {"note": "looked at"}, "op"),
    ("PATCH", TI + "/dry_run", {"new_state": "success"}, "op"),
    ("POST", TI + "/xcomEntries", {"key": "matrix", "value": 1}, "op"),
    ("PATCH", TI + "/xcomEntries/matrix", {"value": 2}, "op"),
    ("DELETE", TI + "/xcomEntries/matrix", None, "op"),
    ("POST", "/api/v2/dags/api_chain/clearTaskInstances", {"dry_run": True, "dag_run_id": "access-run"}, "op"),
    ("POST", "/api/v2/pools", {"name": "matrix_pool", "slots": 2}, "admin"),
    ("PATCH", "/api/v2/pools/matrix_pool", {"slots": 4}, "admin"),
    ("DELETE", "/api/v2/pools/matrix_pool", None, "admin"),
    ("DELETE", "/api/v2/dags/api_chain/dagRuns/access-doomed", None, "op"),
]
ROLES = ["viewer", "op", "admin"]


@pytest.fixture(scope="module")
def runs(tide):
    admin = tide.session("admin")
    for run_id in ["access-run", "access-doomed"]:
        answer = admin.post(f"{tide.url}/api/v2/dags/api_chain/dagRuns", json={"dag_run_id": run_id, "logical_date": None})
        assert answer.status_code == 200, answer.text
    tide.wait_for_run("api_chain", "access-run")
    return tide


@pytest.mark.parametrize("method,path,body,lowest", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_every_endpoint_needs_credentials_and_the_right_role(runs, method, path, body, lowest):
    tide = runs
    anonymous = requests.request(method, tide.url + path, json=body, timeout=30)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json() == {"detail": "Not authenticated"}
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    forged = requests.request(method, tide.url + path, json=body, timeout=30,
                              headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged"})
    assert forged.status_code == 401
    for role in ROLES:
        answer = tide.session(role).request(method, tide.url + path, json=body, timeout=30)
        if ROLES.index(role) < ROLES.index(lowest):
            assert answer.status_code == 403, f"{role}: {answer.status_code} {answer.text}"
            assert f"has the role {role}" in answer.json()["detail"]
        else:
            assert answer.status_code in (200, 201, 204, 404, 409), f"{role}: {answer.status_code} {answer.text}"


def test_health_version_openapi_and_token_need_no_credentials(tide):
    assert requests.get(f"{tide.url}/api/v2/monitor/health", timeout=10).status_code == 200
    assert requests.get(f"{tide.url}/api/v2/version", timeout=10).status_code == 200
    document = requests.get(f"{tide.url}/api/v2/openapi.json", timeout=10).json()
    assert document["openapi"] == "3.1.0" and "/api/v2/dags" in document["paths"]


def test_login_errors(tide):
    wrong = requests.post(f"{tide.url}/auth/token", json={"username": "op", "password": "nope"}, timeout=30)
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Invalid credentials"}
    unknown = requests.post(f"{tide.url}/auth/token", json={"username": "nobody", "password": "x"}, timeout=30)
    assert unknown.status_code == 401
    missing = requests.post(f"{tide.url}/auth/token", json={"username": "op"}, timeout=30)
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "password"]
    form = requests.post(f"{tide.url}/auth/token", data={"username": "viewer", "password": PASSWORDS["viewer"]},
                         timeout=30)
    assert form.status_code == 201 and form.json()["access_token"].count(".") == 2


def test_long_lived_api_tokens_work_until_revoked(tide):
    created = tide.cli("api-tokens", "create", "ci-nightly", "--role", "op", "--expires-in", "30d")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("tide_") and len(secret) == 69
    headers = {"Authorization": f"Bearer {secret}"}
    assert requests.get(f"{tide.url}/api/v2/dags", headers=headers, timeout=10).status_code == 200
    trigger = requests.post(f"{tide.url}/api/v2/dags/api_ledger/dagRuns", json={"logical_date": None},
                            headers=headers, timeout=10)
    assert trigger.status_code == 200, trigger.text
    pool = requests.post(f"{tide.url}/api/v2/pools", json={"name": "ci_pool", "slots": 1}, headers=headers, timeout=10)
    assert pool.status_code == 403
    listed = tide.cli("api-tokens", "list", "--output", "json")
    assert listed.returncode == 0 and secret not in listed.stdout and '"ci-nightly"' in listed.stdout
    duplicate = tide.cli("api-tokens", "create", "ci-nightly")
    assert duplicate.returncode != 0 and "exists" in duplicate.stderr
    assert tide.cli("api-tokens", "revoke", "ci-nightly").returncode == 0
    # Checked tokens are remembered for a few seconds; a revoked one is refused once that passes.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if requests.get(f"{tide.url}/api/v2/dags", headers=headers, timeout=10).status_code == 401:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("a revoked API token was still accepted")
    assert requests.get(f"{tide.url}/api/v2/dags", headers={"Authorization": "Bearer tide_" + "0" * 64},
                        timeout=10).status_code == 401


def test_no_auth_is_refused_off_loopback(tide):
    result = tide.cli("api", "--no-auth", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode != 0 and "--no-auth: refused" in result.stderr


def test_standalone_creates_an_admin_once_and_keeps_only_its_hash(tide, tmp_path):
    schema = "api_admin_" + secrets.token_hex(4)
    users_file = tmp_path / "users.json"
    port = free_port()
    env = {**tide.env, "TIDE_DATABASE_SCHEMA": schema, "TIDE_REDIS_KEY_PREFIX": schema + ":",
           "TIDE_API_PORT": str(port)}
    for key in ["TIDE_API_USERS", "TIDE_API_SECRET_KEY"]:
        env.pop(key)

    def start():
        process = subprocess.Popen([TIDE, "standalone", "--workers", "1", "--users-file", str(users_file)], env=env,
                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return process
            except requests.ConnectionError:
                time.sleep(0.2)
        process.kill()
        raise AssertionError("standalone did not start")

    def stop(process):
        process.terminate()
        output, _ = process.communicate(timeout=60)
        return output

    try:
        first = start()
        first_output = stop(first)
        match = re.search(r"Login with username: admin  password: (\S+)", first_output)
        assert match, first_output
        password = match.group(1)
        stored = users_file.read_text()
        assert password not in stored and json.loads(stored)[0]["password_hash"].startswith("$2b$")
        assert oct(os.stat(users_file).st_mode & 0o777) == "0o600"
        second = start()
        login = requests.post(f"http://127.0.0.1:{port}/auth/token", json={"username": "admin", "password": password},
                              timeout=30)
        second_output = stop(second)
        assert login.status_code == 201, login.text
        assert "password" not in second_output
    finally:
        subprocess.run(["psql", DATABASE, "-qc", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], capture_output=True)
