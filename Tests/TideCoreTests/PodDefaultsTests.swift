import Foundation
import Testing

@testable import TideCore

private let trainIdentity = PodIdentity(
    dagId: "nightly", taskId: "train", runId: "manual__2026-12-02T10:00:00Z", tryNumber: 1, taskInstanceId: 7)
private let trainPool = NodePool(
    name: "pool-1", taints: [.init(key: "dedicated", value: "tide")],
    defaultResources: ["requests": ["cpu": "500m"]])

/// `kubernetes.pod_defaults` as a site would write it in tide.yaml.
private let siteYAML = """
    kubernetes:
      pod_defaults:
        resources:
          requests: {cpu: 250m, memory: 256Mi}
          limits: {memory: 1Gi}
        labels: {team: data, tier: batch}
        annotations: {example.com/cost-center: "42"}
        node_selector: {kubernetes.io/arch: amd64}
        tolerations:
          - {key: spot, operator: Exists, effect: NoSchedule}
        topology_spread_constraints:
          - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}
        service_account_name: tide-tasks
        image_pull_secrets: [registry]
        security_context: {runAsNonRoot: true, runAsUser: 1000}
        container_security_context: {allowPrivilegeEscalation: false}
    """

/// What the defaults above and a task's own settings make together: the expected pod, whole.
private let golden = """
    {"apiVersion":"v1","kind":"Pod",
     "metadata":{"name":"nightly-train-abc123","namespace":"tide",
       "labels":{"team":"ml","tier":"batch","tide.io/managed":"true","tide.io/dag-id":"nightly",
         "tide.io/task-id":"train","tide.io/run-id":"manual__2026-12-02T10-00-00Z-f150c46f06f9d17f","tide.io/try-number":"1",
         "tide.io/task-instance":"7"},
       "annotations":{"example.com/cost-center":"42","tide.io/dag-id":"nightly","tide.io/task-id":"train",
         "tide.io/run-id":"manual__2026-12-02T10:00:00Z"}},
     "spec":{"restartPolicy":"Never",
       "containers":[{"name":"base","image":"ghcr.io/acme/train:1.4","command":["python","train.py"],
         "resources":{"requests":{"cpu":"500m","memory":"2Gi"},"limits":{"memory":"1Gi"}},
         "securityContext":{"readOnlyRootFilesystem":true}}],
       "nodeSelector":{"kubernetes.io/arch":"amd64","disktype":"ssd"},
       "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
         {"matchExpressions":[{"key":"cloud.google.com/gke-nodepool","operator":"In","values":["pool-1"]}]}]}}},
       "tolerations":[{"key":"spot","operator":"Exists","effect":"NoSchedule"},
         {"key":"gpu","operator":"Exists","effect":"NoSchedule"},
         {"key":"dedicated","operator":"Equal","value":"tide","effect":"NoSchedule"}],
       "serviceAccountName":"tide-tasks","imagePullSecrets":[{"name":"registry"},{"name":"acme"}],
       "securityContext":{"runAsNonRoot":true,"runAsUser":1000},
       "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"kubernetes.io/hostname",
         "whenUnsatisfiable":"ScheduleAnyway",
         "labelSelector":{"matchLabels":{"tide.io/dag-id":"nightly","tide.io/task-id":"train"}}}]}}
    """

@Suite("Site-wide pod defaults")
struct PodDefaultsTests {
    static func siteDefaults() throws -> PodDefaults {
        try ConfigurationLoader.load(fileText: siteYAML, environment: [:]).kubernetes.podDefaults
    }

    /// The task's own pod: what it says wins per key, per resource, per toleration.
    static func ownTask() -> KubernetesPodTask {
        var task = KubernetesPodTask(image: "ghcr.io/acme/train:1.4")
        task.cmds = ["python", "train.py"]
        task.nodePool = "pool-1"
        task.resources = ["requests": ["memory": "2Gi"]]
        task.labels = ["team": "ml"]
        task.nodeSelector = ["disktype": "ssd"]
        task.tolerations = [
            .object(["key": .string("gpu"), "operator": .string("Exists"), "effect": .string("NoSchedule")])
        ]
        task.imagePullSecrets = ["acme"]
        task.containerSecurityContext = .object(["readOnlyRootFilesystem": .bool(true)])
        return task
    }

