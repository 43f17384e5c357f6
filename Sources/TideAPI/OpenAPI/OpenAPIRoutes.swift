import Foundation
import Hummingbird
import NIOCore

/// `GET /api/v2/openapi.json`: the OpenAPI 3.1 document of everything Tide serves
/// (`Sources/TideAPI/Resources/openapi.json`, made by `scripts/openapi`).
struct OpenAPIRoutes: Sendable {
    static let document: [UInt8]? = Bundle.module.url(forResource: "openapi", withExtension: "json").flatMap {
        FileManager.default.contents(atPath: $0.path).map(Array.init)
    }

    func register(on router: Router<APIRequestContext>) {
        router.get("api/v2/openapi.json") { _, _ in
            guard let document = Self.document else {
                throw APIError(.internalServerError, "the OpenAPI document is missing from this build")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}
