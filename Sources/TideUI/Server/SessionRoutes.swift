import Foundation
import Hummingbird
import TideCore

/// The login page and sign-out: a session is the REST API's access token in an HttpOnly,
/// SameSite=Strict cookie; the pages' scripts send the CSRF token derived from it with every change.
struct SessionRoutes {
    let signIn: UISignIn
    static let maxFormBytes = 16 * 1024

    func register<Context: UIRequestContext>(on router: Router<Context>) {
        router.get("login") { request, context in
            guard signIn.enabled else { return PageResponse.redirect(to: "/") }
            let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
            return Self.page(next: next, error: nil, username: "")
        }
        router.post("login") { request, context in
            guard signIn.enabled else { return PageResponse.redirect(to: "/") }
            let form = try await FormFields(request, maxBytes: Self.maxFormBytes)
            let next = Self.safeNext(form["next"])
            let username = form["username"] ?? ""
            guard !username.isEmpty, let password = form["password"], !password.isEmpty else {
                return Self.page(next: next, error: "Enter a username and a password.", username: username)
            }
            guard let token = await signIn.signIn(username, password) else {
                context.logger.notice("rejected UI login", metadata: ["user": "\(username)"])
                return Self.page(next: next, error: "Wrong username or password.", username: username)
            }
            // Behind a TLS-terminating proxy the cookie must not travel over plain HTTP.
            let secure = request.headers[.init("X-Forwarded-Proto")!] == "https" ? "; Secure" : ""
            let cookie =
                "\(UISession.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(signIn.sessionSeconds))"
                + secure
            return PageResponse.redirect(to: next, cookie: cookie)
        }
        router.post("logout") { request, context in
            let form = try await FormFields(request, maxBytes: Self.maxFormBytes)
            // Signing out needs the page's CSRF token too, so another site cannot sign a user out.
            if let session = context.uiViewer?.session, form["csrf"] != signIn.csrfToken(session) {
                throw HTTPError(.forbidden, message: "The CSRF token is missing or invalid")
            }
            return PageResponse.redirect(
                to: "/login", cookie: "\(UISession.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
        }
    }

    static func page(next: String, error: String?, username: String) -> Response {
        var model: [String: Any] = ["next": next, "username": username]
        if let error { model["error"] = error }
        return PageResponse.response(
            Templates.render("login", model), status: error == nil ? .ok : .unauthorized)
    }

    /// Where to go after signing in: a path on this site only (no `//host` or scheme), else `/`.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.contains("\r"), !next.contains("\n")
        else { return "/" }
        return next
    }
}

/// The fields of an `application/x-www-form-urlencoded` body (the login page's, and `POST /auth/token`'s).
public struct FormFields: Sendable {
    private var fields: [String: [String]] = [:]

    public init(_ request: Request, maxBytes: Int) async throws {
        let buffer = try await request.body.collect(upTo: maxBytes)
        self.init(encoded: String(buffer: buffer))
    }

    public init(encoded: String) {
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            guard let key = parts.first else { continue }
            fields[key, default: []].append(parts.count > 1 ? parts[1] : "")
        }
    }

    /// The first value of a field, nil when it is absent.
    public subscript(name: String) -> String? { fields[name]?.first }
}