    @Test func defaultsMergeUnderThePoolAndTheTaskAsDocumented() throws {
        let manifest = try PodSpecBuilder.build(
            Self.ownTask(), identity: trainIdentity, nodePools: ["pool-1": trainPool], defaultNamespace: "tide",
            suffix: "abc123", defaults: try Self.siteDefaults())
        #expect(manifest == (try JSONValue.parse(golden)), "\(manifest.jsonText)")
    }

    @Test func withoutDefaultsThePodIsWhatItWas() throws {
        let plain = try PodSpecBuilder.build(
            Self.ownTask(), identity: trainIdentity, nodePools: ["pool-1": trainPool], defaultNamespace: "tide",
            suffix: "abc")
        #expect(plain[path: "spec", "serviceAccountName"] == nil)
        #expect(plain[path: "spec", "topologySpreadConstraints"] == nil)
        #expect(
            plain[path: "spec", "containers"]?.array?.first?["resources"]?["requests"]
                == .object([
                    "cpu": .string("500m"), "memory": .string("2Gi"),
                ]))
    }

    @Test func theTasksOwnSpreadAndSecurityContextReplaceTheDefaults() throws {
        var task = Self.ownTask()
        task.topologySpreadConstraints = [
            .object([
                "maxSkew": .number(2), "topologyKey": .string("topology.kubernetes.io/zone"),
                "whenUnsatisfiable": .string("DoNotSchedule"),
                "labelSelector": .object(["matchLabels": .object(["app": .string("train")])]),
            ])
        ]
        task.securityContext = .object(["runAsUser": .number(2000)])
        task.serviceAccountName = "trainer"
        let merged = try Self.siteDefaults().applied(to: task)
        #expect(merged.topologySpreadConstraints == task.topologySpreadConstraints)
        #expect(merged.securityContext == .object(["runAsUser": .number(2000)]))
        #expect(merged.serviceAccountName == "trainer")
    }

    @Test func executorPodsTakeTheDefaultsToo() throws {
        let pod = KubernetesPodTask.executorPod(
            for: TaskSpec(taskId: "report", kind: .bash("echo hi"), executor: TaskExecutor(kind: .kubernetes)),
            taskInstanceId: 7, tryNumber: 1, image: "tide:latest", secret: nil, environment: [:])
        let manifest = try PodSpecBuilder.build(
            pod, identity: trainIdentity, nodePools: [:], defaultNamespace: "tide", suffix: "x",
            defaults: try Self.siteDefaults())
        #expect(manifest[path: "spec", "serviceAccountName"] == .string("tide-tasks"))
        #expect(manifest[path: "metadata", "labels", "tier"] == .string("batch"))
        #expect(manifest[path: "metadata", "labels", "tide.io/executor"] == .string("kubernetes"))
    }

    @Test func scalingHintsCountTheDefaultRequests() throws {
        let task = TaskSpec(taskId: "t", kind: .kubernetesPod(KubernetesPodTask(image: "busybox")))
        let requests = task.podRequests(pool: nil, defaults: try Self.siteDefaults())
        #expect(requests == PodRequests(cpuMillicores: 250, memoryBytes: 256 * 1_048_576))
    }

    @Test(arguments: [
        (
            "kubernetes:\n  pod_defaults: {labels: {team: data}, nodeSelector: {a: b}}\n",
            "tide.yaml: kubernetes.pod_defaults: unknown key 'nodeSelector' (did you mean 'node_selector'?)"
        ),
        (
            "kubernetes:\n  pod_defaults: {resources: {requests: {cpu: lots}}}\n",
            "tide.yaml: kubernetes.pod_defaults.resources.requests.cpu: invalid quantity 'lots' (e.g. 500m or 2 for cpu, 512Mi for memory)"
        ),
        (
            "kubernetes:\n  pod_defaults: {labels: {team: 'data science'}}\n",
            "tide.yaml: kubernetes.pod_defaults.labels.team: invalid label value 'data science' (at most 63 of letters, digits, '-', '_', '.')"
        ),
        (
            "kubernetes:\n  pod_defaults: {topology_spread_constraints: [{maxSkew: 0, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}]}\n",
            "tide.yaml: kubernetes.pod_defaults.topology_spread_constraints[0]: a topology spread constraint needs maxSkew, a whole number of at least 1"
        ),
        (
            "kubernetes:\n  pod_defaults: {topology_spread_constraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: Never}]}\n",
            "tide.yaml: kubernetes.pod_defaults.topology_spread_constraints[0]: a topology spread constraint needs whenUnsatisfiable: DoNotSchedule or ScheduleAnyway"
        ),
        (
            "kubernetes:\n  pod_defaults: {tolerations: {key: spot}}\n",
            "tide.yaml: kubernetes.pod_defaults.tolerations: expected a list of mappings"
        ),
        (
            "kubernetes:\n  pod_defaults: {security_context: true}\n",
            "tide.yaml: kubernetes.pod_defaults.security_context: expected a mapping (Kubernetes' securityContext)"
        ),
        (
            "kubernetes:\n  pod_defaults: [labels]\n",
            "tide.yaml: kubernetes.pod_defaults: expected a mapping of pod settings (resources, labels, annotations, node_selector, tolerations, topology_spread_constraints, service_account_name, image_pull_secrets, security_context, container_security_context)"
        ),
    ])
    func badDefaultsNameTheFieldAndWhatIsWrong(yaml: String, message: String) {
        #expect {
            try ConfigurationLoader.load(fileText: yaml, environment: [:])
        } throws: { error in
            "\(error)" == message
        }
    }

    @Test func theDefaultsCanComeFromTheEnvironmentAsJSON() throws {
        let config = try ConfigurationLoader.load(
            fileText: nil, environment: ["TIDE_KUBERNETES_POD_DEFAULTS": #"{"service_account_name": "runner"}"#])
        #expect(config.kubernetes.podDefaults.serviceAccountName == "runner")
        #expect {
            try ConfigurationLoader.load(
                fileText: nil, environment: ["TIDE_KUBERNETES_POD_DEFAULTS": #"{"service_account": "runner"}"#])
        } throws: { error in
            "\(error)"
                == "TIDE_KUBERNETES_POD_DEFAULTS: unknown key 'service_account' (did you mean 'service_account_name'?)"
        }
    }
}

@Suite("Named Kubernetes connections in configuration")
struct KubernetesConnectionConfigurationTests {
    @Test func connectionsAreReadWithTheirSettings() throws {
        let config = try ConfigurationLoader.load(
            fileText: """
                kubernetes:
                  connections:
                    analytics: {kubeconfig: /etc/tide/analytics.kubeconfig, context: prod, namespace: jobs}
                    local: {in_cluster: true}
                """, environment: [:])
        #expect(
            config.kubernetes.connections == [
                "analytics": KubernetesConnectionSettings(
                    kubeconfig: "/etc/tide/analytics.kubeconfig", context: "prod", namespace: "jobs"),
                "local": KubernetesConnectionSettings(inCluster: true),
            ])
    }

    @Test(arguments: [
        (
            "kubernetes:\n  connections: {a: {kubeconfig: /k, namspace: x}}\n",
            "tide.yaml: kubernetes.connections.a: unknown key 'namspace' (did you mean 'namespace'?)"
        ),
        (
            "kubernetes:\n  connections: {a: {context: prod}}\n",
            "tide.yaml: kubernetes.connections.a: give either kubeconfig or in_cluster: true"
        ),
        (
            "kubernetes:\n  connections: {a: {kubeconfig: /k, in_cluster: true}}\n",
            "tide.yaml: kubernetes.connections.a: give either kubeconfig or in_cluster: true"
        ),
        (
            "kubernetes:\n  connections: {a: {kubeconfig: /k, namespace: Jobs}}\n",
            "tide.yaml: kubernetes.connections.a.namespace: invalid namespace 'Jobs'"
        ),
        (
            "kubernetes:\n  connections: [a]\n",
            "tide.yaml: kubernetes.connections: expected a mapping of connection names to settings"
        ),
    ])
    func badConnectionsAreNamed(yaml: String, message: String) {
        #expect {
            try ConfigurationLoader.load(fileText: yaml, environment: [:])
        } throws: { error in
            "\(error)" == message
        }
    }

    @Test func aTaskChoosesAConnectionAContextOrTheInClusterAccount() throws {
        let pod = try podTask("      image: x\n      kubernetes_conn_id: analytics\n      cluster_context: staging\n")
        #expect(pod.kubernetesConnId == "analytics" && pod.clusterContext == "staging" && pod.inCluster == nil)
        do {
            _ = try podTask("      image: x\n      kubernetes_conn_id: analytics\n      in_cluster: true\n")
            Issue.record("expected an error")
        } catch let error as DAGFileError {
            #expect(
                error.issues.map(\.message) == [
                    "kubernetes_conn_id and in_cluster: true in kubernetes_pod of task 't' contradict each other"
                ])
        }
    }
}
