/// A decoded Redis reply (RESP2).
public enum RedisReply: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case status(String)
    case error(String)

    /// The text of a bulk string or status reply.
    public var string: String? {
        switch self {
        case .string(let value), .status(let value): value
        default: nil
        }
    }

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var array: [RedisReply]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }
}
