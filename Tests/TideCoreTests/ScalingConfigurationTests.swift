import Testing

@testable import TideCore

@Suite("Scaling configuration")
struct ScalingConfigurationTests {
    @Test func scalingKeysAndQueueOverridesComeFromTheFileAndTheEnvironment() throws {
        let file = """
            scaling:
              min_workers: 0
              max_workers: 20
              tolerance: 0.2
              scale_down_window: 2m
              queues:
                gpu: {min_workers: 0, max_workers: 3, worker_concurrency: 1}
            api:
              port: 9090
            """
        let config = try ConfigurationLoader.load(
            fileText: file, environment: ["TIDE_SCALING_INTERVAL": "2s", "TIDE_API_HOST": "0.0.0.0"])
        #expect(config.scaling.minWorkers == 0)
        #expect(config.scaling.maxWorkers == 20)
        #expect(config.scaling.tolerance == 0.2)
        #expect(config.scaling.scaleDownWindowSeconds == 120)
        #expect(config.scaling.intervalSeconds == 2)
        #expect(config.scaling.queues["gpu"] == .init(minWorkers: 0, maxWorkers: 3, workerConcurrency: 1))
        #expect(config.api.host == "0.0.0.0")
        #expect(config.api.port == 9090)

        let fromEnvironment = try ConfigurationLoader.load(
            fileText: nil, environment: ["TIDE_SCALING_QUEUES": #"{"etl": {"max_workers": 5}}"#])
        #expect(fromEnvironment.scaling.queues["etl"]?.maxWorkers == 5)
        #expect(fromEnvironment.scaling.queues["etl"]?.minWorkers == nil)
    }

    @Test func badScalingValuesNameTheKeyAndTheExpectedForm() {
        let cases: [(String?, [String: String], String)] = [
            (
                nil, ["TIDE_SCALING_TOLERANCE": "1.5"],
                "TIDE_SCALING_TOLERANCE: expected a fraction from 0 to below 1, got '1.5'"
            ),
            (
                nil, ["TIDE_SCALING_MIN_WORKERS": "-1"],
                "TIDE_SCALING_MIN_WORKERS: expected a whole number of at least 0, got '-1'"
            ),
            (nil, ["TIDE_API_PORT": "70000"], "TIDE_API_PORT: expected a port number from 0 to 65535, got '70000'"),
            (
                "scaling:\n  queues:\n    gpu: {max_worker: 2}\n", [:],
                "tide.yaml: scaling.queues.gpu: unknown key 'max_worker' (did you mean 'max_workers'?)"
            ),
            (
                "scaling:\n  queues:\n    gpu: {min_workers: 4, max_workers: 2}\n", [:],
                "tide.yaml: scaling.queues.gpu.max_workers: expected a whole number of at least 4"
            ),
            (nil, ["TIDE_SCALING_QUEUES": "[1]"], "TIDE_SCALING_QUEUES: expected a mapping of queue name to settings"),
            // An HS256 key shorter than its hash is refused, and the secret is not echoed.
            (
                nil, ["TIDE_API_SECRET_KEY": "short-secret"],
                "TIDE_API_SECRET_KEY: expected a secret of at least 32 characters, got a value of 12 characters"
            ),
        ]
        for (file, environment, message) in cases {
            #expect {
                try ConfigurationLoader.load(fileText: file, fileName: "tide.yaml", environment: environment)
            } throws: { error in
                "\(error)" == message
            }
        }
    }

    @Test func nodePoolShapeAndBoundsAreParsedAndChecked() throws {
        let file = """
            node_pools:
              - name: pool-1
                node_shape: {cpu: 4, memory: 16Gi, pods: 30}
                min_nodes: 1
                max_nodes: 5
            """
        let pool = try #require(ConfigurationLoader.load(fileText: file, environment: [:]).nodePools.first)
        #expect(pool.nodeShape == NodePool.NodeShape(cpuMillicores: 4000, memoryBytes: 16 * 1_073_741_824, pods: 30))
        #expect(pool.minNodes == 1)
        #expect(pool.maxNodes == 5)

        let bad: [(String, String)] = [
            (
                "node_shape: {cpu: lots, memory: 1Gi}",
                "tide.yaml: node_pools[0].node_shape.cpu: expected a cpu quantity above zero such as 4 or 3500m"
            ),
            (
                "node_shape: {cpu: 2}",
                "tide.yaml: node_pools[0].node_shape.memory: expected a memory quantity above zero such as 16Gi"
            ),
            (
                "node_shape: {cpu: 2, memory: 1Gi, gpu: 1}",
                "tide.yaml: node_pools[0].node_shape: unknown key 'gpu' (expected cpu, memory, pods)"
            ),
            (
                "min_nodes: 3\n    max_nodes: 2",
                "tide.yaml: node_pools[0].max_nodes: expected a whole number of at least 3"
            ),
            ("min_nodes: -1", "tide.yaml: node_pools[0].min_nodes: expected a whole number of at least 0"),
        ]
        for (fields, message) in bad {
            #expect {
                try ConfigurationLoader.load(
                    fileText: "node_pools:\n  - name: p\n    \(fields)\n", fileName: "tide.yaml", environment: [:])
            } throws: { error in
                "\(error)" == message
            }
        }
    }

    @Test func podRequestsMergePoolDefaultsAndFallBackToLimits() {
        var pod = KubernetesPodTask(image: "busybox")
        pod.resources = ["limits": ["cpu": "2", "memory": "1Gi"], "requests": ["cpu": "250m"]]
        let task = TaskSpec(taskId: "t", kind: .kubernetesPod(pod))
        let pool = NodePool(name: "p", defaultResources: ["requests": ["cpu": "1", "memory": "512Mi"]])
        #expect(task.podRequests(pool: pool) == PodRequests(cpuMillicores: 250, memoryBytes: 512 * 1_048_576))
        #expect(task.podRequests(pool: nil) == PodRequests(cpuMillicores: 250, memoryBytes: 1_073_741_824))
        let inPod = TaskSpec(taskId: "e", kind: .bash("true"), executor: TaskExecutor(kind: .kubernetes))
        #expect(inPod.podRequests(pool: pool) == PodRequests(cpuMillicores: 1000, memoryBytes: 512 * 1_048_576))
        #expect(TaskSpec(taskId: "l", kind: .bash("true")).podRequests(pool: pool) == nil)
    }
}
