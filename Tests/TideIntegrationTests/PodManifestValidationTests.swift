import Foundation
import Testing
import TideCore
import TideTestSupport

/// Every kind of pod manifest Tide generates, checked by the real Kubernetes schemas
/// (`kubernetes-validate --strict`, installed by scripts/test).
@Suite("Pod manifests against the Kubernetes schemas")
struct PodManifestValidationTests {
    @Test func generatedManifestsAreValidKubernetesPods() async throws {
        guard let validator = ProcessInfo.processInfo.environment["TIDE_TEST_KUBERNETES_VALIDATE"] else {
            Issue.record("TIDE_TEST_KUBERNETES_VALIDATE is not set: run the tests with scripts/test")
            return
        }
        let pool = NodePool(
            name: "pool-1", taints: [.init(key: "dedicated", value: "tide"), .init(key: "gpu", effect: "NoExecute")],
            defaultResources: ["requests": ["cpu": "500m", "memory": "1Gi"]])
        let identity = PodIdentity(
            dagId: "Nightly_Sales", taskId: "train.model", runId: "manual__2026-11-21T13:01:55Z", tryNumber: 1,
            taskInstanceId: 9)
        var minimal = KubernetesPodTask(image: "busybox")
        minimal.cmds = ["true"]
        // do_xcom_push: the return value comes back as the container's termination message.
        var publishing = minimal
        publishing.publishesReturnValue = true
        var full = KubernetesPodTask(image: "ghcr.io/acme/train:1.4")
        full.cmds = ["python", "train.py"]
        full.arguments = ["--day", "2026-11-21"]
        full.env = ["MODE": "full"]
        full.envFrom = [.init(configMap: "settings"), .init(secret: "creds")]
        full.secrets = [.init(env: "DB_PASSWORD", secret: "db", key: "password")]
        full.resources = ["limits": ["nvidia.com/gpu": "1", "memory": "8Gi"]]
        full.nodePool = "pool-1"
        full.nodeSelector = ["disktype": "ssd"]
        full.labels = ["team": "ml"]
        full.annotations = ["example.com/owner": "ml"]
        full.serviceAccountName = "trainer"
        full.imagePullPolicy = "IfNotPresent"
        full.imagePullSecrets = ["registry"]
        full.volumes = [try JSONValue.parse(#"{"name":"data","emptyDir":{}}"#)]
        full.volumeMounts = [try JSONValue.parse(#"{"name":"data","mountPath":"/data"}"#)]
        full.initContainers = [try JSONValue.parse(#"{"name":"fetch","image":"busybox","command":["true"]}"#)]
        full.tolerations = [try JSONValue.parse(#"{"key":"spot","operator":"Exists","effect":"NoSchedule"}"#)]
        full.priorityClassName = "batch"
        full.hostNetwork = true
        full.ports = [try JSONValue.parse(#"{"containerPort":8080,"name":"metrics","protocol":"TCP"}"#)]
        var templated = KubernetesPodTask(image: "busybox")
        templated.podTemplate = try JSONValue.parse(
            #"{"spec":{"securityContext":{"runAsUser":1000},"containers":[{"name":"base","image":"x","workingDir":"/work"}]}}"#
        )
        templated.nodePool = "pool-1"
        let executor = KubernetesPodTask.executorPod(
            for: TaskSpec(
                taskId: "report", kind: .bash("echo hi"),
                executor: TaskExecutor(
                    kind: .kubernetes, nodePool: "pool-1",
                    podTemplate: try JSONValue.parse(#"{"spec":{"serviceAccountName":"tide-runner"}}"#))),
            taskInstanceId: 9, tryNumber: 1, image: "ghcr.io/acme/tide:1.0", secret: "tide-worker",
            environment: ["TIDE_DATABASE_SCHEMA": "public"])
        // kubernetes.pod_defaults under a task of its own settings, and under an executor pod.
        let defaults = try ConfigurationLoader.load(
            fileText: """
                kubernetes:
                  pod_defaults:
                    resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: 1Gi}}
                    labels: {team: data}
                    annotations: {example.com/cost-center: "42"}
                    node_selector: {kubernetes.io/arch: amd64}
                    tolerations: [{key: spot, operator: Exists, effect: NoSchedule}]
                    topology_spread_constraints:
                      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}
                    service_account_name: tide-tasks
                    image_pull_secrets: [registry]
                    security_context: {runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000}
                    container_security_context: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                """, environment: [:]
        ).kubernetes.podDefaults
        var defaulted = full
        defaulted.containerSecurityContext = .object(["readOnlyRootFilesystem": .bool(true)])
        let folder = NSTemporaryDirectory() + "tide-manifests-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files: [String] = []
        for (name, task, siteDefaults) in [
            ("minimal", minimal, PodDefaults()), ("full", full, PodDefaults()), ("templated", templated, PodDefaults()),
            ("executor", executor, PodDefaults()), ("defaulted", defaulted, defaults),
            ("executor-defaulted", executor, defaults), ("publishing", publishing, PodDefaults()),
        ] {
            let manifest = try PodSpecBuilder.build(
                task, identity: identity, nodePools: ["pool-1": pool], defaultNamespace: "tide", suffix: "abc123",
                defaults: siteDefaults)
            let path = "\(folder)/\(name).json"
            try manifest.jsonText.write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let process = try TideProcess(
            ["--strict"] + files, environment: [:], name: "kubernetes-validate", executable: validator)
        try await Eventually.that("kubernetes-validate to finish", timeout: 120) { !process.isRunning }
        let text = process.output
        #expect(process.exitStatus == 0, "kubernetes-validate said:\n\(text)")
        #expect(text.components(separatedBy: " passed for resource pod/").count - 1 == files.count, "\(text)")
    }
}
