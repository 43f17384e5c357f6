"""A real `tide standalone` (scheduler, API and web UI, 2 workers) on real PostgreSQL and Redis,
in a schema and key prefix of its own, with three users (viewer, op, admin) whose bcrypt hashes
come from `tide users hash-password`. Shared by the REST API and the web UI tests.

Needs TIDE_BINARY, TIDE_TEST_DATABASE_URL and TIDE_TEST_REDIS_URL (scripts/test sets them).
"""

import json
import os
import pathlib
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

TIDE = os.environ.get("TIDE_BINARY")
DATABASE = os.environ.get("TIDE_TEST_DATABASE_URL")
REDIS = os.environ.get("TIDE_TEST_REDIS_URL")
PASSWORDS = {"viewer": "viewer-" + secrets.token_hex(6), "op": "op-" + secrets.token_hex(6),
             "admin": "admin-" + secrets.token_hex(6)}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hash_password(password):
    result = subprocess.run([TIDE, "users", "hash-password"], input=password + "\n", capture_output=True, text=True,
                            timeout=60, check=True)
    return result.stdout.strip()


class Tide:
    """A running standalone Tide and how to reach it."""

    def __init__(self, url, env, folder, process, log_path):
        self.url = url
        self.env = env
        self.folder = folder
        self.process = process
        self.log_path = log_path
        self._tokens = {}

    def token(self, role):
        if role not in self._tokens:
            answer = requests.post(f"{self.url}/auth/token", json={"username": role, "password": PASSWORDS[role]},
                                   timeout=30)
            assert answer.status_code == 201, answer.text
            self._tokens[role] = answer.json()["access_token"]
        return self._tokens[role]

    def session(self, role):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token(role)}"
        return session

    def cli(self, *args, stdin=None):
        return subprocess.run([TIDE, *args], env=self.env, capture_output=True, text=True, timeout=60, input=stdin)

    def wait_for_run(self, dag_id, run_id, timeout=60, states=("success", "failed")):
        """Polls the run as a user's script would, until it reaches one of `states`."""
        session = self.session("viewer")
        deadline = time.monotonic() + timeout
        quoted = urllib.parse.quote(run_id, safe="")
        while time.monotonic() < deadline:
            run = session.get(f"{self.url}/api/v2/dags/{dag_id}/dagRuns/{quoted}", timeout=10).json()
            if run["state"] in states:
                return run
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} of {dag_id} did not reach {states} in {timeout} s: {run}")


def started_tide(dag_files, name, expected_dags, extra_env=None):
    """Starts a standalone Tide with `dag_files` (file name → YAML) in a schema and key prefix of its
    own named after `name`; waits until `expected_dags` DAGs are loaded; stops it and drops them after."""
    if not (TIDE and DATABASE and REDIS):
        pytest.skip("TIDE_BINARY, TIDE_TEST_DATABASE_URL and TIDE_TEST_REDIS_URL are needed")
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"tide-{name}-"))
    dags = work / "dags"
    dags.mkdir()
    for file_name, text in dag_files.items():
        (dags / file_name).write_text(text)
    users = [{"username": role, "role": role, "password_hash": hash_password(password)}
             for role, password in PASSWORDS.items()]
    port = free_port()
    tag = secrets.token_hex(4)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TIDE_DATABASE_URL": DATABASE, "TIDE_REDIS_URL": REDIS, "TIDE_DATABASE_SCHEMA": f"{name}_{tag}",
        "TIDE_REDIS_KEY_PREFIX": f"{name}-{tag}:", "TIDE_DAGS_FOLDER": str(dags), "TIDE_API_PORT": str(port),
        "TIDE_API_USERS": json.dumps(users), "TIDE_API_SECRET_KEY": secrets.token_hex(32),
        "TIDE_SCHEDULER_DAG_SYNC_INTERVAL": "1", "TIDE_LOG_LEVEL": "info",
        **(extra_env or {}),
    }
    log_path = work / "standalone.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([TIDE, "standalone", "--workers", "2", "--concurrency", "4"], env=env, cwd=work,
                                   stdout=log, stderr=subprocess.STDOUT)
    instance = Tide(f"http://127.0.0.1:{port}", env, work, process, log_path)
    deadline = time.monotonic() + 60
    while True:
        try:
            health = requests.get(f"{instance.url}/api/v2/monitor/health", timeout=2).json()
            dags_loaded = instance.session("admin").get(f"{instance.url}/api/v2/dags", timeout=5).json()
            if health["metadatabase"]["status"] == "healthy" and dags_loaded["total_entries"] >= expected_dags:
                break
        except (requests.ConnectionError, KeyError, ValueError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("tide standalone did not come up:\n" + log_path.read_text()[-4000:])
        time.sleep(0.2)
    yield instance
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    subprocess.run(["psql", DATABASE, "-qc", f"DROP SCHEMA IF EXISTS {name}_{tag} CASCADE"], capture_output=True)
