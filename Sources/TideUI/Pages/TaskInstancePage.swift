import Foundation
import Hummingbird
import TideCore
import TidePostgres
import TideService

extension Pages {
    /// Mapped instances shown as badges on a mapped instance's page.
    static let mappedStripLength = 100

    /// Characters of log a page opens with (the tail); earlier parts load on demand.
    static let logTailCharacters = 65_536

    /// A task instance's page: its tries, the log viewer at the tail, why it is not running, the pod card and actions.
    /// A mapped task's page is its instance at `mapIndex` (the first when not given), with a strip of
    /// every instance.
    func taskInstance(
        _ viewer: UIViewer, _ request: Request, dagId: String, runId: String, taskId: String, mapIndex: Int? = nil
    ) async throws -> Response {
        let run = try await service.run(dagId: dagId, runId: runId)
        let ti = try await service.taskInstance(of: run, taskId: taskId, mapIndex: mapIndex)
        let definition = try? await service.definition(dagId: dagId, hash: run.dagHash)
        let spec = definition?.task(taskId)
        let params = PageQuery(request)
        let tries = try await service.taskInstances.tries(of: ti)
        let current = max(ti.tryNumber, 1)
        let chosen = try params.int("try", default: current, in: 1...max(current, 1))
        // A live refresh keeps the log it already shows (it follows the stream), so it is not read
        // again unless the page's try changed, which the script asks for with a full request; a
        // pod's card is read from the log (its reason and Kubernetes events), so it is read for that.
        let refresh = request.headers[.init(UIRefresh.header)!] != nil
        let showsPod = spec.map { $0.runsInPod || ti.externalId != nil || ti.nodePool != nil } ?? false
        let log =
            refresh && !showsPod
            ? LogTail(text: "", start: 0, end: 0, stored: 0, running: false, truncated: false, tryNumber: chosen)
            : try await logTail(ti, tryNumber: chosen)
        let waiting: Set<TaskState> = [.none, .scheduled, .queued, .upForRetry, .upForReschedule]
        var why: [[String: Any]] = []
        if waiting.contains(ti.state) {
            let report = try await service.whyNotRunning(ti, of: run)
            why = report.reasons.map { ["kind": $0.kind.rawValue, "message": $0.message, "blocking": $0.blocking] }
        }
        let timeline = try await service.taskInstances.timeline(runId: run.id, taskId: taskId).first {
            $0.tryNumber == chosen && $0.mapIndex == ti.mapIndex
        }
        let style = StateStyle(ti.state)
        var model: [String: Any] = [
            "dagId": dagId, "runId": runId, "taskId": taskId, "dagUrl": Paths.dag(dagId),
            "runUrl": Paths.run(dagId, runId), "state": style.model, "try": chosen, "currentTry": ti.tryNumber,
            "maxTries": ti.maxTries, "queue": ti.queue, "pool": ti.pool, "poolSlots": ti.poolSlots,
            "priority": ti.priorityWeight, "hostname": ti.hostname ?? "–",
            "exitCode": ti.exitCode.map(String.init) ?? "–",
            "start": Format.time(ti.startedAt), "end": Format.time(ti.endedAt),
            "duration": Format.duration(ti.startedAt.map { (ti.endedAt ?? Date().timeIntervalSince1970) - $0 }),
            "operator": spec.map { Self.kindName($0) } ?? "–", "triggerRule": spec?.triggerRule.rawValue ?? "–",
            "tries": tries.reversed().map { item -> [String: Any] in
                [
                    "number": item.tryNumber, "state": StateStyle(text: item.state).model,
                    "url": Paths.taskInstance(dagId, runId, taskId, mapIndex: ti.mapIndex, try: item.tryNumber),
                    "chosen": item.tryNumber == chosen, "start": Format.time(item.startedAt),
                    "duration": Format.duration(item.startedAt.flatMap { start in item.endedAt.map { $0 - start } }),
                    "host": item.hostname ?? "", "exitCode": item.exitCode.map(String.init) ?? "",
                ]
            },
            "why": why, "waiting": !why.isEmpty, "canOperate": viewer.canOperate,
            "apiUrl": Paths.apiTaskInstance(dagId, runId, taskId, mapIndex: ti.mapIndex),
            "apiDagUrl": Paths.apiDag(dagId), "log": log.model,
            "logUrl": Paths.taskInstance(dagId, runId, taskId, mapIndex: ti.mapIndex) + "/log.txt",
            "note": ti.note ?? "", "label": ti.label,
        ]
        if ti.mapIndex >= 0 {
            model["isMapped"] = true
            model["mapIndex"] = ti.mapIndex
            model["mapItem"] = ti.mapItem ?? ""
            // A strip of badges: the first ones and the one shown; a task mapped wider says how many more.
            let all = try await service.taskInstances.forRun(run.id).filter { $0.taskId == taskId }
            let shown = all.filter { $0.mapIndex < Self.mappedStripLength || $0.mapIndex == ti.mapIndex }
            model["mappedInstances"] = shown.map { instance -> [String: Any] in
                [
                    "index": instance.mapIndex, "state": StateStyle(instance.state).model,
                    "url": Paths.taskInstance(dagId, runId, taskId, mapIndex: instance.mapIndex),
                    "chosen": instance.mapIndex == ti.mapIndex,
                ]
            }
            if all.count > shown.count { model["mappedMore"] = all.count - shown.count }
        }
        // What the current try published for other tasks (XCom), long values cut for the page.
        let results = try await service.xcoms.entries(runId: run.id, taskId: taskId, mapIndex: ti.mapIndex)
        model["hasXcom"] = !results.isEmpty
        model["xcomTry"] = results.first?.tryNumber ?? 0
        model["xcom"] = results.map { entry -> [String: Any] in
            let value = entry.value.count > 2000 ? entry.value.prefix(2000) + " …" : entry.value
            return ["key": entry.key, "value": value]
        }
        if let spec, showsPod {
            model["pod"] = PodCard(ti: ti, spec: spec, timeline: timeline, logText: log.text).model
        }
        return html(
            "task_instance", model, title: "\(ti.label) · \(runId)", section: .dags, viewer: viewer,
            events: "dag_id=" + HTML.component(dagId) + "&dag_run_id=" + HTML.component(runId))
    }

