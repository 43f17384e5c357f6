import Hummingbird
import TideCore

/// Who is looking at a page: the signed-in user and their role.
public struct UIViewer: Sendable, Hashable {
    public var username: String
    public var role: APIRole
    /// The session cookie this request carried, if it signed in through the login page
    /// (the CSRF token of its page is derived from it).
    public var session: String?

    public init(username: String, role: APIRole, session: String?) {
        self.username = username
        self.role = role
        self.session = session
    }

    /// Whether the viewer may trigger, clear, mark and pause.
    public var canOperate: Bool { role >= .op }
    /// Whether the viewer may change pools.
    public var canAdminister: Bool { role >= .admin }
}

/// A request context the web UI can serve: it carries the authenticated viewer, if any,
/// set by the same authenticator as the REST API's.
public protocol UIRequestContext: RequestContext {
    var uiViewer: UIViewer? { get }
}

/// How the login page signs users in, provided by the API server so the UI and the REST API
/// share users, roles, tokens and the signing key.
public struct UISignIn: Sendable {
    /// false with `--no-auth`: every visitor is an admin and no login page is shown.
    public var enabled: Bool
    /// Seconds a session lasts (the access token's lifetime).
    public var sessionSeconds: Double
    /// A session token for the user, or nil when the credentials are wrong.
    public var signIn: @Sendable (_ username: String, _ password: String) async -> String?
    /// The CSRF token that goes with a session token.
    public var csrfToken: @Sendable (_ session: String) -> String

    public init(
        enabled: Bool, sessionSeconds: Double,
        signIn: @escaping @Sendable (_ username: String, _ password: String) async -> String?,
        csrfToken: @escaping @Sendable (_ session: String) -> String
    ) {
        self.enabled = enabled
        self.sessionSeconds = sessionSeconds
        self.signIn = signIn
        self.csrfToken = csrfToken
    }
}

/// The names the UI and the API's authenticator agree on.
public enum UISession {
    /// The cookie holding the session's access token (HttpOnly, SameSite=Strict).
    public static let cookie = "tide_session"
    /// The header a page's scripts send the CSRF token in, with every change they make.
    public static let csrfHeader = "X-CSRF-Token"
}

/// The header the pages' script sends when it re-fetches a page to update it in place: the page may
/// leave out what the script keeps by itself (a log it follows).
enum UIRefresh {
    static let header = "X-Tide-Refresh"
}
