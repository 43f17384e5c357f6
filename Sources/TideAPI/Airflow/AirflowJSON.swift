import Foundation
import TideCore
import TidePostgres
import TideService

/// The one place where Tide's records become Airflow 3's JSON: field names, enum values and
/// nulls exactly as `v2-rest-api-generated.yaml` describes them, so Airflow's clients accept them.
enum AirflowJSON {
    /// Airflow's `dag_display_name` and bundle: Tide has one DAG folder.
    static let bundleName = "dags-folder"

    // MARK: DAGs

    /// - Parameter next: the next run's data interval (``NextRuns``), when the DAG has a schedule.
    static func dag(_ record: DagRecord, _ dag: DAG?, next: NextRuns.Interval?) -> [String: JSONValue] {
        let schedule = dag?.schedule ?? .manual
        let periodic: Bool = {
            switch schedule {
            case .cron, .interval: true
            case .manual, .once, .datasets: false
            }
        }()
        return [
            "dag_id": .string(record.dagId), "dag_display_name": .string(record.dagId),
            "is_paused": .bool(record.isPaused), "is_stale": .bool(!record.isActive),
            "last_parsed_time": AirflowDate.json(record.updatedAt), "last_parse_duration": .null,
            "last_expired": .null, "bundle_name": .string(bundleName), "bundle_version": .null,
            "relative_fileloc": .string((record.fileloc as NSString).lastPathComponent),
            "fileloc": .string(record.fileloc),
            "description": record.description.isEmpty ? .null : .string(record.description),
            "timetable_summary": schedule == .manual ? .null : .string(schedule.summary),
            "timetable_description": .string(describe(schedule)), "timetable_partitioned": .bool(false),
            "timetable_periodic": .bool(periodic),
            "tags": .array(
                record.tags.map {
                    .object([
                        "name": .string($0), "dag_id": .string(record.dagId), "dag_display_name": .string(record.dagId),
                    ])
                }),
            "max_active_tasks": .number(Double(dag?.maxActiveTasks ?? 16)),
            "max_active_runs": dag.map { .number(Double($0.maxActiveRuns)) } ?? .null,
            "max_consecutive_failed_dag_runs": .number(0),
            "has_task_concurrency_limits": .bool(dag?.tasks.contains { $0.maxActiveTisPerDag != nil } ?? false),
            "has_import_errors": .bool(record.hasImportErrors),
            "next_dagrun_logical_date": AirflowDate.json(next?.start),
            "next_dagrun_data_interval_start": AirflowDate.json(next?.start),
            "next_dagrun_data_interval_end": AirflowDate.json(next?.end),
            "next_dagrun_run_after": AirflowDate.json(next?.end), "allowed_run_types": .null,
            "owners": .array([]), "is_backfillable": .bool(periodic),
            "file_token": .string(Data(record.fileloc.utf8).base64EncodedString()),
        ]
    }

    static func dagDetails(
        _ record: DagRecord, _ dag: DAG, next: NextRuns.Interval?, defaultTimeZone: String, activeRuns: Int
    ) -> JSONValue {
        var object = self.dag(record, dag, next: next)
        let zone = dag.effectiveTimeZone(default: defaultTimeZone)
        let startDate = dag.startDate.flatMap { LocalDate.parse($0, in: zone) }?.timeIntervalSince1970
        let endDate = dag.endDate.flatMap { LocalDate.parse($0, in: zone) }?.timeIntervalSince1970
        object["catchup"] = .bool(dag.catchup ?? false)
        object["dag_run_timeout"] = dag.dagrunTimeoutSeconds.map { .string(isoDuration($0)) } ?? .null
        // Airflow 3's form of `schedule=[Asset(a), Asset(b)]`: all of them.
        object["asset_expression"] =
            dag.schedule.datasetURIs.isEmpty
            ? .null
            : .object([
                "all": .array(
                    dag.schedule.datasetURIs.map { uri in
                        .object([
                            "asset": .object(["uri": .string(uri), "name": .string(uri), "group": .string("asset")])
                        ])
                    })
            ])
        object["doc_md"] = .null
        object["start_date"] = AirflowDate.json(startDate)
        object["end_date"] = AirflowDate.json(endDate)
        object["is_paused_upon_creation"] = .null
        object["params"] = .object(dag.params)
        object["render_template_as_native_obj"] = .bool(false)
        object["template_search_path"] = .null
        object["timezone"] = .string(dag.timeZone ?? defaultTimeZone)
        object["last_parsed"] = AirflowDate.json(record.updatedAt)
        object["default_args"] = .null
        object["rerun_with_latest_version"] = .null
        object["owner_links"] = .null
        object["is_favorite"] = .bool(false)
        object["active_runs_count"] = .number(Double(activeRuns))
        object["concurrency"] = .number(Double(dag.maxActiveTasks))
        object["latest_dag_version"] = .null
        return .object(object)
    }

