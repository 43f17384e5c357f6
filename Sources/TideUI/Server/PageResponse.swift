import Foundation
import Hummingbird
import Mustache

/// Turns a rendered page into an HTTP response inside the layout: navigation, the signed-in user,
/// the CSRF token for the page's scripts, and headers that keep the page from being framed or cached.
struct PageResponse {
    /// Which navigation entry is current.
    enum Section: String {
        case home, dags, browse, cluster, admin
    }

    static func html(
        _ template: String, _ model: [String: Any], title: String, section: Section, viewer: UIViewer?,
        signIn: UISignIn, events: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let body = Templates.render(template, model)
        var layout: [String: Any] = [
            "title": title, "body": body, "section_" + section.rawValue: true,
            "events": events ?? "", "live": events != nil,
        ]
        if let viewer {
            layout["user"] = viewer.username
            layout["role"] = viewer.role.rawValue
            layout["canAdminister"] = viewer.canAdminister
            layout["signedIn"] = signIn.enabled && viewer.session != nil
            if let session = viewer.session { layout["csrf"] = signIn.csrfToken(session) }
        }
        return response(Templates.render("layout", layout), status: status)
    }

    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Referrer-Policy")!] = "same-origin"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(to location: String, cookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }
}

/// The HTML error page browsers get for a path the server does not have, instead of API JSON.
public enum UIErrorPage {
    /// Whether a failed request came from a browser page rather than an API client.
    public static func wanted(path: String, accept: String?) -> Bool {
        !path.hasPrefix("/api/") && !path.hasPrefix("/auth/") && (accept ?? "").contains("text/html")
    }

    public static func response(status: HTTPResponse.Status, message: String) -> Response {
        PageResponse.response(
            Templates.render("error", ["heading": "\(status.code) \(status.reasonPhrase)", "message": message]),
            status: status)
    }
}
