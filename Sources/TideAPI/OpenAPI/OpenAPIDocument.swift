/// Tide's OpenAPI document, compiled into the binary (see `scripts/openapi`).
enum OpenAPIDocument {
    static let bytes: [UInt8] = Array(text.utf8)
}
