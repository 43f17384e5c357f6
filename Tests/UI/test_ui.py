"""The web UI in a real browser (headless Chromium) against a real Tide: sign-in, search, trigger
and watch the grid go green without a reload, the Gantt's pool wait, a failed task's log cleared
into a new try, the viewer's missing buttons and refused forgeries, the live stream's reconnect,
and a screenshot of every page."""

import re
import subprocess
import time
import urllib.parse

import requests
from playwright.sync_api import expect

from conftest import PASSWORDS
from standalone import TIDE, free_port

TIMEOUT = 30_000


def quoted(text):
    return urllib.parse.quote(text, safe="")


def trigger(tide, dag_id, conf=None):
    answer = tide.session("op").post(f"{tide.url}/api/v2/dags/{dag_id}/dagRuns",
                                     json={"logical_date": None, "conf": conf or {}}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["dag_run_id"]


def ensure_pool(tide, name, slots):
    admin = tide.session("admin")
    if admin.get(f"{tide.url}/api/v2/pools/{name}", timeout=10).status_code == 404:
        created = admin.post(f"{tide.url}/api/v2/pools", json={"name": name, "slots": slots}, timeout=10)
        assert created.status_code == 201, created.text


def test_sign_in_is_required_and_wrong_passwords_are_refused(browser, tide):
    context = browser.new_context()
    page = context.new_page()
    page.goto(tide.url + "/dags?q=ledger")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", "admin")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("Wrong username or password")
    page.fill("#password", PASSWORDS["admin"])
    page.click("button[type=submit]")
    # Back where the user wanted to go, filters kept.
    expect(page).to_have_url(re.compile(r"/dags\?q=ledger$"))
    expect(page.locator("tr[data-dag]")).to_have_count(1)
    context.close()


def test_home_shows_the_health_of_every_part(signed_in):
    admin = signed_in("admin")
    page = admin.open("/")
    health = page.locator("ul.health li")
    expect(health).to_have_count(4)
    for name in ["Scheduler", "Workers", "PostgreSQL", "Redis"]:
        expect(page.locator("ul.health li", has_text=name)).to_have_class(re.compile(r"\bok\b"), timeout=TIMEOUT)
    expect(page.locator("#queues tr[data-queue=default]")).to_be_visible()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=TIMEOUT)
    admin.screenshot("home")
    assert admin.errors == []


def test_dag_search_matches_descriptions_and_tags_and_lives_in_the_url(signed_in):
    admin = signed_in("admin")
    page = admin.open("/dags")
    expect(page.locator("tr[data-dag]")).to_have_count(10)
    admin.screenshot("dags")
    page.fill("#dag-search", "REVENUE")
    page.press("#dag-search", "Enter")
    expect(page).to_have_url(re.compile(r"q=REVENUE"))
    rows = page.locator("tr[data-dag]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-dag", "ui_ledger")
    page.reload()
    expect(page.locator("#dag-search")).to_have_value("REVENUE")
    expect(page.locator("tr[data-dag]")).to_have_count(1)
    # A tag links to the list filtered by it.
    page.locator("tr[data-dag=ui_ledger] a.tag", has_text="finance").click()
    expect(page).to_have_url(re.compile(r"/dags\?tag=finance$"))
    expect(page.locator("tr[data-dag]")).to_have_count(1)
    admin.open("/dags?q=chain")
    expect(page.locator("tr[data-dag=ui_chain]")).to_be_visible()
    admin.screenshot("dags-search")
    assert admin.errors == []


