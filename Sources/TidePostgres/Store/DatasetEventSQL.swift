import TideCore

/// The statements that record dataset events, in one place: used where a task succeeds (a
/// worker's finish, an `empty` task's success) in the same statement as the success itself, so an
/// update is recorded exactly when the success is.
enum DatasetEventSQL {
    /// CTEs (to follow a `WITH` list) that record an event for each row of `source` (columns
    /// `uri, dag_id, run_id, task_id, try_number`) and queue it for every active DAG scheduled on
    /// that dataset.
    static func record(from source: String) -> String {
        """
        produced AS (
            INSERT INTO dataset_events (uri, source_dag_id, source_run_id, source_task_id, source_try_number)
            SELECT uri, dag_id, run_id, task_id, try_number FROM \(source)
            RETURNING uri, created_at
        ), announced AS (
            INSERT INTO dataset_queue (dag_id, uri, first_event_at)
            SELECT d.dag_id, p.uri, min(p.created_at)
            FROM produced p JOIN dags d ON d.dataset_uris @> ARRAY[p.uri] AND d.is_active
            GROUP BY d.dag_id, p.uri
            ON CONFLICT (dag_id, uri) DO NOTHING
        )
        """
    }

    /// Dataset URIs (a task's outlets, a DAG's schedule) as the statements take them: a JSON
    /// array, or nil for none.
    static func urisJSON(_ uris: [String]) -> String? {
        uris.isEmpty ? nil : JSONValue.array(uris.map(JSONValue.string)).jsonText
    }
}
