import Yams

extension DAGFileReader {
    static let sensorCheckKeys = ["bash", "command", "file", "http", "external_task"]
    static let sensorKeys =
        sensorCheckKeys + ["poke_interval", "timeout", "mode", "exponential_backoff", "max_wait", "soft_fail"]

    /// Reads a task's `sensor`: exactly one check, and how it waits (Airflow's sensor arguments).
    mutating func readSensor(_ node: Node, taskId: String) -> SensorTask? {
        let place = "sensor of task '\(taskId)'"
        guard let pairs = mapping(node, what: place) else { return nil }
        checkKeys(pairs, allowed: Self.sensorKeys, place: place)
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        let present = Self.sensorCheckKeys.filter { fields[$0] != nil }
        guard present.count == 1, let key = present.first, let value = fields[key] else {
            report(
                node,
                present.isEmpty
                    ? "\(place) has no check" : "\(place) has more than one check: \(present.joined(separator: ", "))",
                hint: "give exactly one of bash, command, file, http or external_task")
            return nil
        }
        let check = readSensorCheck(key, value, place: place)
        guard let timeoutNode = fields["timeout"] else {
            report(
                node, "\(place) needs a timeout",
                hint: "how long it may wait, e.g. timeout: 6h (Airflow's default of 7 days hides stuck sensors)")
            return nil
        }
        // Each setting is read (so every problem is reported) before any missing one gives up.
        let timeout = positiveDuration(timeoutNode, what: "timeout of \(place)")
        var sensor = SensorTask(check: check ?? .file(""), timeoutSeconds: timeout ?? 0)
        var valid = check != nil && timeout != nil
        if let node = fields["poke_interval"] {
            let interval = positiveDuration(node, what: "poke_interval of \(place)")
            sensor.pokeIntervalSeconds = interval ?? 0
            valid = valid && interval != nil
        }
        if let node = fields["mode"] {
            let mode = choice(node, SensorMode.self, key: "mode", place: place)
            sensor.mode = mode ?? .poke
            valid = valid && mode != nil
        }
        if let node = fields["exponential_backoff"] {
            let backoff = boolean(node, what: "exponential_backoff of \(place)")
            sensor.exponentialBackoff = backoff ?? false
            valid = valid && backoff != nil
        }
        if let node = fields["soft_fail"] {
            let softFail = boolean(node, what: "soft_fail of \(place)")
            sensor.softFail = softFail ?? false
            valid = valid && softFail != nil
        }
        if let node = fields["max_wait"] {
            sensor.maxWaitSeconds = positiveDuration(node, what: "max_wait of \(place)")
            valid = valid && sensor.maxWaitSeconds != nil
        }
        return valid ? sensor : nil
    }

    private mutating func readSensorCheck(_ key: String, _ value: Node, place: String) -> SensorCheck? {
        switch key {
        case "bash":
            guard let script = string(value, what: "bash of \(place)") else { return nil }
            checkTemplate(script, node: value, what: "bash of \(place)")
            return .bash(script)
        case "command":
            guard let argv = stringList(value, what: "command of \(place)"), argv.first?.isEmpty == false else {
                if case .sequence = value { report(value, "command of \(place) is empty") }
                return nil
            }
            for argument in argv { checkTemplate(argument, node: value, what: "command of \(place)") }
            return .command(argv)
        case "file":
            guard let path = string(value, what: "file of \(place)") else { return nil }
            checkTemplate(path, node: value, what: "file of \(place)")
            return .file(path)
        case "http":
            return readHTTPCheck(value, place: place).map(SensorCheck.http)
        default:
            return readExternalTask(value, place: place).map(SensorCheck.externalTask)
        }
    }

    /// `http: URL`, or `http: {url: URL, response_contains: TEXT}`.
    private mutating func readHTTPCheck(_ node: Node, place: String) -> HTTPSensorCheck? {
        let what = "http of \(place)"
        var fields: [String: Node] = [:]
        if case .scalar = node {
            fields["url"] = node
        } else {
            guard let pairs = mapping(node, what: what) else { return nil }
            checkKeys(pairs, allowed: ["url", "response_contains"], place: what)
            fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        guard let urlNode = fields["url"] else {
            report(node, "\(what) needs a url")
            return nil
        }
        guard let text = string(urlNode, what: "url of \(what)") else { return nil }
        checkTemplate(text, node: urlNode, what: "url of \(what)")
        // A templated URL is checked when it is rendered.
        guard TemplateRenderer.containsTemplate(text) || checkedURL(text, node: urlNode, what: what) != nil else {
            return nil
        }
        let contains = fields["response_contains"].flatMap { string($0, what: "response_contains of \(what)") }
        return HTTPSensorCheck(url: text, responseContains: contains)
    }

    /// `external_task: {dag_id, task_id, execution_delta, allowed_states, failed_states}`.
    private mutating func readExternalTask(_ node: Node, place: String) -> ExternalTaskCheck? {
        let what = "external_task of \(place)"
        guard let pairs = mapping(node, what: what) else { return nil }
        checkKeys(
            pairs, allowed: ["dag_id", "task_id", "execution_delta", "allowed_states", "failed_states"], place: what)
        let fields = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let dagNode = fields["dag_id"] else {
            report(node, "\(what) needs a dag_id", hint: "the DAG whose task (or run) it waits for")
            return nil
        }
        guard let dagId = string(dagNode, what: "dag_id of \(what)") else { return nil }
        let taskId = fields["task_id"].flatMap { string($0, what: "task_id of \(what)") }
        // A run is queued, running, success or failed; a task instance can be in any state.
        let allowed =
            taskId == nil ? [TaskState.queued, .running, .success, .failed] : TaskState.allCases
        func states(_ key: String, default value: [TaskState]) -> [TaskState] {
            guard let listNode = fields[key], let names = stringList(listNode, what: "\(key) of \(what)") else {
                return value
            }
            return names.compactMap { name in
                if let state = TaskState(rawValue: name), allowed.contains(state) { return state }
                let names = allowed.map(\.rawValue)
                report(
                    listNode, "unknown \(taskId == nil ? "run" : "task") state '\(name)' in \(key) of \(what)",
                    hint: Suggestion.hint(for: name, among: names) ?? "one of \(names.joined(separator: ", "))")
                return nil
            }
        }
        let delta = fields["execution_delta"].flatMap { duration($0, what: "execution_delta of \(what)") } ?? 0
        return ExternalTaskCheck(
            dagId: dagId, taskId: taskId, executionDeltaSeconds: delta,
            allowedStates: states("allowed_states", default: [.success]),
            failedStates: states("failed_states", default: []))
    }

    private mutating func positiveDuration(_ node: Node, what: String) -> Double? {
        guard let seconds = duration(node, what: what) else { return nil }
        guard seconds > 0 else {
            report(node, "\(what) must be more than 0")
            return nil
        }
        return seconds
    }
}
