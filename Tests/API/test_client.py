"""Airflow's official Python client (apache-airflow-client, pinned in scripts/tools-requirements.txt)
driving Tide exactly as an Airflow user's script would: list and search DAGs, pause, trigger,
wait, read task instances, tries and logs, clear, mark, manage pools, read import errors."""

import json
import time

import airflow_client.client as airflow
from airflow_client.client.api import (dag_api, dag_run_api, import_error_api, monitor_api, pool_api, task_api,
                                       task_instance_api, version_api, x_com_api)
from airflow_client.client.exceptions import ApiException, ConflictException, NotFoundException
from airflow_client.client.models import (ClearTaskInstancesBody, ClearTaskInstancesBodyTaskIdsInner, DAGPatchBody,
                                          DAGRunClearBody, DAGRunPatchBody, PatchTaskInstanceBody, PoolBody,
                                          PoolPatchBody, TriggerDAGRunPostBody)
import pytest


@pytest.fixture(scope="module")
def client(tide):
    configuration = airflow.Configuration(host=tide.url, access_token=tide.token("admin"))
    with airflow.ApiClient(configuration) as api_client:
        yield api_client


def wait_for(client, dag_id, run_id, states=("success", "failed"), timeout=60):
    runs = dag_run_api.DagRunApi(client)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = runs.get_dag_run(dag_id, run_id)
        if run.state.value in states:
            return run
        time.sleep(0.2)
    raise AssertionError(f"{dag_id} {run_id} stayed {run.state}")


def test_list_search_and_page_dags(client):
    dags = dag_api.DAGApi(client)
    everything = dags.get_dags(limit=100)
    ids = [dag.dag_id for dag in everything.dags]
    assert ids == sorted(ids)
    assert {"api_chain", "api_ledger", "api_fail", "api_slow", "api_pool"} <= set(ids)
    assert everything.total_entries == len(ids)
    # The search covers ids, descriptions and tags, case-insensitively.
    assert [d.dag_id for d in dags.get_dags(dag_id_pattern="ledger").dags] == ["api_ledger"]
    assert [d.dag_id for d in dags.get_dags(dag_id_pattern="REVENUE").dags] == ["api_ledger"]
    assert [d.dag_id for d in dags.get_dags(dag_id_pattern="nightly").dags] == ["api_ledger"]
    assert [d.dag_id for d in dags.get_dags(tags=["finance"]).dags] == ["api_ledger"]
    assert dags.get_dags(tags=["finance", "chain"], tags_match_mode="all").total_entries == 0
    page = dags.get_dags(limit=2, offset=1, order_by=["-dag_id"])
    assert [d.dag_id for d in page.dags] == sorted(ids, reverse=True)[1:3]
    assert page.total_entries == len(ids)
    chain = dags.get_dag("api_chain")
    assert chain.description == "Three steps in a row" and [t.name for t in chain.tags] == ["api", "chain"]
    assert chain.is_paused is False and chain.fileloc.endswith("api_chain.yaml")
    details = dags.get_dag_details("api_chain")
    assert details.timezone == "UTC" and details.catchup is False
    tasks = task_api.TaskApi(client).get_tasks("api_chain")
    assert [t.task_id for t in tasks.tasks] == ["extract", "load", "transform"]
    assert {t.task_id: t.downstream_task_ids for t in tasks.tasks}["extract"] == ["transform"]
    assert task_api.TaskApi(client).get_task("api_chain", "load").trigger_rule == "all_success"
    with pytest.raises(NotFoundException):
        dags.get_dag("no_such_dag")


def test_pause_and_unpause(client):
    dags = dag_api.DAGApi(client)
    assert dags.patch_dag("api_ledger", DAGPatchBody(is_paused=True)).is_paused is True
    assert [d.dag_id for d in dags.get_dags(paused=True).dags] == ["api_ledger"]
    assert dags.patch_dag("api_ledger", DAGPatchBody(is_paused=False)).is_paused is False
    assert dags.get_dags(paused=True).total_entries == 0


