import Foundation
import Hummingbird
import NIOCore
import TideCore
import TideUI

/// `POST /auth/token` (and `/auth/token/cli`) as Airflow's simple auth manager serves it:
/// a username and password, as JSON or a form, for `{"access_token": "…"}` (201).
struct TokenRoutes: Sendable {
    let users: UserDirectory
    let accessTokens: AccessTokens
    let maxBodyBytes: Int
    let authEnabled: Bool

    func register(on router: Router<APIRequestContext>) {
        router.post("auth/token") { request, context in try await token(request, context) }
        router.post("auth/token/cli") { request, context in try await token(request, context) }
    }

    func token(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (username, password) = try await credentials(request)
        let principal: (String, APIRole)
        if !authEnabled {
            principal = (username, .admin)
        } else if let user = await users.authenticate(username: username, password: password) {
            principal = (user.username, user.role)
        } else {
            context.logger.notice("rejected login", metadata: ["user": "\(username)"])
            throw APIError.unauthorized("Invalid credentials")
        }
        let token = try await accessTokens.issue(username: principal.0, role: principal.1)
        return JSONResponse.make(.object(["access_token": .string(token)]), status: .created, for: request)
    }

    func credentials(_ request: Request) async throws -> (String, String) {
        let contentType = request.headers[.contentType] ?? "application/json"
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let fields = try await FormFields(request, maxBytes: maxBodyBytes)
            guard let username = fields["username"], let password = fields["password"] else {
                throw APIError(.badRequest, "Username and password must be provided")
            }
            return (username, password)
        }
        guard contentType.hasPrefix("application/json") else {
            throw APIError(
                .unsupportedMediaType, "Content-Type must be application/json or application/x-www-form-urlencoded")
        }
        var body = try await BodyReader.read(request, maxBytes: maxBodyBytes, fields: ["username", "password"])
        body.require("username")
        body.require("password")
        let username = body.string("username")
        let password = body.string("password")
        try body.check()
        guard let username, let password else { throw APIError(.badRequest, "Username and password must be provided") }
        return (username, password)
    }
}
