import Foundation
import Testing
import TideCore
import TideKube
import TidePostgres
import TideTestSupport

/// `kubernetes_pod` tasks end to end: real scheduler and worker processes, a real
/// `tide-kubesim` API server whose kubelet runs the containers' commands.
@Suite("Pod tasks against the Kubernetes simulator", .serialized)
struct PodTaskTests {
    @Test(
        "a pod on pool-1 (0 nodes): the pool scales up, the pod runs, its output is logged, it is deleted, the pool scales down"
    )
    func podOnPoolThatScalesFromZero() async throws {
        try await withPodCluster { cluster, sim, config in
            try cluster.writeDAG(
                "train.yaml",
                """
                dag_id: train
                tasks:
                  - task_id: fit
                    kubernetes_pod:
                      image: ghcr.io/acme/train:1.4
                      cmds: [sh, -c]
                      arguments: ["echo training for {{ ds }} on $HOSTNAME; echo MODE=$MODE"]
                      env: {MODE: full}
                      node_pool: pool-1
                """)
            try await cluster.start(loading: "train", config: config)
            #expect(try await sim.poolNodes().isEmpty)
            let run = try await cluster.runToEnd("train")
            #expect(run.state == .success)
            let log = try await cluster.firstLog(run.id, "fit")
            let (namespace, pod) = try await cluster.podOf(run.id, "fit")
            #expect(log.contains("training for \(Self.today()) on \(pod)\n"))
            #expect(log.contains("MODE=full\n"))
            #expect(log.contains("[tide] pod \(namespace)/\(pod) succeeded"))
            // on_finish deletes the pod once the result is recorded.
            try await Eventually.that("the pod to be deleted") {
                try await sim.client.pod(namespace: namespace, name: pod) == nil
            }
            let events = try await sim.client.podEvents(namespace: namespace, name: pod)
            #expect(events.contains { $0.contains("TriggeredScaleUp") && $0.contains("pool-1 0->1") })
            #expect(events.contains { $0.contains("Scheduled") && $0.contains("gke-tide-sim-pool-1-") })
            // A successful pod's whole history ends its log: each step with its time, the scale-up it
            // waited for, then the events a real scheduler and kubelet record, in order.
            let history = try #require(
                log.range(of: "[tide] history of pod \(namespace)/\(pod)").map { log[$0.lowerBound...] })
            let expectedHistory = [
                #"\+0\.0 s  created"#,
                #"\+\d+\.\d s  scheduled on gke-tide-sim-pool-1-\w+ after \d+\.\d s Pending, waiting for a node-pool scale-up \(\[\{pool-1 0->1 \(max: 2\)\}\]\)"#,
                #"\+\d+\.\d s  container started \(image pull and container start: \d+\.\d s\)"#,
                #"\+\d+\.\d s  ended: Succeeded, exit code 0 \(Completed\), ran \d+\.\d s"#,
                "events of pod", "Normal TriggeredScaleUp: ", "Normal Scheduled: ", "Normal Pulling: ",
                "Normal Pulled: ",
                "Normal Created: ", "Normal Started: ",
            ]
            var rest = Substring(history)
            for step in expectedHistory {
                let found = rest.range(of: step, options: .regularExpression)
                #expect(found != nil, "'\(step)' missing (or out of order) in:\n\(history)")
                if let found { rest = rest[found.upperBound...] }
            }
            // The timeline (the API's Gantt data) has the pod's steps as the worker saw them, in order.
            let entry = try #require(try await cluster.tasks.timeline(runId: run.id).first { $0.taskId == "fit" })
            let steps = [
                entry.scheduledAt, entry.queuedAt, entry.claimedAt, entry.podCreatedAt, entry.podScheduledAt,
                entry.containerStartedAt, entry.endedAt,
            ]
            #expect(steps.allSatisfy { $0 != nil }, "\(entry)")
            let times = steps.compactMap { $0 }
            #expect(times == times.sorted(), "\(entry)")
            #expect(entry.nodeName?.hasPrefix("gke-tide-sim-pool-1-") == true)
            try await Eventually.that("pool-1 to scale back to zero") { try await sim.poolNodes().isEmpty }
        }
    }

    @Test("a pod that exits 3 fails the try with the exit code in the log, and is retried in a new pod")
    func failingPodIsRetried() async throws {
        try await withPodCluster { cluster, sim, config in
            try cluster.writeDAG(
                "flaky.yaml",
                """
                dag_id: flaky
                tasks:
                  - task_id: boom
                    retries: 1
                    retry_delay: 200ms
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, "echo try {{ ti.try_number }} going down; exit 3"]
                """)
            try await cluster.start(loading: "flaky", config: config)
            let run = try await cluster.runToEnd("flaky")
            #expect(run.state == .failed)
            let instance = try #require(try await cluster.instances(run.id)["boom"])
            #expect(instance.state == .failed)
            #expect(instance.tryNumber == 2)
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "boom")
            #expect(logs.map(\.exitCode) == [3, 3])
            #expect(logs[0].content.contains("try 1 going down"))
            #expect(logs[1].content.contains("try 2 going down"))
            #expect(logs.allSatisfy { $0.content.contains("failed: exit code 3 (Error)") })
            #expect(logs[0].content.contains("Normal Started: Started container base"), "events are logged on failure")
            try await Eventually.that("both pods to be deleted") {
                try await sim.client.pods(namespace: "default").pods.isEmpty
            }
        }
    }

    @Test(
        "a pod that cannot be scheduled, or whose image cannot be pulled, fails after startup_timeout with the reason")
    func podsThatNeverStart() async throws {
        try await withPodCluster { cluster, sim, config in
            try cluster.writeDAG(
                "stuck.yaml",
                """
                dag_id: stuck
                tasks:
                  - task_id: nowhere
                    kubernetes_pod:
                      image: busybox
                      cmds: [echo, never]
                      node_selector: {disktype: nvme}
                      startup_timeout: 2s
                  - task_id: no_image
                    kubernetes_pod:
                      image: registry.example.com/team/fail-pull:1
                      cmds: [echo, never]
                      startup_timeout: 3s
                """)
            try await cluster.start(loading: "stuck", config: config)
            let run = try await cluster.runToEnd("stuck")
            #expect(run.state == .failed)
            let nowhere = try await cluster.firstLog(run.id, "nowhere")
            #expect(nowhere.contains("did not start within startup_timeout (2s)"))
            #expect(nowhere.contains("Warning FailedScheduling: 0/1 nodes are available"))
            #expect(nowhere.contains("didn't match Pod's node affinity/selector"))
            #expect(!nowhere.contains("never\n"))
            let noImage = try await cluster.firstLog(run.id, "no_image")
            #expect(noImage.contains("ImagePullBackOff") || noImage.contains("ErrImagePull"))
            #expect(noImage.contains("Failed to pull image \"registry.example.com/team/fail-pull:1\""))
            #expect(try await sim.client.pods(namespace: "default").pods.isEmpty, "pods that never started are deleted")
            #expect(try await sim.poolNodes().isEmpty, "pool-1 did not scale for a pod it cannot take")
        }
    }

    @Test("a worker killed (SIGKILL) while its pod runs: another worker reattaches, no second pod, the try succeeds")
    func reattachAfterWorkerDeath() async throws {
        try await withPodCluster { cluster, sim, config in
            let marker = cluster.dagsFolder + "/started"
            try cluster.writeDAG(
                "long.yaml",
                """
                dag_id: long
                tasks:
                  - task_id: job
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, "echo first half; touch \(marker); sleep 4; echo second half"]
                      on_finish: keep_pod
                """)
            let fast = ["TIDE_SCHEDULER_WORKER_TIMEOUT": "2s"]
            try cluster.startScheduler(fast.merging(["TIDE_CONFIG": config]) { _, new in new })
            let doomed = try cluster.startWorker(concurrency: 2, ["TIDE_CONFIG": config])
            try await cluster.waitForDAG("long")
            let run = try await cluster.trigger("long")
            try await Eventually.that("the pod to start", describe: cluster.logs) {
                FileManager.default.fileExists(atPath: marker)
            }
            // Its output is in the task log while it runs, before any worker has its result.
            try await Eventually.that("the running try's log to show the pod's output", describe: cluster.logs) {
                let logs = try await cluster.tasks.logs(runId: run.id, taskId: "job")
                return logs.first?.state == "running" && logs.first?.content.contains("first half\n") == true
            }
            doomed.signal(SIGKILL)
            try cluster.startWorker(concurrency: 2, ["TIDE_CONFIG": config])
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .success)
            let instance = try #require(try await cluster.instances(run.id)["job"])
            #expect(instance.tryNumber == 1, "adoption keeps the try")
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "job")
            #expect(logs.map(\.state) == ["success"], "the final log replaced the running one")
            let log = try await cluster.firstLog(run.id, "job")
            #expect(log.contains("reattached to pod"))
            #expect(log.contains("first half\n"))
            #expect(log.contains("second half\n"))
            let pods = try await sim.client.pods(
                namespace: "default", labelSelector: "tide.io/task-instance=\(instance.id)"
            ).pods
            #expect(pods.count == 1, "one pod for the try")
            try await Eventually.that("the kept pod to be marked finished") {
                try await sim.client.pod(namespace: "default", name: pods.first?.name ?? "-")?.labels[
                    "tide.io/finished"] == "true"
            }
        }
    }

    @Test(
        "a worker told to stop (SIGTERM) gives its pod try back at once, not after the grace; another worker adopts the pod"
    )
    func drainGivesPodTriesBack() async throws {
        try await withPodCluster { cluster, sim, config in
            let marker = cluster.dagsFolder + "/running"
            try cluster.writeDAG(
                "handover.yaml",
                """
                dag_id: handover
                tasks:
                  - task_id: job
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, "echo start; touch \(marker); sleep 4; echo end"]
                      on_finish: keep_pod
                """)
            try cluster.startScheduler(["TIDE_CONFIG": config])
            // A grace longer than stop()'s 20 s patience: only an immediate hand-over lets it exit cleanly.
            let leaving = try cluster.startWorker(
                concurrency: 2, ["TIDE_CONFIG": config, "TIDE_WORKER_SHUTDOWN_GRACE": "60s"])
            try await cluster.waitForDAG("handover")
            let run = try await cluster.trigger("handover")
            try await Eventually.that("the pod to start", describe: cluster.logs) {
                FileManager.default.fileExists(atPath: marker)
            }
            await leaving.stop()
            #expect(leaving.exitStatus == 0, "the worker exited by itself, before the grace ended")
            #expect(leaving.output.contains("pod try given back for adoption"))
            let pending = try #require(try await cluster.instances(run.id)["job"])
            #expect(pending.state == .queued, "given back, not failed")
            try cluster.startWorker(concurrency: 2, ["TIDE_CONFIG": config])
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .success)
            let instance = try #require(try await cluster.instances(run.id)["job"])
            #expect(instance.tryNumber == 1)
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "job")
            #expect(logs.map(\.state) == ["success"], "the final log replaced the running one")
            let log = try await cluster.firstLog(run.id, "job")
            #expect(log.contains("reattached to pod"))
            #expect(log.contains("start\n") && log.contains("end\n"))
            let pods = try await sim.client.pods(
                namespace: "default", labelSelector: "tide.io/task-instance=\(instance.id)"
            ).pods
            #expect(pods.count == 1)
        }
    }

    @Test("clearing a running pod task deletes its pod and runs a new try")
    func clearDeletesThePod() async throws {
        try await withPodCluster { cluster, sim, config in
            try cluster.writeDAG(
                "slow.yaml",
                """
                dag_id: slow
                tasks:
                  - task_id: wait
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, "if [ {{ ti.try_number }} = 1 ]; then sleep 300; fi; echo try {{ ti.try_number }} done"]
                """)
            try await cluster.start(loading: "slow", config: config)
            let run = try await cluster.trigger("slow")
            let first = try await Eventually.value("the first pod to run", describe: cluster.logs) {
                try await sim.client.pods(namespace: "default").pods.first { $0.phase == "Running" }
            }
            let cleared = try await cluster.cli(["tasks", "clear", String(run.id), "wait"])
            #expect(cleared.status == 0)
            try await Eventually.that("the first pod to be deleted", describe: cluster.logs) {
                try await sim.client.pod(namespace: "default", name: first.name) == nil
            }
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .success)
            let logs = try await cluster.tasks.logs(runId: run.id, taskId: "wait")
            #expect(logs.count == 2)
            #expect(logs.first?.content.contains("deleting pod default/\(first.name)") == true)
            #expect(logs.last?.content.contains("try 2 done") == true)
        }
    }

    @Test("marking a running pod task failed, or a run outliving dagrun_timeout, deletes the pod")
    func markAndRunTimeoutDeletePods() async throws {
        try await withPodCluster { cluster, sim, config in
            try cluster.writeDAG(
                "marked.yaml",
                """
                dag_id: marked
                tasks:
                  - task_id: long
                    kubernetes_pod: {image: busybox, cmds: [sleep, "300"]}
                """)
            try cluster.writeDAG(
                "bounded.yaml",
                """
                dag_id: bounded
                dagrun_timeout: 3s
                tasks:
                  - task_id: long
                    kubernetes_pod: {image: busybox, cmds: [sleep, "300"]}
                """)
            try cluster.startScheduler(["TIDE_CONFIG": config])
            try cluster.startWorker(concurrency: 4, ["TIDE_CONFIG": config])
            try await cluster.waitForDAG("marked")
            try await cluster.waitForDAG("bounded")
            let marked = try await cluster.trigger("marked")
            let bounded = try await cluster.trigger("bounded")
            try await Eventually.that("both pods to run", describe: cluster.logs) {
                try await sim.client.pods(namespace: "default").pods.filter { $0.phase == "Running" }.count == 2
            }
            let mark = try await cluster.cli(["tasks", "mark", String(marked.id), "long", "failed"])
            #expect(mark.status == 0, "\(mark.output)")
            #expect(try await cluster.waitForRun(marked.id).state == .failed)
            #expect(try await cluster.waitForRun(bounded.id).state == .failed)
            try await Eventually.that("both pods to be deleted", describe: cluster.logs) {
                try await sim.client.pods(namespace: "default").pods.isEmpty
            }
            try await Eventually.that("both tries to log the deletion", describe: cluster.logs) {
                let logs = [
                    try await cluster.tasks.logs(runId: marked.id, taskId: "long").first?.content,
                    try await cluster.tasks.logs(runId: bounded.id, taskId: "long").first?.content,
                ]
                return logs.allSatisfy { $0?.contains("the task instance is no longer running") == true }
            }
        }
    }

    @Test("over HTTPS with the cluster's CA and a bearer token (kubeconfig), with execution_timeout deleting the pod")
    func tlsKubeconfigAndExecutionTimeout() async throws {
        try await withPodCluster(tls: true) { cluster, sim, config in
            try cluster.writeDAG(
                "secure.yaml",
                """
                dag_id: secure
                tasks:
                  - task_id: quick
                    kubernetes_pod:
                      image: busybox
                      cmds: [echo, over tls]
                  - task_id: too_slow
                    execution_timeout: 2s
                    kubernetes_pod:
                      image: busybox
                      cmds: [sleep, "300"]
                """)
            try await cluster.start(loading: "secure", config: config)
            let run = try await cluster.runToEnd("secure")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["quick"]?.state == .success)
            #expect(tasks["too_slow"]?.state == .failed)
            let quick = try await cluster.firstLog(run.id, "quick")
            #expect(quick.hasPrefix("over tls\n") || quick.contains("\nover tls\n"))
            let slow = try await cluster.firstLog(run.id, "too_slow")
            #expect(slow.contains("execution_timeout reached: deleting pod"))
            try await Eventually.that("both pods to be deleted") {
                try await sim.client.pods(namespace: "default").pods.isEmpty
            }
            let (namespace, slowPod) = try await cluster.podOf(run.id, "too_slow")
            let events = try await sim.client.podEvents(namespace: namespace, name: slowPod)
            #expect(events.last == "Normal Killing: Stopping container base", "\(events)")
        }
    }

    @Test("a node pool's max_pods caps the pod tasks running on it at once")
    func nodePoolMaxPods() async throws {
        try await withPodCluster(maxPods: 2) { cluster, sim, config in
            let tasks = (1...5).map { index in
                """
                  - task_id: shard_\(index)
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, "echo shard \(index); sleep 1"]
                      node_pool: pool-1
                """
            }
            try cluster.writeDAG("shards.yaml", "dag_id: shards\ntasks:\n" + tasks.joined(separator: "\n"))
            try await cluster.start(loading: "shards", config: config)
            let run = try await cluster.runToEnd("shards")
            #expect(run.state == .success)
            let intervals = try await cluster.schema.pool.query(
                """
                SELECT extract(epoch FROM started_at) AS s, extract(epoch FROM ended_at) AS e
                FROM task_instances WHERE run_id = $1
                """, [String(run.id)]
            ).rows.compactMap { row -> (Double, Double)? in
                guard let start = row.double("s"), let end = row.double("e") else { return nil }
                return (start, end)
            }
            #expect(intervals.count == 5)
            let mostAtOnce =
                intervals.map { probe in
                    intervals.filter { $0.0 <= probe.0 && probe.0 < $0.1 }.count
                }.max() ?? 0
            #expect(mostAtOnce == 2, "four 1-cpu pods fit a node, so only max_pods held them back")
        }
    }

    @Test("executor: kubernetes runs a bash task's own command in a pod (tide tasks run), credentials from a Secret")
    func executorKubernetes() async throws {
        try await withPodCluster(workerSecret: "tide-worker") { cluster, sim, config in
            try await sim.client.createSecret(
                name: "tide-worker", namespace: "default", values: ["TIDE_DATABASE_URL": cluster.schema.url])
            try cluster.writeDAG(
                "remote.yaml",
                """
                dag_id: remote
                tasks:
                  - task_id: here
                    bash: echo "local"
                  - task_id: there
                    upstream: [here]
                    executor: kubernetes
                    node_pool: pool-1
                    env: {GREETING: hello}
                    bash: |
                      echo "$GREETING for {{ ds }} in $HOSTNAME, try $TIDE_TRY_NUMBER"
                      test -z "$TIDE_DATABASE_URL" && echo "no Tide credentials in the task's environment"
                  - task_id: skipper
                    executor: kubernetes
                    bash: exit 99
                """)
            try await cluster.start(loading: "remote", config: config)
            let run = try await cluster.runToEnd("remote")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["there"]?.state == .success)
            #expect(tasks["skipper"]?.state == .skipped)
            let (namespace, pod) = try await cluster.podOf(run.id, "there")
            #expect(pod.hasPrefix("remote-there-"))
            let log = try await cluster.firstLog(run.id, "there")
            #expect(log.contains("hello for \(Self.today()) in \(pod), try 1\n"))
            #expect(log.contains("no Tide credentials in the task's environment\n"))
            let events = try await sim.client.podEvents(namespace: namespace, name: pod)
            #expect(events.contains { $0.contains("Scheduled") && $0.contains("gke-tide-sim-pool-1-") })
        }
    }

    @Test("tide standalone --kube sim runs pod tasks and executor: kubernetes tasks on its own simulated cluster")
    func standaloneWithSimulatedCluster() async throws {
        try await withCluster { cluster in
            let folder = cluster.dagsFolder + "/../" + cluster.schema.name + "-standalone"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let config = folder + "/tide.yaml"
            try """
            node_pools:
              - name: pool-1
                taints: [{key: dedicated, value: pool-1, effect: NoSchedule}]
            """.write(toFile: config, atomically: true, encoding: .utf8)
            try cluster.writeDAG(
                "both.yaml",
                """
                dag_id: both
                tasks:
                  - task_id: pod
                    kubernetes_pod:
                      image: busybox
                      cmds: [sh, -c, "echo pod on $HOSTNAME"]
                      node_pool: pool-1
                  - task_id: remote_bash
                    executor: kubernetes
                    bash: echo "bash in $HOSTNAME"
                """)
            let kubeconfig = folder + "/kubeconfig"
            let standalone = try TideProcess(
                ["standalone", "--workers", "1", "--api-port", "0", "--kube", "sim", "--kubeconfig-out", kubeconfig],
                environment: try cluster.environment(["TIDE_CONFIG": config]), name: "standalone")
            defer { standalone.signal(SIGKILL) }
            try await Eventually.that("the DAG to load", describe: { standalone.output }) {
                try await cluster.dags.list().contains { $0.dagId == "both" }
            }
            let triggered = try await cluster.trigger("both")
            let run = try await Eventually.value("the run to finish", timeout: 60, describe: { standalone.output }) {
                let run = try await cluster.runs.get(triggered.id)
                return run.state.isFinished ? run : nil
            }
            #expect(run.state == .success, "\(standalone.output.suffix(3000))")
            let pod = try await cluster.firstLog(run.id, "pod")
            #expect(pod.contains("pod on both-pod-"))
            let bash = try await cluster.firstLog(run.id, "remote_bash")
            #expect(bash.contains("bash in both-remote-bash-"))
            #expect(FileManager.default.fileExists(atPath: kubeconfig))
            await standalone.stop()
            #expect(standalone.exitStatus == 0)
        }
    }

    @Test("a worker in a pod finds the API server in-cluster: service-account token, CA and namespace, over HTTPS")
    func inClusterWorker() async throws {
        try await withPodCluster(tls: true) { cluster, sim, _ in
            try cluster.writeDAG(
                "inside.yaml",
                """
                dag_id: inside
                tasks:
                  - task_id: hello
                    kubernetes_pod:
                      image: busybox
                      cmds: [echo, from the service account's namespace]
                      on_finish: keep_pod
                """)
            // No kubeconfig anywhere: only what Kubernetes gives a pod.
            let config = sim.folder + "/in-cluster.yaml"
            try "log_level: debug\n".write(toFile: config, atomically: true, encoding: .utf8)
            let environment = try sim.inClusterEnvironment().merging(["TIDE_CONFIG": config]) { _, new in new }
            try cluster.startScheduler(["TIDE_CONFIG": config])
            try cluster.startWorker(concurrency: 2, environment)
            try await cluster.waitForDAG("inside")
            let run = try await cluster.runToEnd("inside")
            #expect(run.state == .success)
            let (namespace, pod) = try await cluster.podOf(run.id, "hello")
            #expect(namespace == "jobs", "the namespace file of the service account")
            #expect(
                try await cluster.firstLog(run.id, "hello").contains("created\nfrom the service account's namespace\n"))
            #expect(try await sim.client.pod(namespace: "jobs", name: pod) != nil)
        }
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