def test_trigger_wait_read_task_instances_and_logs(client):
    runs = dag_run_api.DagRunApi(client)
    created = runs.trigger_dag_run(
        "api_chain", TriggerDAGRunPostBody(dag_run_id="client-run-1", logical_date=None, conf={"table": "sales"}))
    assert created.dag_run_id == "client-run-1" and created.conf == {"table": "sales"}
    assert created.state.value in ("queued", "running")
    with pytest.raises(ConflictException):
        runs.trigger_dag_run("api_chain", TriggerDAGRunPostBody(dag_run_id="client-run-1", logical_date=None))
    run = wait_for(client, "api_chain", "client-run-1")
    assert run.state.value == "success" and run.end_date >= run.start_date
    instances = task_instance_api.TaskInstanceApi(client)
    listed = instances.get_task_instances("api_chain", "client-run-1", order_by=["task_id"])
    assert [ti.task_id for ti in listed.task_instances] == ["extract", "load", "transform"]
    assert all(ti.state.value == "success" and ti.try_number == 1 for ti in listed.task_instances)
    only = instances.get_task_instances("api_chain", "client-run-1", task_id="load")
    assert [ti.task_id for ti in only.task_instances] == ["load"]
    assert instances.get_task_instances("api_chain", "client-run-1", state=["failed"]).total_entries == 0
    transform = instances.get_task_instance("api_chain", "client-run-1", "transform")
    assert transform.operator == "BashOperator" and transform.pool == "default_pool"
    log = instances.get_log("api_chain", "client-run-1", "transform", 1)
    lines = [message.event for message in log.content.actual_instance]
    assert lines == [f"transform line {i}" for i in range(1, 6)]
    # The continuation token of a finished try's whole log says there is nothing more.
    rest = instances.get_log("api_chain", "client-run-1", "transform", 1, token=log.continuation_token)
    assert rest.content.actual_instance == []
    tries = instances.get_task_instance_tries("api_chain", "client-run-1", "transform")
    assert [t.try_number for t in tries.task_instances] == [1]
    assert instances.get_task_instance_try_details("api_chain", "client-run-1", "transform", 1).state.value == "success"
    with pytest.raises(NotFoundException):
        instances.get_log("api_chain", "client-run-1", "transform", 7)
    all_runs = runs.get_dag_runs("~", limit=100)
    assert "client-run-1" in [r.dag_run_id for r in all_runs.dag_runs]
    assert runs.get_dag_runs("api_chain", state=["success"]).total_entries >= 1
    assert runs.get_dag_runs("api_chain", state=["failed"]).total_entries == 0


def test_clear_downstream_then_mark_and_patch_run(client):
    runs = dag_run_api.DagRunApi(client)
    instances = task_instance_api.TaskInstanceApi(client)
    runs.trigger_dag_run("api_chain", TriggerDAGRunPostBody(dag_run_id="client-run-2", logical_date=None))
    wait_for(client, "api_chain", "client-run-2")
    body = ClearTaskInstancesBody(
        dry_run=True, only_failed=False, dag_run_id="client-run-2",
        task_ids=[ClearTaskInstancesBodyTaskIdsInner("transform")], include_downstream=True)
    preview = instances.post_clear_task_instances("api_chain", body)
    assert sorted(ti.task_id for ti in preview.task_instances) == ["load", "transform"]
    assert instances.get_task_instance("api_chain", "client-run-2", "transform").try_number == 1  # dry run: no change
    body.dry_run = False
    instances.post_clear_task_instances("api_chain", body)
    wait_for(client, "api_chain", "client-run-2")
    tries = {ti.task_id: ti.try_number for ti in instances.get_task_instances("api_chain", "client-run-2").task_instances}
    assert tries == {"extract": 1, "transform": 2, "load": 2}
    log = instances.get_log("api_chain", "client-run-2", "transform", 2)
    assert [m.event for m in log.content.actual_instance][-1] == "transform line 5"
    marked = instances.patch_task_instance("api_chain", "client-run-2", "load",
                                           PatchTaskInstanceBody(new_state="failed", note="bad load"))
    assert [(ti.task_id, ti.state.value, ti.note) for ti in marked.task_instances] == [("load", "failed", "bad load")]
    run = wait_for(client, "api_chain", "client-run-2", states=("failed",))
    assert run.state.value == "failed"
    patched = runs.patch_dag_run("api_chain", "client-run-2", DAGRunPatchBody(state="success", note="accepted"))
    assert patched.state.value == "success" and patched.note == "accepted"
    assert instances.get_task_instance("api_chain", "client-run-2", "load").state.value == "failed"
    # Queued again, the run is started anew from its task instances' states: a failed leaf fails it.
    assert runs.patch_dag_run("api_chain", "client-run-2", DAGRunPatchBody(state="queued")).state.value == "queued"
    assert wait_for(client, "api_chain", "client-run-2").state.value == "failed"
    assert instances.get_task_instance("api_chain", "client-run-2", "load").try_number == 2
    runs.delete_dag_run("api_chain", "client-run-2")
    with pytest.raises(NotFoundException):
        runs.get_dag_run("api_chain", "client-run-2")


