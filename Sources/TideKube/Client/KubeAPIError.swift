import TideCore

/// A Kubernetes API request that failed: either the server answered with an error status (its
/// `Status` message is kept), or no answer came (the transport error is kept).
public struct KubeAPIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status, or nil when no response arrived.
    public var status: Int?
    /// The `Status.reason` (`NotFound`, `AlreadyExists`, `Expired`, `Forbidden`, …) when the server gave one.
    public var reason: String?
    public var message: String
    /// `GET pods/x`-style summary of the request (never the token).
    public var request: String
    /// Seconds the server asked to wait before trying again (`Retry-After`), if it did.
    public var retryAfterSeconds: Double?
    private let transient: Bool?

    /// - Parameter transient: whether trying again may help; nil decides by `status` (none, 429, 5xx).
    public init(
        status: Int?, reason: String?, message: String, request: String, retryAfterSeconds: Double? = nil,
        transient: Bool? = nil
    ) {
        self.status = status
        self.reason = reason
        self.message = message
        self.request = request
        self.retryAfterSeconds = retryAfterSeconds
        self.transient = transient
    }

    public var description: String {
        if let status { return "\(request): \(status) \(reason ?? ""): \(message)" }
        return "\(request): \(message)"
    }

    public var isNotFound: Bool { status == 404 }
    public var isConflict: Bool { status == 409 }
    /// A watch or list whose `resourceVersion` is too old (410 Gone / `Expired`).
    public var isGone: Bool { status == 410 || reason == "Expired" || reason == "Gone" }
    /// Trying again later may succeed: no response, throttling, or a server error.
    public var isTransient: Bool {
        if let transient { return transient }
        guard let status else { return true }
        return status == 429 || status >= 500
    }

    /// The error an error response describes (its `Status` object, or the raw body).
    static func from(response status: Int, body: [UInt8], request: String, retryAfterSeconds: Double? = nil)
        -> KubeAPIError
    {
        let parsed = try? JSONValue.decode(body)
        let message = parsed?["message"]?.string ?? String(decoding: body.prefix(500), as: UTF8.self)
        return KubeAPIError(
            status: status, reason: parsed?["reason"]?.string, message: message, request: request,
            retryAfterSeconds: retryAfterSeconds)
    }
}
