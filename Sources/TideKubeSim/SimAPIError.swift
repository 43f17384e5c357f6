import TideCore

/// An API error answered as a Kubernetes `Status` object (`kubectl` prints its message).
struct SimAPIError: Error, Sendable {
    var code: Int
    /// `NotFound`, `AlreadyExists`, `Invalid`, `BadRequest`, `Unauthorized`, `Expired`, …
    var reason: String
    var message: String

    static func notFound(_ kind: String, _ name: String) -> SimAPIError {
        SimAPIError(code: 404, reason: "NotFound", message: "\(kind) \"\(name)\" not found")
    }

    static func badRequest(_ message: String) -> SimAPIError {
        SimAPIError(code: 400, reason: "BadRequest", message: message)
    }

    static func invalid(_ kind: String, _ name: String, _ problem: String) -> SimAPIError {
        SimAPIError(code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(problem)")
    }

    var status: JSONValue {
        .object([
            "kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .number(Double(code)),
        ])
    }
}
