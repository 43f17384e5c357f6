import Hummingbird
import NIOCore
import TideCore

/// An error answer in Airflow's shape: `{"detail": "…"}`, or for invalid input (422) FastAPI's
/// `{"detail": [{"type", "loc", "msg", "input"}]}`, so Airflow's clients read Tide's errors as theirs.
struct APIError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let detail: JSONValue
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.detail = .string(message)
    }

    init(validation problems: [ValidationProblem]) {
        status = .unprocessableContent
        detail = .array(problems.map(\.json))
    }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }

    static func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, message)
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(.object(["detail": detail])))))
    }
}

/// One thing wrong with a request's input, where FastAPI would say it: `loc` is the path to the
/// value (`["query", "limit"]`, `["body", "conf"]`), `type` a machine-readable kind.
struct ValidationProblem: Sendable, Hashable {
    var location: [String]
    var message: String
    var type: String
    var input: JSONValue?

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "loc": .array(location.map { .string($0) }), "msg": .string(message), "type": .string(type),
        ]
        if let input { object["input"] = input }
        return .object(object)
    }
}
