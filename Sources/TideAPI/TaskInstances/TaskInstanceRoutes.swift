import Hummingbird
import TideCore
import TidePostgres
import TideService

/// `/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances…` and `clearTaskInstances`:
/// list, get, mark (PATCH, with `dry_run`), tries, and clear with upstream/downstream.
struct TaskInstanceRoutes: Sendable {
    let environment: APIEnvironment
    var service: TideService { environment.service }
    var runs: DagRunRoutes { DagRunRoutes(environment: environment) }

    func register(on api: RouterGroup<APIRequestContext>) {
        let base = "dags/:dag_id/dagRuns/:dag_run_id/taskInstances"
        api.get(RouterPath(base)) { request, context in try await list(request, context) }
        api.get(RouterPath(base + "/:task_id")) { request, context in
            _ = try context.require(.viewer, to: "reading task instances")
            let (run, ti) = try await taskInstance(context)
            let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
            let tasks = TaskLookup(dag)
            return JSONResponse.make(AirflowJSON.taskInstance(ti, run: run, tasks: tasks), for: request)
        }
        api.patch(RouterPath(base + "/:task_id")) { request, context in
            try await patch(request, context, dryRun: false)
        }
        api.patch(RouterPath(base + "/:task_id/dry_run")) { request, context in
            try await patch(request, context, dryRun: true)
        }
        api.get(RouterPath(base + "/:task_id/tries")) { request, context in
            _ = try context.require(.viewer, to: "reading task instances")
            let (run, ti) = try await taskInstance(context)
            let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
            let tasks = TaskLookup(dag)
            let tries = try await service.taskInstances.tries(of: ti)
            return JSONResponse.make(
                JSONObject.collection(
                    "task_instances", tries.map { AirflowJSON.tryRecord($0, of: ti, run: run, tasks: tasks) }),
                for: request)
        }
        api.get(RouterPath(base + "/:task_id/tries/:task_try_number")) { request, context in
            _ = try context.require(.viewer, to: "reading task instances")
            let (run, ti) = try await taskInstance(context)
            let number = try tryNumber(context, "task_try_number")
            let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
            let tasks = TaskLookup(dag)
            guard let entry = try await service.taskInstances.tries(of: ti).first(where: { $0.tryNumber == number })
            else {
                throw APIError.notFound(
                    "The Task Instance with dag_id: '\(run.dagId)', run_id: '\(run.runId)', task_id: '\(ti.taskId)', try_number: \(number) and map_index: -1 was not found"
                )
            }
            return JSONResponse.make(AirflowJSON.tryRecord(entry, of: ti, run: run, tasks: tasks), for: request)
        }
        api.post("dags/:dag_id/clearTaskInstances") { request, context in try await clear(request, context) }
    }

    /// The run and task instance named in the path.
    func taskInstance(_ context: APIRequestContext) async throws -> (RunRecord, TaskInstanceRecord) {
        let run = try await runs.run(context)
        let taskId = try APIEnvironment.parameter(context, "task_id")
        do {
            return (run, try await service.taskInstance(of: run, taskId: taskId))
        } catch let error as ServiceError where error.code == .notFound {
            throw APIError.notFound(
                "The Task Instance with dag_id: '\(run.dagId)', run_id: '\(run.runId)', task_id: '\(taskId)' and map_index: -1 was not found"
            )
        }
    }

