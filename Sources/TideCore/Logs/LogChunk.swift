/// A stored piece of a try's log as a reader gets it back (see ``LogPiece``).
public struct LogChunk: Sendable, Hashable {
    public var charOffset: Int64
    public var byteOffset: Int64
    public var text: String

    public init(charOffset: Int64, byteOffset: Int64, text: String) {
        self.charOffset = charOffset
        self.byteOffset = byteOffset
        self.text = text
    }

    var charEnd: Int64 { charOffset + Int64(text.unicodeScalars.count) }
    var byteEnd: Int64 { byteOffset + Int64(text.utf8.count) }

    /// Part of a stored log put together from its chunks: the text from `start` up to `end`
    /// (offsets in code points), with a marker line wherever output was dropped.
    public struct Assembled: Sendable, Hashable {
        public var text: String
        public var start: Int64
        public var end: Int64
    }

    /// Puts together up to `maxCharacters` of stored text from offset `from`.
    /// - Parameters:
    ///   - chunks: the chunks from the one holding `from` on, in order (more than needed is fine).
    ///   - previousByteEnd: where the chunk before the first one ends, in bytes (0 when none).
    ///   - reachesEnd: whether `chunks` holds every chunk after `from` (the last one included).
    ///   - storedEnd: the log's end (`stored_chars`); with `reachesEnd`, a gap before it is marked too.
    ///   - storedEndBytes: the log's end in bytes.
    public static func assemble(
        _ chunks: [LogChunk], from: Int64, maxCharacters: Int64, previousByteEnd: Int64, reachesEnd: Bool,
        storedEnd: Int64, storedEndBytes: Int64
    ) -> Assembled {
        var text = ""
        var position = max(0, from)
        var left = maxCharacters
        var byteEnd = previousByteEnd
        for chunk in chunks where chunk.charEnd > position {
            guard left > 0 else { break }
            if chunk.charOffset > position {
                text += marker(droppedBytes: chunk.byteOffset - byteEnd, after: text)
                position = chunk.charOffset
            }
            let skip = Int(position - chunk.charOffset)
            let scalars = chunk.text.unicodeScalars
            let startIndex = scalars.index(scalars.startIndex, offsetBy: skip)
            let available = Int64(scalars.count - skip)
            let take = min(available, left)
            let endIndex = scalars.index(startIndex, offsetBy: Int(take))
            text.unicodeScalars.append(contentsOf: scalars[startIndex..<endIndex])
            position += take
            left -= take
            byteEnd = chunk.byteEnd
        }
        if reachesEnd, left > 0, position < storedEnd, chunks.allSatisfy({ $0.charEnd <= position }) {
            text += marker(droppedBytes: storedEndBytes - byteEnd, after: text)
            position = storedEnd
        }
        return Assembled(text: text, start: max(0, from), end: position)
    }

    /// The line that stands for dropped output.
    static func marker(droppedBytes: Int64, after text: String) -> String {
        let line = "[... tide: \(max(0, droppedBytes)) bytes of output dropped to keep the log under its cap ...]\n"
        return text.isEmpty || text.hasSuffix("\n") ? line : "\n" + line
    }
}
