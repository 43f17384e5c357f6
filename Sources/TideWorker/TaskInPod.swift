import Foundation
import Logging
import TideBlocking
import TideCore
import TidePostgres

/// `tide tasks run`: runs one claimed try's own command inside the pod an `executor: kubernetes`
/// task got. It reads the try and the DAG version from PostgreSQL (no DAG files in the pod),
/// renders the templates, runs the command as a process with the task's environment, echoes its
/// output (the pod's log, which the worker streams into the task log) and exits with its code.
/// The worker that owns the try records the result; this process writes only what the command
/// published (XCom), while the try still runs.
public enum TaskInPod {
    /// - Returns: the exit code for the pod: the command's, or 1 when it could not run.
    public static func run(
        taskInstanceId: Int64, tryNumber: Int, pool: PGPool, defaultTimeZone: String, logMaxBytes: Int,
        xcomMaxBytes: Int = 49_152, maxMapLength: Int = TaskExpansion.defaultMaxLength
    ) async -> Int32 {
        let tasks = TaskInstanceStore(pool: pool)
        let claimed: TaskInstanceStore.ClaimedTry
        let dag: DAG
        do {
            guard let running = try await tasks.runningTry(taskInstanceId: taskInstanceId, tryNumber: tryNumber) else {
                return fail("task instance \(taskInstanceId) try \(tryNumber) is not running; nothing to do")
            }
            claimed = running
            dag = try await DagVersionCache(store: DagStore(pool: pool)).dag(
                dagId: claimed.dagId, hash: claimed.dagHash)
        } catch {
            return fail("cannot read the try from PostgreSQL: \(error)")
        }
        let compiled = CompiledDAG(dag)
        guard let task = dag.task(claimed.taskId) else {
            return fail("task '\(claimed.taskId)' is not in DAG '\(claimed.dagId)'")
        }
        let rendered: TaskSpec
        do {
            let pulled = try await XComStore(pool: pool).pull(
                runId: claimed.runId, task.xcomPulls, mapped: compiled.mapped)
            rendered = try TaskTemplates.render(
                task, dag: dag, claimed: claimed, tryNumber: tryNumber, defaultTimeZone: defaultTimeZone,
                xcoms: pulled)
        } catch let error as TemplateError {
            return fail(error.message)
        } catch {
            return fail("cannot read the results the templates pull: \(error)")
        }
        let inherited = ProcessInfo.processInfo.environment
        let secrets: [String: String]
        do {
            secrets = try TaskEnvironment.secrets(for: rendered, inherited: inherited)
        } catch {
            return fail(error.description)
        }
        var taskEnvironment = TaskEnvironment.build(
            inherited: inherited, task: rendered, dag: dag, runName: claimed.runName, conf: claimed.conf,
            tryNumber: tryNumber, mapIndex: claimed.mapIndex, secrets: secrets)
        let xcomFolders = XComFolders()
        defer { xcomFolders.removeAll() }
        let xcomFolder = xcomFolders.take()
        taskEnvironment["TIDE_XCOM_DIR"] = xcomFolder
        let environment = taskEnvironment
        // The end of the output, for do_xcom_push's last line.
        let tail = LockedBox<[UInt8]>([])
        // Writes to stdout block: they happen in order on a thread of their own.
        let output = BlockingThread(name: "tide-task-output")
        defer { output.shutdown() }
        let writer = MaskingLineWriter(handle: .standardOutput, secrets: Array(secrets.values))
        var runner = LocalRunner(logMaxBytes: logMaxBytes)
        runner.keepsOutput = false
        let result = await runner.run(
            kind: rendered.kind, environment: environment, timeoutSeconds: nil, onStart: { _ in },
            onOutput: { bytes in
                if task.doXcomPush || task.branch {
                    tail.mutate { kept in
                        kept.append(contentsOf: bytes)
                        if kept.count > 8192 { kept.removeFirst(kept.count - 4096) }
                    }
                }
                output.submit { writer.write(Array(bytes)) }
            })
        let notices = result.exitCode == nil && result.signal == nil ? result.log.text : ""
        // Could not start: the reason is in the notices, which did not go to stdout. Waiting for this
        // job also waits for every write before it.
        _ = try? await output.run {
            writer.finish()
            FileHandle.standardOutput.write(Data(notices.utf8))
        }
        guard result.exitCode == 0 else { return result.exitCode ?? result.signal.map { 128 + $0 } ?? 1 }
        let lastLine = XComFolders.lastLine(of: String(decoding: tail.value, as: UTF8.self)).map {
            SecretRedaction.masking(Array(secrets.values), in: $0)
        }
        do {
            let branch = task.branch ? XComResults.Branch(taskId: task.taskId, dag: compiled) : nil
            let (values, notice) = try XComResults.collect(
                directory: xcomFolder, lastLine: task.doXcomPush || task.branch ? lastLine : nil,
                maxBytes: xcomMaxBytes, branch: branch,
                expanded: XComResults.Expanded(taskId: task.taskId, dag: compiled, maxLength: maxMapLength))
            if let notice { FileHandle.standardOutput.write(Data("[tide] \(notice)\n".utf8)) }
            _ = try await XComStore(pool: pool).push(
                values, taskInstanceId: taskInstanceId, tryNumber: tryNumber, workerId: nil)
        } catch let problem as XComResults.Problem {
            return fail(problem.message)
        } catch {
            return fail("cannot store the try's results: \(error)")
        }
        return 0
    }

    private static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("[tide] \(message)\n".utf8))
        return 1
    }
}