    static func kindName(_ spec: TaskSpec) -> String {
        let kind =
            switch spec.kind {
            case .bash: "bash"
            case .command: "command"
            case .empty: "empty"
            case .kubernetesPod: "kubernetes_pod"
            case .sensor(let sensor): "sensor (\(sensor.check.name), \(sensor.mode.rawValue) mode)"
            }
        let branch = spec.branch ? " (branch)" : ""
        return (spec.runsInPod && kind != "kubernetes_pod" ? kind + " (executor: kubernetes)" : kind) + branch
    }

    /// The last part of a try's log, starting at a line.
    struct LogTail {
        var text: String
        var start: Int
        var end: Int
        var stored: Int
        var running: Bool
        var truncated: Bool
        var tryNumber: Int

        var model: [String: Any] {
            [
                "text": text, "start": start, "end": end, "stored": Format.bytes(stored), "running": running,
                "truncated": truncated, "hasEarlier": start > 0, "try": tryNumber, "empty": text.isEmpty,
                "shownFrom": start == 0 ? "the beginning" : "character \(start)",
            ]
        }
    }

    func logTail(_ ti: TaskInstanceRecord, tryNumber: Int) async throws -> LogTail {
        let slice = try await service.taskInstances.logTail(
            taskInstanceId: ti.id, tryNumber: tryNumber, maxCharacters: Self.logTailCharacters)
        var start = slice.offset
        var text = Substring(slice.content)
        // Open at a line start: drop the partial first line of a tail (offsets count code points).
        if start > 0, let newline = text.firstIndex(of: "\n") {
            start += text[..<newline].unicodeScalars.count + 1
            text = text[text.index(after: newline)...]
        }
        return LogTail(
            text: String(text), start: start, end: slice.nextOffset, stored: slice.storedCharacters,
            running: slice.isRunning, truncated: slice.truncated, tryNumber: tryNumber)
    }

    /// `…/log.txt?try=N`: the whole log as a download, streamed in slices; with `from` and `to`
    /// (characters), just that part, for the viewer's "earlier" button.
    func logDownload(_ request: Request, dagId: String, runId: String, taskId: String, mapIndex: Int? = nil)
        async throws -> Response
    {
        let params = PageQuery(request)
        let run = try await service.run(dagId: dagId, runId: runId)
        let ti = try await service.taskInstance(of: run, taskId: taskId, mapIndex: mapIndex)
        let tryNumber = try params.int("try", default: max(ti.tryNumber, 1), in: 1...max(ti.tryNumber, 1))
        let from = try params.int("from", default: 0, in: 0...Int(Int32.max))
        let to = try params.int("to", default: Int(Int32.max), in: 0...Int(Int32.max))
        let store = service.taskInstances
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if params.string("download") != nil {
            let file = "\(dagId)__\(runId)__\(taskId)__try\(tryNumber).log".replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "\"", with: "_")
            headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        }
        let id = ti.id
        let body = ResponseBody { writer in
            var offset = from
            while offset < to {
                let slice = try await store.logSlice(
                    taskInstanceId: id, tryNumber: tryNumber, offset: offset,
                    maxCharacters: min(262_144, to - offset))
                if slice.content.isEmpty || slice.nextOffset <= offset { break }
                try await writer.write(ByteBuffer(string: slice.content))
                offset = slice.nextOffset
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