def test_failed_run_is_cleared_with_only_failed(client):
    runs = dag_run_api.DagRunApi(client)
    instances = task_instance_api.TaskInstanceApi(client)
    runs.trigger_dag_run("api_fail", TriggerDAGRunPostBody(dag_run_id="fail-1", logical_date=None))
    assert wait_for(client, "api_fail", "fail-1").state.value == "failed"
    states = {ti.task_id: ti.state.value for ti in instances.get_task_instances("api_fail", "fail-1").task_instances}
    assert states == {"breaks": "failed", "after": "upstream_failed"}
    log = instances.get_log("api_fail", "fail-1", "breaks", 1)
    assert "about to fail" in [m.event for m in log.content.actual_instance]
    # The client cannot deserialize a dry run's answer, with Airflow as with Tide: Airflow's document
    # says its items are oneOf two schemas that every full task instance matches. Read it raw.
    raw = runs.clear_dag_run_without_preload_content("api_fail", "fail-1", DAGRunClearBody(dry_run=True, only_failed=True))
    preview = json.loads(raw.data)
    assert sorted(ti["task_id"] for ti in preview["task_instances"]) == ["after", "breaks"]
    cleared = runs.clear_dag_run("api_fail", "fail-1", DAGRunClearBody(dry_run=False, only_failed=True))
    assert cleared.actual_instance.dag_run_id == "fail-1"
    assert wait_for(client, "api_fail", "fail-1").state.value == "failed"
    breaks = instances.get_task_instance_tries("api_fail", "fail-1", "breaks")
    assert [t.try_number for t in breaks.task_instances] == [1, 2]


def test_pools(client):
    pools = pool_api.PoolApi(client)
    created = pools.post_pool(PoolBody(name="reporting", slots=3, description="reports"))
    assert (created.name, created.slots, created.open_slots, created.description) == ("reporting", 3, 3, "reports")
    with pytest.raises(ConflictException):
        pools.post_pool(PoolBody(name="reporting", slots=1))
    assert pools.patch_pool("reporting", PoolPatchBody(slots=5)).slots == 5
    assert pools.get_pool("reporting").description == "reports"
    names = [p.name for p in pools.get_pools(limit=100).pools]
    assert "default_pool" in names and "reporting" in names
    assert [p.name for p in pools.get_pools(pool_name_pattern="report").pools] == ["reporting"]
    pools.delete_pool("reporting")
    with pytest.raises(NotFoundException):
        pools.get_pool("reporting")
    with pytest.raises(ApiException) as refused:
        pools.delete_pool("default_pool")
    assert refused.value.status == 400


def test_import_errors_health_and_version(client):
    errors = import_error_api.ImportErrorApi(client).get_import_errors()
    assert [e.filename.split("/")[-1] for e in errors.import_errors] == ["broken.yaml"]
    assert "missing_task" in errors.import_errors[0].stack_trace
    one = import_error_api.ImportErrorApi(client).get_import_error(errors.import_errors[0].import_error_id)
    assert one.filename == errors.import_errors[0].filename
    health = monitor_api.MonitorApi(client).get_health()
    assert health.metadatabase.status == "healthy" and health.scheduler.status == "healthy"
    assert version_api.VersionApi(client).get_version().version


def test_task_instances_across_runs_and_dags_with_tilde(client, tide):
    """As in Airflow, `~` for the run (and the DAG) lists task instances across runs (and DAGs)."""
    runs = dag_run_api.DagRunApi(client)
    run = runs.trigger_dag_run("api_chain", TriggerDAGRunPostBody(logical_date=None))
    wait_for(client, "api_chain", run.dag_run_id)
    instances = task_instance_api.TaskInstanceApi(client)
    of_dag = instances.get_task_instances("api_chain", "~", task_id="load", limit=100)
    assert of_dag.total_entries >= 1
    assert {ti.dag_id for ti in of_dag.task_instances} == {"api_chain"}
    assert run.dag_run_id in {ti.dag_run_id for ti in of_dag.task_instances}
    everywhere = instances.get_task_instances("~", "~", state=["success"], limit=1000)
    assert {"api_chain"} <= {ti.dag_id for ti in everywhere.task_instances}
    assert all(ti.state.value == "success" for ti in everywhere.task_instances)
    with pytest.raises(NotFoundException):
        instances.get_task_instances("no_such_dag", "~")


