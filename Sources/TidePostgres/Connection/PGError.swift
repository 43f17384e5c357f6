/// A failure talking to PostgreSQL. It carries the SQLSTATE and server message, never the
/// statement's parameters or the connection password.
public struct PGError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The connection could not be opened (refused, bad credentials, unknown database).
        public static let connectionFailed = Code(name: "connectionFailed")
        /// The server rejected or failed a statement; see ``PGError/sqlState``.
        public static let queryFailed = Code(name: "queryFailed")
        /// The connection broke; the next use reconnects.
        public static let connectionLost = Code(name: "connectionLost")
        /// A guarded update matched no row: another process got there first.
        public static let conflict = Code(name: "conflict")
        /// The row asked for does not exist.
        public static let notFound = Code(name: "notFound")
        /// A stored value could not be read back (a bug or a hand-edited row).
        public static let corruptRow = Code(name: "corruptRow")
    }

    public var code: Code
    public var message: String
    /// Five-character SQLSTATE, e.g. `23505` for a unique violation.
    public var sqlState: String?
    /// What Tide was doing, e.g. `claim task instance`.
    public var context: String?

    public init(code: Code, message: String, sqlState: String? = nil, context: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.context = context
    }

    public var description: String {
        var text = "postgres"
        if let context { text += " (\(context))" }
        text += ": \(message)"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text
    }

    /// True for SQLSTATE class 40 (serialization failure, deadlock): safe to retry the transaction.
    public var isTransient: Bool { sqlState?.hasPrefix("40") == true || code == .connectionLost }
}
