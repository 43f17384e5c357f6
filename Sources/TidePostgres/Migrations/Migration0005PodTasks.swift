extension Migration {
    static let podTasks = Migration(
        version: 5, name: "pod_tasks",
        sql: """
            -- The pod ("namespace/name") a try runs in, written before the pod is created. A running
            -- try that has one is adopted (queued again with the same try number, so another worker
            -- reattaches to the pod) instead of failed when its worker dies.
            ALTER TABLE task_instances ADD COLUMN external_id text;
            -- The node pool a pod task asks for: its max_pods is a slot limit enforced at dispatch.
            ALTER TABLE task_instances ADD COLUMN node_pool text;
            """)
}
