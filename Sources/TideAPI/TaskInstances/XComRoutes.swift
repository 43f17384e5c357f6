import Hummingbird
import TideCore
import TidePostgres

/// `…/taskInstances/{task_id}/xcomEntries[/{xcom_key}]`: the results a task instance's current
/// try published, as Airflow lists them (`map_index` names a mapped task's instance; -1, the
/// default, a task that is not mapped); operators create, change and delete them (`POST`,
/// `PATCH`, `DELETE`).
struct XComRoutes: Sendable {
    let environment: APIEnvironment

    func register(on api: RouterGroup<APIRequestContext>) {
        let base = "dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/xcomEntries"
        registerWrites(on: api, base: base)
        api.get(RouterPath(base)) { request, context in
            _ = try context.require(.viewer, to: "reading XCom entries")
            var reader = QueryReader(request)
            let (limit, offset) = reader.page(maxPageSize: environment.settings.maxPageSize, defaultLimit: 100)
            let key = reader.string("xcom_key")
            let mapIndex = reader.int("map_index", default: -1, in: -1...Int(Int32.max))
            try reader.check()
            let (run, ti) = try await TaskInstanceRoutes(environment: environment).taskInstance(context)
            let entries = try await environment.service.xcoms.entries(
                runId: run.id, taskId: ti.taskId, mapIndex: mapIndex
            ).filter { key == nil || $0.key == key }
            let page = entries.dropFirst(offset).prefix(limit)
            return JSONResponse.make(
                JSONObject.collection(
                    "xcom_entries", page.map { Self.entry($0, run: run, taskId: ti.taskId, value: nil) },
                    total: entries.count), for: request)
        }
        api.get(RouterPath(base + "/:xcom_key")) { request, context in
            _ = try context.require(.viewer, to: "reading XCom entries")
            var reader = QueryReader(request)
            let mapIndex = reader.int("map_index", default: -1, in: -1...Int(Int32.max))
            _ = reader.bool("deserialize")
            let stringify = reader.bool("stringify") ?? false
            try reader.check()
            let key = try APIEnvironment.parameter(context, "xcom_key")
            let (run, ti) = try await TaskInstanceRoutes(environment: environment).taskInstance(context)
            guard
                let entry = try await environment.service.xcoms.entries(
                    runId: run.id, taskId: ti.taskId, mapIndex: mapIndex
                ).first(where: { $0.key == key }),
                let value = try? JSONValue.parse(entry.value)
            else {
                throw APIError.notFound("XCom entry with key: `\(key)` not found")
            }
            // Stringified, a string is itself and anything else its JSON (Airflow prints Python's repr).
            let shown: JSONValue =
                switch (stringify, value) {
                case (false, _): value
                case (true, .string): value
                case (true, _): .string(value.jsonText)
                }
            return JSONResponse.make(Self.entry(entry, run: run, taskId: ti.taskId, value: shown), for: request)
        }
    }

