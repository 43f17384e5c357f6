import Foundation
import Hummingbird
import TideCore
import TidePostgres
import TideService

/// `/api/v2/dags…`: list (with search), get, pause, details and tasks, as Airflow 3 serves them.
struct DagRoutes: Sendable {
    let environment: APIEnvironment
    var service: TideService { environment.service }

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("dags") { request, context in try await list(request, context) }
        api.get("dags/:dag_id") { request, context in
            _ = try context.require(.viewer, to: "reading DAGs")
            let (record, dag) = try await dag(context)
            return JSONResponse.make(.object(json(record, dag)), for: request)
        }
        api.patch("dags/:dag_id") { request, context in try await patch(request, context) }
        api.get("dags/:dag_id/details") { request, context in
            _ = try context.require(.viewer, to: "reading DAGs")
            let (record, dag) = try await dag(context)
            var query = RunQuery()
            query.dagId = record.dagId
            query.states = [.queued, .running]
            query.limit = 0
            let active = try await service.runs.page(query).total
            return JSONResponse.make(
                AirflowJSON.dagDetails(
                    record, dag, next: environment.nextRuns.next(dag, hash: record.contentHash),
                    defaultTimeZone: environment.defaultTimeZone, activeRuns: active),
                for: request)
        }
        api.get("dags/:dag_id/tasks") { request, context in
            _ = try context.require(.viewer, to: "reading DAGs")
            let (_, dag) = try await dag(context)
            let query = QueryReader(request)
            let order = query.string("order_by") ?? "task_id"
            let descending = order.hasPrefix("-")
            let field = descending ? String(order.dropFirst()) : order
            guard field == "task_id" else {
                throw APIError(
                    .badRequest, "Ordering with '\(field)' is disallowed or the attribute does not exist on the model")
            }
            let tasks = dag.tasks.sorted { descending ? $0.taskId > $1.taskId : $0.taskId < $1.taskId }
            let downstream = dag.downstream
            return JSONResponse.make(
                .object([
                    "tasks": .array(
                        tasks.map {
                            AirflowJSON.task(
                                $0, downstream: downstream, defaultWeightRule: environment.defaultWeightRule)
                        }),
                    "total_entries": .number(Double(tasks.count)),
                ]), for: request)
        }
        api.get("dags/:dag_id/tasks/:task_id") { request, context in
            _ = try context.require(.viewer, to: "reading DAGs")
            let (_, dag) = try await dag(context)
            let taskId = try APIEnvironment.parameter(context, "task_id")
            guard let task = dag.task(taskId) else {
                throw APIError.notFound("Task with id '\(taskId)' not found in DAG '\(dag.dagId)'")
            }
            return JSONResponse.make(
                AirflowJSON.task(task, downstream: dag.downstream, defaultWeightRule: environment.defaultWeightRule),
                for: request)
        }
    }

    /// The DAG named in the path, with its current definition.
    func dag(_ context: APIRequestContext) async throws -> (DagRecord, DAG) {
        try await dag(context, dagId: try APIEnvironment.parameter(context, "dag_id"))
    }

    /// A DAG with its current definition; 404 in Airflow's words when there is none.
    func dag(_ context: APIRequestContext, dagId: String) async throws -> (DagRecord, DAG) {
        do {
            return try await service.dag(dagId)
        } catch let error as ServiceError where error.code == .notFound {
            throw APIError.notFound("The DAG with id '\(dagId)' was not found")
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.viewer, to: "reading DAGs")
        var reader = QueryReader(request)
        var query = DagQuery()
        (query.limit, query.offset) = reader.page(maxPageSize: environment.settings.maxPageSize)
        query.search = reader.string("dag_id_pattern") ?? reader.string("dag_display_name_pattern")
        query.idPrefix = reader.string("dag_id_prefix_pattern") ?? reader.string("dag_display_name_prefix_pattern")
        query.tags = reader.list("tags")
        switch reader.string("tags_match_mode") {
        case nil, "any": query.tagsMatchAll = false
        case "all": query.tagsMatchAll = true
        case let other?:
            reader.problem("tags_match_mode", "Input should be 'any' or 'all'", type: "enum", input: other)
        }
        query.paused = reader.bool("paused")
        // Airflow 3 says exclude_stale; Airflow 2's only_active still works.
        let excludeStale = reader.bool("exclude_stale") ?? reader.bool("only_active") ?? true
        query.includeInactive = !excludeStale
        query.order = try reader.order(
            DagQuery.Field.self, default: [SortKey(.dagId)],
            aliases: ["dag_display_name": .dagId, "last_parsed": .lastParsed])
        try reader.check()
        let page = try await service.dags.page(query)
        var items: [JSONValue] = []
        items.reserveCapacity(page.items.count)
        for record in page.items {
            let dag = try? await service.definition(dagId: record.dagId, hash: record.contentHash)
            items.append(.object(json(record, dag)))
        }
        return JSONResponse.make(
            .object(["dags": .array(items), "total_entries": .number(Double(page.total))]), for: request)
    }

    func patch(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.op, to: "pausing DAGs")
        let (record, _) = try await dag(context)
        var body = try await BodyReader.read(
            request, maxBytes: environment.settings.maxBodyBytes, fields: ["is_paused"])
        body.require("is_paused")
        let paused = body.bool("is_paused")
        try body.check()
        let mask = QueryReader(request).list("update_mask")
        if let unknown = mask.first(where: { $0 != "is_paused" }) {
            throw APIError(.badRequest, "Only `is_paused` field can be updated through the REST API, not '\(unknown)'")
        }
        let updated = try await service.setPaused(record.dagId, paused ?? record.isPaused)
        let dag = try? await service.definition(dagId: updated.dagId, hash: updated.contentHash)
        return JSONResponse.make(.object(json(updated, dag)), for: request)
    }

    /// A DAG as Airflow's `DAGResponse`.
    func json(_ record: DagRecord, _ dag: DAG?) -> [String: JSONValue] {
        AirflowJSON.dag(record, dag, next: dag.flatMap { environment.nextRuns.next($0, hash: record.contentHash) })
    }
}
