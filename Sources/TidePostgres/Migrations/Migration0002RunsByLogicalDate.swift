extension Migration {
    static let runsByLogicalDate = Migration(
        version: 2, name: "runs_by_logical_date",
        sql: """
            -- Airflow's run outcome: the leaf tasks decide. Rows from before this migration count as
            -- leaves, which keeps the outcome they were created with (any failure fails the run).
            ALTER TABLE task_instances ADD COLUMN is_leaf boolean NOT NULL DEFAULT true;

            -- Scheduled runs cover [data_interval_start, data_interval_end) and have
            -- logical_date = data_interval_start; a manual run's logical date is its trigger time.
            ALTER TABLE dag_runs ADD COLUMN logical_date timestamptz;
            UPDATE dag_runs SET logical_date = queued_at;
            ALTER TABLE dag_runs ALTER COLUMN logical_date SET NOT NULL;
            ALTER TABLE dag_runs ADD COLUMN data_interval_start timestamptz;
            ALTER TABLE dag_runs ADD COLUMN data_interval_end timestamptz;
            ALTER TABLE dag_runs DROP CONSTRAINT IF EXISTS dag_runs_run_type_check;
            ALTER TABLE dag_runs ADD CONSTRAINT dag_runs_run_type_check
                CHECK (run_type IN ('manual', 'scheduled', 'backfill'));
            -- One scheduled (or backfill) run per logical date, whichever scheduler creates it.
            CREATE UNIQUE INDEX dag_runs_one_per_logical_date ON dag_runs (dag_id, logical_date)
                WHERE run_type IN ('scheduled', 'backfill');
            CREATE INDEX dag_runs_by_logical_date ON dag_runs (dag_id, logical_date);

            ALTER TABLE dags ADD COLUMN is_paused boolean NOT NULL DEFAULT false;
            """)
}
