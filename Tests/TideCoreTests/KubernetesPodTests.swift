import Testing

@testable import TideCore

let pool1 = NodePool(
    name: "pool-1", taints: [.init(key: "dedicated", value: "tide", effect: "NoSchedule"), .init(key: "gpu")],
    defaultResources: ["requests": ["cpu": "500m", "memory": "1Gi"]], maxPods: 20)
let identity = PodIdentity(
    dagId: "Nightly_Sales", taskId: "train.model", runId: "manual__2026-11-21T13:01:55.496Z", tryNumber: 2,
    taskInstanceId: 42)

func podTask(_ yaml: String, nodePools: [String]? = ["pool-1"], connections: [String]? = ["analytics"]) throws
    -> KubernetesPodTask
{
    let dag = try DAGParser.parse(
        yaml: "dag_id: d\ntasks:\n  - task_id: t\n    kubernetes_pod:\n" + yaml, file: "d.yaml", nodePools: nodePools,
        kubernetesConnections: connections)
    guard case .kubernetesPod(let pod)? = dag.task("t")?.kind else { throw CronError(message: "not a pod task") }
    return pod
}

/// Follows a path of object keys and array indexes.
func at(_ value: JSONValue, _ path: Any...) -> JSONValue? {
    var current: JSONValue? = value
    for step in path {
        switch (current, step) {
        case (.object(let fields)?, let key as String): current = fields[key]
        case (.array(let items)?, let index as Int): current = index < items.count ? items[index] : nil
        default: return nil
        }
    }
    return current
}

@Suite("Kubernetes naming")
struct KubeNamingTests {
    @Test func podNamesAreDNSLabelsWithASuffix() {
        let name = KubeNaming.podName(dagId: "Nightly_Sales", taskId: "train.model", suffix: "a1b2c3")
        #expect(name == "nightly-sales-train-model-a1b2c3")
        let long = KubeNaming.podName(dagId: String(repeating: "x", count: 80), taskId: "t", suffix: "a1b2c3")
        #expect(long.count <= 63)
        #expect(KubeNaming.isDNSLabel(long))
        #expect(long.hasSuffix("-a1b2c3"))
    }

    @Test func labelValuesAreKeptWhenValidAndHashedOtherwise() {
        #expect(KubeNaming.labelValue("train.model") == "train.model")
        let run = KubeNaming.labelValue("manual__2026-11-21T13:01:55.496Z")
        #expect(KubeNaming.isValidLabelValue(run))
        #expect(run.hasPrefix("manual__2026-11-21T13-01-55.496Z-"))
        #expect(
            KubeNaming.labelValue("a:b") != KubeNaming.labelValue("a/b"),
            "ids differing in replaced characters stay apart")
        let long = KubeNaming.labelValue(String(repeating: "y", count: 100))
        #expect(long.count <= 63 && KubeNaming.isValidLabelValue(long))
    }

    @Test(arguments: [
        ("app", true), ("tide.io/managed", true), ("cloud.google.com/gke-nodepool", true), ("-bad", false),
        ("a/b/c", false), ("UPPER.example/x", false), (String(repeating: "k", count: 64), false),
    ])
    func labelKeys(key: String, valid: Bool) {
        #expect(KubeNaming.isValidLabelKey(key) == valid)
    }

    @Test(arguments: [
        ("500m", true), ("2", true), ("0.5", true), ("512Mi", true), ("1G", true), ("1e3", true), ("4Gi", true),
        ("1.5Ti", true), ("", false), ("lots", false), ("5 Gi", false), ("1GB", false), ("..5", false), ("1e", false),
    ])
    func quantities(text: String, valid: Bool) {
        #expect(KubeNaming.isValidQuantity(text) == valid)
    }
}

