extension Migration {
    static let restAPI = Migration(
        version: 7, name: "rest_api",
        sql: """
            -- Airflow's API names import errors by a number.
            ALTER TABLE import_errors ADD COLUMN id bigserial UNIQUE;

            -- Long-lived API tokens for CI: only a SHA-256 of the secret is kept.
            CREATE TABLE api_tokens (
                id            bigserial PRIMARY KEY,
                name          text NOT NULL UNIQUE,
                username      text NOT NULL,
                role          text NOT NULL CHECK (role IN ('viewer', 'op', 'admin')),
                secret_hash   text NOT NULL UNIQUE,
                created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
                expires_at    timestamptz,
                last_used_at  timestamptz,
                revoked_at    timestamptz
            );

            -- Airflow's notes: a line an operator leaves on a run or task instance.
            ALTER TABLE dag_runs ADD COLUMN note text;
            ALTER TABLE task_instances ADD COLUMN note text;

            -- Lists of runs across DAGs (newest first) and of one DAG's runs by state.
            CREATE INDEX dag_runs_by_state ON dag_runs (dag_id, state, logical_date);
            """)
}
