extension Migration {
    static let logChunks = Migration(
        version: 10, name: "log_chunks",
        sql: """
            -- A try's log is stored as pieces as it comes (task_log_chunks), so that a large log is
            -- written once, read by range and from its tail, and its oldest part past the cap can be
            -- dropped. Offsets count the whole log as written, so a gap marks dropped output.
            CREATE TABLE task_log_chunks (
                task_instance_id bigint NOT NULL,
                try_number       integer NOT NULL,
                char_offset      bigint NOT NULL,
                byte_offset      bigint NOT NULL,
                char_count       integer NOT NULL,
                byte_count       integer NOT NULL,
                content          text NOT NULL,
                PRIMARY KEY (task_instance_id, try_number, char_offset),
                FOREIGN KEY (task_instance_id, try_number) REFERENCES task_logs ON DELETE CASCADE
            );
            INSERT INTO task_log_chunks
                SELECT task_instance_id, try_number, 0, 0, char_length(content), octet_length(content), content
                FROM task_logs WHERE content <> '';
            -- Where the stored log ends (the next piece's offsets).
            ALTER TABLE task_logs DROP COLUMN stored_chars;
            ALTER TABLE task_logs ADD COLUMN stored_chars bigint NOT NULL DEFAULT 0,
                ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;
            UPDATE task_logs SET stored_chars = char_length(content), stored_bytes = octet_length(content)
                WHERE content <> '';
            ALTER TABLE task_logs DROP COLUMN content;
            """)
}
