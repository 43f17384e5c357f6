/// The body of an error answer: `{"error": "…"}`.
public struct ErrorResponse: Codable, Sendable {
    /// What went wrong, for a person to read.
    public var error: String

    public init(error: String) {
        self.error = error
    }
}
