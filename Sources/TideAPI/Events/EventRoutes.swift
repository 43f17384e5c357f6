import Foundation
import Hummingbird
import NIOCore
import TideCore
import TidePostgres

/// `GET /api/v2/events`: run and task-instance state changes as Server-Sent Events, optionally
/// of one DAG or run, resumable with `Last-Event-ID` (or `last_event_id`). A client that resumes
/// from before the kept feed (one hour) gets a `reset` event: list the states again.
struct EventRoutes: Sendable {
    let environment: APIEnvironment
    let hub: EventHub
    /// How often a stream checks for new events.
    static let checkSeconds = 0.2

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("events") { request, context in
            _ = try context.require(.viewer, to: "reading events")
            let reader = QueryReader(request)
            let dagId = reader.string("dag_id")
            let runName = reader.string("dag_run_id")
            let resumeText = request.headers[.init("Last-Event-ID")!] ?? reader.string("last_event_id")
            try reader.check()
            var resume: Int64?
            if let resumeText {
                guard let id = Int64(resumeText), id >= 0 else {
                    throw APIError(
                        .badRequest, "Last-Event-ID: expected an event id (a whole number), got '\(resumeText)'")
                }
                resume = id
            }
            let hub = hub
            let store = StateEventStore(pool: environment.service.database)
            let start: Int64
            var reset = false
            if let resume {
                let oldest = try await store.bounds().oldest
                reset = oldest > 0 && resume < oldest - 1
                start = reset ? try await hub.newestId() : resume
            } else {
                start = try await hub.newestId()
            }
            let resetFirst = reset
            let body = ResponseBody { writer in
                await hub.listen()
                var last = start
                var pacing = StreamPacing(checkSeconds: Self.checkSeconds)
                do {
                    try await writer.write(ServerSentEvent(id: String(start), event: "hello", data: "{}").buffer)
                    if resetFirst {
                        try await writer.write(
                            ServerSentEvent(
                                id: String(start), event: "reset",
                                data:
                                    #"{"detail":"events before this one are no longer kept: list the current states again"}"#
                            ).buffer)
                    }
                    while !Task.isCancelled {
                        let batch = try await hub.events(after: last)
                        for event in batch {
                            last = event.id
                            if let dagId, event.dagId != dagId { continue }
                            if let runName, event.runName != runName { continue }
                            try await writer.write(Self.encode(event).buffer)
                        }
                        if batch.isEmpty {
                            try await pacing.wait(writing: &writer)
                        } else {
                            pacing.sent()
                        }
                    }
                } catch {}
                await hub.leave()
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no",
                ],
                body: body)
        }
    }

    static func encode(_ event: StateEventStore.Event) -> ServerSentEvent {
        var object: [String: JSONValue] = [
            "id": .number(Double(event.id)), "timestamp": AirflowDate.json(event.at), "dag_id": .string(event.dagId),
            "dag_run_id": event.runName.map(JSONValue.string) ?? .null,
            "state": event.state == TaskState.none.rawValue ? .null : .string(event.state),
        ]
        if event.kind == .taskInstance {
            object["task_id"] = event.taskId.map(JSONValue.string) ?? .null
            object["try_number"] = event.tryNumber.map { .number(Double($0)) } ?? .null
        }
        return ServerSentEvent(
            id: String(event.id), event: event.kind.rawValue,
            data: String(decoding: JSONWriter.bytes(.object(object)), as: UTF8.self))
    }
}
