import Foundation
import Hummingbird
import HummingbirdAuth
import TideCore
import TidePostgres
import TideService
import TideUI

/// Sets the request's principal from its `Authorization: Bearer …` header: an access token from
/// `POST /auth/token`, or a long-lived API token (`tide_…`). Without authentication (`--no-auth`)
/// every request acts as an admin. Without a bearer token, the web UI's session cookie counts, but
/// a change (any method but GET and HEAD) made with it must carry the page's CSRF token in
/// `X-CSRF-Token`, or it is refused with 403. A request without valid credentials gets no
/// principal, and the routes that need one answer 401.
struct Authenticator: AuthenticatorMiddleware {
    typealias Context = APIRequestContext
    typealias Identity = Principal

    let enabled: Bool
    let accessTokens: AccessTokens
    let apiTokens: APITokenStore
    /// API tokens checked within the last few seconds, so polling does not write on every request.
    let recent = LockedBox<[String: (principal: Principal, checkedAt: Date)]>([:])
    static let recheckSeconds = 5.0

    func authenticate(request: Request, context: Context) async throws -> Principal? {
        guard enabled else { return Principal(username: "anonymous", role: .admin, method: .none) }
        guard let bearer = request.headers.bearer?.token, !bearer.isEmpty else { return try await session(request) }
        if bearer.hasPrefix(APITokenSecret.prefix) { return try await apiToken(bearer) }
        return await accessTokens.verify(bearer)
    }

    private func session(_ request: Request) async throws -> Principal? {
        guard let token = request.cookies[UISession.cookie]?.value, !token.isEmpty,
            var principal = await accessTokens.verify(token)
        else { return nil }
        principal.method = .session
        principal.session = token
        let reads: Set<HTTPRequest.Method> = [.get, .head]
        // Signing out checks the token from its form itself; signing in again needs no session.
        if !reads.contains(request.method) && request.uri.path != "/logout" && request.uri.path != "/login" {
            let sent = request.headers[.init(UISession.csrfHeader)!] ?? ""
            guard !sent.isEmpty, sent == accessTokens.csrfToken(for: token) else {
                throw APIError(
                    .forbidden,
                    "The CSRF token is missing or invalid: a change made with the web UI's session needs the page's token in \(UISession.csrfHeader)"
                )
            }
        }
        return principal
    }

    private func apiToken(_ secret: String) async throws -> Principal? {
        let hash = APITokenSecret.hash(secret)
        let now = Date()
        if let known = recent.value[hash], now.timeIntervalSince(known.checkedAt) < Self.recheckSeconds {
            return known.principal
        }
        guard let record = try await apiTokens.authenticate(secretHash: hash) else {
            recent.mutate { $0[hash] = nil }
            return nil
        }
        let principal = Principal(username: record.username, role: record.role, method: .apiToken)
        recent.mutate { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[hash] = (principal, now)
        }
        return principal
    }
}
