/// A failed HTTP exchange. The URL in it has any password masked.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The URL could not be parsed or uses an unsupported scheme.
        public static let invalidURL = Code(name: "invalidURL")
        /// The host could not be resolved or refused the connection.
        public static let connectionFailed = Code(name: "connectionFailed")
        /// No complete response within the timeout.
        public static let timedOut = Code(name: "timedOut")
        /// The TLS handshake or certificate check failed.
        public static let tls = Code(name: "tls")
        /// Anything else curl reports (connection reset, bad response, …).
        public static let transport = Code(name: "transport")
    }

    public var code: Code
    public var method: String
    /// The request URL, password masked.
    public var url: String
    public var message: String

    public var description: String { "\(method) \(url): \(message)" }

    /// Whether trying again may help (the server was unreachable, slow or reset the connection).
    public var isTransient: Bool { code == .connectionFailed || code == .timedOut || code == .transport }
}

/// A complete HTTP response. Any status is a response, not an error.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// Seconds the server asked the client to wait (`Retry-After` in seconds), if it did.
    public var retryAfterSeconds: Double?

    public var text: String { String(decoding: body, as: UTF8.self) }
}
