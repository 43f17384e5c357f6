extension Migration {
    static let xcom = Migration(
        version: 12, name: "xcom",
        sql: """
            -- Results a try published (Airflow's XCom): one value per task instance and key, from the
            -- try that wrote it. Readers take only the values of the task instance's current try
            -- when it succeeded; a clear deletes them.
            CREATE TABLE xcom (
                task_instance_id bigint NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
                key              text NOT NULL,
                try_number       integer NOT NULL,
                value            jsonb NOT NULL,
                created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (task_instance_id, key)
            );
            """)
}
