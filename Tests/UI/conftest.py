"""The web UI's browser tests: a real `tide standalone` (Tests/support/standalone.py) driven by
headless Chromium (Debian's `chromium`) through Playwright, with the DAGs below.

Screenshots of every page go to TIDE_UI_SCREENSHOTS (default .tide/ui-screenshots)."""

import os
import pathlib
import secrets
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))

from standalone import PASSWORDS, TIDE, started_tide  # noqa: E402

CHROMIUM = os.environ.get("TIDE_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = pathlib.Path(os.environ.get("TIDE_UI_SCREENSHOTS", ".tide/ui-screenshots")).resolve()
MARKER = pathlib.Path(tempfile.gettempdir()) / f"tide-ui-flaky-{secrets.token_hex(4)}"

DAGS = {
    "ui_chain.yaml": """
dag_id: ui_chain
description: Three short steps in a row
tags: [ui, chain]
tasks:
  - task_id: extract
    do_xcom_push: true
    bash: |
      sleep 0.5; echo '{"rows": 3}' > "$TIDE_XCOM_DIR/stats.json"; echo "s3://bucket/extracted.csv"
  - task_id: transform
    upstream: [extract]
    bash: sleep 0.5; echo "transformed"
  - task_id: load
    upstream: [transform]
    bash: sleep 0.5; echo "loaded"
""",
    "ui_assets.yaml": """
dag_id: ui_assets_producer
description: Reloads the sales table
tags: [ui]
tasks:
  - task_id: reload
    outlets: ['postgres://warehouse/sales']
    bash: echo reloaded
""",
    "ui_assets_consumer.yaml": """
dag_id: ui_assets_consumer
description: Runs when the sales table was reloaded
tags: [ui]
schedule: {datasets: ['postgres://warehouse/sales']}
tasks:
  - task_id: refresh
    bash: echo refreshed
""",
    "ui_sensor.yaml": """
dag_id: ui_sensor
description: Waits for a DAG that never runs
tags: [ui]
tasks:
  - task_id: wait_for_partner
    sensor:
      external_task: {dag_id: ui_partner, task_id: export}
      mode: reschedule
      poke_interval: 1s
      timeout: 10m
  - task_id: after
    upstream: [wait_for_partner]
    bash: echo after
""",
    "ui_mapped.yaml": """
dag_id: ui_mapped
description: Loads each partition a listing returns
tags: [ui]
tasks:
  - task_id: list_partitions
    bash: echo '["2026-12-01", "2026-12-02", "2026-12-03"]' > "$TIDE_XCOM_DIR/return_value.json"
  - task_id: load_partition
    expand:
      day: {from: list_partitions}
    bash: |
      echo "loading partition {{ expanded.day }}"
      if [ "{{ expanded.day }}" = 2026-12-02 ]; then echo "partition missing"; exit 1; fi
  - task_id: summarize
    upstream: [load_partition]
    trigger_rule: all_done
    bash: echo "summarized"
""",
    "ui_ledger.yaml": """
dag_id: ui_ledger
description: Quarterly revenue rollup for the finance team
tags: [finance, quarterly]
tasks:
  - task_id: only
    bash: echo ok
""",
    "ui_pool.yaml": """
dag_id: ui_pool
description: Three tasks that share a pool of one slot
tags: [ui]
tasks:
  - task_id: first
    pool: ui_one_slot
    bash: sleep 0.6; echo one
  - task_id: second
    pool: ui_one_slot
    bash: sleep 0.6; echo two
  - task_id: third
    pool: ui_one_slot
    bash: sleep 0.6; echo three
""",
    "ui_flaky.yaml": f"""
dag_id: ui_flaky
description: Fails until it is cleared once
tags: [ui]
tasks:
  - task_id: flaky
    bash: |
      if [ -f {MARKER} ]; then echo "second try ok"; else touch {MARKER}; echo "first try fails" >&2; exit 2; fi
  - task_id: after
    upstream: [flaky]
    bash: echo "after the flaky step"
""",
    "ui_pod.yaml": """
dag_id: ui_pod
description: A pod on a node pool that scales up from zero, and a pod that fails
tags: [ui, kubernetes]
tasks:
  - task_id: train
    kubernetes_pod:
      image: ghcr.io/acme/train:1.4
      cmds: [sh, -c]
      arguments: ["echo training; sleep 0.5; echo model saved"]
      resources: {requests: {cpu: "1", memory: 1Gi}}
      node_pool: pool-1
  - task_id: broken
    kubernetes_pod:
      image: ghcr.io/acme/check:1.0
      cmds: [sh, -c]
      arguments: ["echo checking; exit 3"]
      log_events_on_failure: true
""",
    "ui_big.yaml": """
dag_id: ui_big
description: Writes a log larger than the stored cap
tags: [ui]
tasks:
  - task_id: chatty
    bash: seq -f "log line %.0f of a long log" 1 60000
""",
}


REPOSITORY = pathlib.Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="session")
def kubeconfig():
    """The project's Kubernetes simulator (tide-kubesim, next to tide) with the examples' node pools:
    an always-on node and 'pool-1', tainted, scaling from zero."""
    if not TIDE:
        pytest.skip("TIDE_BINARY is needed")
    work = pathlib.Path(tempfile.mkdtemp(prefix="tide-ui-kube-"))
    path = work / "kubeconfig"
    with open(work / "kubesim.log", "w") as log:
        process = subprocess.Popen(
            [str(pathlib.Path(TIDE).parent / "tide-kubesim"), "--config", str(REPOSITORY / "examples/kubesim.yaml"),
             "--write-kubeconfig", str(path)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("tide-kubesim did not start:\n" + (work / "kubesim.log").read_text()[-2000:])
        time.sleep(0.1)
    yield path
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="session")
def tide(kubeconfig):
    # The examples' node pool settings, pointed at this simulator.
    config = kubeconfig.parent / "tide.yaml"
    text = (REPOSITORY / "examples/tide.yaml").read_text()
    config.write_text(text.replace("kubeconfig: .tide/kubeconfig", f"kubeconfig: {kubeconfig}"))
    yield from started_tide(DAGS, "ui", expected_dags=len(DAGS), extra_env={"TIDE_CONFIG": str(config)})
    MARKER.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


class SignedIn:
    """A browser page signed in as one role, collecting the page's script errors."""

    def __init__(self, browser, tide, role, color_scheme="light"):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.tide = tide
        self.page.goto(tide.url + "/login")
        self.page.fill("#username", role)
        self.page.fill("#password", PASSWORDS[role])
        self.page.click("button[type=submit]")
        self.page.wait_for_url(tide.url + "/")

    def open(self, path):
        self.page.goto(self.tide.url + path)
        return self.page

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def signed_in(browser, tide):
    opened = []

    def open_as(role, color_scheme="light"):
        session = SignedIn(browser, tide, role, color_scheme)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.close()
