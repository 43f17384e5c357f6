"""The compose cluster under test, driven only through what a user has: the compose and docker
CLIs (`ps`, `up`, `kill`, `network disconnect`, `events`, `inspect` of container state) and Tide's
published API.

scripts/compose-test sets the environment: TIDE_COMPOSE (the compose command), COMPOSE_FILE and
COMPOSE_PROJECT_NAME (read by compose itself), TIDE_API_PORT, TIDE_DAGS, TIDE_IMAGE, DOCKER_HOST.
"""

import json
import os
import shlex
import subprocess
import time
import urllib.parse

import requests

ADMIN = ("admin", "tide-local")  # compose/api-users.json: the local default, as the README says


def log(text):
    print(f"compose-test: {text}", flush=True)


class Cluster:
    def __init__(self):
        self.compose_command = shlex.split(os.environ["TIDE_COMPOSE"])
        self.project = os.environ["COMPOSE_PROJECT_NAME"]
        self.url = f"http://127.0.0.1:{os.environ['TIDE_API_PORT']}"
        self._token = None

    # --- compose and docker ---------------------------------------------------------------------

    def compose(self, *args, timeout=300, check=True):
        result = subprocess.run([*self.compose_command, *args], capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def docker(self, *args, timeout=120, check=True):
        result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def containers(self, service, all_states=False):
        """The service's containers, as `docker inspect` describes them, ordered by name."""
        args = ["ps", "-q", "-a", service] if all_states else ["ps", "-q", service]
        ids = self.compose(*args).stdout.split()
        if not ids:
            return []
        described = json.loads(self.docker("inspect", *ids).stdout)
        return sorted(described, key=lambda c: c["Name"])

    def hostnames(self, service):
        return {c["Config"]["Hostname"]: c["Name"].lstrip("/") for c in self.containers(service)}

    def network(self):
        return f"{self.project}_default"

    def service_logs(self, service):
        return self.compose("logs", "--no-color", service).stdout

    def up(self, *args, timeout=300):
        return self.compose("up", "-d", "--pull", "never", "--no-build", "--wait", "--wait-timeout", "240", *args,
                            timeout=timeout)

    # --- the API --------------------------------------------------------------------------------

    def token(self):
        if self._token is None:
            answer = requests.post(f"{self.url}/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]},
                                   timeout=10)
            assert answer.status_code == 201, answer.text
            self._token = answer.json()["access_token"]
        return self._token

    def api(self, method, path, **kwargs):
        """One API call, signing in again if the API restarted (its signing key is per process)."""
        for attempt in range(2):
            answer = requests.request(method, self.url + path, timeout=15,
                                      headers={"Authorization": f"Bearer {self.token()}"}, **kwargs)
            if answer.status_code == 401 and attempt == 0:
                self._token = None
                continue
            return answer
        return answer

    def get(self, path, **params):
        answer = self.api("GET", path, params=params)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def trigger(self, dag_id, run_id):
        answer = self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"dag_run_id": run_id, "logical_date": None})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def run(self, dag_id, run_id):
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}")

    def task_instances(self, dag_id, run_id):
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances",
                        limit=1000)["task_instances"]

    def tries(self, dag_id, run_id, task_id):
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/"
                        f"{task_id}/tries")["task_instances"]

    def log_text(self, dag_id, run_id, task_id, try_number):
        """A try's whole log (Airflow's JSON form: `content` is a list of lines)."""
        body = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/"
                        f"{task_id}/logs/{try_number}", full_content="true")
        return "\n".join(line if isinstance(line, str) else line.get("event", "") for line in body["content"])

    def explain(self, dag_id, run_id):
        """What went wrong in a run, for a failing assertion: its unsuccessful tries and their logs' tails."""
        lines = []
        for ti in self.task_instances(dag_id, run_id):
            if ti["state"] == "success" and ti["try_number"] <= 1:
                continue
            lines.append(f"{ti['task_id']}: {ti['state']}, try {ti['try_number']} on {ti['hostname']}")
            for number in range(1, ti["try_number"] + 1):
                try:
                    tail = self.log_text(dag_id, run_id, ti["task_id"], number).splitlines()[-5:]
                except AssertionError as error:
                    tail = [f"(no log: {error})"]
                lines += [f"    try {number}: {line}" for line in tail]
        return "\n".join(lines) or "every task succeeded on its first try"

    def scaling(self):
        answer = requests.get(f"{self.url}/api/v1/scaling", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def healthy(self):
        try:
            return requests.get(f"{self.url}/healthz", timeout=3).status_code == 200
        except requests.RequestException:
            return False

    # --- waiting --------------------------------------------------------------------------------

    def wait_for(self, what, predicate, timeout, interval=0.5):
        """Polls `predicate` until it returns something truthy; fails naming `what` after `timeout` s."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = predicate()
                if value:
                    return value
            except (requests.RequestException, AssertionError, KeyError, ValueError) as error:
                last_error = error
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}" +
                             (f" (last error: {last_error})" if last_error else ""))

    def wait_for_run(self, dag_id, run_id, timeout=180):
        """Waits for the run to end and returns it; fails, explaining the run, unless it succeeded."""
        try:
            run = self.wait_for(f"run {run_id} of {dag_id} to end",
                                lambda: (r := self.run(dag_id, run_id))["state"] in ("success", "failed") and r, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.explain(dag_id, run_id)}") from None
        assert run["state"] == "success", f"run {run_id} of {dag_id} failed:\n{self.explain(dag_id, run_id)}"
        return run
