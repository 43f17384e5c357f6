import Hummingbird
import TideCore
import TidePostgres

/// `GET …/taskInstances/{task_id}/xcomEntries[/{xcom_key}]`: the results a task instance's
/// current try published, as Airflow lists them (one map index, -1).
struct XComRoutes: Sendable {
    let environment: APIEnvironment

    func register(on api: RouterGroup<APIRequestContext>) {
        let base = "dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id/xcomEntries"
        api.get(RouterPath(base)) { request, context in
            _ = try context.require(.viewer, to: "reading XCom entries")
            var reader = QueryReader(request)
            let (limit, offset) = reader.page(maxPageSize: environment.settings.maxPageSize, defaultLimit: 100)
            let key = reader.string("xcom_key")
            let mapIndex = reader.int("map_index", default: -1, in: -1...Int(Int32.max))
            try reader.check()
            let (run, ti) = try await TaskInstanceRoutes(environment: environment).taskInstance(context)
            let entries = try await environment.service.xcoms.entries(runId: run.id, taskId: ti.taskId).filter {
                (key == nil || $0.key == key) && mapIndex == -1
            }
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
            guard mapIndex == -1,
                let entry = try await environment.service.xcoms.entries(runId: run.id, taskId: ti.taskId)
                    .first(where: { $0.key == key }),
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

    /// Airflow's XComResponse (with `value` when given: XComResponseNative / String).
    static func entry(_ entry: XComStore.Entry, run: RunRecord, taskId: String, value: JSONValue?) -> JSONObject {
        var object: JSONObject = [
            "key": .string(entry.key), "timestamp": AirflowDate.json(entry.createdAt),
            "logical_date": AirflowDate.json(run.logicalDate), "map_index": .number(-1), "task_id": .string(taskId),
            "dag_id": .string(run.dagId), "run_id": .string(run.runId), "dag_display_name": .string(run.dagId),
            "task_display_name": .string(taskId),
            "run_after": AirflowDate.json(run.dataIntervalEnd ?? run.logicalDate),
        ]
        if let value { object["value"] = value }
        return object
    }
}