def test_xcom_entries_of_a_task(client):
    """What a task published (do_xcom_push: its last line), listed and read with Airflow's client."""

    runs = dag_run_api.DagRunApi(client)
    runs.trigger_dag_run("api_chain", TriggerDAGRunPostBody(dag_run_id="client-xcom", logical_date=None))
    wait_for(client, "api_chain", "client-xcom")
    xcoms = x_com_api.XComApi(client)
    listed = xcoms.get_xcom_entries(dag_id="api_chain", dag_run_id="client-xcom", task_id="extract")
    assert listed.total_entries == 1
    assert [entry.key for entry in listed.xcom_entries] == ["return_value"]
    assert listed.xcom_entries[0].run_id == "client-xcom" and listed.xcom_entries[0].map_index == -1
    assert xcoms.get_xcom_entries(dag_id="api_chain", dag_run_id="client-xcom", task_id="load").total_entries == 0
    entry = xcoms.get_xcom_entry(dag_id="api_chain", dag_run_id="client-xcom", task_id="extract", xcom_key="return_value")
    assert entry.actual_instance.value == "extracted 3 rows"
    with pytest.raises(ApiException) as missing:
        xcoms.get_xcom_entry(dag_id="api_chain", dag_run_id="client-xcom", task_id="extract", xcom_key="rows")
    assert missing.value.status == 404

    # An operator writes one (Airflow 3's create, update, delete), and a downstream pull would read it.
    from airflow_client.client.models import XComCreateBody, XComUpdateBody

    where = dict(dag_id="api_chain", dag_run_id="client-xcom", task_id="extract")
    created = xcoms.create_xcom_entry(**where, x_com_create_body=XComCreateBody(key="rows", value={"count": 3}))
    assert created.key == "rows" and created.value == {"count": 3}
    with pytest.raises(ConflictException):
        xcoms.create_xcom_entry(**where, x_com_create_body=XComCreateBody(key="rows", value=4))
    updated = xcoms.update_xcom_entry(**where, xcom_key="rows", x_com_update_body=XComUpdateBody(value=[1, 2]))
    assert updated.value == [1, 2]
    assert xcoms.get_xcom_entry(**where, xcom_key="rows").actual_instance.value == [1, 2]
    with pytest.raises(ApiException) as too_large:
        xcoms.update_xcom_entry(**where, xcom_key="rows", x_com_update_body=XComUpdateBody(value="x" * 60000))
    assert too_large.value.status == 400 and "worker.xcom_max_bytes" in too_large.value.body
    with pytest.raises(NotFoundException):
        xcoms.update_xcom_entry(**where, xcom_key="nope", x_com_update_body=XComUpdateBody(value=1))
    xcoms.delete_xcom_entry(**where, xcom_key="rows")
    assert [entry.key for entry in xcoms.get_xcom_entries(**where).xcom_entries] == ["return_value"]
    with pytest.raises(NotFoundException):
        xcoms.delete_xcom_entry(**where, xcom_key="rows")


def test_a_dataset_triggered_run_and_the_events_that_triggered_it(client):
    """A producer's outlet triggers the consumer (Airflow 3's asset_triggered run); Airflow's client
    reads the run's upstream asset events and the consumer's asset expression."""
    runs = dag_run_api.DagRunApi(client)
    runs.trigger_dag_run("api_asset_producer", TriggerDAGRunPostBody(dag_run_id="client-asset", logical_date=None))
    wait_for(client, "api_asset_producer", "client-asset")
    deadline = time.monotonic() + 30
    triggered = []
    while not triggered and time.monotonic() < deadline:
        triggered = runs.get_dag_runs("api_asset_consumer", run_type=["asset_triggered"]).dag_runs
        time.sleep(0.1)
    assert len(triggered) == 1
    run = triggered[0]
    assert run.run_type.value == "asset_triggered" and run.triggered_by.value == "asset"
    events = runs.get_upstream_asset_events("api_asset_consumer", run.dag_run_id)
    assert events.total_entries == 1
    event = events.asset_events[0]
    assert (event.uri, event.source_dag_id, event.source_task_id, event.source_run_id) == (
        "s3://api/sales", "api_asset_producer", "publish", "client-asset")
    assert runs.get_upstream_asset_events("api_asset_producer", "client-asset").total_entries == 0
    details = dag_api.DAGApi(client).get_dag_details("api_asset_consumer")
    assert details.asset_expression == {"all": [{"asset": {"uri": "s3://api/sales", "name": "s3://api/sales",
                                                            "group": "asset"}}]}
    assert details.timetable_summary == "datasets: s3://api/sales"