    /// Writes through the API: an operator's change, for the task instance's current try.
    func registerWrites(on api: RouterGroup<APIRequestContext>, base: String) {
        api.post(RouterPath(base)) { request, context in
            _ = try context.require(.op, to: "writing XCom entries")
            var body = try await BodyReader.read(
                request, maxBytes: environment.settings.maxBodyBytes, fields: ["key", "value", "map_index"])
            body.require("key")
            body.require("value")
            let key = body.string("key", maxLength: 512, nullable: false)
            let mapIndex = body.int("map_index", in: -1...Int(Int32.max))
            try body.check()
            guard let key, let value = body.value("value") else {
                throw APIError(.badRequest, "key and value are required")
            }
            try Self.check(key: key)
            let text = try checked(value)
            let index = mapIndex ?? -1
            let (run, ti) = try await TaskInstanceRoutes(environment: environment).taskInstance(
                context, mapIndex: index)
            guard
                try await environment.service.xcoms.create(
                    runId: run.id, taskId: ti.taskId, mapIndex: index, key: key, value: text)
            else {
                throw APIError(.conflict, "The XCom with key: `\(key)` with mapped index: \(index) already exists.")
            }
            return try await stored(
                key: key, run: run, taskId: ti.taskId, mapIndex: index, request: request, status: .created)
        }
        api.patch(RouterPath(base + "/:xcom_key")) { request, context in
            _ = try context.require(.op, to: "writing XCom entries")
            var body = try await BodyReader.read(
                request, maxBytes: environment.settings.maxBodyBytes, fields: ["value", "map_index"])
            body.require("value")
            let mapIndex = body.int("map_index", in: -1...Int(Int32.max))
            try body.check()
            guard let value = body.value("value") else { throw APIError(.badRequest, "value is required") }
            let key = try APIEnvironment.parameter(context, "xcom_key")
            try Self.check(key: key)
            let text = try checked(value)
            let index = mapIndex ?? -1
            let (run, ti) = try await TaskInstanceRoutes(environment: environment).taskInstance(context)
            guard
                try await environment.service.xcoms.update(
                    runId: run.id, taskId: ti.taskId, mapIndex: index, key: key, value: text)
            else {
                throw APIError.notFound("The XCom with key: `\(key)` with mapped index: \(index) not found.")
            }
            return try await stored(
                key: key, run: run, taskId: ti.taskId, mapIndex: index, request: request, status: .ok)
        }
        api.delete(RouterPath(base + "/:xcom_key")) { request, context in
            _ = try context.require(.op, to: "writing XCom entries")
            var reader = QueryReader(request)
            let mapIndex = reader.int("map_index", default: -1, in: -1...Int(Int32.max))
            try reader.check()
            let key = try APIEnvironment.parameter(context, "xcom_key")
            try Self.check(key: key)
            let (run, ti) = try await TaskInstanceRoutes(environment: environment).taskInstance(context)
            guard
                try await environment.service.xcoms.delete(
                    runId: run.id, taskId: ti.taskId, mapIndex: mapIndex, key: key)
            else {
                throw APIError.notFound("The XCom with key: `\(key)` with mapped index: \(mapIndex) not found.")
            }
            return JSONResponse.noContent()
        }
    }

    /// A key as results are named.
    private static func check(key: String) throws {
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
            throw APIError(.badRequest, "An XCom key is letters, digits, '_', '-' and '.', got '\(key)'")
        }
    }

    /// The value as stored JSON text, within `worker.xcom_max_bytes`.
    private func checked(_ value: JSONValue) throws -> String {
        let text = value.jsonText
        guard text.utf8.count <= environment.xcomMaxBytes else {
            throw APIError(
                .badRequest,
                "The XCom value is \(text.utf8.count) bytes as JSON, over worker.xcom_max_bytes (\(environment.xcomMaxBytes))"
            )
        }
        return text
    }

    /// The entry as stored, in Airflow's XComResponseNative.
    private func stored(
        key: String, run: RunRecord, taskId: String, mapIndex: Int, request: Request, status: HTTPResponse.Status
    ) async throws -> Response {
        guard
            let entry = try await environment.service.xcoms.entries(runId: run.id, taskId: taskId, mapIndex: mapIndex)
                .first(where: { $0.key == key }), let value = try? JSONValue.parse(entry.value)
        else { throw APIError.notFound("The XCom with key: `\(key)` with mapped index: \(mapIndex) not found.") }
        return JSONResponse.make(
            Self.entry(entry, run: run, taskId: taskId, value: value), status: status, for: request)
    }

    /// Airflow's XComResponse (with `value` when given: XComResponseNative / String).
    static func entry(_ entry: XComStore.Entry, run: RunRecord, taskId: String, value: JSONValue?) -> JSONObject {
        var object: JSONObject = [
            "key": .string(entry.key), "timestamp": AirflowDate.json(entry.createdAt),
            "logical_date": AirflowDate.json(run.logicalDate), "map_index": .number(Double(entry.mapIndex)),
            "task_id": .string(taskId),
            "dag_id": .string(run.dagId), "run_id": .string(run.runId), "dag_display_name": .string(run.dagId),
            "task_display_name": .string(taskId),
            "run_after": AirflowDate.json(run.dataIntervalEnd ?? run.logicalDate),
        ]
        if let value { object["value"] = value }
        return object
    }
}
