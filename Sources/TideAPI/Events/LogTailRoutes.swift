import Foundation
import Hummingbird
import NIOCore
import TideCore
import TidePostgres

/// `GET …/taskInstances/{task_id}/logs/{try_number}/stream`: a try's log as Server-Sent Events,
/// one `log` event per line (its `id` is the offset after the line, so `Last-Event-ID` resumes),
/// following a running try until it ends; then an `end` event with the try's state.
struct LogTailRoutes: Sendable {
    let environment: APIEnvironment
    static let checkSeconds = 0.5

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:try_number/stream") {
            request, context in
            _ = try context.require(.viewer, to: "reading logs")
            let routes = TaskInstanceRoutes(environment: environment)
            let tryNumber = try routes.integer(context, "try_number")
            let (run, ti) = try await routes.taskInstance(context)
            guard tryNumber >= 1, tryNumber <= max(ti.tryNumber, 1) else {
                throw APIError.notFound("TaskInstance '\(ti.taskId)' of run '\(run.runId)' has no try \(tryNumber)")
            }
            let resumeText = request.headers[.init("Last-Event-ID")!] ?? QueryReader(request).string("last_event_id")
            let start: Int
            if let resumeText {
                guard let offset = Int(resumeText), offset >= 0 else {
                    throw APIError(.badRequest, "Last-Event-ID: expected a log offset, got '\(resumeText)'")
                }
                start = offset
            } else {
                start = 0
            }
            let store = environment.service.taskInstances
            let body = ResponseBody { writer in
                var offset = start
                var pacing = StreamPacing(checkSeconds: Self.checkSeconds)
                do {
                    while !Task.isCancelled {
                        let slice = try await store.logSlice(
                            taskInstanceId: ti.id, tryNumber: tryNumber, offset: offset,
                            maxCharacters: LogRoutes.pageCharacters)
                        // Only whole lines are sent while the try runs; the rest waits for its newline.
                        var lines = slice.content.split(separator: "\n", omittingEmptySubsequences: false)
                        let partial = lines.removeLast()
                        // Offsets count code points; a marker line for dropped output counts none, so
                        // each line's id is where it ends at most, and the slice's end is exact.
                        let linesEnd = slice.nextOffset - partial.unicodeScalars.count
                        for line in lines {
                            offset = min(linesEnd, offset + line.unicodeScalars.count + 1)
                            try await writer.write(
                                ServerSentEvent(id: String(offset), event: "log", data: String(line)).buffer)
                        }
                        offset = max(offset, linesEnd)
                        if !slice.isRunning && slice.nextOffset >= slice.storedCharacters {
                            if !partial.isEmpty {
                                offset = slice.nextOffset
                                try await writer.write(
                                    ServerSentEvent(id: String(offset), event: "log", data: String(partial)).buffer)
                            }
                            let state = try await store.get(runId: run.id, taskId: ti.taskId)
                            let ended = state.tryNumber == tryNumber ? state.state.rawValue : "finished"
                            try await writer.write(
                                ServerSentEvent(id: String(offset), event: "end", data: #"{"state":"\#(ended)"}"#)
                                    .buffer)
                            break
                        }
                        if lines.isEmpty {
                            try await pacing.wait(writing: &writer)
                        } else {
                            pacing.sent()
                        }
                    }
                } catch {}
                try await writer.finish(nil)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }
}
