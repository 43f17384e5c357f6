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

            -- The timeline of a try: when it became ready and was queued, and for a pod try when the
            -- pod was created, scheduled on a node and its container started (as its worker saw them).
            -- task_instances holds the current try's; task_logs keeps each finished try's.
            ALTER TABLE task_instances ADD COLUMN pod_created_at timestamptz,
                ADD COLUMN pod_scheduled_at timestamptz, ADD COLUMN container_started_at timestamptz,
                ADD COLUMN node_name text, ADD COLUMN pod_waiting_reason text;
            ALTER TABLE task_logs ADD COLUMN scheduled_at timestamptz, ADD COLUMN queued_at timestamptz,
                ADD COLUMN pod_created_at timestamptz, ADD COLUMN pod_scheduled_at timestamptz,
                ADD COLUMN container_started_at timestamptz, ADD COLUMN node_name text;

            -- Every state change of a run or task instance, in commit order, for the API's event
            -- stream (SSE, resumable by id). Unlogged: it is a feed, not the truth, and a crash
            -- only makes clients that resume from before it list the current states again.
            CREATE UNLOGGED TABLE state_events (
                id           bigserial PRIMARY KEY,
                at           timestamptz NOT NULL DEFAULT clock_timestamp(),
                kind         text NOT NULL CHECK (kind IN ('dag_run', 'task_instance')),
                dag_id       text NOT NULL,
                run_id       bigint NOT NULL,
                task_id      text,
                state        text NOT NULL,
                try_number   integer
            );
            CREATE INDEX state_events_at ON state_events (at);

            CREATE FUNCTION record_task_instance_state() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state OR NEW.try_number IS DISTINCT FROM OLD.try_number THEN
                    INSERT INTO state_events (kind, dag_id, run_id, task_id, state, try_number)
                    VALUES ('task_instance', NEW.dag_id, NEW.run_id, NEW.task_id, NEW.state, NEW.try_number);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER task_instances_state_events AFTER INSERT OR UPDATE OF state, try_number ON task_instances
                FOR EACH ROW EXECUTE FUNCTION record_task_instance_state();

            CREATE FUNCTION record_dag_run_state() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state THEN
                    INSERT INTO state_events (kind, dag_id, run_id, state) VALUES ('dag_run', NEW.dag_id, NEW.id, NEW.state);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER dag_runs_state_events AFTER INSERT OR UPDATE OF state ON dag_runs
                FOR EACH ROW EXECUTE FUNCTION record_dag_run_state();

            -- What a DAG search matches: id, description and tags, lower-cased in one column (one
            -- LIKE per DAG instead of three ILIKEs). DagStore.upsert keeps it.
            ALTER TABLE dags ADD COLUMN search_text text NOT NULL DEFAULT '';
            UPDATE dags SET search_text = lower(dag_id || ' ' || description || ' ' || array_to_string(tags, ' '));

            -- Lists of runs across DAGs (newest first) and of one DAG's runs by state.
            CREATE INDEX dag_runs_by_state ON dag_runs (dag_id, state, logical_date);
            """)
}
