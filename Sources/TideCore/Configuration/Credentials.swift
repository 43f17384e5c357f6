import Foundation

/// Passwords and user names given apart from the URLs (`database_password`, `redis_username`,
/// `redis_password`, or their `TIDE_*` / `TIDE_*_FILE` variables), merged into the URLs once the
/// configuration is loaded, so every connection uses one URL and every log masks it the same way.
public struct Credentials: Sendable, Hashable {
    public var databasePassword: String?
    public var redisUsername: String?
    public var redisPassword: String?

    public init() {}

    /// `url` with its user info's password replaced (or added) and, when given, its user name.
    static func url(_ url: String, user: String?, password: String?) -> String {
        guard user != nil || password != nil, let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd =
            afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        var existingUser = ""
        var existingPassword: String?
        var hostPart = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPart = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                existingUser = String(userInfo[..<colon])
                existingPassword = String(userInfo[userInfo.index(after: colon)...])
            } else {
                existingUser = String(userInfo)
            }
        }
        let name = user.map(encode) ?? existingUser
        let secret = password.map(encode) ?? existingPassword
        let userInfo = secret.map { "\(name):\($0)" } ?? name
        return String(url[..<schemeEnd.upperBound]) + userInfo + "@" + hostPart + afterScheme[authorityEnd...]
    }

    /// RFC 3986's unreserved characters: the only ones user info may hold unencoded.
    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but unreserved characters, as user info needs.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Applies the credentials to the configuration's URLs.
    func apply(to config: inout TideConfiguration) {
        config.databaseURL = Self.url(config.databaseURL, user: nil, password: databasePassword)
        config.redisURL = Self.url(config.redisURL, user: redisUsername, password: redisPassword)
    }
}
