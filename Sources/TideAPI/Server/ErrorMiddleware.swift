import Hummingbird
import Logging
import TidePostgres
import TideService
import TideUI

/// Turns every error a handler throws into an answer in Airflow's shape: refusals of the service
/// layer become 404/409/400, an unreachable database 503, Hummingbird's own errors (unknown route,
/// bad method) keep their status (as an HTML page for a browser outside the API); anything else is a
/// 500 whose detail is only logged.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let methods: MethodCheck

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as ServiceError {
            switch error.code {
            case .notFound: throw APIError(.notFound, error.message)
            case .conflict: throw APIError(.conflict, error.message)
            case .invalid: throw APIError(.badRequest, error.message)
            }
        } catch let error as PGError where error.code == .connectionFailed || error.code == .connectionLost {
            context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "The metadata database is unavailable; try again shortly")
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = methods.allowedMethods(for: request.uri.path),
                !allowed.contains(request.method.rawValue)
            {
                var refusal = APIError(.methodNotAllowed, "Method Not Allowed")
                refusal.headers[.allow] = allowed.joined(separator: ", ")
                throw refusal
            }
            if UIErrorPage.wanted(path: request.uri.path, accept: request.headers[.accept]) {
                return UIErrorPage.response(status: error.status, message: error.body ?? "There is no page here.")
            }
            throw APIError(error.status, error.body ?? error.status.reasonPhrase)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError(.internalServerError, "Internal error; the server log has the details")
        }
    }
}