/// Runs `body` with a fresh cluster, a simulator and a tide.yaml (path) pointing at it.
func withPodCluster(
    tls: Bool = false, maxPods: Int? = nil, workerSecret: String? = nil,
    _ body: (Cluster, KubeSim, String) async throws -> Void
) async throws {
    let sim = try await KubeSim.start(tls: tls)
    do {
        try await withCluster { cluster in
            try await body(cluster, sim, try sim.writeTideConfig(maxPods: maxPods, workerSecret: workerSecret))
        }
    } catch {
        let output = sim.process.output.suffix(3000)
        await sim.stop()
        throw ClusterFailure(error: error, logs: "--- kubesim ---\n\(output)")
    }
    await sim.stop()
}

extension Cluster {
    /// Starts a scheduler and one worker with a config file, and waits until `dagId` is loaded.
    func start(loading dagId: String, config: String, workers: Int = 1) async throws {
        try startScheduler(["TIDE_CONFIG": config])
        for _ in 0..<workers { try startWorker(concurrency: 4, ["TIDE_CONFIG": config]) }
        try await waitForDAG(dagId)
    }

    /// The log of a task's first try.
    func firstLog(_ runId: Int64, _ taskId: String) async throws -> String {
        try #require(try await tasks.logs(runId: runId, taskId: taskId).first).content
    }

    /// The pod (namespace, name) recorded for a task's latest try.
    func podOf(_ runId: Int64, _ taskId: String) async throws -> (String, String) {
        let row = try await schema.pool.query(
            "SELECT external_id FROM task_instances WHERE run_id = $1 AND task_id = $2", [String(runId), taskId]
        ).rows.first
        let parts = (row?["external_id"] ?? "").split(separator: "/").map(String.init)
        guard parts.count == 2 else { throw PodNotRecorded(runId: runId, taskId: taskId) }
        return (parts[0], parts[1])
    }
}

struct PodNotRecorded: Error {
    let runId: Int64
    let taskId: String
}
