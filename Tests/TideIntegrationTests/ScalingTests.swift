import Foundation
import Testing
import TideCore
import TideTestSupport

@Suite("Scaling hints, /metrics and /api/v1/scaling", .serialized)
struct ScalingTests {
    /// Six tasks for the default queue, two held back by a full pool, two pod tasks for pool-1.
    static let burst = """
        dag_id: burst
        schedule: null
        tasks:
        \((1...6).map { "  - {task_id: work_\($0), bash: 'sleep 1'}" }.joined(separator: "\n"))
          - {task_id: tight_1, bash: 'true', pool: tight}
          - {task_id: tight_2, bash: 'true', pool: tight}
          - task_id: train_1
            queue: pods
            kubernetes_pod: {image: busybox, cmds: ['true'], node_pool: pool-1,
                             resources: {requests: {cpu: "1", memory: 1Gi}}}
          - task_id: train_2
            queue: pods
            kubernetes_pod: {image: busybox, cmds: ['true'], node_pool: pool-1,
                             resources: {requests: {cpu: "1", memory: 1Gi}}}
        """

    static let settings = [
        "TIDE_SCALING_INTERVAL": "500ms", "TIDE_SCALING_MIN_WORKERS": "0", "TIDE_SCALING_MAX_WORKERS": "5",
        "TIDE_WORKER_CONCURRENCY": "4",
        "TIDE_NODE_POOLS": #"[{"name": "pool-1", "node_shape": {"cpu": "1500m", "memory": "4Gi"}, "max_nodes": 3}]"#,
    ]

