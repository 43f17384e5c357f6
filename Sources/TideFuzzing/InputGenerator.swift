/// Random inputs built from the grammar's own words: DAG files with real and near-real keys and
/// values of every shape, and queue messages with every field present, missing or mistyped.
public enum InputGenerator {
    static let dagKeys = [
        "dag_id", "description", "tags", "schedule", "start_date", "end_date", "timezone", "catchup",
        "max_active_runs", "max_active_tasks", "dagrun_timeout", "default_args", "params", "tasks", "dag_idd",
    ]
    static let taskKeys = [
        "task_id", "upstream", "bash", "command", "empty", "kubernetes_pod", "retries", "retry_delay",
        "execution_timeout", "env", "queue", "priority_weight", "trigger_rule", "depends_on_past", "pool",
        "pool_slots", "max_active_tis_per_dag", "executor", "node_pool", "weight_rule", "on_failure_callback",
        "retry_exponential_backoff", "max_retry_delay", "pod_template", "retires",
    ]
    static let scalars = [
        "a", "t1", "t2", "load", "'quoted'", "\"dq\"", "0", "1", "-3", "2.5", "true", "no", "null", "~", "30s", "5m",
        "@daily", "@hourly", "0 3 * * *", "*/5 * * * *", "2026-01-01", "2026-13-45", "Europe/Berlin", "Mars/Olympus",
        "all_success", "one_failed", "none_failed_min_one_success", "kubernetes", "local", "pool-1",
        "echo {{ ds }}", "{{ undefined }}", "[t1]", "[t1, t2]", "[]", "{}", "{image: busybox}",
        "{cpu: 1}", "exit 3",
    ]

    /// A DAG file of random shape (often almost valid).
    public static func dag(using generator: inout SeededGenerator) -> String {
        var lines = ["dag_id: fuzz_\(Int.random(in: 0..<1000, using: &generator))"]
        for _ in 0..<Int.random(in: 0...4, using: &generator) {
            lines.append("\(pick(dagKeys, &generator)): \(pick(scalars, &generator))")
        }
        lines.append("tasks:")
        let count = Int.random(in: 0...6, using: &generator)
        for index in 0..<count {
            lines.append("  - task_id: t\(index)")
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                let key = pick(taskKeys, &generator)
                if key == "upstream" {
                    let upstream = (0..<Int.random(in: 0...2, using: &generator)).map { _ in
                        "t\(Int.random(in: 0...count, using: &generator))"
                    }
                    lines.append("    upstream: [\(upstream.joined(separator: ", "))]")
                } else {
                    lines.append("    \(key): \(pick(scalars, &generator))")
                }
            }
            if Bool.random(using: &generator) { lines.append("    bash: echo \(index)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A queue message of random shape.
    public static func message(using generator: inout SeededGenerator) -> String {
        let values: [String: [String]] = [
            "v": ["1", "2", "0", "\"1\"", "null", "1.5"],
            "ti": ["1", "42", "-1", "0", "9223372036854775807", "9223372036854775808", "\"7\"", "[]"],
            "try": ["1", "3", "0", "-2", "1e3", "true"],
            "queue": ["\"default\"", "\"\"", "7", "null"],
            "dag": ["\"d\"", "\"\"", "{}"],
            "task": ["\"t\"", "[1]", "\"\\u0000\""],
        ]
        var fields: [String] = []
        for (key, choices) in values.sorted(by: { $0.key < $1.key }) where Int.random(in: 0..<8, using: &generator) > 0
        {
            fields.append("\"\(key)\":\(pick(choices, &generator))")
        }
        if Int.random(in: 0..<6, using: &generator) == 0 { fields.append("\"extra\":{\"nested\":[1,2,3]}") }
        return "{" + fields.shuffled(using: &generator).joined(separator: ",") + "}"
    }

    static func pick(_ choices: [String], _ generator: inout SeededGenerator) -> String {
        choices.randomElement(using: &generator) ?? ""
    }
}
