import Hummingbird
import Logging

/// Answers what ``OpsRoutes`` do not serve in the shape of their own errors (`{"error": "…"}`):
/// an unknown path is a 404 naming the paths this port serves, another method on one of them a 405
/// with `Allow` (Hummingbird's router answers both with an empty 404), and a handler's failure a
/// 500 whose detail goes to the log only.
struct OpsErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard OpsRoutes.paths.contains(path) else {
                let served = OpsRoutes.paths.joined(separator: ", ")
                return OpsRoutes.json(
                    ErrorResponse(error: "no such endpoint: \(path) (this port serves \(served))"), status: .notFound)
            }
            var refusal = OpsRoutes.json(
                ErrorResponse(error: "\(request.method) is not allowed on \(path): use GET"), status: .methodNotAllowed)
            refusal.headers[.allow] = "GET"
            return refusal
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return OpsRoutes.json(
                ErrorResponse(error: "internal error; the server log has the details"), status: .internalServerError)
        }
    }
}
