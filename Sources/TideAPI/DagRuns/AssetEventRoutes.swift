import Hummingbird
import TideCore
import TidePostgres

/// `GET …/dagRuns/{dag_run_id}/upstreamAssetEvents`: the dataset (asset) updates that triggered a
/// run, as Airflow 3 lists them.
struct AssetEventRoutes: Sendable {
    let environment: APIEnvironment

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("dags/:dag_id/dagRuns/:dag_run_id/upstreamAssetEvents") { request, context in
            _ = try context.require(.viewer, to: "reading runs")
            let run = try await DagRunRoutes(environment: environment).run(context)
            let events = try await environment.service.datasets.events(triggering: run.id)
            return JSONResponse.make(
                JSONObject.collection("asset_events", events.map(Self.event), total: events.count), for: request)
        }
    }

    /// Airflow's AssetEventResponse. Tide keeps no asset table: an asset's id is a stable number
    /// derived from its URI, and its name is its URI (as Airflow names a Dataset given a URI only).
    static func event(_ event: DatasetStore.Event) -> JSONObject {
        [
            "id": .number(Double(event.id)), "asset_id": .number(Double(assetId(event.uri))),
            "uri": .string(event.uri), "name": .string(event.uri), "group": .string("asset"), "extra": .object([:]),
            "source_task_id": .string(event.sourceTaskId), "source_dag_id": .string(event.sourceDagId),
            "source_run_id": event.sourceRunName.map(JSONValue.string) ?? .null, "source_map_index": .number(-1),
            "created_dagruns": .array([]), "timestamp": AirflowDate.json(event.createdAt), "partition_key": .null,
        ]
    }

    static func assetId(_ uri: String) -> Int {
        Int(RetryPolicy.fnv1a(uri) % UInt64(Int32.max)) + 1
    }
}
