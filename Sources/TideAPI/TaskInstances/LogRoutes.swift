import Foundation
import Hummingbird
import NIOCore
import TideCore
import TidePostgres

/// `GET …/taskInstances/{task_id}/logs/{try_number}`: a try's log as Airflow serves it, as JSON
/// pages joined by a continuation token, or (with `Accept: application/x-ndjson`) as a stream of
/// one JSON object per line.
struct LogRoutes: Sendable {
    let environment: APIEnvironment
    /// Characters of log in one JSON answer; the rest comes with the continuation token.
    static let pageCharacters = 262_144

    /// Where the next page starts: Airflow's token is opaque to clients, so any encoding works.
    struct ContinuationToken: Sendable, Hashable {
        var position: Int
        var endOfLog: Bool

        var encoded: String {
            Data(JSONValue.object(["log_pos": .number(Double(position)), "end_of_log": .bool(endOfLog)]).jsonText.utf8)
                .base64EncodedString()
        }

        init(position: Int, endOfLog: Bool) {
            self.position = position
            self.endOfLog = endOfLog
        }

        init?(_ text: String) {
            guard let data = Data(base64Encoded: text), let value = try? JSONValue.decode(Array(data)),
                case .number(let position)? = value["log_pos"], position >= 0, position < Double(Int32.max)
            else { return nil }
            self.position = Int(position)
            self.endOfLog = value["end_of_log"] == .bool(true)
        }
    }

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/logs/:try_number") { request, context in
            _ = try context.require(.viewer, to: "reading logs")
            let routes = TaskInstanceRoutes(environment: environment)
            var reader = QueryReader(request)
            let fullContent = reader.bool("full_content") ?? false
            let mapIndex = reader.int("map_index", default: -1, in: -1...Int(Int32.max))
            let tokenText = reader.string("token")
            try reader.check()
            let tryNumber = try routes.integer(context, "try_number")
            // A mapped task's instance by its map index; -1 (the default) is the task's only instance.
            let (run, ti) = try await routes.taskInstance(context, mapIndex: mapIndex)
            guard tryNumber >= 1, tryNumber <= max(ti.tryNumber, 1) else {
                throw APIError.notFound(
                    "TaskInstance '\(ti.taskId)' of run '\(run.runId)' has no try \(tryNumber) (it has \(ti.tryNumber))"
                )
            }
            var position = 0
            if let tokenText {
                guard let token = ContinuationToken(tokenText) else {
                    throw APIError(.badRequest, "Bad Signature. Please use only the tokens provided by the API.")
                }
                position = token.position
            }
            let store = environment.service.taskInstances
            if request.headers[.accept]?.contains("application/x-ndjson") == true {
                return stream(store: store, taskInstanceId: ti.id, tryNumber: tryNumber, from: position)
            }
            let slice = try await store.logSlice(
                taskInstanceId: ti.id, tryNumber: tryNumber, offset: position,
                maxCharacters: fullContent ? Int(Int32.max) : Self.pageCharacters)
            let next = slice.nextOffset
            let endOfLog = next >= slice.storedCharacters && !slice.isRunning
            let lines = Self.lines(slice.content)
            return JSONResponse.make(
                .object([
                    "content": .array(lines.map { .object(["event": .string($0)]) }),
                    "continuation_token": .string(ContinuationToken(position: next, endOfLog: endOfLog).encoded),
                ]), for: request)
        }
    }

    /// The log from `position` on as NDJSON (`{"event": "…"}` per line), read page by page so a
    /// large log is never held whole.
    func stream(store: TaskInstanceStore, taskInstanceId: Int64, tryNumber: Int, from position: Int) -> Response {
        let body = ResponseBody { writer in
            var offset = position
            while true {
                let slice = try await store.logSlice(
                    taskInstanceId: taskInstanceId, tryNumber: tryNumber, offset: offset,
                    maxCharacters: Self.pageCharacters)
                guard !slice.content.isEmpty else { break }
                var bytes: [UInt8] = []
                for line in Self.lines(slice.content) {
                    bytes += JSONWriter.bytes(.object(["event": .string(line)]))
                    bytes.append(UInt8(ascii: "\n"))
                }
                try await writer.write(ByteBuffer(bytes: bytes))
                guard slice.nextOffset > offset else { break }
                offset = slice.nextOffset
                if offset >= slice.storedCharacters { break }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }

    /// A log's lines, without the trailing empty one.
    static func lines(_ content: String) -> [String] {
        var lines = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
