import Hummingbird
import NIOCore

/// `GET /api/v2/openapi.json`: the OpenAPI 3.1 document of everything Tide serves
/// (`docs/api/openapi.json`, made by `scripts/openapi` and compiled in).
struct OpenAPIRoutes: Sendable {
    func register(on router: Router<APIRequestContext>) {
        router.get("api/v2/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
    }
}