def test_trigger_validates_conf_and_the_grid_turns_green_without_a_reload(signed_in):
    op = signed_in("op")
    page = op.open("/dags/ui_chain")
    page.evaluate("window.__sameDocument = true")
    page.click("#trigger-button")
    conf = page.locator("#trigger-conf")
    conf.fill('{"region": ')
    expect(page.locator("#conf-error")).to_contain_text("not valid JSON")
    expect(page.locator("#trigger-submit")).to_be_disabled()
    conf.fill('["a list"]')
    expect(page.locator("#conf-error")).to_contain_text("must be a JSON object")
    conf.fill('{"region": "emea"}')
    expect(page.locator("#conf-error")).to_be_hidden()
    page.click("#trigger-submit")
    expect(page.locator("#toast")).to_contain_text("Triggered")
    cells = page.locator("table.grid a.cell")
    expect(cells).to_have_count(3, timeout=TIMEOUT)
    for task in ["extract", "transform", "load"]:
        cell = page.locator(f'table.grid tr[data-task="{task}"] a.cell')
        expect(cell).to_have_attribute("data-state", "success", timeout=TIMEOUT)
        # The state is told by a symbol and a title too, not by colour alone.
        expect(cell).to_have_text("✓")
        expect(cell).to_have_attribute("title", re.compile("success"))
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded instead of updating itself"
    # Keyboard: arrow keys move between cells.
    page.locator('table.grid tr[data-task="extract"] a.cell').focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator('table.grid tr[data-task="transform"] a.cell')).to_be_focused()
    op.screenshot("dag-grid")
    op.open("/dags/ui_chain/graph")
    expect(page.locator('svg.graph g.node[data-task="load"]')).to_have_attribute("data-state", "success")
    op.screenshot("dag-graph")
    op.open("/dags/ui_chain/runs")
    expect(page.locator("table.runs tbody tr")).to_have_count(1)
    op.screenshot("dag-runs")
    op.open("/dags/ui_chain/source")
    expect(page.locator("#source")).to_contain_text("dag_id: ui_chain")
    op.screenshot("dag-source")
    assert op.errors == []


def test_the_gantt_shows_the_wait_for_a_pool_slot(signed_in, tide):
    ensure_pool(tide, "ui_one_slot", 1)
    run_id = trigger(tide, "ui_pool")
    tide.wait_for_run("ui_pool", run_id)
    admin = signed_in("admin")
    page = admin.open(f"/dags/ui_pool/runs/{quoted(run_id)}")
    held = page.locator("svg.gantt rect.seg.held[data-detail=\"pool 'ui_one_slot' full\"]")
    # One slot for three tasks: at least two waited for it.
    assert held.count() >= 2, page.locator("svg.gantt").inner_html()[:2000]
    expect(page.locator("svg.gantt rect.seg.queued").first).to_be_attached()
    expect(page.locator("svg.gantt rect.seg.running")).to_have_count(3)
    # The task table sorts by how long each task was held, longest first.
    page.locator("#task-table th a", has_text="Held").click()
    first_held = page.locator("#task-table tbody tr").first.locator("td").nth(3)
    expect(first_held).to_contain_text("pool 'ui_one_slot' full")
    admin.screenshot("run-gantt")
    assert admin.errors == []


def test_a_failed_tasks_log_then_clear_runs_a_new_try(signed_in, tide):
    run_id = trigger(tide, "ui_flaky")
    tide.wait_for_run("ui_flaky", run_id)
    op = signed_in("op")
    page = op.open(f"/dags/ui_flaky/runs/{quoted(run_id)}/tasks/flaky")
    expect(page.locator("#ti-badge")).to_have_attribute("data-state", "failed")
    expect(page.locator("#log")).to_contain_text("first try fails")
    page.evaluate("window.__sameDocument = true")
    page.click("#clear-button")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-body")).to_contain_text("flaky")
    expect(page.locator("#confirm-body")).to_contain_text("after")
    page.click("#confirm-ok")
    expect(page.locator("#toast")).to_contain_text("Cleared 2 task instances")
    expect(page.locator("#ti-badge")).to_have_attribute("data-state", "success", timeout=TIMEOUT)
    expect(page.locator("nav.tries a")).to_have_count(2)
    expect(page.locator("#log")).to_contain_text("second try ok", timeout=TIMEOUT)
    assert page.evaluate("window.__sameDocument") is True
    op.screenshot("task-instance")
    # The first try's log is still there.
    page.locator("nav.tries a", has_text="1").click()
    expect(page.locator("#log")).to_contain_text("first try fails")
    assert op.errors == []


