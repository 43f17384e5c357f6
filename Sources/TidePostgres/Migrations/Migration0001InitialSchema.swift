extension Migration {
    // Kept as Swift source rather than a bundle resource so the `tide` binary is self-contained
    // (copied alone into a container image, it still migrates).
    static let initialSchema = Migration(
        version: 1, name: "initial_schema",
        sql: """
            CREATE TABLE dag_versions (
                dag_id        text NOT NULL,
                content_hash  text NOT NULL,
                definition    jsonb NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (dag_id, content_hash)
            );

            CREATE TABLE dags (
                dag_id        text PRIMARY KEY,
                fileloc       text NOT NULL,
                current_hash  text NOT NULL,
                is_active     boolean NOT NULL DEFAULT true,
                description   text NOT NULL DEFAULT '',
                tags          text[] NOT NULL DEFAULT '{}',
                task_count    integer NOT NULL,
                updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
                FOREIGN KEY (dag_id, current_hash) REFERENCES dag_versions (dag_id, content_hash)
            );

            CREATE TABLE import_errors (
                fileloc      text PRIMARY KEY,
                message      text NOT NULL,
                recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp()
            );

            CREATE TABLE dag_runs (
                id          bigserial PRIMARY KEY,
                dag_id      text NOT NULL REFERENCES dags (dag_id),
                run_id      text NOT NULL,
                dag_hash    text NOT NULL,
                state       text NOT NULL CHECK (state IN ('queued', 'running', 'success', 'failed')),
                run_type    text NOT NULL DEFAULT 'manual',
                conf        jsonb NOT NULL DEFAULT '{}',
                queued_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
                started_at  timestamptz,
                ended_at    timestamptz,
                UNIQUE (dag_id, run_id),
                FOREIGN KEY (dag_id, dag_hash) REFERENCES dag_versions (dag_id, content_hash)
            );
            CREATE INDEX dag_runs_active ON dag_runs (state) WHERE state IN ('queued', 'running');

            CREATE TABLE task_instances (
                id                   bigserial PRIMARY KEY,
                run_id               bigint NOT NULL REFERENCES dag_runs (id) ON DELETE CASCADE,
                dag_id               text NOT NULL,
                task_id              text NOT NULL,
                state                text NOT NULL CHECK (state IN ('none', 'scheduled', 'queued', 'running',
                                         'success', 'failed', 'up_for_retry', 'skipped', 'upstream_failed')),
                try_number           integer NOT NULL DEFAULT 0,
                max_tries            integer NOT NULL,
                retry_delay_seconds  double precision NOT NULL,
                queue                text NOT NULL,
                priority_weight      integer NOT NULL DEFAULT 1,
                scheduled_at         timestamptz,
                queued_at            timestamptz,
                started_at           timestamptz,
                ended_at             timestamptz,
                next_retry_at        timestamptz,
                worker_id            text,
                hostname             text,
                pid                  integer,
                exit_code            integer,
                UNIQUE (run_id, task_id)
            );
            CREATE INDEX task_instances_unfinished ON task_instances (run_id)
                WHERE state IN ('none', 'scheduled', 'queued', 'running', 'up_for_retry');
            CREATE INDEX task_instances_retry_due ON task_instances (next_retry_at) WHERE state = 'up_for_retry';
            CREATE INDEX task_instances_queued ON task_instances (queued_at) WHERE state = 'queued';
            CREATE INDEX task_instances_running_worker ON task_instances (worker_id) WHERE state = 'running';

            -- One row per try: its output (capped) and how it ended. Earlier tries are kept.
            CREATE TABLE task_logs (
                task_instance_id  bigint NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
                try_number        integer NOT NULL,
                state             text NOT NULL,
                exit_code         integer,
                worker_id         text,
                hostname          text,
                started_at        timestamptz,
                ended_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
                content           text NOT NULL,
                truncated         boolean NOT NULL DEFAULT false,
                total_bytes       bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (task_instance_id, try_number)
            );

            CREATE TABLE workers (
                id            text PRIMARY KEY,
                hostname      text NOT NULL,
                pid           integer NOT NULL,
                queues        text[] NOT NULL,
                slots         integer NOT NULL,
                running       integer NOT NULL DEFAULT 0,
                state         text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'draining', 'stopped', 'dead')),
                started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
                heartbeat_at  timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            """)
}
