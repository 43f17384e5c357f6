extension Migration {
    static let externalIds = Migration(
        version: 5, name: "external_ids",
        sql: """
            -- The pod ("namespace/name") a try runs in, written before the pod is created. A running
            -- try that has one is adopted (queued again with the same try number, so another worker
            -- reattaches to the pod) instead of failed when its worker dies.
            ALTER TABLE task_instances ADD COLUMN external_id text;
            """)
}