def test_a_big_log_opens_at_its_tail_and_loads_earlier_parts(signed_in, tide):
    run_id = trigger(tide, "ui_big")
    tide.wait_for_run("ui_big", run_id)
    admin = signed_in("admin")
    started = time.monotonic()
    page = admin.open(f"/dags/ui_big/runs/{quoted(run_id)}/tasks/chatty")
    expect(page.locator("#log")).to_contain_text("log line 60000 of a long log")
    assert time.monotonic() - started < 5
    shown = len(page.locator("#log").inner_text())
    assert shown < 70_000, f"the page opened with {shown} characters of log, not just the tail"
    # The last line is in view: the viewer opened at the bottom.
    assert page.evaluate("(() => { const l = document.getElementById('log'); return l.scrollHeight - l.scrollTop - l.clientHeight; })()") < 50
    # The tail holds the last ~2,400 lines; line 56000 is in the part before it.
    earlier_line = "log line 56000 of a long log"
    assert earlier_line not in page.locator("#log").inner_text()
    page.click("#log-earlier")
    expect(page.locator("#log")).to_contain_text(earlier_line)
    assert len(page.locator("#log").inner_text()) > shown + 10_000
    page.fill("#log-search", "line 59999 ")
    expect(page.locator("#log-matches")).to_contain_text("1 match")
    expect(page.locator("#log-download")).to_have_attribute("href", re.compile(r"download=1"))
    assert admin.errors == []


def test_pod_tasks_show_their_pod_card_and_pod_phases(signed_in, tide):
    run_id = trigger(tide, "ui_pod")
    tide.wait_for_run("ui_pod", run_id, timeout=90)
    admin = signed_in("admin")
    page = admin.open(f"/dags/ui_pod/runs/{quoted(run_id)}/tasks/train")
    card = page.locator("#pod-card")
    expect(card).to_contain_text("pool-1")
    expect(card.locator("dl.facts > div", has_text="Node pool").locator("dd")).to_have_text("pool-1")
    # The node it ran on is one of the pool's (the simulator names nodes after their pool).
    expect(card.locator("dl.facts > div").nth(1).locator("dd")).to_contain_text("pool-1-")
    for phase in ["Pod created", "Scheduled on a node", "Container started", "Ended"]:
        expect(card.locator("ol.phases")).to_contain_text(phase)
    expect(page.locator("#log")).to_contain_text("model saved")
    admin.screenshot("task-instance-pod")
    # The node pool scaled up from zero for it: the Gantt shows the pod waiting for a node.
    page = admin.open(f"/dags/ui_pod/runs/{quoted(run_id)}")
    expect(page.locator('svg.gantt g[data-task="train"] rect.seg.pod-pending')).to_have_count(1)
    # A failed pod's card has its exit code, and the events the worker copied into the log.
    page = admin.open(f"/dags/ui_pod/runs/{quoted(run_id)}/tasks/broken")
    expect(page.locator("#ti-badge")).to_have_attribute("data-state", "failed")
    card = page.locator("#pod-card")
    expect(card.locator("dl.facts > div", has_text="Exit code").locator("dd")).to_have_text("3")
    expect(card.locator("ul.events li").first).to_be_visible()
    expect(card.locator("ul.events")).to_contain_text("Scheduled")
    admin.screenshot("task-instance-pod-failed")
    assert admin.errors == []


