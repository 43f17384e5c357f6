/// A failure talking to Redis. The message names the server and command, never a password or a
/// command's arguments (they may carry task data).
public struct RedisError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The URL could not be parsed.
        public static let invalidURL = Code(name: "invalidURL")
        /// No connection could be made (refused, unreachable, timed out, authentication failed).
        public static let connectionFailed = Code(name: "connectionFailed")
        /// The connection broke during a command; the next command reconnects.
        public static let connectionLost = Code(name: "connectionLost")
        /// Redis answered with an error reply.
        public static let server = Code(name: "server")
        /// The reply did not have the shape the command promises.
        public static let unexpectedReply = Code(name: "unexpectedReply")
    }

    public var code: Code
    public var message: String
    public var endpoint: RedisEndpoint?
    /// The command name (first word only).
    public var command: String?

    public init(code: Code, message: String, endpoint: RedisEndpoint?, command: String? = nil) {
        self.code = code
        self.message = message
        self.endpoint = endpoint
        self.command = command
    }

    public var description: String {
        var text = "redis"
        if let endpoint { text += " \(endpoint)" }
        if let command { text += " \(command)" }
        return text + ": \(message)"
    }
}
