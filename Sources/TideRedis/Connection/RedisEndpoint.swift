/// Where a Redis server is and how to log in, parsed from
/// `redis://[[username]:password@]host[:port][/db]` (a user name logs in as that ACL user).
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// An ACL user (Redis 6+); nil logs in as the default user.
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a Redis URL.
    /// - Throws: ``RedisError`` with code `invalidURL`; the message never contains the password.
    public init(url: String) throws(RedisError) {
        let invalid = { (why: String) in
            RedisError(code: .invalidURL, message: "invalid Redis URL: \(why)", endpoint: nil)
        }
        guard url.hasPrefix("redis://") else { throw invalid("expected it to start with redis://") }
        var rest = Substring(url.dropFirst("redis://".count))
        var password: String?
        var username: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                let secret = String(userInfo[userInfo.index(after: colon)...])
                password = secret.isEmpty ? nil : (secret.removingPercentEncodingIfPossible())
                let name = String(userInfo[..<colon])
                username = name.isEmpty ? nil : name.removingPercentEncodingIfPossible()
            } else if !userInfo.isEmpty {
                password = String(userInfo)
            }
            rest = rest[rest.index(after: at)...]
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else {
                    throw invalid("database must be a number, got '\(path)'")
                }
                database = number
            }
            rest = rest[..<slash]
        }
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw invalid("port must be 1-65535")
            }
            port = number
            host = String(rest[..<colon])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw invalid("missing host") }
        guard username == nil || password != nil else { throw invalid("a user name needs a password") }
        self.init(host: host, port: port, username: username, password: password, database: database)
    }

    /// `[user@]host:port/db`, never the password.
    public var description: String { (username.map { "\($0)@" } ?? "") + "\(host):\(port)/\(database)" }
}

extension String {
    func removingPercentEncodingIfPossible() -> String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
