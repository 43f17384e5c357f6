"""Checks the ways Tide is deployed, with the real tools and no cluster or Docker engine:
the compose file with the Compose binary, the Dockerfile with BuildKit's parser, the Helm chart
with the Helm library (lint + template), every rendered manifest with kubernetes-validate
--strict, and the chart's config and DAGs with `tide` itself when TIDE_BINARY is set.

Run by scripts/test: .venv-tools/bin/python -m pytest Tests/Deploy
"""

import json
import os
import pathlib
import subprocess
import tempfile

import dockerfile
import helm_python as helm
import jsonschema
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOLS = pathlib.Path(os.environ.get("TIDE_TOOLS_BIN", ROOT / ".venv-tools" / "bin"))
CHART = ROOT / "charts" / "tide"
COMPOSE = ROOT / "compose" / "docker-compose.yml"
TIDE = os.environ.get("TIDE_BINARY")
KEDA_SCHEMA = json.loads((pathlib.Path(__file__).parent / "keda-scaledobject.schema.json").read_text())


def run(*args, cwd=ROOT, env=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


# --- docker compose ---------------------------------------------------------------------------


def compose_config(path=COMPOSE, *extra):
    return run(TOOLS / "docker-compose", "-f", path, "config", *extra)


def test_compose_file_is_valid_for_the_real_compose_binary():
    result = compose_config(COMPOSE, "-q")
    assert result.returncode == 0, result.stderr


def test_compose_cluster_has_the_services_health_checks_and_start_order():
    result = compose_config(COMPOSE, "--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert set(services) == {"postgres", "redis", "migrate", "scheduler", "api", "worker"}
    assert services["scheduler"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] >= 1
    for name, service in services.items():
        if name == "migrate":  # a one-shot job: its exit status is what the others wait for
            assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert service["restart"] == "no"
            continue
        assert service["healthcheck"]["test"], f"{name} has no health check"
    for name in ["scheduler", "api", "worker"]:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
        dags = [v for v in services[name]["volumes"] if v["target"] == "/opt/tide/dags"]
        assert dags and dags[0]["read_only"], f"{name} must mount the DAG folder read-only"
        assert services[name]["environment"]["TIDE_DAGS_FOLDER"] == "/opt/tide/dags"
    assert "--appendonly" in services["redis"]["command"]
    assert services["api"]["ports"][0]["target"] == 8080
    # The drain must fit in the stop grace period that compose gives before SIGKILL.
    assert services["worker"]["stop_grace_period"] == "40s"
    # Replicas run the lean worker executable the image ships beside `tide`.
    assert services["worker"]["entrypoint"] == ["tide-worker"] and not services["worker"].get("command")
    assert services["scheduler"]["entrypoint"] == ["tide-scheduler"]
    assert services["scheduler"]["command"] == ["--metrics-port", "9090"]
    assert services["worker"]["environment"]["TIDE_WORKER_SHUTDOWN_GRACE"] == "30s"


def test_compose_binary_rejects_a_broken_start_order(tmp_path):
    broken = COMPOSE.read_text().replace("service_completed_successfully", "service_finished", 1)
    path = tmp_path / "docker-compose.yml"
    path.write_text(broken)
    result = compose_config(path, "-q")
    assert result.returncode != 0
    assert "service_finished" in result.stderr or "condition" in result.stderr


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_builds_in_a_swift_image_and_runs_slim_as_a_non_root_user():
    commands = dockerfile.parse_file(str(ROOT / "Dockerfile"))
    arguments = dict(c.value[0].split("=", 1) for c in commands if c.cmd == "ARG")
    stages = {c.value[2]: c for c in commands if c.cmd == "FROM"}
    assert list(stages) == ["runtime-base", "prebuilt", "build", "runtime"]
    # Real users: a multi-stage build in the official Swift image, onto Debian slim.
    assert stages["build"].value[0] == "${SWIFT_IMAGE}" and arguments["SWIFT_IMAGE"].startswith("swift:6")
    assert stages["runtime-base"].value[0] == "${DEBIAN_IMAGE}"
    assert arguments["DEBIAN_IMAGE"].startswith("debian:") and "slim" in arguments["DEBIAN_IMAGE"]
    assert stages["runtime"].value[0] == "runtime-base" and stages["prebuilt"].value[0] == "runtime-base"
    # The default target is the source build; `--target prebuilt` comes before the Swift stage,
    # so the classic builder (which builds every stage up to its target) never needs that image.
    assert commands[-1] == commands[commands.index(stages["runtime"]) + 1]
    assert any(c.cmd == "COPY" and "--from=build" in c.flags for c in commands[commands.index(stages["runtime"]):])

    base = commands[commands.index(stages["runtime-base"]) : commands.index(stages["prebuilt"])]
    installs = " ".join(c.value[0] for c in base if c.cmd == "RUN")
    for library in ["libhiredis", "libpq5", "libcurl4"]:
        assert library in installs
    entrypoint = [c for c in base if c.cmd == "ENTRYPOINT"][-1]
    assert entrypoint.json and entrypoint.value == ("tide",)
    for stage in ["runtime-base", "prebuilt"]:
        following = commands[commands.index(stages[stage]) :]
        end = next((i for i, c in enumerate(following[1:], 1) if c.cmd == "FROM"), len(following))
        users = [c.value[0] for c in following[:end] if c.cmd == "USER"]
        assert users and not users[-1].startswith("0") and users[-1] != "root", (stage, users)
    # The scheduler and worker replicas run executables of their own: both images carry all three.
    for stage in ["prebuilt", "runtime"]:
        following = commands[commands.index(stages[stage]) + 1 :]
        end = next((i for i, c in enumerate(following) if c.cmd == "FROM"), len(following))
        sources = [path for c in following[:end] if c.cmd == "COPY" for path in c.value[:-1]]
        copied = {path.rstrip("/").rsplit("/", 1)[-1] for path in sources}
        assert {"tide", "tide-scheduler", "tide-worker"} <= copied, (stage, copied)
    # The source build links with the order of the hot functions (Package.swift reads Linking/), each
    # compiled into a section of its own so that the order can place it (scripts/release-build).
    build = commands[commands.index(stages["build"]) : commands.index(stages["runtime"])]
    assert any(c.cmd == "COPY" and c.value[0] == "Linking" for c in build)
    assert any(c.cmd == "COPY" and c.value[0] == "scripts/release-build" for c in build)
    assert any(c.cmd == "RUN" and c.value[0].startswith("scripts/release-build tide tide-scheduler tide-worker")
               for c in build)
    release_build = (ROOT / "scripts" / "release-build").read_text()
    for flag in ["--static-swift-stdlib", "-Xswiftc -Xfrontend -Xswiftc -function-sections", "-Xcc -ffunction-sections"]:
        assert flag in release_build, flag


def linker_flags():
    """Each target's linker flags as the manifest gives them on this machine."""
    dumped = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    flags = {}
    for target in json.loads(dumped)["targets"]:
        for setting in target.get("settings", []):
            if setting["tool"] == "linker":
                flags.setdefault(target["name"], []).extend(setting["kind"].get("unsafeFlags", {}).get("_0", []))
    return flags


def test_each_executable_links_with_the_order_of_what_it_runs():
    orders = {
        name: [os.path.realpath(flag.split("=", 1)[1]) for flag in flags if flag.startswith("--symbol-ordering-file=")]
        for name, flags in linker_flags().items()
    }
    linking = ROOT / "Linking"
    # Package.swift orders only where it links with lld (ld.lld on the PATH, glibc 2.36 or newer).
    assert orders["tide-worker"] == orders["tide-scheduler"] == [os.path.realpath(linking / "replicas.order")]
    assert orders["tide"] == [os.path.realpath(linking / "tide.order")]
    assert not orders.get("tide-kubesim") and not orders.get("tide-fuzz")


@pytest.mark.parametrize(
    "name, expected_parts, present, absent",
    [
        # The replicas': both hot paths (a profile of only one would leave the other's code spread
        # out), a worker's on `command` tasks apart from the rest, and nothing of the API, which
        # they do not link.
        (
            "replicas.order",
            [
                "run by the worker on command tasks only",
                "run by the worker on command tasks and by the scheduler",
                "run by the scheduler only",
                "run by the scheduler and by the worker on other tasks",
                "run by the worker on other tasks only",
            ],
            ["10TideWorker", "13TideScheduler", "12TidePostgres", "swift_retain"],
            ["7TideAPI", "6TideUI"],
        ),
        # `tide`'s: the API's functions first, then the scheduler's and the worker's.
        (
            "tide.order",
            ["run by the API", "run by the scheduler, not the API", "run by the worker only"],
            ["7TideAPI", "6TideUI", "11Hummingbird", "13TideScheduler", "10TideWorker"],
            [],
        ),
    ],
)
def test_a_link_order_lists_the_functions_its_executables_run(name, expected_parts, present, absent):
    lines = (ROOT / "Linking" / name).read_text().splitlines()
    names = [line for line in lines if line and not line.startswith("#")]
    # Mangled names, one a line: no spaces, no comment characters lld would cut them at.
    assert all(" " not in n and "#" not in n for n in names)
    assert len(names) == len(set(names)) > 1000
    parts = [line.split(" functions ")[1] for line in lines if line.startswith("# ") and " functions run by" in line]
    assert parts == [f"{part}, hottest first" for part in expected_parts]
    for needle in present:
        assert any(needle in n for n in names), needle
    assert not any(needle in n for n in names for needle in absent)


# --- Helm chart --------------------------------------------------------------------------------


def render(values=None, namespace="data"):
    chart = helm.Chart.load(str(CHART))
    return chart.render(values or {}, name="tide", namespace=namespace, is_install=True)


def documents(rendered):
    for path, text in sorted(rendered.items()):
        for document in yaml.safe_load_all(text):
            if document:
                yield path, document


def by_kind(rendered, kind):
    return [d for _, d in documents(rendered) if d["kind"] == kind]


def validate(rendered):
    """kubernetes-validate --strict for built-in kinds; the KEDA CRD schema for ScaledObjects."""
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index, (path, document) in enumerate(documents(rendered)):
            if document["kind"] == "ScaledObject":
                jsonschema.validate(document, KEDA_SCHEMA)
                continue
            file = pathlib.Path(folder) / f"{index}-{pathlib.Path(path).name}"
            file.write_text(yaml.safe_dump(document))
            files.append(file)
        result = run(TOOLS / "kubernetes-validate", "--strict", *files)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ERROR" not in result.stdout and "WARN" not in result.stdout, result.stdout


def test_chart_lints_strictly():
    report = helm.lint(str(CHART), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("mode", ["keda", "hpa", "none"])
def test_every_rendered_manifest_is_valid_in_each_autoscaling_mode(mode):
    rendered = render({"autoscaling": {"mode": mode}})
    validate(rendered)
    workers = [d for d in by_kind(rendered, "Deployment") if d["metadata"]["name"].startswith("tide-worker-")]
    assert [d["metadata"]["name"] for d in workers] == ["tide-worker-default"]
    # An autoscaler owns the replica count; a fixed count would fight it on every upgrade.
    assert ("replicas" in workers[0]["spec"]) == (mode == "none")
    assert len(by_kind(rendered, "HorizontalPodAutoscaler")) == (1 if mode == "hpa" else 0)
    assert len(by_kind(rendered, "ScaledObject")) == (1 if mode == "keda" else 0)


def test_the_api_deployment_reads_its_users_and_signing_key_from_secrets():
    rendered = render({"api": {"auth": {"usersSecret": {"name": "people", "key": "team.json"},
                                        "secretKeySecret": {"name": "jwt", "key": "key"}}}})
    validate(rendered)
    api = next(d for d in by_kind(rendered, "Deployment") if d["metadata"]["name"] == "tide-api")["spec"]["template"]
    container = api["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["TIDE_API_USERS_FILE"]["value"] == "/etc/tide/api-users/team.json"
    assert env["TIDE_API_SECRET_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "jwt", "key": "key"}
    volume = next(v for v in api["spec"]["volumes"] if v["name"] == "api-users")
    assert volume["secret"] == {"secretName": "people", "items": [{"key": "team.json", "path": "team.json"}]}
    assert {"name": "api-users", "mountPath": "/etc/tide/api-users", "readOnly": True} in container["volumeMounts"]


def two_queue_values(mode):
    return {
        "autoscaling": {"mode": mode, "scaleDownWindowSeconds": 120},
        "workers": {
            "shutdownGraceSeconds": 45,
            "queues": [
                {"name": "default", "minReplicas": 1, "maxReplicas": 6, "concurrency": 8},
                {"name": "gpu", "minReplicas": 0, "maxReplicas": 3, "concurrency": 1, "nodeSelector": {"gpu": "true"}},
            ],
        },
    }


def test_each_queue_gets_its_own_worker_deployment_drain_and_budget():
    rendered = render(two_queue_values("keda"))
    validate(rendered)
    workers = {d["metadata"]["name"]: d for d in by_kind(rendered, "Deployment") if "worker" in d["metadata"]["name"]}
    assert set(workers) == {"tide-worker-default", "tide-worker-gpu"}
    gpu = workers["tide-worker-gpu"]["spec"]["template"]["spec"]
    assert gpu["containers"][0]["command"] == ["tide-worker"]
    assert gpu["containers"][0]["args"] == ["--queues", "gpu", "--concurrency", "1"]
    assert gpu["nodeSelector"] == {"gpu": "true"}
    assert gpu["terminationGracePeriodSeconds"] == 45 + 15
    assert gpu["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"
    assert gpu["serviceAccountName"] == "tide"
    assert gpu["securityContext"]["runAsNonRoot"] is True
    budgets = {d["metadata"]["name"] for d in by_kind(rendered, "PodDisruptionBudget")}
    assert {"tide-scheduler", "tide-api", "tide-worker-default", "tide-worker-gpu"} <= budgets
    scaled = {d["metadata"]["name"]: d["spec"] for d in by_kind(rendered, "ScaledObject")}
    assert scaled["tide-worker-gpu"]["minReplicaCount"] == 0
    trigger = scaled["tide-worker-gpu"]["triggers"][0]
    assert trigger["type"] == "metrics-api"
    assert trigger["metadata"]["valueLocation"] == "queues.gpu.desiredWorkers"
    assert trigger["metadata"]["url"] == "http://tide-api.data.svc:8080/api/v1/scaling"


def test_hpa_mode_scales_each_queue_on_its_desired_workers_metric():
    rendered = render(two_queue_values("hpa"))
    validate(rendered)
    hpas = {d["metadata"]["name"]: d["spec"] for d in by_kind(rendered, "HorizontalPodAutoscaler")}
    gpu = hpas["tide-worker-gpu"]
    assert gpu["scaleTargetRef"]["name"] == "tide-worker-gpu"
    # An HPA on an external metric cannot go below 1 replica (KEDA can).
    assert gpu["minReplicas"] == 1 and gpu["maxReplicas"] == 3
    metric = gpu["metrics"][0]["external"]
    assert metric["metric"] == {"name": "tide_desired_workers", "selector": {"matchLabels": {"queue": "gpu"}}}
    assert metric["target"] == {"type": "AverageValue", "averageValue": "1"}
    assert gpu["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 120


def test_scheduler_is_highly_available_and_only_workers_may_touch_pods():
    rendered = render()
    scheduler = next(d for d in by_kind(rendered, "Deployment") if d["metadata"]["name"] == "tide-scheduler")
    assert scheduler["spec"]["replicas"] >= 2
    container = scheduler["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["tide-scheduler"] and container["args"][0] == "--metrics-port"
    assert scheduler["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
    role = by_kind(rendered, "Role")[0]
    granted = {(resource, verb) for rule in role["rules"] for resource in rule["resources"] for verb in rule["verbs"]}
    assert {resource for resource, _ in granted} == {"pods", "pods/log", "events", "secrets"}
    assert ("pods/log", "get") in granted and ("pods", "create") in granted
    assert {verb for resource, verb in granted if resource == "secrets"} == {"get"}
    assert not any(verb in {"*", "escalate", "bind"} for _, verb in granted)
    # Without masking, the Role is pods, their logs and events only.
    strict = by_kind(render({"kubernetes": {"maskSecretValues": False}}), "Role")[0]
    assert {resource for rule in strict["rules"] for resource in rule["resources"]} == {"pods", "pods/log", "events"}
    binding = by_kind(rendered, "RoleBinding")[0]
    assert binding["subjects"][0]["name"] == "tide"
    env = {e["name"]: e for e in scheduler["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["TIDE_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "tide-database", "key": "url"}
    assert env["TIDE_REDIS_URL"]["valueFrom"]["secretKeyRef"] == {"name": "tide-redis", "key": "url"}


def test_task_pods_can_live_in_another_namespace():
    rendered = render({"kubernetes": {"taskNamespace": "tasks"}})
    validate(rendered)
    assert by_kind(rendered, "Role")[0]["metadata"]["namespace"] == "tasks"
    assert by_kind(rendered, "RoleBinding")[0]["subjects"][0]["namespace"] == "data"
    config = yaml.safe_load(chart_config(rendered))
    assert config["kubernetes"]["namespace"] == "tasks"


def chart_config(rendered):
    configmap = next(d for d in by_kind(rendered, "ConfigMap") if d["metadata"]["name"] == "tide-config")
    return configmap["data"]["tide.yaml"]


def test_node_pools_in_values_become_tide_configuration():
    config = yaml.safe_load(chart_config(render(two_queue_values("keda"))))
    pool = config["node_pools"][0]
    assert pool["name"] == "pool-1"
    assert pool["node_shape"] == {"cpu": "4", "memory": "16Gi"}
    assert pool["max_pods"] == 20 and pool["min_nodes"] == 0 and pool["max_nodes"] == 5
    assert config["scaling"]["queues"]["gpu"] == {"min_workers": 0, "max_workers": 3, "worker_concurrency": 1}
    assert config["worker"]["shutdown_grace"] == "45s"
    assert config["kubernetes"]["in_cluster"] is True
    assert config["kubernetes"]["mask_secret_values"] is True


@pytest.mark.skipif(not TIDE, reason="TIDE_BINARY is not set")
def test_tide_accepts_the_rendered_configuration_and_dags(tmp_path):
    rendered = render(two_queue_values("keda"))
    (tmp_path / "tide.yaml").write_text(chart_config(rendered))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    shown = run(TIDE, "config", "show", "--config", tmp_path / "tide.yaml", env=env)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    dags = next(d for d in by_kind(rendered, "ConfigMap") if d["metadata"]["name"] == "tide-dags")
    folder = tmp_path / "dags"
    folder.mkdir()
    for name, text in dags["data"].items():
        (folder / name).write_text(text)
    checked = run(TIDE, "dags", "validate", folder, "--config", tmp_path / "tide.yaml", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    "values, complaint",
    [
        ({"autoscaling": {"mode": "sometimes"}}, "/autoscaling/mode"),
        ({"scheduler": {"replicas": 0}}, "/scheduler/replicas"),
        ({"workers": {"queues": [{"name": "Bad_Name", "minReplicas": 0, "maxReplicas": 1, "concurrency": 1}]}}, "name"),
        ({"nodePools": [{"name": "p", "nodeShape": {"cpu": "4"}}]}, "memory"),
        ({"replicaCount": 3}, "replicaCount"),
        ({"api": {"auth": {"usersSecret": {"name": "people", "key": ""}}}}, "/api/auth/usersSecret/key"),
    ],
)
def test_values_schema_rejects_bad_values_naming_the_field(values, complaint):
    with pytest.raises(helm.HelmValuesError) as error:
        render(values)
    assert complaint in str(error.value)
