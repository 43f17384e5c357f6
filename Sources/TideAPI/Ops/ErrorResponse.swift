/// The body of an error answer.
struct ErrorResponse: Codable, Sendable {
    var error: String
}
