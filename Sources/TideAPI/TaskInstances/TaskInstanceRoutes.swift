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
        // Each path of one task instance, also with its map index after the task id (Airflow's mapped routes).
        for mapped in [false, true] {
            let path = base + (mapped ? "/:task_id/:map_index" : "/:task_id")
            api.get(RouterPath(path)) { request, context in
                _ = try context.require(.viewer, to: "reading task instances")
                let (run, ti) = try await taskInstance(context, mapped: mapped)
                if !mapped && ti.mapIndex >= 0 {
                    throw APIError.notFound("Task instance is mapped, add the map_index value to the URL")
                }
                let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
                return JSONResponse.make(AirflowJSON.taskInstance(ti, run: run, tasks: TaskLookup(dag)), for: request)
            }
            api.patch(RouterPath(path)) { request, context in
                try await patch(request, context, mapped: mapped, dryRun: false)
            }
            api.patch(RouterPath(path + "/dry_run")) { request, context in
                try await patch(request, context, mapped: mapped, dryRun: true)
            }
            api.get(RouterPath(path + "/tries")) { request, context in
                _ = try context.require(.viewer, to: "reading task instances")
                let (run, ti) = try await taskInstance(context, mapped: mapped)
                let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
                let tasks = TaskLookup(dag)
                let tries = try await service.taskInstances.tries(of: ti)
                return JSONResponse.make(
                    JSONObject.collection(
                        "task_instances", tries.map { AirflowJSON.tryRecord($0, of: ti, run: run, tasks: tasks) }),
                    for: request)
            }
            api.get(RouterPath(path + "/tries/:task_try_number")) { request, context in
                _ = try context.require(.viewer, to: "reading task instances")
                let (run, ti) = try await taskInstance(context, mapped: mapped)
                let number = try integer(context, "task_try_number")
                let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
                let tasks = TaskLookup(dag)
                guard
                    let entry = try await service.taskInstances.tries(of: ti).first(where: { $0.tryNumber == number })
                else {
                    throw APIError.notFound(
                        "The Task Instance with dag_id: '\(run.dagId)', run_id: '\(run.runId)', task_id: '\(ti.taskId)', try_number: \(number) and map_index: \(ti.mapIndex) was not found"
                    )
                }
                return JSONResponse.make(AirflowJSON.tryRecord(entry, of: ti, run: run, tasks: tasks), for: request)
            }
        }
        api.get(RouterPath(base + "/:task_id/listMapped")) { request, context in try await listMapped(request, context)
        }
        api.post("dags/:dag_id/clearTaskInstances") { request, context in try await clear(request, context) }
    }

    /// The run and task instance named in the path: a task's first instance, or with `mapped`,
    /// the one at the path's map index.
    func taskInstance(_ context: APIRequestContext, mapped: Bool = false, mapIndex: Int? = nil) async throws
        -> (RunRecord, TaskInstanceRecord)
    {
        let run = try await runs.run(context)
        let taskId = try APIEnvironment.parameter(context, "task_id")
        let index = mapped ? try integer(context, "map_index", from: -1) : mapIndex
        do {
            return (run, try await service.taskInstance(of: run, taskId: taskId, mapIndex: index))
        } catch let error as ServiceError where error.code == .notFound {
            if mapped {
                throw APIError.notFound(
                    "The Mapped Task Instance with dag_id: '\(run.dagId)', run_id: '\(run.runId)', task_id: '\(taskId)', and map_index: \(index ?? -1) was not found"
                )
            }
            throw APIError.notFound(
                "The Task Instance with dag_id: '\(run.dagId)', run_id: '\(run.runId)', task_id: '\(taskId)' and map_index: \(index ?? -1) was not found"
            )
        }
    }

    /// A whole-number path parameter, at least `minimum`.
    func integer(_ context: APIRequestContext, _ name: String, from minimum: Int = 0) throws -> Int {
        let text = try APIEnvironment.parameter(context, name)
        guard let number = Int(text), number >= minimum, number <= Int(Int32.max) else {
            throw APIError(
                validation: [
                    ValidationProblem(
                        location: ["path", name], message: "Input should be a valid integer of at least \(minimum)",
                        type: "int_parsing", input: .string(text))
                ])
        }
        return number
    }

    /// `…/taskInstances/{task_id}/listMapped`: a mapped task's instances, by map index.
    func listMapped(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.viewer, to: "reading task instances")
        var reader = QueryReader(request)
        var query = TaskInstanceQuery()
        (query.limit, query.offset) = reader.page(maxPageSize: environment.settings.maxPageSize, defaultLimit: 50)
        query.states = states(&reader)
        query.mapIndexes = reader.list("map_index").compactMap { text in
            guard let index = Int(text), index >= -1, index <= Int(Int32.max) else {
                reader.problem("map_index", "Input should be a valid integer", type: "int_parsing", input: text)
                return nil
            }
            return index
        }
        query.order = try reader.order(
            TaskInstanceQuery.Field.self, default: [SortKey(.mapIndex)],
            aliases: ["queued_at": .queuedAt, "logical_date": .mapIndex, "run_after": .mapIndex])
        try reader.check()
        let run = try await runs.run(context)
        let taskId = try APIEnvironment.parameter(context, "task_id")
        query.taskIds = [taskId]
        query.onlyMapped = true
        let dag = try? await service.definition(dagId: run.dagId, hash: run.dagHash)
        let tasks = TaskLookup(dag)
        let page = try await service.taskInstances.page(runId: run.id, query)
        if page.total == 0 && query.states == nil && query.mapIndexes.isEmpty {
            // Expanded over nothing is a mapped task with no instances: not a 404.
            guard let task = dag?.task(taskId) else { throw APIError.notFound("Task id \(taskId) not found") }
            guard task.isMapped else { throw APIError.notFound("Task id \(taskId) is not mapped") }
        }
        return JSONResponse.make(
            JSONObject.collection(
                "task_instances", page.items.map { AirflowJSON.taskInstance($0, run: run, tasks: tasks) },
                total: page.total), for: request)
    }

    /// The `state` filter of a list (`none`/`no_status`: no state yet).
    private func states(_ reader: inout QueryReader) -> [TaskState]? {
        let states = reader.list("state")
        guard !states.isEmpty else { return nil }
        return states.compactMap { text in
            if text == "none" || text == "no_status" { return TaskState.none }
            guard let state = TaskState(rawValue: text) else {
                reader.problem("state", "Input should be a TaskInstanceState", type: "enum", input: text)
                return nil
            }
            return state
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try context.require(.viewer, to: "reading task instances")
        var reader = QueryReader(request)
        var query = TaskInstanceQuery()
        (query.limit, query.offset) = reader.page(maxPageSize: environment.settings.maxPageSize, defaultLimit: 50)
        query.states = states(&reader)
        query.taskIds = reader.list("task_id")
        query.pools = reader.list("pool")
        query.queues = reader.list("queue")
        query.order = try reader.order(
            TaskInstanceQuery.Field.self, default: [SortKey(.id)],
            aliases: ["queued_at": .queuedAt, "logical_date": .id, "run_after": .id])
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

    /// Marks a task instance (or its state and note), Airflow's PATCH; a mapped task's instance
    /// by the path's map index, or by `?map_index=` on the path without it (every instance of the
    /// task when not given).
    func patch(_ request: Request, _ context: APIRequestContext, mapped: Bool, dryRun: Bool) async throws -> Response {
        _ = try context.require(.op, to: "marking task instances")
        var query = QueryReader(request)
        let queryIndex =
            mapped || query.string("map_index") == nil
            ? nil : query.int("map_index", default: -1, in: -1...Int(Int32.max))
        try query.check()
        let (run, ti) = try await taskInstance(context, mapped: mapped, mapIndex: queryIndex)
        var body = try await BodyReader.read(
            request, maxBytes: environment.settings.maxBodyBytes,
            fields: ["new_state", "note", "include_upstream", "include_downstream", "include_future", "include_past"])
        let newState = body.enumValue("new_state", [TaskState.success, .failed])
        let note = body.string("note", maxLength: 1000)
        var selection = TaskSelection(
            taskIds: [ti.taskId], includeUpstream: body.bool("include_upstream") ?? false,
            includeDownstream: body.bool("include_downstream") ?? false)
        if mapped || queryIndex != nil { selection.mapIndexes[ti.taskId] = [ti.mapIndex] }
        if body.bool("include_future") == true || body.bool("include_past") == true {
            throw APIError(.badRequest, "include_future and include_past are not supported by Tide")
        }
        try body.check()
        let mask = try query.updateMask(allowed: ["new_state", "note"])
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
        let named = body.taskIds("task_ids") ?? []
        selection.taskIds = named.map(\.taskId)
        for entry in named {
            if let index = entry.mapIndex { selection.mapIndexes[entry.taskId, default: []].insert(index) }
        }
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
