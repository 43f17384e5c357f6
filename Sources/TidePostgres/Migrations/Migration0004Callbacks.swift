extension Migration {
    static let callbacks = Migration(
        version: 4, name: "callbacks",
        sql: """
            -- An outbox: callbacks are written in the same transaction as the change they report,
            -- and delivered apart from scheduling by the scheduler's callback sender.
            CREATE TABLE callbacks (
                id               bigserial PRIMARY KEY,
                event            text NOT NULL,
                dag_id           text NOT NULL,
                run_id           bigint REFERENCES dag_runs (id) ON DELETE CASCADE,
                task_id          text,
                url              text NOT NULL,
                headers          jsonb NOT NULL DEFAULT '{}',
                body             text NOT NULL,
                timeout_seconds  double precision NOT NULL,
                max_attempts     integer NOT NULL,
                attempts         integer NOT NULL DEFAULT 0,
                state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
                next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
                locked_until     timestamptz,
                last_error       text,
                created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
                sent_at          timestamptz
            );
            CREATE INDEX callbacks_due ON callbacks (next_attempt_at) WHERE state IN ('pending', 'sending');
            """)
}
