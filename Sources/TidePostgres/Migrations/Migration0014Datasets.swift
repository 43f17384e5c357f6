extension Migration {
    static let datasets = Migration(
        version: 14, name: "datasets",
        sql: """
            -- Dataset events (Airflow's datasets, assets in Airflow 3): a task with outlets that
            -- succeeded updated these URIs. Kept when the producing run is deleted, as in Airflow.
            CREATE TABLE dataset_events (
                id                bigserial PRIMARY KEY,
                uri               text NOT NULL,
                source_dag_id     text NOT NULL,
                source_run_id     bigint,
                source_task_id    text NOT NULL,
                source_try_number integer NOT NULL,
                created_at        timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX dataset_events_by_uri ON dataset_events (uri, created_at);
            -- The datasets a DAG's current version is scheduled on (NULL: not dataset-scheduled).
            ALTER TABLE dags ADD COLUMN dataset_uris text[];
            CREATE INDEX dags_by_dataset ON dags USING gin (dataset_uris);
            -- Per consuming DAG, each dataset updated since its last dataset-triggered run, with the
            -- time of the first such update (Airflow's dataset_dag_run_queue). A run is created when
            -- every dataset of the DAG is here, and takes these rows.
            CREATE TABLE dataset_queue (
                dag_id         text NOT NULL,
                uri            text NOT NULL,
                first_event_at timestamptz NOT NULL,
                PRIMARY KEY (dag_id, uri)
            );
            -- The events that triggered a run.
            CREATE TABLE dag_run_dataset_events (
                run_id   bigint NOT NULL REFERENCES dag_runs (id) ON DELETE CASCADE,
                event_id bigint NOT NULL REFERENCES dataset_events (id) ON DELETE CASCADE,
                PRIMARY KEY (run_id, event_id)
            );
            ALTER TABLE dag_runs DROP CONSTRAINT dag_runs_run_type_check;
            ALTER TABLE dag_runs ADD CONSTRAINT dag_runs_run_type_check
                CHECK (run_type IN ('manual', 'scheduled', 'backfill', 'asset_triggered'));
            """)
}