def test_a_viewer_sees_no_actions_and_forged_actions_are_refused(signed_in, tide):
    run_id = trigger(tide, "ui_chain")
    tide.wait_for_run("ui_chain", run_id)
    viewer = signed_in("viewer")
    for path in ["/dags", "/dags/ui_chain", f"/dags/ui_chain/runs/{quoted(run_id)}",
                 f"/dags/ui_chain/runs/{quoted(run_id)}/tasks/load", "/browse/tasks", "/admin/pools"]:
        page = viewer.open(path)
        expect(page.locator("h1").first).to_be_visible()
        assert page.locator("[data-action], #trigger-button, #bulk, #pool-form").count() == 0, path
    viewer.screenshot("viewer-task-instance")
    # What a task published (XCom) is on its page, by key.
    page = viewer.open(f"/dags/ui_chain/runs/{quoted(run_id)}/tasks/extract")
    card = page.locator("#xcom-card")
    expect(card.locator("h2")).to_have_text("Results (XCom) of try 1")
    expect(card.locator("tbody tr")).to_have_count(2)
    expect(card.locator("tbody tr").nth(0)).to_have_text('return_value"s3://bucket/extracted.csv"')
    expect(card.locator("tbody tr").nth(1)).to_have_text('stats{"rows": 3}')
    viewer.screenshot("task-instance-xcom")
    page = viewer.open("/dags/ui_chain")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    forged = page.evaluate("""async (csrf) => {
        const r = await fetch('/api/v2/dags/ui_chain?update_mask=is_paused', {method: 'PATCH',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({is_paused: true})});
        return [r.status, await r.text()];
    }""", csrf)
    assert forged[0] == 403 and "viewer" in forged[1], forged
    # An operator's session cannot be used by another site: without the page's CSRF token, changes are refused.
    op = signed_in("op")
    page = op.open("/dags/ui_chain")
    no_token = page.evaluate("""async () => {
        const r = await fetch('/api/v2/dags/ui_chain/dagRuns', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({logical_date: null})});
        return [r.status, await r.text()];
    }""")
    assert no_token[0] == 403 and "CSRF" in no_token[1], no_token
    cookie = next(c["value"] for c in op.context.cookies() if c["name"] == "tide_session")
    wrong = requests.post(f"{tide.url}/api/v2/dags/ui_chain/dagRuns", json={"logical_date": None},
                          cookies={"tide_session": cookie}, headers={"X-CSRF-Token": "0" * 64}, timeout=10)
    assert wrong.status_code == 403, wrong.text
    # Reads with the cookie alone work (the pages' event stream and log links need them).
    assert requests.get(f"{tide.url}/api/v2/dags/ui_chain", cookies={"tide_session": cookie}, timeout=10).ok
    assert tide.session("admin").get(f"{tide.url}/api/v2/dags/ui_chain", timeout=10).json()["is_paused"] is False


def test_pause_toggle_and_bulk_mark_through_the_api(signed_in, tide):
    op = signed_in("op")
    page = op.open("/dags?q=ui_ledger")
    switch = page.locator("tr[data-dag=ui_ledger] button.switch")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    page.click("#confirm-ok")
    expect(page.locator("tr[data-dag=ui_ledger] button.switch")).to_have_attribute("aria-checked", "false")
    assert tide.session("viewer").get(f"{tide.url}/api/v2/dags/ui_ledger", timeout=10).json()["is_paused"] is True
    page.locator("tr[data-dag=ui_ledger] button.switch").click()
    page.click("#confirm-ok")
    expect(page.locator("tr[data-dag=ui_ledger] button.switch")).to_have_attribute("aria-checked", "true")
    # Bulk: mark a failed run's failed task instances success from Browse.
    ensure_pool(tide, "ui_one_slot", 1)
    page = op.open("/browse/tasks?dag_id=ui_chain&task_id=load&state=success")
    boxes = page.locator("input[data-select]")
    expect(boxes.first).to_be_visible()
    count = boxes.count()
    page.locator("input[data-select-all]").check()
    expect(page.locator("#bulk-count")).to_have_text(f"{count} selected")
    op.screenshot("browse-tasks")
    page.locator("button[data-bulk=failed]").click()
    page.click("#confirm-ok")
    expect(page.locator("#toast")).to_contain_text(f"{count} done")
    expect(page.locator("#browse-list")).to_contain_text("Nothing matches", timeout=TIMEOUT)
    op.open("/browse/runs?dag_id=ui_chain")
    op.screenshot("browse-runs")
    assert op.errors == []


