import Hummingbird
import HummingbirdAuth
import TideCore
import TideUI

/// Who made a request, once the credentials checked out.
struct Principal: Sendable, Hashable {
    /// How the credentials were given.
    enum Method: String, Sendable, Hashable {
        case accessToken = "access_token"
        case apiToken = "api_token"
        /// The web UI's session cookie (an access token), with a CSRF token on every change.
        case session
        /// Authentication is off (`--no-auth`, loopback development).
        case none
    }

    var username: String
    var role: APIRole
    var method: Method
    /// The session cookie's token, when the principal signed in through the web UI.
    var session: String? = nil
}

/// The request context of Tide's API: the authenticated principal, if any.
struct APIRequestContext: AuthRequestContext, RequestContext, UIRequestContext {
    var coreContext: CoreRequestContextStorage
    var identity: Principal?

    init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
    }

    var uiViewer: UIViewer? {
        identity.map { UIViewer(username: $0.username, role: $0.role, session: $0.session) }
    }

    /// The principal, if it holds `role` or more.
    /// - Throws: ``APIError`` 401 without valid credentials, 403 when the role is too low.
    func require(_ role: APIRole, to action: String) throws -> Principal {
        guard let identity else { throw APIError.unauthorized("Not authenticated") }
        guard identity.role >= role else {
            throw APIError(
                .forbidden,
                "Forbidden: user '\(identity.username)' has the role \(identity.role.rawValue); \(action) needs \(role.rawValue) or higher"
            )
        }
        return identity
    }
}
