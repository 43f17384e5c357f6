import HummingbirdBcrypt
import NIOPosix
import TideCore

/// The configured users, checked by password. bcrypt is slow on purpose, so it runs on NIO's
/// blocking thread pool, never on the cooperative pool.
struct UserDirectory: Sendable {
    let users: [String: APIUser]

    init(_ users: [APIUser]) {
        self.users = Dictionary(users.map { ($0.username, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The user whose password this is, or nil. An unknown name costs one bcrypt all the same,
    /// so the time taken does not tell which names exist.
    func authenticate(username: String, password: String) async -> APIUser? {
        guard let user = users[username] else {
            _ = try? await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: 12) }
            return nil
        }
        let matches =
            (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: user.passwordHash) })
            ?? false
        return matches ? user : nil
    }
}
