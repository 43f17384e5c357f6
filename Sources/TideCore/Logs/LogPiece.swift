/// A piece of a try's stored log: text that goes at a known place in it.
///
/// Offsets count the whole log as written, dropped parts included, so that a piece's place never
/// changes when older parts are dropped to keep the log under its cap. Characters are Unicode
/// code points (what PostgreSQL's `char_length` counts).
public struct LogPiece: Sendable, Hashable {
    public var text: String
    /// Code points before this piece.
    public var charOffset: Int64
    /// UTF-8 bytes before this piece.
    public var byteOffset: Int64
    public var charCount: Int64
    public var byteCount: Int64
    /// Earlier pieces to delete with this one (by their char offsets): the oldest part of the
    /// kept tail, when the log has grown past its cap.
    public var dropping: Range<Int64>?

    public init(text: String, charOffset: Int64, byteOffset: Int64, dropping: Range<Int64>? = nil) {
        self.text = text
        self.charOffset = charOffset
        self.byteOffset = byteOffset
        self.charCount = Int64(text.unicodeScalars.count)
        self.byteCount = Int64(text.utf8.count)
        self.dropping = dropping
    }

    /// Where the next piece starts.
    public var charEnd: Int64 { charOffset + charCount }
    public var byteEnd: Int64 { byteOffset + byteCount }
}

extension Range where Bound == Int64 {
    /// The smallest range covering both (drops are always of the oldest kept part, so they touch).
    func covering(_ other: Range<Int64>?) -> Range<Int64> {
        guard let other else { return self }
        return Swift.min(lowerBound, other.lowerBound)..<Swift.max(upperBound, other.upperBound)
    }
}