    func tryNumber(_ context: APIRequestContext, _ name: String) throws -> Int {
        let text = try APIEnvironment.parameter(context, name)
        guard let number = Int(text), number >= 0 else {
            throw APIError(
                validation: [
                    ValidationProblem(
                        location: ["path", name], message: "Input should be a valid integer of at least 0",
                        type: "int_parsing", input: .string(text))
                ])
        }
        return number
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.viewer, to: "reading task instances")
        var reader = QueryReader(request)
        var query = TaskInstanceQuery()
        (query.limit, query.offset) = reader.page(maxPageSize: environment.settings.maxPageSize, defaultLimit: 50)
        let states = reader.list("state")
        if !states.isEmpty {
            query.states = states.compactMap { text in
                if text == "none" || text == "no_status" { return TaskState.none }
                guard let state = TaskState(rawValue: text) else {
                    reader.problem("state", "Input should be a TaskInstanceState", type: "enum", input: text)
                    return nil
                }
                return state
            }
        }
        query.taskIds = reader.list("task_id")
        query.pools = reader.list("pool")
        query.queues = reader.list("queue")
        query.order = try reader.order(
            TaskInstanceQuery.Field.self, default: [SortKey(.id)],
            aliases: ["queued_at": .queuedAt, "map_index": .id, "logical_date": .id, "run_after": .id])
        try reader.check()
        if try APIEnvironment.parameter(context, "dag_run_id") == "~" {
            return try await listAcrossRuns(request, context, query)
        }
        let run = try await runs.run(context)
        let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
        let tasks = TaskLookup(dag)
        let page = try await service.taskInstances.page(runId: run.id, query)
        return JSONResponse.make(
            JSONObject.collection(
                "task_instances", page.items.map { AirflowJSON.taskInstance($0, run: run, tasks: tasks) },
                total: page.total), for: request)
    }

    /// `…/dags/{dag_id}/dagRuns/~/taskInstances`, as in Airflow: the task instances of every run
    /// of a DAG, or of every DAG with `~` as the DAG id too (the web UI's Browse reads the same).
    private func listAcrossRuns(_ request: Request, _ context: APIRequestContext, _ query: TaskInstanceQuery)
        async throws -> Response
    {
        let dagName = try APIEnvironment.parameter(context, "dag_id")
        let dagId: String? = dagName == "~" ? nil : dagName
        if let dagId { _ = try await service.dag(dagId) }
        let page = try await service.taskInstances.page(runId: nil, dagId: dagId, query)
        let runsById = try await service.runs.records(ids: Array(Set(page.items.map(\.runId))))
        var lookups: [String: TaskLookup] = [:]
        var items: [JSONObject] = []
        for ti in page.items {
            guard let run = runsById[ti.runId] else { continue }
            let key = run.dagId + "@" + run.dagHash
            let tasks: TaskLookup
            if let known = lookups[key] {
                tasks = known
            } else {
                tasks = TaskLookup(try? await service.definition(dagId: run.dagId, hash: run.dagHash))
                lookups[key] = tasks
            }
            items.append(AirflowJSON.taskInstance(ti, run: run, tasks: tasks))
        }
        return JSONResponse.make(JSONObject.collection("task_instances", items, total: page.total), for: request)
    }

    func patch(_ request: Request, _ context: APIRequestContext, dryRun: Bool) async throws -> Response {
        _ = try context.require(.op, to: "marking task instances")
        let (run, ti) = try await taskInstance(context)
        var body = try await BodyReader.read(
            request, maxBytes: environment.settings.maxBodyBytes,
            fields: ["new_state", "note", "include_upstream", "include_downstream", "include_future", "include_past"])
        let newState = body.enumValue("new_state", [TaskState.success, .failed])
        let note = body.string("note", maxLength: 1000)
        let selection = TaskSelection(
            taskIds: [ti.taskId], includeUpstream: body.bool("include_upstream") ?? false,
            includeDownstream: body.bool("include_downstream") ?? false)
        if body.bool("include_future") == true || body.bool("include_past") == true {
            throw APIError(.badRequest, "include_future and include_past are not supported by Tide")
        }
        try body.check()
        let mask = try QueryReader(request).updateMask(allowed: ["new_state", "note"])
        let changeState = mask.changes("new_state", given: true) && newState != nil
        let changeNote = mask.changes("note", given: body.has("note"))
        var changed: [TaskInstanceRecord] = [ti]
        if changeState, let newState {
            changed = try await service.mark(run, selection: selection, as: newState, dryRun: dryRun)
        }
        if changeNote && !dryRun {
            try await service.taskInstances.setNote(ti.id, note)
            if let index = changed.firstIndex(where: { $0.id == ti.id }) { changed[index].note = note }
        }
        let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
        let tasks = TaskLookup(dag)
        return JSONResponse.make(
            JSONObject.collection(
                "task_instances", changed.map { AirflowJSON.taskInstance($0, run: run, tasks: tasks) }),
            for: request)
    }

    func clear(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.op, to: "clearing task instances")
        let dagId = try APIEnvironment.parameter(context, "dag_id")
        var body = try await BodyReader.read(
            request, maxBytes: environment.settings.maxBodyBytes,
            fields: [
                "dry_run", "start_date", "end_date", "only_failed", "only_running", "reset_dag_runs", "task_ids",
                "dag_run_id", "include_upstream", "include_downstream", "include_future", "include_past",
                "run_on_latest_version", "prevent_running_task", "note",
            ])
        let dryRun = body.bool("dry_run") ?? true
        var selection = TaskSelection()
        selection.onlyFailed = body.bool("only_failed") ?? true
        selection.onlyRunning = body.bool("only_running") ?? false
        selection.includeUpstream = body.bool("include_upstream") ?? false
        selection.includeDownstream = body.bool("include_downstream") ?? false
        selection.taskIds = body.taskIds("task_ids") ?? []
        let runId = body.string("dag_run_id")
        var range = TimeRange()
        range.from = body.date("start_date")
        range.to = body.date("end_date")
        let resetRuns = body.bool("reset_dag_runs") ?? true
        let latestVersion = body.bool("run_on_latest_version", nullable: true) ?? false
        let preventRunning = body.bool("prevent_running_task") ?? false
        let note = body.string("note", maxLength: 1000)
        if body.bool("include_future") == true || body.bool("include_past") == true {
            throw APIError(.badRequest, "include_future and include_past are not supported by Tide")
        }
        try body.check()
        try DagRunRoutes.refuseVersionOptions(onlyNew: false, latestVersion: latestVersion)
        if !resetRuns {
            throw DagRunRoutes.unsupported("reset_dag_runs", "a cleared task's run always runs again in Tide")
        }
        _ = try await DagRoutes(environment: environment).dag(context, dagId: dagId)
        var targets: [RunRecord] = []
        if let runId {
            do {
                targets = [try await service.run(dagId: dagId, runId: runId)]
            } catch let error as ServiceError where error.code == .notFound {
                throw APIError.notFound("The DagRun with dag_id: '\(dagId)' and run_id: '\(runId)' was not found")
            }
        } else {
            var query = RunQuery()
            query.dagId = dagId
            query.logicalDate = range
            query.limit = environment.settings.maxPageSize
            targets = try await service.runs.page(query).items
        }
        if preventRunning && !dryRun {
            for run in targets {
                let running = try await service.clear(run, selection: selection, dryRun: true).filter {
                    $0.state == .running
                }
                if let first = running.first {
                    throw APIError(
                        .badRequest,
                        "Task instance '\(first.taskId)' of run '\(run.runId)' is running, and prevent_running_task is set"
                    )
                }
            }
        }
        var items: [JSONObject] = []
        for run in targets {
            let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
            let tasks = TaskLookup(dag)
            for var ti in try await service.clear(run, selection: selection, dryRun: dryRun) {
                if let note, !dryRun {
                    try await service.taskInstances.setNote(ti.id, note)
                    ti.note = note
                }
                items.append(AirflowJSON.taskInstance(ti, run: run, tasks: tasks))
            }
        }
        return JSONResponse.make(JSONObject.collection("task_instances", items), for: request)
    }
}
