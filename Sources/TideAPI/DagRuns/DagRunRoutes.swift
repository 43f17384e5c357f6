import Hummingbird
import TideCore
import TidePostgres
import TideService

/// `/api/v2/dags/{dag_id}/dagRuns…`: list (per DAG, or `~` for all), trigger, get, mark, delete, clear.
struct DagRunRoutes: Sendable {
    let environment: APIEnvironment
    var service: TideService { environment.service }

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("dags/:dag_id/dagRuns") { request, context in try await list(request, context) }
        api.post("dags/:dag_id/dagRuns") { request, context in try await trigger(request, context) }
        api.get("dags/:dag_id/dagRuns/:dag_run_id") { request, context in
            _ = try context.require(.viewer, to: "reading runs")
            return JSONResponse.make(AirflowJSON.run(try await run(context)), for: request)
        }
        api.patch("dags/:dag_id/dagRuns/:dag_run_id") { request, context in try await patch(request, context) }
        api.delete("dags/:dag_id/dagRuns/:dag_run_id") { _, context in
            _ = try context.require(.op, to: "deleting runs")
            try await service.deleteRun(try await run(context))
            return JSONResponse.noContent()
        }
        api.post("dags/:dag_id/dagRuns/:dag_run_id/clear") { request, context in try await clear(request, context) }
    }

    /// The run named in the path.
    func run(_ context: APIRequestContext) async throws -> RunRecord {
        let dagId = try APIEnvironment.parameter(context, "dag_id")
        let runId = try APIEnvironment.parameter(context, "dag_run_id")
        do {
            return try await service.run(dagId: dagId, runId: runId)
        } catch let error as ServiceError where error.code == .notFound {
            throw APIError.notFound(
                error.message.hasPrefix("no DAG")
                    ? "The DAG with id '\(dagId)' was not found"
                    : "The DagRun with dag_id: '\(dagId)' and run_id: '\(runId)' was not found")
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.viewer, to: "reading runs")
        let dagId = try APIEnvironment.parameter(context, "dag_id")
        var reader = QueryReader(request)
        var query = RunQuery()
        query.dagId = dagId == "~" ? nil : dagId
        (query.limit, query.offset) = reader.page(maxPageSize: environment.settings.maxPageSize)
        query.states = reader.enumValues("state", as: DagRunState.self)
        query.runTypes = reader.list("run_type")
        for runType in query.runTypes where !["manual", "scheduled", "backfill"].contains(runType) {
            if !["operator_triggered", "asset_triggered", "asset_materialization"].contains(runType) {
                reader.problem("run_type", "Input should be a DagRunType", type: "enum", input: runType)
            }
        }
        query.runIdSearch = reader.string("run_id_pattern")
        query.logicalDate = reader.range("logical_date")
        query.startDate = reader.range("start_date")
        query.endDate = reader.range("end_date")
        query.order = try reader.order(
            RunQuery.Field.self, default: [SortKey(.id)],
            aliases: ["dag_run_id": .runId, "run_after": .logicalDate, "execution_date": .logicalDate])
        try reader.check()
        if let dagId = query.dagId { _ = try await DagRoutes(environment: environment).dag(context, dagId: dagId) }
        let page = try await service.runs.page(query)
        return JSONResponse.make(
            .object([
                "dag_runs": .array(page.items.map(AirflowJSON.run)), "total_entries": .number(Double(page.total)),
            ]), for: request)
    }

    func trigger(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.op, to: "triggering runs")
        let dagId = try APIEnvironment.parameter(context, "dag_id")
        var body = try await BodyReader.read(
            request, maxBytes: environment.settings.maxBodyBytes,
            fields: [
                "dag_run_id", "data_interval_start", "data_interval_end", "logical_date", "run_after", "conf", "note",
                "partition_key",
            ])
        // As in Airflow 3, logical_date must be given, if only as null.
        body.require("logical_date")
        let runId = body.string("dag_run_id")
        let logicalDate = body.date("logical_date")
        _ = body.date("data_interval_start")
        _ = body.date("data_interval_end")
        _ = body.date("run_after")
        let conf = body.object("conf") ?? [:]
        let note = body.string("note", maxLength: 1000)
        if body.string("partition_key") != nil {
            throw APIError(.badRequest, "partition_key: Tide has no partitioned DAGs")
        }
        if body.has("data_interval_start") != body.has("data_interval_end") {
            throw APIError(.badRequest, "data_interval_start and data_interval_end must be given together")
        }
        try body.check()
        if let runId, runId.isEmpty || runId.count > 250 || runId.contains("/") {
            throw APIError(.badRequest, "dag_run_id: expected 1 to 250 characters without '/', got '\(runId)'")
        }
        _ = try await DagRoutes(environment: environment).dag(context, dagId: dagId)
        let run: RunRecord
        do {
            run = try await service.trigger(
                dagId: dagId, runId: runId, logicalDate: logicalDate, conf: JSONValue.object(conf).jsonText)
        } catch let error as ServiceError where error.code == .conflict {
            throw APIError(.conflict, "DAG Run with id '\(runId ?? "")' already exists for DAG '\(dagId)'")
        }
        if let note { try await service.runs.setNote(run.id, note) }
        var created = run
        created.note = note
        return JSONResponse.make(AirflowJSON.run(created), for: request)
    }

    func patch(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.op, to: "marking runs")
        let run = try await run(context)
        var body = try await BodyReader.read(
            request, maxBytes: environment.settings.maxBodyBytes, fields: ["state", "note"])
        let state = body.enumValue("state", [DagRunState.queued, .success, .failed])
        let note = body.string("note", maxLength: 1000)
        try body.check()
        let mask = try QueryReader(request).updateMask(allowed: ["state", "note"])
        let changeState = mask.changes("state", given: state != nil)
        let changeNote = mask.changes("note", given: body.has("note"))
        var current = run
        if changeState, let state { current = try await service.markRun(run, as: state) }
        if changeNote {
            try await service.runs.setNote(run.id, note)
            current.note = note
        }
        return JSONResponse.make(AirflowJSON.run(current), for: request)
    }

    func clear(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.op, to: "clearing runs")
        let run = try await run(context)
        var body = try await BodyReader.read(
            request, maxBytes: environment.settings.maxBodyBytes,
            fields: ["dry_run", "only_failed", "only_new", "run_on_latest_version", "note"])
        let dryRun = body.bool("dry_run") ?? true
        let onlyFailed = body.bool("only_failed") ?? false
        let onlyNew = body.bool("only_new") ?? false
        let latestVersion = body.bool("run_on_latest_version", nullable: true) ?? false
        let note = body.string("note", maxLength: 1000)
        try body.check()
        try Self.refuseVersionOptions(onlyNew: onlyNew, latestVersion: latestVersion)
        let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
        let tasks = TaskLookup(dag)
        let cleared = try await service.clear(run, selection: TaskSelection(onlyFailed: onlyFailed), dryRun: dryRun)
        if dryRun {
            return JSONResponse.make(
                JSONObject.collection(
                    "task_instances", cleared.map { AirflowJSON.taskInstance($0, run: run, tasks: tasks) }),
                for: request)
        }
        if body.has("note") { try await service.runs.setNote(run.id, note) }
        return JSONResponse.make(
            AirflowJSON.run(try await service.run(dagId: run.dagId, runId: run.runId)), for: request)
    }

    /// A run keeps the DAG version it started with, and a cleared task runs again in it: there are
    /// no new tasks to clear and no later version to switch to, so these options are refused.
    static func refuseVersionOptions(onlyNew: Bool, latestVersion: Bool) throws {
        if onlyNew {
            throw unsupported("only_new", "a Tide run keeps its DAG version, so it has no new tasks to clear")
        }
        if latestVersion {
            throw unsupported("run_on_latest_version", "a Tide run keeps its DAG version; trigger a new run instead")
        }
    }

    /// A valid value Tide cannot honour, refused as invalid input (422) naming the field.
    static func unsupported(_ field: String, _ message: String) -> APIError {
        APIError(
            validation: [
                ValidationProblem(location: ["body", field], message: message, type: "value_error", input: .bool(true))
            ])
    }
}