def test_the_live_stream_reconnects_and_says_so(browser, tide):
    """A second API server on the same database: the page follows its stream, the server is killed
    (the banner says the stream is lost), and comes back on the same port (the page is live again)."""
    port = free_port()
    env = {**tide.env, "TIDE_API_PORT": str(port)}

    def start_api():
        process = subprocess.Popen([TIDE, "api"], env=env, cwd=tide.folder, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    return process
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        process.kill()
        raise AssertionError("tide api did not start")

    api = start_api()
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/login?next=/dags/ui_chain")
        page.fill("#username", "admin")
        page.fill("#password", PASSWORDS["admin"])
        page.click("button[type=submit]")
        status = page.locator("#live-status")
        expect(status).to_have_attribute("data-state", "live", timeout=TIMEOUT)
        api.kill()
        api.wait(timeout=10)
        expect(status).to_have_attribute("data-state", "reconnecting", timeout=TIMEOUT)
        expect(status).to_contain_text("reconnecting")
        api = start_api()
        expect(status).to_have_attribute("data-state", "live", timeout=TIMEOUT)
        # Live again: a run triggered now shows up without a reload.
        page.evaluate("window.__sameDocument = true")
        trigger(tide, "ui_chain")
        expect(page.locator("table.grid thead th.run")).to_have_count(
            len(tide.session("viewer").get(f"{tide.url}/api/v2/dags/ui_chain/dagRuns", timeout=10).json()["dag_runs"]),
            timeout=TIMEOUT)
        assert page.evaluate("window.__sameDocument") is True
        context.close()
    finally:
        api.kill()
        api.wait(timeout=10)


def test_cluster_pools_and_dark_mode_pages_render(signed_in):
    admin = signed_in("admin")
    page = admin.open("/cluster")
    expect(page.locator("#cluster-workers tbody tr").first).to_be_visible()
    expect(page.locator("#cluster-queues figure").first).to_be_visible(timeout=TIMEOUT)
    admin.screenshot("cluster")
    page = admin.open("/admin/pools")
    expect(page.locator('tr[data-pool="default_pool"]')).to_be_visible()
    page.fill("#pool-form input[name=name]", "ui_added")
    page.fill("#pool-form input[name=slots]", "3")
    page.click("#pool-form button[type=submit]")
    expect(page.locator('tr[data-pool="ui_added"]')).to_be_visible()
    admin.screenshot("pools")
    dark = signed_in("admin", color_scheme="dark")
    page = dark.open("/dags/ui_chain")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 21, 27)", background
    dark.screenshot("dag-grid-dark")
    assert admin.errors == [] and dark.errors == []


def test_a_dataset_triggered_run_shows_its_updates_and_a_waiting_sensor_says_what_it_waits_for(signed_in, tide):
    producer = trigger(tide, "ui_assets_producer")
    tide.wait_for_run("ui_assets_producer", producer)
    admin = signed_in("admin")
    deadline = time.monotonic() + 30
    runs = []
    while not runs and time.monotonic() < deadline:
        runs = tide.session("admin").get(f"{tide.url}/api/v2/dags/ui_assets_consumer/dagRuns", timeout=10).json()["dag_runs"]
        time.sleep(0.1)
    assert runs, "no dataset-triggered run"
    consumer = runs[0]["dag_run_id"]
    tide.wait_for_run("ui_assets_consumer", consumer)
    page = admin.open(f"/dags/ui_assets_consumer/runs/{quoted(consumer)}")
    expect(page.locator("#run-meta")).to_contain_text("asset_triggered")
    events = page.locator("#dataset-events tbody tr")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("postgres://warehouse/sales")
    expect(events.first.locator("a")).to_have_text("ui_assets_producer.reload")
    expect(events.first.locator("a")).to_have_attribute("href", f"/dags/ui_assets_producer/runs/{quoted(producer)}")
    admin.screenshot("run-dataset-triggered")

    waiting = trigger(tide, "ui_sensor")
    page = admin.open(f"/dags/ui_sensor/runs/{quoted(waiting)}/tasks/wait_for_partner")
    expect(page.locator("#ti-badge")).to_have_attribute("data-state", "up_for_reschedule", timeout=TIMEOUT)
    page.reload()
    reason = page.locator('.why li[data-kind="sensor"]')
    expect(reason).to_contain_text("sensor waiting")
    expect(reason).to_contain_text("ui_partner.export at ")
    expect(reason).to_contain_text(": no run yet; next check")
    admin.screenshot("task-instance-sensor")
    # Done: the run is marked failed, which ends the sensor's wait.
    marked = tide.session("admin").patch(f"{tide.url}/api/v2/dags/ui_sensor/dagRuns/{quoted(waiting)}",
                                         json={"state": "failed"}, timeout=10)
    assert marked.status_code == 200, marked.text
    assert admin.errors == []



