/// A webhook to call when something happens to a task or a run (`on_failure_callback` and friends).
public struct CallbackSpec: Sendable, Hashable, Codable {
    /// How the body is shaped.
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        /// Tide's JSON payload (see ``CallbackPayload``).
        case json
        /// A Slack incoming-webhook message: `{"text": "..."}`.
        case slack
    }

    public var url: String
    public var format: Format
    /// Seconds one delivery attempt may take.
    public var timeoutSeconds: Double
    /// Further attempts after a failed one (with back-off).
    public var retries: Int
    /// Extra request headers, e.g. `Authorization`. Their values are never logged.
    public var headers: [String: String]

    public init(
        url: String, format: Format = .json, timeoutSeconds: Double = 10, retries: Int = 3,
        headers: [String: String] = [:]
    ) {
        self.url = url
        self.format = format
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.headers = headers
    }

    private enum CodingKeys: String, CodingKey {
        case url, format, timeoutSeconds = "timeout_seconds", retries, headers
    }
}

/// What a callback reports.
public enum CallbackEvent: String, Sendable, Hashable, Codable {
    case taskSuccess = "task_success"
    case taskFailure = "task_failure"
    case taskRetry = "task_retry"
    case dagSuccess = "dag_success"
    case dagFailure = "dag_failure"
}

/// The callbacks of a task or a DAG, by what triggers them.
public struct Callbacks: Sendable, Hashable, Codable {
    public var onSuccess: [CallbackSpec]
    public var onFailure: [CallbackSpec]
    /// Tasks only.
    public var onRetry: [CallbackSpec]

    public init(onSuccess: [CallbackSpec] = [], onFailure: [CallbackSpec] = [], onRetry: [CallbackSpec] = []) {
        self.onSuccess = onSuccess
        self.onFailure = onFailure
        self.onRetry = onRetry
    }

    public var isEmpty: Bool { onSuccess.isEmpty && onFailure.isEmpty && onRetry.isEmpty }

    /// The callbacks a task reaching `state` triggers, with their event.
    public func forTask(state: TaskState) -> (CallbackEvent, [CallbackSpec])? {
        switch state {
        case .success: (.taskSuccess, onSuccess)
        case .failed: (.taskFailure, onFailure)
        case .upForRetry: (.taskRetry, onRetry)
        default: nil
        }
    }

    private enum CodingKeys: String, CodingKey {
        case onSuccess = "on_success", onFailure = "on_failure", onRetry = "on_retry"
    }
}