def test_mapped_task_instances(client):
    """A mapped task's instances through Airflow's mapped-instance routes: listMapped, one by map
    index, its tries, log and results; the unmapped path refuses a mapped task; a clear of one
    map index and a mark of another by index."""
    runs = dag_run_api.DagRunApi(client)
    runs.trigger_dag_run("api_mapped", TriggerDAGRunPostBody(dag_run_id="client-mapped", logical_date=None))
    assert wait_for(client, "api_mapped", "client-mapped").state.value == "success"
    tis = task_instance_api.TaskInstanceApi(client)
    where = dict(dag_id="api_mapped", dag_run_id="client-mapped")
    mapped = tis.get_mapped_task_instances(**where, task_id="load")
    assert [ti.map_index for ti in mapped.task_instances] == [0, 1, 2] and mapped.total_entries == 3
    assert {ti.state.value for ti in mapped.task_instances} == {"success"}
    assert [ti.map_index for ti in tis.get_mapped_task_instances(**where, task_id="load", limit=1, offset=2)
            .task_instances] == [2]
    assert [ti.map_index for ti in tis.get_mapped_task_instances(**where, task_id="load", order_by=["-map_index"])
            .task_instances] == [2, 1, 0]
    with pytest.raises(NotFoundException, match="add the map_index value"):
        tis.get_task_instance(**where, task_id="load")
    with pytest.raises(NotFoundException, match="is not mapped"):
        tis.get_mapped_task_instances(**where, task_id="report")
    assert task_api.TaskApi(client).get_task("api_mapped", "load").is_mapped is True
    assert task_api.TaskApi(client).get_task("api_mapped", "report").is_mapped is False
    second = tis.get_mapped_task_instance(**where, task_id="load", map_index=1)
    assert second.map_index == 1 and second.task_id == "load" and second.try_number == 1
    assert second.rendered_map_index == "1"
    with pytest.raises(NotFoundException):
        tis.get_mapped_task_instance(**where, task_id="load", map_index=7)
    assert [t.map_index for t in tis.get_mapped_task_instance_tries(**where, task_id="load", map_index=1)
            .task_instances] == [1]
    log = tis.get_log(**where, task_id="load", try_number=1, map_index=2, full_content=True)
    assert [message.event for message in log.content.actual_instance] == ["loading c.csv"]
    xcoms = x_com_api.XComApi(client)
    entry = xcoms.get_xcom_entry(**where, task_id="load", xcom_key="return_value", map_index=1)
    assert entry.actual_instance.value == "b.csv loaded" and entry.actual_instance.map_index == 1
    report = tis.get_log(**where, task_id="report", try_number=1, full_content=True)
    assert [message.event for message in report.content.actual_instance] == [
        'loaded ["a.csv loaded","b.csv loaded","c.csv loaded"]']

    # Clear one map index: only it runs again (a second try); the others keep theirs.
    cleared = task_instance_api.TaskInstanceApi(client).post_clear_task_instances(
        "api_mapped", ClearTaskInstancesBody(
            dry_run=False, only_failed=False, dag_run_id="client-mapped",
            task_ids=[ClearTaskInstancesBodyTaskIdsInner(["load", 2])]))
    assert [(ti.task_id, ti.map_index) for ti in cleared.task_instances] == [("load", 2)]
    deadline = time.monotonic() + 60
    while tis.get_mapped_task_instance(**where, task_id="load", map_index=2).try_number != 2 or \
            runs.get_dag_run("api_mapped", "client-mapped").state.value != "success":
        assert time.monotonic() < deadline, "load[2] did not run again"
        time.sleep(0.2)
    assert [ti.try_number for ti in tis.get_mapped_task_instances(**where, task_id="load").task_instances] == [1, 1, 2]
    # Mark one map index failed by its path.
    marked = tis.patch_task_instance_by_map_index(
        **where, task_id="load", map_index=0, patch_task_instance_body=PatchTaskInstanceBody(new_state="failed"))
    assert [(ti.map_index, ti.state.value) for ti in marked.task_instances] == [(0, "failed")]
    assert tis.get_mapped_task_instance(**where, task_id="load", map_index=1).state.value == "success"