    static func task(_ task: TaskSpec, downstream: [String: [String]], defaultWeightRule: WeightRule) -> JSONValue {
        .object([
            "task_id": .string(task.taskId), "task_display_name": .string(task.taskId), "owner": .null,
            "start_date": .null, "end_date": .null, "trigger_rule": .string(task.triggerRule.rawValue),
            "depends_on_past": .bool(task.dependsOnPast), "wait_for_downstream": .bool(false),
            "retries": .number(Double(task.retries)), "queue": .string(task.queue), "pool": .string(task.pool),
            "pool_slots": .number(Double(task.poolSlots)),
            "execution_timeout": task.executionTimeoutSeconds.map(timeDelta) ?? .null,
            "retry_delay": timeDelta(task.retryDelaySeconds),
            "retry_exponential_backoff": .number(task.retryExponentialBackoff ? 2 : 0),
            "priority_weight": .number(Double(task.priorityWeight)),
            "weight_rule": .string((task.weightRule ?? defaultWeightRule).rawValue),
            "ui_color": .string("#fff"), "ui_fgcolor": .string("#000"), "template_fields": .array([]),
            "downstream_task_ids": .array((downstream[task.taskId] ?? []).sorted().map { .string($0) }),
            "doc_md": .null, "operator_name": .string(operatorName(task.kind)), "params": .object([:]),
            "class_ref": .object(["class_name": .string(operatorName(task.kind)), "module_path": .string("tide")]),
            "is_mapped": .bool(task.isMapped), "extra_links": .array([]),
        ])
    }

    // MARK: Runs

    static func run(_ run: RunRecord) -> JSONValue {
        let duration = run.startedAt.flatMap { start in run.endedAt.map { $0 - start } }
        let conf = (try? JSONValue.parse(run.conf)).flatMap { $0.object.map(JSONValue.object) } ?? .object([:])
        return .object([
            "dag_run_id": .string(run.runId), "dag_id": .string(run.dagId),
            "logical_date": AirflowDate.json(run.logicalDate), "queued_at": AirflowDate.json(run.queuedAt),
            "start_date": AirflowDate.json(run.startedAt), "end_date": AirflowDate.json(run.endedAt),
            "duration": duration.map(JSONValue.number) ?? .null,
            "data_interval_start": AirflowDate.json(run.dataIntervalStart),
            "data_interval_end": AirflowDate.json(run.dataIntervalEnd),
            "run_after": AirflowDate.json(run.dataIntervalEnd ?? run.logicalDate), "last_scheduling_decision": .null,
            "run_type": .string(run.runType), "state": .string(run.state.rawValue),
            "triggered_by": .string(triggeredBy(run.runType)), "triggering_user_name": .null, "conf": conf,
            "note": run.note.map(JSONValue.string) ?? .null, "dag_versions": .array([]), "bundle_version": .null,
            "dag_display_name": .string(run.dagId),
            "partition_key": .null, "partition_date": .null,
        ])
    }

    // MARK: Task instances

    /// Airflow's task instance id is a UUID; Tide's is a number, written in the UUID's last group.
    static func uuid(_ id: Int64) -> String { String(format: "00000000-0000-0000-0000-%012llx", id) }

    static func taskInstance(_ ti: TaskInstanceRecord, run: RunRecord, tasks: TaskLookup) -> JSONObject {
        var object = history(ti, run: run, tasks: tasks)
        object["id"] = .string(uuid(ti.id))
        object["logical_date"] = AirflowDate.json(run.logicalDate)
        object["run_after"] = AirflowDate.json(run.dataIntervalEnd ?? run.logicalDate)
        object["note"] = ti.note.map(JSONValue.string) ?? .null
        // As Airflow without a map_index_template: the index as text for a mapped instance.
        object["rendered_map_index"] = ti.mapIndex >= 0 ? .string(String(ti.mapIndex)) : .null
        object["rendered_fields"] = .object([:])
        object["trigger"] = .null
        object["triggerer_job"] = .null
        return object
    }