@Suite("Kubernetes pod tasks")
struct KubernetesPodTaskTests {
    @Test func everyFieldIsRead() throws {
        let pod = try podTask(
            """
                  image: ghcr.io/acme/train:1.4
                  cmds: [python, train.py]
                  arguments: ["--day", "{{ ds }}"]
                  env: {MODE: full}
                  env_from: [{config_map: settings}, {secret: creds}]
                  secrets: [{env: DB_PASSWORD, secret: db, key: password}]
                  resources: {requests: {cpu: 2, memory: 4Gi}, limits: {nvidia.com/gpu: 1}}
                  node_pool: pool-1
                  node_selector: {disktype: ssd}
                  tolerations: [{key: spot, operator: Exists, effect: NoSchedule}]
                  labels: {team: ml}
                  annotations: {example.com/owner: ml-team}
                  namespace: jobs
                  service_account_name: trainer
                  image_pull_policy: IfNotPresent
                  image_pull_secrets: [registry]
                  volumes: [{name: data, emptyDir: {}}]
                  volume_mounts: [{name: data, mountPath: /data}]
                  priority_class_name: batch
                  startup_timeout: 15m
                  on_finish: keep_pod
                  skip_on_exit_code: [100]
            """)
        #expect(pod.image == "ghcr.io/acme/train:1.4")
        #expect(pod.arguments == ["--day", "{{ ds }}"])
        #expect(pod.envFrom == [.init(configMap: "settings"), .init(secret: "creds")])
        #expect(pod.secrets == [.init(env: "DB_PASSWORD", secret: "db", key: "password")])
        #expect(pod.resources == ["requests": ["cpu": "2", "memory": "4Gi"], "limits": ["nvidia.com/gpu": "1"]])
        #expect(pod.nodePool == "pool-1")
        #expect(pod.startupTimeoutSeconds == 900)
        #expect(pod.onFinish == .keepPod)
        #expect(pod.skipOnExitCode == [100])
        #expect(pod.volumes.count == 1)
    }

    @Test(arguments: [
        ("      cmds: [echo]\n", "kubernetes_pod of task 't' needs an 'image'"),
        (
            "      image: x\n      resources: {requests: {cpu: lots}}\n",
            "invalid quantity 'lots' for requests.cpu in kubernetes_pod of task 't'"
        ),
        (
            "      image: x\n      labels: {team: '-ml-'}\n",
            "invalid label value '-ml-' for 'team' in labels in kubernetes_pod of task 't'"
        ),
        ("      image: x\n      node_pool: pool-2\n", "unknown node pool 'pool-2' in kubernetes_pod of task 't'"),
        (
            "      image: x\n      image_pull_policy: Sometimes\n",
            "invalid image_pull_policy 'Sometimes' in kubernetes_pod of task 't'"
        ),
        ("      image: x\n      on_finish: delete\n", "unknown on_finish 'delete' in kubernetes_pod of task 't'"),
        ("      image: x\n      namespace: Jobs\n", "invalid namespace 'Jobs' in kubernetes_pod of task 't'"),
        (
            "      image: x\n      resources: {wants: {cpu: 1}}\n",
            "unknown key 'wants' in resources in kubernetes_pod of task 't'"
        ),
        (
            "      image: x\n      topology_spread_constraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname}]\n",
            "a topology spread constraint needs whenUnsatisfiable: DoNotSchedule or ScheduleAnyway in kubernetes_pod of task 't'"
        ),
        (
            "      image: x\n      topology_spread_constraints: [{maxSkew: 1, topologykey: zone, whenUnsatisfiable: DoNotSchedule}]\n",
            "unknown field 'topologykey' in a topology spread constraint (did you mean 'topologyKey'?) in kubernetes_pod of task 't'"
        ),
        (
            "      image: x\n      ports: [{name: http}]\n",
            "each of ports in kubernetes_pod of task 't' needs containerPort, a port number from 1 to 65535"
        ),
        (
            "      image: x\n      volumes: [{name: data, emptyDir: {}}]\n      volume_mounts: [{name: dta, mountPath: /d}]\n",
            "volume_mounts in kubernetes_pod of task 't' mounts 'dta', which is not one of its volumes"
        ),
        (
            "      image: x\n      kubernetes_conn_id: analytic\n",
            "unknown Kubernetes connection 'analytic' in kubernetes_pod of task 't'"
        ),
        (
            "      image: x\n      security_context: [runAsUser]\n",
            "security_context in kubernetes_pod of task 't' must be a mapping (Kubernetes' securityContext fields)"
        ),
    ])
    func badFieldsAreNamedWithTheirLine(yaml: String, message: String) {
        do {
            _ = try podTask(yaml)
            Issue.record("expected an error")
        } catch let error as DAGFileError {
            #expect(error.issues.first?.message == message)
            #expect(error.issues.first?.line != nil)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func spreadAndSecurityContextsAreRead() throws {
        let pod = try podTask(
            """
                  image: x
                  topology_spread_constraints:
                    - {maxSkew: 2, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
                  security_context: {runAsUser: 1000, fsGroup: 2000}
                  container_security_context: {allowPrivilegeEscalation: false}

            """)
        #expect(pod.topologySpreadConstraints?.first?["maxSkew"] == .number(2))
        #expect(pod.securityContext == .object(["runAsUser": .number(1000), "fsGroup": .number(2000)]))
        #expect(pod.containerSecurityContext == .object(["allowPrivilegeEscalation": .bool(false)]))
        let withPorts = try podTask("      image: x\n      ports: [{containerPort: 8080, name: metrics}]\n")
        let manifest = try PodSpecBuilder.build(
            withPorts, identity: identity, nodePools: [:], defaultNamespace: "tide", suffix: "abc")
        #expect(
            at(manifest, "spec", "containers", 0, "ports")
                == .array([.object(["containerPort": .number(8080), "name": .string("metrics")])]))
    }