def test_a_live_page_shows_a_change_made_before_its_event_stream_connected(signed_in, tide):
    """A change between a page's render and its event subscription still shows: here the stream is
    held back while the run is marked failed (which ends its waiting sensor), and no later event follows."""
    admin_api = tide.session("admin")
    run_id = trigger(tide, "ui_sensor")
    run = f"{tide.url}/api/v2/dags/ui_sensor/dagRuns/{quoted(run_id)}"

    def sensor_state():
        return admin_api.get(f"{run}/taskInstances/wait_for_partner", timeout=10).json().get("state")

    deadline = time.monotonic() + 30
    while sensor_state() != "up_for_reschedule":
        assert time.monotonic() < deadline, "the sensor was not checked within 30 s"
        time.sleep(0.1)
    admin = signed_in("admin")
    held = []
    admin.page.route("**/api/v2/events*", lambda route: held.append(route))
    page = admin.open(f"/dags/ui_sensor/runs/{quoted(run_id)}/tasks/wait_for_partner")
    expect(page.locator("#ti-badge")).to_have_attribute("data-state", "up_for_reschedule")
    marked = admin_api.patch(run, json={"state": "failed"}, timeout=10)
    assert marked.status_code == 200, marked.text
    ended = sensor_state()
    assert ended != "up_for_reschedule", "marking the run failed ends its sensor's wait"
    # Everything the mark changes settles before the stream may connect: no event comes after it.
    deadline = time.monotonic() + 30
    while admin_api.get(f"{run}/taskInstances/after", timeout=10).json().get("state") in (None, "scheduled"):
        assert time.monotonic() < deadline, "the downstream task was not decided within 30 s"
        time.sleep(0.1)
    assert held, "the page opened no event stream"
    for route in held:
        route.continue_()
    page.unroute("**/api/v2/events*")
    # At once, from the refresh that follows the subscription (Playwright's 5 s), not from some later event.
    expect(page.locator("#ti-badge")).to_have_attribute("data-state", ended)
    assert admin.errors == []


def test_a_mapped_task_shows_one_grid_cell_and_a_page_per_map_index(signed_in, tide):
    run_id = trigger(tide, "ui_mapped")
    tide.wait_for_run("ui_mapped", run_id)
    op = signed_in("op")
    page = op.open("/dags/ui_mapped")
    row = page.locator('tr[data-task="load_partition"]')
    expect(row.locator("th .mapped")).to_have_text("[ ]")
    cell = row.locator("a.cell").last
    expect(cell).to_have_attribute("data-mapped", "3")
    expect(cell).to_have_attribute("data-state", "failed")
    expect(cell).to_have_attribute("title", re.compile(r"3 mapped: 2 success, 1 failed"))
    op.screenshot("grid-mapped")
    cell.click()
    expect(page.locator("h1")).to_have_text("load_partition[0]")
    strip = page.locator("#mapped-instances a")
    expect(strip).to_have_count(3)
    strip.nth(1).click()
    expect(page).to_have_url(re.compile(r"/tasks/load_partition/mapped/1$"))
    expect(page.locator("h1")).to_have_text("load_partition[1]")
    expect(page.locator("#ti-badge")).to_have_attribute("data-state", "failed")
    expect(page.locator("#map-item")).to_contain_text('"day": "2026-12-02"')
    expect(page.locator("#log")).to_contain_text("partition missing")
    op.screenshot("task-instance-mapped")
    # Clear just this map index: the dialog lists it alone (and summarize, downstream).
    page.click("#clear-button")
    expect(page.locator("#confirm-body")).to_contain_text("load_partition[1]")
    expect(page.locator("#confirm-body")).not_to_contain_text("load_partition[0]")
    page.click("#confirm-ok")
    expect(page.locator("#toast")).to_contain_text("Cleared 2 task instances")
    expect(page.locator('nav[aria-label="Tries"] a')).to_have_count(2, timeout=TIMEOUT)
    instances = tide.session("admin").get(
        f"{tide.url}/api/v2/dags/ui_mapped/dagRuns/{quoted(run_id)}/taskInstances/load_partition/listMapped",
        timeout=10).json()["task_instances"]
    assert [ti["try_number"] for ti in instances] == [1, 2, 1]
    assert op.errors == []