    /// The fields a task instance and its tries share (`TaskInstanceHistoryResponse`).
    static func history(_ ti: TaskInstanceRecord, run: RunRecord, tasks: TaskLookup) -> JSONObject {
        let task = tasks[ti.taskId]
        let duration = ti.startedAt.flatMap { start in ti.endedAt.map { $0 - start } }
        return [
            "task_id": .string(ti.taskId), "dag_id": .string(ti.dagId), "dag_run_id": .string(run.runId),
            "map_index": .number(Double(ti.mapIndex)), "start_date": AirflowDate.json(ti.startedAt),
            "end_date": AirflowDate.json(ti.endedAt), "duration": duration.map(JSONValue.number) ?? .null,
            "state": state(ti.state), "try_number": .number(Double(ti.tryNumber)),
            "max_tries": .number(Double(max(0, ti.maxTries - 1))), "task_display_name": .string(ti.taskId),
            "dag_display_name": .string(ti.dagId), "hostname": ti.hostname.map(JSONValue.string) ?? .null,
            "unixname": .null, "pool": .string(ti.pool), "pool_slots": .number(Double(ti.poolSlots)),
            "queue": .string(ti.queue), "priority_weight": .number(Double(ti.priorityWeight)),
            "operator": task.map { .string($0.operatorName) } ?? .null,
            "operator_name": task.map { .string($0.operatorName) } ?? .null,
            "queued_when": AirflowDate.json(ti.queuedAt), "scheduled_when": AirflowDate.json(ti.scheduledAt),
            "pid": ti.pid.map { .number(Double($0)) } ?? .null,
            "executor": .string(task?.runsInPod == true ? "KubernetesExecutor" : "TideExecutor"),
            "executor_config": .string("{}"), "dag_version": .null,
        ]
    }

    /// One recorded try (`TaskInstanceHistoryResponse`).
    static func tryRecord(_ entry: TryRecord, of ti: TaskInstanceRecord, run: RunRecord, tasks: TaskLookup)
        -> JSONObject
    {
        var object = history(ti, run: run, tasks: tasks)
        let ended = entry.state.hasSuffix(" (stale)") ? String(entry.state.dropLast(8)) : entry.state
        object["try_number"] = .number(Double(entry.tryNumber))
        object["state"] = (TryOutcome(rawValue: ended)?.taskState ?? TaskState(rawValue: ended)).map(state) ?? .null
        object["start_date"] = AirflowDate.json(entry.startedAt)
        object["end_date"] = AirflowDate.json(entry.endedAt)
        object["duration"] = entry.startedAt.flatMap { start in entry.endedAt.map { .number($0 - start) } } ?? .null
        object["hostname"] = entry.hostname.map(JSONValue.string) ?? .null
        if entry.tryNumber != ti.tryNumber {
            object["pid"] = .null
            object["queued_when"] = .null
            object["scheduled_when"] = .null
        }
        return object
    }

    /// Airflow has no `none` state: a task instance that has none yet is `null`.
    static func state(_ state: TaskState) -> JSONValue { state == .none ? .null : .string(state.rawValue) }

    // MARK: Pools, import errors

    static func pool(_ pool: PoolStore.PoolRecord) -> JSONValue {
        .object([
            "name": .string(pool.name), "slots": .number(Double(pool.slots)),
            "description": pool.description.isEmpty ? .null : .string(pool.description),
            "include_deferred": .bool(false), "occupied_slots": .number(Double(pool.used)),
            "running_slots": .number(Double(pool.running)), "queued_slots": .number(Double(pool.queued)),
            "scheduled_slots": .number(Double(pool.scheduled)),
            "open_slots": .number(Double(max(0, pool.slots - pool.used))), "deferred_slots": .number(0),
            "team_name": .null,
        ])
    }

    static func importError(_ error: ImportErrorRecord) -> JSONValue {
        .object([
            "import_error_id": .number(Double(error.id)), "timestamp": AirflowDate.json(error.recordedAt),
            "filename": .string(error.fileloc), "bundle_name": .string(bundleName),
            "stack_trace": .string(error.message),
        ])
    }

    // MARK: Helpers

    static func operatorName(_ kind: TaskKind) -> String {
        switch kind {
        case .bash: "BashOperator"
        case .command: "CommandOperator"
        case .empty: "EmptyOperator"
        case .kubernetesPod: "KubernetesPodOperator"
        case .sensor(let sensor):
            switch sensor.check {
            case .bash, .command: "BashSensor"
            case .file: "FileSensor"
            case .http: "HttpSensor"
            case .externalTask: "ExternalTaskSensor"
            }
        }
    }

    static func triggeredBy(_ runType: String) -> String {
        switch runType {
        case "scheduled": "timetable"
        case "backfill": "backfill"
        case "asset_triggered": "asset"
        default: "rest_api"
        }
    }

    static func timeDelta(_ seconds: Double) -> JSONValue {
        let whole = Int(seconds)
        return .object([
            "__type": .string("TimeDelta"), "days": .number(Double(whole / 86_400)),
            "seconds": .number(Double(whole % 86_400)),
            "microseconds": .number(((seconds - Double(whole)) * 1_000_000).rounded()),
        ])
    }

    /// An ISO 8601 duration, as pydantic writes a `timedelta`: `PT1800S`.
    static func isoDuration(_ seconds: Double) -> String {
        "PT" + JSONWriter.format(seconds) + "S"
    }

    static func describe(_ schedule: Schedule) -> String {
        switch schedule {
        case .manual: "Never, external triggers only"
        case .once: "Once, as soon as possible"
        case .cron(let expression): "Cron: \(expression.description)"
        case .interval(let seconds): "Every \(Int(seconds)) seconds"
        case .datasets: "Asset"
        }
    }

}
