import Crypto
import Foundation
import Hummingbird

/// The UI's stylesheet and script, compiled into the binary and served with an ETag so browsers
/// revalidate cheaply.
struct AssetRoutes {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String

        init(_ bytes: [UInt8], _ contentType: String) {
            self.bytes = bytes
            self.contentType = contentType
            etag = "\"" + SHA256.hash(data: bytes).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        }
    }

    static let assets: [String: Asset] = [
        "tide.css": Asset(PackageResources.tide_css, "text/css; charset=utf-8"),
        "tide.js": Asset(PackageResources.tide_js, "text/javascript; charset=utf-8"),
        "favicon.svg": Asset(PackageResources.favicon_svg, "image/svg+xml"),
    ]

    func register<Context: UIRequestContext>(on router: Router<Context>) {
        router.get("static/:file") { request, context in
            guard let name = context.parameters.get("file"), let asset = Self.assets[name] else {
                throw HTTPError(.notFound, message: "no such file")
            }
            var headers = HTTPFields()
            headers[.eTag] = asset.etag
            headers[.cacheControl] = "no-cache"
            if request.headers[.ifNoneMatch] == asset.etag { return Response(status: .notModified, headers: headers) }
            headers[.contentType] = asset.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        }
    }
}
