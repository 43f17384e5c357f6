import Foundation
import Hummingbird
import HummingbirdAuth
import TideCore
import TidePostgres
import TideService

/// Sets the request's principal from its `Authorization: Bearer …` header: an access token from
/// `POST /auth/token`, or a long-lived API token (`tide_…`). Without authentication (`--no-auth`)
/// every request acts as an admin. A request without valid credentials gets no principal, and the
/// routes that need one answer 401.
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
        guard let bearer = request.headers.bearer?.token, !bearer.isEmpty else { return nil }
        if bearer.hasPrefix(APITokenSecret.prefix) { return try await apiToken(bearer) }
        return await accessTokens.verify(bearer)
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
