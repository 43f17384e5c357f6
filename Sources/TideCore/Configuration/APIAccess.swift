import Foundation
import Yams

/// What an API user may do. Each role includes the ones before it.
public enum APIRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Reads everything: DAGs, runs, task instances, logs, pools, the cluster.
    case viewer
    /// Also operates: triggers, clears, marks, pauses and deletes runs.
    case op
    /// Also administers: pools.
    case admin

    private static func rank(_ role: APIRole) -> Int {
        switch role {
        case .viewer: 0
        case .op: 1
        case .admin: 2
        }
    }

    public static func < (lhs: APIRole, rhs: APIRole) -> Bool {
        rank(lhs) < rank(rhs)
    }
}

/// A user of the REST API and web UI, as configured: the password is kept only as a bcrypt hash.
public struct APIUser: Sendable, Hashable, Codable {
    public var username: String
    public var role: APIRole
    /// bcrypt hash (`$2b$…`) of the password; `tide users hash-password` makes one.
    public var passwordHash: String

    public init(username: String, role: APIRole, passwordHash: String) {
        self.username = username
        self.role = role
        self.passwordHash = passwordHash
    }

    private enum CodingKeys: String, CodingKey {
        case username, role, passwordHash = "password_hash"
    }

    /// Reads a list of users (`api.users`, or a users file), naming the entry and field at fault.
    public static func parseList(_ value: JSONValue, source: String) throws(ConfigurationError) -> [APIUser] {
        guard let entries = value.array else {
            throw ConfigurationError(message: "\(source): expected a list of users (username, role, password_hash)")
        }
        var users: [APIUser] = []
        for (index, entry) in entries.enumerated() {
            let place = "\(source)[\(index)]"
            guard let object = entry.object else {
                throw ConfigurationError(message: "\(place): expected a mapping with username, role and password_hash")
            }
            for key in object.keys where !["username", "role", "password_hash"].contains(key) {
                throw ConfigurationError(
                    message: "\(place): unknown key '\(key)' (expected username, role, password_hash)")
            }
            guard let username = object["username"]?.string, !username.isEmpty else {
                throw ConfigurationError(message: "\(place).username: expected a non-empty name")
            }
            guard let roleText = object["role"]?.string, let role = APIRole(rawValue: roleText) else {
                throw ConfigurationError(message: "\(place).role: expected viewer, op or admin")
            }
            guard let hash = object["password_hash"]?.string, hash.hasPrefix("$2"), hash.count == 60 else {
                throw ConfigurationError(
                    message:
                        "\(place).password_hash: expected a bcrypt hash ($2b$…, 60 characters); make one with 'tide users hash-password'"
                )
            }
            guard !users.contains(where: { $0.username == username }) else {
                throw ConfigurationError(message: "\(place).username: '\(username)' is listed twice")
            }
            users.append(APIUser(username: username, role: role, passwordHash: hash))
        }
        return users
    }
}

extension APIUser {
    /// Reads a users file: a JSON or YAML list of users (or a mapping with a `users` list).
    /// - Throws: ``ConfigurationError`` naming the file and the entry at fault.
    public static func loadFile(_ path: String) throws(ConfigurationError) -> [APIUser] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(message: "api.users_file: cannot read '\(path)'")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw ConfigurationError(message: "\(path): neither JSON nor YAML: \(error)")
        }
        guard let root else { return [] }
        var value = ConfigurationLoader.json(root)
        if let users = value["users"] { value = users }
        return try parseList(value, source: path)
    }

    /// The text of a users file holding `users` (JSON, one user per line).
    public static func fileText(_ users: [APIUser]) -> String {
        let lines = users.map { user in
            JSONValue.object([
                "username": .string(user.username), "role": .string(user.role.rawValue),
                "password_hash": .string(user.passwordHash),
            ]).jsonText
        }
        return "[\n  " + lines.joined(separator: ",\n  ") + "\n]\n"
    }
}