    /// `default_args.kubernetes_pod` is under each pod task's own `kubernetes_pod`: a key the task
    /// gives replaces the default's whole value (as an operator argument replaces a default arg).
    @Test func defaultArgsCarryPodFieldsThatEachTaskCanReplace() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                default_args:
                  retries: 1
                  kubernetes_pod:
                    image: ghcr.io/acme/etl:2
                    labels: {team: data}
                    resources: {requests: {cpu: 500m, memory: 1Gi}}
                    startup_timeout: 20m
                    on_finish: keep_pod
                tasks:
                  - task_id: plain
                    kubernetes_pod: {cmds: [extract]}
                  - task_id: own
                    kubernetes_pod:
                      image: busybox
                      labels: {team: ml}
                      resources: {requests: {cpu: "2"}}
                  - task_id: local
                    bash: echo not a pod
                """, file: "d.yaml", nodePools: [])
        guard case .kubernetesPod(let plain)? = dag.task("plain")?.kind,
            case .kubernetesPod(let own)? = dag.task("own")?.kind
        else {
            Issue.record("expected two pod tasks")
            return
        }
        #expect(plain.image == "ghcr.io/acme/etl:2")
        #expect(plain.cmds == ["extract"])
        #expect(plain.labels == ["team": "data"])
        #expect(plain.resources == ["requests": ["cpu": "500m", "memory": "1Gi"]])
        #expect(plain.startupTimeoutSeconds == 1200)
        #expect(plain.onFinish == .keepPod)
        #expect(own.image == "busybox")
        #expect(own.labels == ["team": "ml"])
        #expect(own.resources == ["requests": ["cpu": "2"]])
        #expect(own.onFinish == .keepPod)
        #expect(dag.task("local")?.kind == .bash("echo not a pod"))
        #expect(dag.task("plain")?.retries == 1)
    }

    @Test func aDefaultArgsPodMistakeIsReportedOnceAndAPodWithNoImageAnywhereIsNamed() {
        do {
            _ = try DAGParser.parse(
                yaml: """
                    dag_id: d
                    default_args:
                      kubernetes_pod: {labels: {team: '-x-'}}
                    tasks:
                      - task_id: a
                        kubernetes_pod: {cmds: [one]}
                      - task_id: b
                        kubernetes_pod: {cmds: [two]}
                    """, file: "d.yaml", nodePools: [])
            Issue.record("expected errors")
        } catch {
            #expect(
                error.issues.map(\.message) == [
                    "invalid label value '-x-' for 'team' in labels in kubernetes_pod in default_args",
                    "kubernetes_pod of task 'a' needs an 'image'", "kubernetes_pod of task 'b' needs an 'image'",
                ])
            #expect(error.issues.first?.line == 3)
            #expect(error.issues.last?.hint == "here or in default_args.kubernetes_pod")
        }
    }

    @Test func unknownNodePoolsSuggestTheConfiguredOnes() {
        do {
            _ = try podTask("      image: x\n      node_pool: pool1\n")
            Issue.record("expected an error")
        } catch let error as DAGFileError {
            #expect(error.issues.first?.hint == "did you mean 'pool-1'?")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite("Pod specs")
struct PodSpecBuilderTests {
    @Test func aNodePoolBecomesRequiredAffinityTolerationsAndDefaults() throws {
        var task = KubernetesPodTask(image: "busybox")
        task.nodePool = "pool-1"
        task.cmds = ["sh", "-c"]
        task.arguments = ["echo hi"]
        task.resources = ["requests": ["cpu": "2"], "limits": ["memory": "2Gi"]]
        task.secrets = [.init(env: "TOKEN", secret: "api", key: "token")]
        let pod = try PodSpecBuilder.build(
            task, identity: identity, nodePools: ["pool-1": pool1], defaultNamespace: "tide", suffix: "x7k2p9")
        #expect(at(pod, "metadata", "name") == .string("nightly-sales-train-model-x7k2p9"))
        #expect(at(pod, "metadata", "namespace") == .string("tide"))
        #expect(at(pod, "metadata", "labels", "tide.io/managed") == .string("true"))
        #expect(at(pod, "metadata", "labels", "tide.io/task-id") == .string("train.model"))
        #expect(at(pod, "metadata", "labels", "tide.io/try-number") == .string("2"))
        #expect(at(pod, "metadata", "annotations", "tide.io/run-id") == .string("manual__2026-11-21T13:01:55.496Z"))
        #expect(at(pod, "spec", "restartPolicy") == .string("Never"))
        #expect(at(pod, "spec", "containers", 0, "name") == .string("base"))
        #expect(at(pod, "spec", "containers", 0, "command") == .array([.string("sh"), .string("-c")]))
        #expect(at(pod, "spec", "containers", 0, "terminationMessagePath") == nil)
        var publishing = task
        publishing.publishesReturnValue = true
        let published = try PodSpecBuilder.build(
            publishing, identity: identity, nodePools: ["pool-1": pool1], defaultNamespace: "tide", suffix: "x7k2p9")
        // do_xcom_push: the kubelet returns /airflow/xcom/return.json as the termination message.
        #expect(
            at(published, "spec", "containers", 0, "terminationMessagePath") == .string("/airflow/xcom/return.json"))
        #expect(at(published, "spec", "containers", 0, "terminationMessagePolicy") == .string("File"))
        #expect(
            at(pod, "spec", "containers", 0, "resources", "requests")
                == .object(["cpu": .string("2"), "memory": .string("1Gi")]))
        #expect(at(pod, "spec", "containers", 0, "resources", "limits") == .object(["memory": .string("2Gi")]))
        #expect(at(pod, "spec", "containers", 0, "env", 0, "valueFrom", "secretKeyRef", "name") == .string("api"))
        let expression = at(
            pod, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms", 0,
            "matchExpressions", 0)
        #expect(
            expression
                == .object([
                    "key": .string("cloud.google.com/gke-nodepool"), "operator": .string("In"),
                    "values": .array([.string("pool-1")]),
                ]))
        #expect(
            at(pod, "spec", "tolerations")
                == .array([
                    .object([
                        "key": .string("dedicated"), "operator": .string("Equal"), "value": .string("tide"),
                        "effect": .string("NoSchedule"),
                    ]),
                    .object(["key": .string("gpu"), "operator": .string("Exists"), "effect": .string("NoSchedule")]),
                ]))
    }

    @Test func otherNodeLabelsAndExistingAffinityTermsAreKept() throws {
        let karpenter = NodePool(name: "batch", labelKey: "karpenter.sh/nodepool", labelValue: "batch-amd64")
        var task = KubernetesPodTask(image: "busybox")
        task.nodePool = "batch"
        task.affinity = try JSONValue.parse(
            #"{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]},{"matchExpressions":[{"key":"zone","operator":"In","values":["b"]}]}]}}}"#
        )
        let pod = try PodSpecBuilder.build(
            task, identity: identity, nodePools: ["batch": karpenter], defaultNamespace: "tide", suffix: "abc")
        for term in 0..<2 {
            let expressions = at(
                pod, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms", term,
                "matchExpressions")
            #expect(
                at(expressions ?? .null, 1, "key") == .string("karpenter.sh/nodepool"),
                "every OR-ed term carries the pool")
        }
    }

    @Test func podTemplateFieldsAreOverriddenByTheTask() throws {
        var task = KubernetesPodTask(image: "busybox:1.36")
        task.podTemplate = try JSONValue.parse(
            #"{"metadata":{"labels":{"team":"data"}},"spec":{"securityContext":{"runAsUser":1000},"containers":[{"name":"base","image":"old","workingDir":"/work"}]}}"#
        )
        let pod = try PodSpecBuilder.build(
            task, identity: identity, nodePools: [:], defaultNamespace: "tide", suffix: "abc")
        #expect(at(pod, "spec", "securityContext", "runAsUser") == .number(1000))
        #expect(at(pod, "spec", "containers", 0, "image") == .string("busybox:1.36"))
        #expect(at(pod, "spec", "containers", 0, "workingDir") == .string("/work"))
        #expect(at(pod, "metadata", "labels", "team") == .string("data"))
        #expect(at(pod, "metadata", "labels", "tide.io/managed") == .string("true"))
    }

    @Test func anUnknownPoolIsAnError() {
        var task = KubernetesPodTask(image: "busybox")
        task.nodePool = "nope"
        #expect(throws: PodSpecError.self) {
            try PodSpecBuilder.build(
                task, identity: identity, nodePools: ["pool-1": pool1], defaultNamespace: "tide", suffix: "a")
        }
    }

    @Test func nodePoolsAreReadFromConfiguration() throws {
        let config = try ConfigurationLoader.load(
            fileText: """
                node_pools:
                  - name: pool-1
                    taints: [{key: dedicated, value: tide, effect: NoSchedule}]
                    default_resources: {requests: {cpu: 500m, memory: 1Gi}}
                    max_pods: 20
                  - name: gpu
                    label_key: eks.amazonaws.com/nodegroup
                    label_value: gpu-ng
                """, environment: [:])
        #expect(
            config.nodePools == [
                pool1.with(taints: [.init(key: "dedicated", value: "tide")]),
                NodePool(name: "gpu", labelKey: "eks.amazonaws.com/nodegroup", labelValue: "gpu-ng"),
            ])
        let fromEnvironment = try ConfigurationLoader.load(
            fileText: nil,
            environment: ["TIDE_NODE_POOLS": #"[{"name": "a", "label_key": "kubernetes.azure.com/agentpool"}]"#])
        #expect(fromEnvironment.nodePools.map(\.labelKey) == ["kubernetes.azure.com/agentpool"])
        #expect {
            try ConfigurationLoader.load(fileText: "node_pools:\n  - name: p\n    max_pod: 3\n", environment: [:])
        } throws: { error in "\(error)" == "tide.yaml: node_pools[0]: unknown key 'max_pod' (did you mean 'max_pods'?)"
        }
    }
}

extension NodePool {
    func with(taints: [Taint]) -> NodePool {
        var copy = self
        copy.taints = taints
        return copy
    }
}

@Suite("executor: kubernetes")
struct ExecutorTests {
    private func parse(_ yaml: String) throws(DAGFileError) -> DAG {
        try DAGParser.parse(yaml: yaml, file: "e.yaml", nodePools: ["pool-1"])
    }

    @Test func bashTaskRunsInAPodOnAPoolAndSurvivesStorage() throws {
        let dag = try parse(
            """
            dag_id: e
            default_args: {executor: kubernetes, node_pool: pool-1}
            tasks:
              - task_id: remote
                bash: echo hi
                pod_template: {spec: {serviceAccountName: runner}}
              - task_id: local
                executor: local
                bash: echo here
              - task_id: nothing
                empty: true
            """)
        let remote = try #require(dag.task("remote"))
        #expect(remote.runsInPod)
        #expect(remote.nodePool == "pool-1")
        #expect(remote.executor?.podTemplate?[path: "spec", "serviceAccountName"] == "runner")
        #expect(dag.task("local")?.runsInPod == false)
        #expect(dag.task("nothing")?.executor == nil, "an inherited executor leaves an empty task alone")
        #expect(try DAG.deserialize(dag.serializedJSON()) == dag)
    }

    @Test(
        "bad executor settings are named with their line",
        arguments: [
            ("    executor: kubernetes\n    kubernetes_pod: {image: x}\n", "needs a bash or command task"),
            ("    executor: lambda\n    bash: x\n", "unknown executor 'lambda'"),
            ("    node_pool: pool-1\n    bash: x\n", "node_pool in task 't' needs executor: kubernetes"),
            ("    executor: kubernetes\n    node_pool: pool-9\n    bash: x\n", "unknown node pool 'pool-9'"),
            (
                "    executor: kubernetes\n    pod_template: [1]\n    bash: x\n",
                "pod_template in task 't' must be a mapping"
            ),
        ])
    func badSettings(yaml: String, message: String) {
        #expect {
            _ = try parse("dag_id: e\ntasks:\n  - task_id: t\n" + yaml)
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("e.yaml:")
        }
    }
}

@Suite("Pod manifests, whole")
struct PodManifestGoldenTests {
    /// The complete manifest of a pod task on a node pool, byte for byte (sorted keys): any change
    /// to what Tide sends to Kubernetes shows up here.
    @Test func podOnANodePool() throws {
        var task = KubernetesPodTask(image: "ghcr.io/acme/train:1.4")
        task.cmds = ["python", "train.py"]
        task.arguments = ["--day", "2026-11-21"]
        task.env = ["MODE": "full"]
        task.resources = ["requests": ["cpu": "2"]]
        task.nodePool = "pool-1"
        task.labels = ["team": "ml"]
        let pool = NodePool(
            name: "pool-1", taints: [.init(key: "dedicated", value: "pool-1")],
            defaultResources: ["requests": ["cpu": "500m", "memory": "1Gi"]])
        let identity = PodIdentity(
            dagId: "Nightly_Sales", taskId: "train.model", runId: "manual__2026-11-21T13:01:55Z", tryNumber: 2,
            taskInstanceId: 41)
        let pod = try PodSpecBuilder.build(
            task, identity: identity, nodePools: ["pool-1": pool], defaultNamespace: "jobs", suffix: "x7k2p9")
        let golden = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"tide.io/dag-id":"Nightly_Sales",\
            "tide.io/run-id":"manual__2026-11-21T13:01:55Z","tide.io/task-id":"train.model"},\
            "labels":{"team":"ml","tide.io/dag-id":"Nightly_Sales","tide.io/managed":"true",\
            "tide.io/run-id":"manual__2026-11-21T13-01-55Z-a16762b86591dec5",\
            "tide.io/task-id":"train.model","tide.io/task-instance":"41","tide.io/try-number":"2"},\
            "name":"nightly-sales-train-model-x7k2p9","namespace":"jobs"},\
            "spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":\
            [{"matchExpressions":[{"key":"cloud.google.com/gke-nodepool","operator":"In","values":["pool-1"]}]}]}}},\
            "containers":[{"args":["--day","2026-11-21"],"command":["python","train.py"],\
            "env":[{"name":"MODE","value":"full"}],"image":"ghcr.io/acme/train:1.4","name":"base",\
            "resources":{"requests":{"cpu":"2","memory":"1Gi"}}}],"restartPolicy":"Never",\
            "tolerations":[{"effect":"NoSchedule","key":"dedicated","operator":"Equal","value":"pool-1"}]}}
            """
        #expect(String(decoding: pod.encoded(), as: UTF8.self) == golden)
    }

    /// The pod an `executor: kubernetes` task gets: the Tide image running `tide tasks run`,
    /// credentials only through the Secret, exit 99 kept as skipped.
    @Test func executorPod() {
        let task = TaskSpec(
            taskId: "report", kind: .bash("echo hi"),
            executor: TaskExecutor(kind: .kubernetes, nodePool: "pool-1"))
        let pod = KubernetesPodTask.executorPod(
            for: task, taskInstanceId: 41, tryNumber: 3, image: "tide:1.0", secret: "tide-worker",
            environment: ["TIDE_DATABASE_SCHEMA": "etl"])
        #expect(pod.image == "tide:1.0")
        #expect(pod.cmds == ["tide", "tasks", "run", "41", "--try", "3"])
        #expect(pod.envFrom == [.init(secret: "tide-worker")])
        #expect(pod.env == ["TIDE_DATABASE_SCHEMA": "etl"])
        #expect(pod.nodePool == "pool-1")
        #expect(pod.skipOnExitCode == [99])
        #expect(pod.labels["tide.io/executor"] == "kubernetes")
    }
}
