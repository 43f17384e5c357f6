/// What a task runs. Exactly one kind is set per task in a DAG file.
public enum TaskKind: Sendable, Hashable, Codable {
    /// A shell script run with `/bin/sh -c`.
    case bash(String)
    /// An argv run directly, without a shell.
    case command([String])
    /// Succeeds without starting a process (a join point or placeholder).
    case empty
    /// Runs in its own Kubernetes pod. (`indirect`, as the sensor: their payloads are hundreds of
    /// bytes and would otherwise be inline in every task of every DAG, a `bash` task's too.)
    indirect case kubernetesPod(KubernetesPodTask)
    /// Waits for a condition (Airflow's sensors).
    indirect case sensor(SensorTask)

    private enum CodingKeys: String, CodingKey {
        case bash, command, empty, kubernetesPod = "kubernetes_pod", sensor
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let script = try container.decodeIfPresent(String.self, forKey: .bash) {
            self = .bash(script)
        } else if let argv = try container.decodeIfPresent([String].self, forKey: .command) {
            self = .command(argv)
        } else if let pod = try container.decodeIfPresent(KubernetesPodTask.self, forKey: .kubernetesPod) {
            self = .kubernetesPod(pod)
        } else if let sensor = try container.decodeIfPresent(SensorTask.self, forKey: .sensor) {
            self = .sensor(sensor)
        } else {
            self = .empty
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .bash(let script): try container.encode(script, forKey: .bash)
        case .command(let argv): try container.encode(argv, forKey: .command)
        case .empty: try container.encode(true, forKey: .empty)
        case .kubernetesPod(let pod): try container.encode(pod, forKey: .kubernetesPod)
        case .sensor(let sensor): try container.encode(sensor, forKey: .sensor)
        }
    }

    /// A short name for listings: `bash`, `command`, `empty`, `kubernetes_pod` or `sensor`.
    public var name: String {
        switch self {
        case .bash: "bash"
        case .command: "command"
        case .empty: "empty"
        case .kubernetesPod: "kubernetes_pod"
        case .sensor: "sensor"
        }
    }
}

extension TaskKind {
    /// A `bash` or `command` task: a process Tide starts itself.
    /// Whether a task of this kind can publish results (XCom): a command Tide runs, or a pod that
    /// writes `/airflow/xcom/return.json`.
    public var publishesResults: Bool {
        switch self {
        case .bash, .command, .kubernetesPod: true
        case .empty, .sensor: false
        }
    }

    public var isKubernetesPod: Bool {
        if case .kubernetesPod = self { return true }
        return false
    }

    public var isLocalCommand: Bool {
        switch self {
        case .bash, .command: true
        case .empty, .kubernetesPod, .sensor: false
        }
    }
}
