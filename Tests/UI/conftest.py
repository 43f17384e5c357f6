"""The web UI's browser tests: a real `tide standalone` (Tests/support/standalone.py) driven by
headless Chromium (Debian's `chromium`) through Playwright, with the DAGs below.

Screenshots of every page go to TIDE_UI_SCREENSHOTS (default .tide/ui-screenshots)."""

import os
import pathlib
import secrets
import sys
import tempfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))

from standalone import PASSWORDS, started_tide  # noqa: E402

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
    bash: sleep 0.5; echo "extracted"
  - task_id: transform
    upstream: [extract]
    bash: sleep 0.5; echo "transformed"
  - task_id: load
    upstream: [transform]
    bash: sleep 0.5; echo "loaded"
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
    "ui_big.yaml": """
dag_id: ui_big
description: Writes a log larger than the stored cap
tags: [ui]
tasks:
  - task_id: chatty
    bash: seq -f "log line %.0f of a long log" 1 60000
""",
}


@pytest.fixture(scope="session")
def tide():
    yield from started_tide(DAGS, "ui", expected_dags=len(DAGS))
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