    @Test func schedulerPublishesHintsThatTheAPIServesAsJSONAndPrometheusMetrics() async throws {
        try await withCluster { cluster in
            let api = try cluster.startProcess(["api", "--port", "0"], Self.settings)
            let apiURL = try await ScalingSupport.listeningURL(of: api, logs: cluster.logs)
            #expect(try await ScalingSupport.get(apiURL + "/healthz").status == 200)
            let early = try await ScalingSupport.get(apiURL + "/api/v1/scaling")
            #expect(early.status == 503)
            #expect(early.body.contains("no scaling report yet"))

            #expect(try await cluster.cli(["pools", "set", "tight", "0"]).status == 0)
            try cluster.writeDAG("burst.yaml", Self.burst)
            let scheduler = try cluster.startProcess(["scheduler", "--metrics-port", "0"], Self.settings)
            try await cluster.waitForDAG("burst")
            _ = try await cluster.trigger("burst")

            let scaling = try await Eventually.value("hints for the burst", describe: cluster.logs) {
                let scaling = try await ScalingSupport.scaling(apiURL)
                return scaling?.queues["default"]?.queued == 6 && scaling?.queues["pods"]?.queued == 2 ? scaling : nil
            }
            let main = try #require(scaling.queues["default"])
            #expect(main.neededWorkers == 2)
            #expect(main.desiredWorkers == 2)
            #expect(main.workers == 0)
            #expect(main.heldBack == 2)
            #expect(main.heldBackBy == ["pool_full": 2])
            #expect(scaling.queues["pods"]?.desiredWorkers == 1)
            let pool = try #require(scaling.nodePools?["pool-1"])
            #expect(pool.pendingPods == 2)
            #expect(pool.cpuRequestMillicores == 2000)
            #expect(pool.memoryRequestBytes == 2 * 1_073_741_824)
            // 2000m of cpu on 1500m nodes needs 2 nodes; memory needs 1.
            #expect(pool.desiredNodes == 2)

            let samples = try ScalingSupport.parseExposition(try await ScalingSupport.get(apiURL + "/metrics").body)
            func value(_ name: String, _ labels: [String: String]) -> Double? {
                samples.first { $0.name == name && $0.labels == labels }?.value
            }
            #expect(value("tide_queue_tasks", ["queue": "default", "state": "queued"]) == 6)
            #expect(value("tide_queue_tasks", ["queue": "default", "state": "held_back"]) == 2)
            #expect(value("tide_workers", ["queue": "default"]) == 0)
            #expect(value("tide_desired_workers", ["queue": "default"]) == 2)
            #expect(value("tide_node_pool_pods", ["pool": "pool-1", "phase": "pending"]) == 2)
            #expect(value("tide_node_pool_pods", ["pool": "pool-1", "phase": "running"]) == 0)
            #expect(value("tide_node_pool_desired_nodes", ["pool": "pool-1"]) == 2)

            // The scheduler's own /metrics adds its pass-duration and latency histograms.
            let schedulerURL = try await ScalingSupport.listeningURL(of: scheduler, logs: cluster.logs)
            let own = try ScalingSupport.parseExposition(try await ScalingSupport.get(schedulerURL + "/metrics").body)
            let passes = own.first { $0.name == "tide_scheduler_pass_duration_seconds_count" }?.value ?? 0
            #expect(passes > 0)
            #expect(own.contains { $0.name == "tide_task_queue_to_start_seconds_bucket" && $0.labels["le"] == "+Inf" })
            // What the metrics port does not serve is refused in the shape of its own errors.
            let unknown = try await ScalingSupport.get(schedulerURL + "/api/v2/dags")
            #expect(unknown.status == 404)
            #expect(unknown.body.contains(#""error":"no such endpoint: /api/v2/dags"#))
            #expect(unknown.body.contains("this port serves"))
            let wrongMethod = try await ScalingSupport.send("DELETE", schedulerURL + "/metrics")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.body.contains("DELETE is not allowed on /metrics: use GET"))

            // The CLI shows the same, as a table and as JSON.
            let table = try await cluster.cli(["scale", "hints"])
            #expect(table.status == 0)
            #expect(table.output.contains("pool_full=2"))
            #expect(table.output.contains("pool-1"))
            let json = try await cluster.cli(["scale", "hints", "--output", "json"])
            let shown = try JSONDecoder().decode(ScalingSupport.Scaling.self, from: Data(json.output.utf8))
            #expect(shown.queues["default"]?.desiredWorkers == 2)

            // Workers arrive and run the burst: the queue drains and the tasks' latency is observed.
            try cluster.startWorker(concurrency: 4, Self.settings)
            try await Eventually.that("the default queue to drain", describe: cluster.logs) {
                let hint = try await ScalingSupport.scaling(apiURL)?.queues["default"]
                return hint?.workers == 1 && hint?.queued == 0 && hint?.running == 0
            }
            try await Eventually.that("queue-to-start latencies in the scheduler's histogram") {
                let text = try await ScalingSupport.get(schedulerURL + "/metrics").body
                let latest = try ScalingSupport.parseExposition(text)
                return (latest.first { $0.name == "tide_task_queue_to_start_seconds_count" }?.value ?? 0) >= 6
            }
        }
    }

    @Test func aBrokenReportOrNoneIsAClearErrorNotACrash() async throws {
        try await withCluster { cluster in
            let missing = try await cluster.cli(["scale", "hints"])
            #expect(missing.status != 0)
            #expect(missing.output.contains("no scaling report in Redis yet"))
            try await cluster.redis.command(["SET", cluster.prefix.keys.scalingReport, "{not json"])
            let broken = try await cluster.cli(["scale", "hints"])
            #expect(broken.status != 0)
            #expect(broken.output.contains("holds no scaling report"))
            let api = try cluster.startProcess(["api", "--port", "0"])
            let url = try await ScalingSupport.listeningURL(of: api, logs: cluster.logs)
            let answer = try await ScalingSupport.get(url + "/api/v1/scaling")
            #expect(answer.status == 503)
            #expect(answer.body.contains("holds no scaling report"))
            #expect(try await ScalingSupport.get(url + "/healthz").status == 200)
        }
    }

    @Test func badOptionsNameWhatIsWrong() async throws {
        try await withCluster { cluster in
            let cases: [([String], String)] = [
                (["standalone", "--workers", "3..1"], "--workers: expected MIN..MAX with 0 <= MIN <= MAX"),
                (["standalone", "--workers", "many"], "--workers: expected a number of at least 1 or MIN..MAX"),
                (["api", "--port", "70000"], "--port: expected a port number from 0 to 65535, got 70000"),
                (["healthcheck"], "expected exactly one of --url URL or --worker"),
                (["scheduler", "--metrics-port", "70000"], "--metrics-port: expected a port number"),
            ]
            for (arguments, message) in cases {
                let result = try await cluster.cli(arguments)
                #expect(result.status != 0, "\(arguments)")
                #expect(result.output.contains(message), "\(arguments): \(result.output)")
            }
        }
    }

    @Test func healthchecksReflectTheWorkerAndTheHTTPServer() async throws {
        try await withCluster { cluster in
            let before = try await cluster.cli(["healthcheck", "--worker"])
            #expect(before.status != 0)
            #expect(before.output.contains("unhealthy: no worker on"))
            try cluster.startWorker()
            try await Eventually.that("the worker's health check to pass", describe: cluster.logs) {
                try await cluster.cli(["healthcheck", "--worker"]).status == 0
            }
            let api = try cluster.startProcess(["api", "--port", "0"])
            let url = try await ScalingSupport.listeningURL(of: api, logs: cluster.logs)
            #expect(try await cluster.cli(["healthcheck", "--url", url + "/healthz"]).status == 0)
            let missing = try await cluster.cli(["healthcheck", "--url", url + "/nowhere"])
            #expect(missing.status != 0)
            #expect(missing.output.contains("answered HTTP 404"))
        }
    }
}
