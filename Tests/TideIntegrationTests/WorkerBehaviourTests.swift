import Foundation
import Testing
import TideCore
import TidePostgres
import TideRedis
import TideTestSupport

@Suite("Worker behaviour", .serialized)
struct WorkerBehaviourTests {
    @Test func twoWorkersGivenTheSameMessageRunTheTaskOnce() async throws {
        try await withCluster { cluster in
            let counter = cluster.dagsFolder + "/ran"
            let dag = DAG(
                dagId: "once", tasks: [TaskSpec(taskId: "count", kind: .bash("echo x >> \(counter); sleep 0.3"))],
                fileloc: "once.yaml")
            try await cluster.dags.upsert(dag)
            let run = try await cluster.runs.trigger(dagId: "once")
            #expect(try await cluster.runs.start(run, dag: dag))
            let id = try #require(try await cluster.instances(run.id)["count"]?.id)
            let message = try #require(try await cluster.tasks.queue([id]).first?.message)
            // The same try, delivered twice (as at-least-once delivery may), in two encodings so
            // the queue holds both copies; two workers pop them concurrently.
            let copy = #"{"v":1,"ti":\#(id),"try":1,"queue":"default","dag":"once","task":"count"}"#
            #expect(copy != message.encoded())
            for raw in [message.encoded(), copy] {
                try await cluster.redis.command(["ZADD", cluster.prefix.keys.queue("default"), "1", raw])
            }
            let first = try cluster.startWorker(concurrency: 1)
            let second = try cluster.startWorker(concurrency: 1)
            try await Eventually.that("the try to succeed and both copies to be consumed", describe: cluster.logs) {
                let state = try await cluster.instances(run.id)["count"]?.state
                let depth = try await TaskQueue(keys: cluster.prefix.keys).depth(of: "default", on: cluster.redis)
                return state == .success && depth == 0
            }
            try await Eventually.that("the duplicate to be dropped", describe: cluster.logs) {
                (first.output + second.output).contains("duplicate or stale message dropped")
            }
            let lines = try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 1, "the task ran exactly once")
        }
    }

    @Test func aStartingWorkerRemovesTheResultFoldersOfWorkersThatAreGone() async throws {
        try await withCluster { cluster in
            let temporary = cluster.dagsFolder + "/tmp"
            // A process that has exited: its number names a worker killed before it could clean up.
            let exited = Process()
            exited.executableURL = URL(fileURLWithPath: "/bin/true")
            try exited.run()
            exited.waitUntilExit()
            let abandoned = temporary + "/tide-xcom-\(exited.processIdentifier)-42"
            let alive = temporary + "/tide-xcom-\(getpid())-43"
            let unrelated = temporary + "/tide-xcomics"
            for folder in [abandoned + "/1", alive + "/1", unrelated] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let worker = try cluster.startWorker(concurrency: 1, ["TMPDIR": temporary])
            try await Eventually.that("the worker to start", describe: cluster.logs) {
                worker.output.contains("worker started")
            }
            #expect(!FileManager.default.fileExists(atPath: abandoned), "the gone worker's folder is removed")
            #expect(worker.output.contains("removed the result folders of workers that are gone"))
            #expect(FileManager.default.fileExists(atPath: alive + "/1"), "a live process's folder stays")
            #expect(FileManager.default.fileExists(atPath: unrelated))
            let own = try FileManager.default.contentsOfDirectory(atPath: temporary).filter {
                $0.hasPrefix("tide-xcom-\(worker.pid)-")
            }
            #expect(own.count == 1, "the worker's own folder is made, and kept while it runs")
        }
    }

    /// The worker lowers a task's priority right after it starts: the task waits (up to 5 s) to see
    /// it, then prints it.
    private let waitForNiceness = "for i in $(seq 1 100); do [ $(nice) = 10 ] && break; sleep 0.05; done; nice"

    @Test func taskProcessesRunBelowTheWorkersPriorityAndAMissingProgramIsNamed() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "nice.yaml",
                """
                dag_id: niceness
                tasks:
                  - task_id: command
                    command: ["sh", "-c", "\(waitForNiceness)"]
                  - task_id: script
                    bash: "\(waitForNiceness)"
                  - task_id: missing
                    command: ["no-such-program-anywhere", "x"]
                """)
            try await cluster.start(loading: "niceness")
            let run = try await cluster.runToEnd("niceness")
            let instances = try await cluster.instances(run.id)
            #expect(instances["command"]?.state == .success)
            #expect(instances["script"]?.state == .success)
            #expect(instances["missing"]?.state == .failed)
            for task in ["command", "script"] {
                let log = try await cluster.tasks.logs(runId: run.id, taskId: task).first?.content
                #expect(log?.trimmingCharacters(in: .whitespacesAndNewlines) == "10", "\(task): \(log ?? "no log")")
            }
            let missing = try await cluster.tasks.logs(runId: run.id, taskId: "missing").first?.content ?? ""
            #expect(missing.contains("'no-such-program-anywhere' is not an executable file in PATH"), "\(missing)")
        }
    }

    @Test func taskNicenessIsTheWorkersSetting() async throws {
        try await withCluster { cluster in
            let waitFor17 = "for i in $(seq 1 100); do [ $(nice) = 17 ] && break; sleep 0.05; done; nice"
            try cluster.writeDAG("nice17.yaml", "dag_id: nice17\ntasks:\n  - task_id: t\n    bash: \"\(waitFor17)\"\n")
            _ = try cluster.startScheduler()
            _ = try cluster.startWorker(concurrency: 1, ["TIDE_WORKER_TASK_NICENESS": "17"])
            try await cluster.waitForDAG("nice17")
            let run = try await cluster.runToEnd("nice17")
            let log = try await cluster.tasks.logs(runId: run.id, taskId: "t").first?.content
            #expect(log?.trimmingCharacters(in: .whitespacesAndNewlines) == "17", "\(log ?? "no log")")
        }
    }

    @Test func executionTimeoutKillsTheTaskAndTheChildrenItStarted() async throws {
        try await withCluster { cluster in
            let pidFile = cluster.dagsFolder + "/child.pid"
            try cluster.writeDAG(
                "slow.yaml",
                """
                dag_id: slow
                tasks:
                  # Time to start the child and say so on a loaded machine before the timeout.
                  - task_id: hang
                    execution_timeout: 3s
                    bash: |
                      sleep 300 &
                      echo $! > \(pidFile)
                      echo "started child $!"
                      wait
                """)
            try await cluster.start(loading: "slow")
            let run = try await cluster.runToEnd("slow")
            #expect(run.state == .failed)
            let hang = try #require(try await cluster.instances(run.id)["hang"])
            #expect(hang.state == .failed)
            let log = try #require(try await cluster.tasks.logs(runId: run.id, taskId: "hang").first?.content)
            #expect(log.contains("started child"))
            #expect(log.contains("[tide] execution_timeout of 3s reached: process group killed"))
            let childPid = try #require(
                Int32(
                    try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                ))
            try await Eventually.that("the child process \(childPid) to be gone") { !processIsAlive(childPid) }
        }
    }

    @Test func sigtermDrainsFinishesShortTriesAndHandsBackLongOnes() async throws {
        try await withCluster { cluster in
            let marks = cluster.dagsFolder + "/started"
            try cluster.writeDAG(
                "drain.yaml",
                """
                dag_id: drain
                tasks:
                  - task_id: short
                    bash: touch \(marks)-short; sleep 1.5; echo short done
                  - task_id: long
                    bash: |
                      touch \(marks)-long
                      if [ "$TIDE_TRY_NUMBER" = 1 ]; then sleep 300; fi
                      echo "long done on try $TIDE_TRY_NUMBER"
                """)
            try cluster.startScheduler()
            let worker = try cluster.startWorker(concurrency: 2, ["TIDE_WORKER_SHUTDOWN_GRACE": "3s"])
            try await cluster.waitForDAG("drain")
            let run = try await cluster.trigger("drain")
            try await Eventually.that("both tasks to start", describe: cluster.logs) {
                FileManager.default.fileExists(atPath: marks + "-short")
                    && FileManager.default.fileExists(atPath: marks + "-long")
            }
            worker.signal(SIGTERM)
            try await Eventually.that("the worker to exit after its grace period", describe: cluster.logs) {
                !worker.isRunning
            }
            #expect(worker.exitStatus == 0)
            let afterDrain = try await cluster.instances(run.id)
            #expect(afterDrain["short"]?.state == .success, "a try that fits in the grace period finishes")
            let longLogs = try await cluster.tasks.logs(runId: run.id, taskId: "long")
            #expect(longLogs.first?.state == "handed_back")
            #expect(longLogs.first?.content.contains("handed back for another try") == true)
            #expect(try await cluster.workers().first?.state == "stopped")
            // Another worker picks the handed-back task up; it did not use up a retry.
            try cluster.startWorker()
            let finished = try await cluster.waitForRun(run.id)
            #expect(finished.state == .success)
            let long = try #require(try await cluster.instances(run.id)["long"])
            #expect(long.tryNumber == 2)
            #expect(long.maxTries == 2)
        }
    }

    @Test func logsAreCappedTasksSeeNoTideSecretsAndUnstartableCommandsFail() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "io.yaml",
                """
                dag_id: io
                tasks:
                  - task_id: chatty
                    bash: |
                      echo FIRST-LINE
                      i=0; while [ $i -lt 5000 ]; do echo "line $i of filler output"; i=$((i+1)); done
                      echo LAST-LINE
                  - task_id: environment
                    env: {EXTRA: from-dag}
                    bash: env | grep -E '^(TIDE_|EXTRA=)' | cut -d= -f1,2 | sort
                  - task_id: missing
                    command: [no-such-program-tide-test]
                """)
            try cluster.startScheduler()
            try cluster.startWorker(concurrency: 2, ["TIDE_WORKER_LOG_MAX_BYTES": "2000"])
            try await cluster.waitForDAG("io")
            let run = try await cluster.runToEnd("io")
            let tasks = try await cluster.instances(run.id)
            #expect(tasks["chatty"]?.state == .success)
            let chatty = try #require(try await cluster.tasks.logs(runId: run.id, taskId: "chatty").first)
            #expect(chatty.truncated)
            #expect(chatty.content.hasPrefix("FIRST-LINE\n"))
            #expect(chatty.content.hasSuffix("LAST-LINE\n"))
            #expect(chatty.content.contains("bytes of output dropped to keep the log under its cap ...]"))
            #expect(chatty.content.utf8.count < 2200)
            #expect(chatty.totalBytes > 100_000)

            let environment = try #require(
                try await cluster.tasks.logs(runId: run.id, taskId: "environment").first?.content)
            let names = environment.split(separator: "\n").map { $0.split(separator: "=").first.map(String.init) ?? "" }
            #expect(
                names == [
                    "EXTRA", "TIDE_CONF", "TIDE_DAG_ID", "TIDE_PARAMS", "TIDE_RUN_ID", "TIDE_TASK_ID",
                    "TIDE_TRY_NUMBER", "TIDE_XCOM_DIR",
                ])
            #expect(
                !environment.contains(cluster.schema.url), "the database URL (with its password) never reaches a task")

            #expect(tasks["missing"]?.state == .failed)
            let missing = try #require(try await cluster.tasks.logs(runId: run.id, taskId: "missing").first?.content)
            #expect(missing.contains("[tide] failed to start:"))
            #expect(run.state == .failed)
        }
    }

    @Test func malformedMessagesGoToTheDeadLetterListAndTheWorkerKeepsGoing() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG("ok.yaml", "dag_id: ok\ntasks:\n  - task_id: a\n    bash: echo fine\n")
            let queueKey = cluster.prefix.keys.queue("default")
            for raw in ["this is not json", #"{"v":9,"ti":1,"try":1,"queue":"default","dag":"x","task":"y"}"#] {
                try await cluster.redis.command(["ZADD", queueKey, "0", raw])
            }
            try cluster.startScheduler()
            try cluster.startWorker()
            let letters = try await Eventually.value("two dead letters", describe: cluster.logs) {
                let found = try await TaskQueue(keys: cluster.prefix.keys).deadLetters(on: cluster.redis)
                return found.count == 2 ? found : nil
            }
            let reasons = Set(
                letters.compactMap { text -> String? in
                    guard case .object(let fields)? = try? JSONValue.parse(text),
                        case .string(let reason)? = fields["reason"]
                    else { return nil }
                    return reason
                })
            #expect(
                reasons == [
                    "malformed task message: not a JSON task message",
                    "malformed task message: unsupported message version 9 (expected 1)",
                ])
            try await cluster.waitForDAG("ok")
            let run = try await cluster.runToEnd("ok")
            #expect(run.state == .success)
        }
    }
}

/// True while `pid` exists and is not a zombie.
func processIsAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z"
}

extension Cluster {
    func workers() async throws -> [WorkerStore.WorkerRecord] { try await WorkerStore(pool: schema.pool).list() }
}
