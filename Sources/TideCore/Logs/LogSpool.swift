/// A running try's output on its way to the store, as ``LogPiece``s.
///
/// The worker appends output as it comes and takes pieces to store every few seconds (or as soon
/// as ``isFlushDue``), so it never holds more than ``memoryCapBytes`` of a log however large it
/// grows. The stored log keeps at most about ``capBytes``: its first half (what ran) is never
/// dropped; past that, the oldest pieces of the rest are (why it failed is at the end). A piece is
/// cut after a line wherever it can be, so a secret on one line is masked whole.
public struct LogSpool: Sendable {
    /// The most bytes the stored log keeps (about: by whole pieces).
    public let capBytes: Int
    /// The most output held here, not yet stored; past it the oldest is dropped.
    public let memoryCapBytes: Int
    /// Pending output that makes a piece due before the interval.
    public let pieceBytes: Int
    /// Secret values replaced by `***` in every piece.
    public var maskedValues: [String] = []
    /// Bytes of output seen in all (Tide's own notices not counted).
    public private(set) var totalBytes = 0
    /// Bytes of output dropped: to keep under the cap, or while the store was unreachable.
    public private(set) var droppedBytes = 0

    private var pending: [UInt8] = []
    private var unsent: [LogPiece] = []
    private var unsentBytes = 0
    private var nextChars: Int64 = 0
    private var nextBytes: Int64 = 0
    /// Stored pieces past the first half: where each starts and how large it is.
    private var tail: [(charOffset: Int64, bytes: Int)] = []
    private var tailStart = 0
    private var tailBytes = 0
    private var carriedDrop: Range<Int64>?
    private var recent: [UInt8] = []
    private var endsWithNewline = true

    /// - Parameters:
    ///   - capBytes: the stored log's cap (at least 64).
    ///   - memoryCapBytes: the most held unstored (default 8 MiB, at most the cap).
    ///   - pieceBytes: pending output that makes a piece due (default 256 KiB).
    public init(capBytes: Int, memoryCapBytes: Int = 8 << 20, pieceBytes: Int = 256 << 10) {
        self.capBytes = max(64, capBytes)
        self.memoryCapBytes = max(64, min(memoryCapBytes, self.capBytes))
        self.pieceBytes = max(1, min(pieceBytes, self.memoryCapBytes))
    }

    public var isTruncated: Bool { droppedBytes > 0 }
    /// Whether enough output is pending to store a piece now.
    public var isFlushDue: Bool { pending.count >= pieceBytes }
    /// Whether the output held here has reached half the memory cap: a writer that can wait for
    /// the store should, rather than have output dropped.
    public var isBackedUp: Bool { pending.count + unsentBytes >= memoryCapBytes / 2 }
    /// Whether anything is waiting to be stored.
    public var hasUnstored: Bool { !pending.isEmpty || !unsent.isEmpty || carriedDrop != nil }
    /// The last few KiB of the log as stored (masked): what a callback quotes.
    public var recentText: String {
        SecretRedaction.masking(
            maskedValues, in: String(decoding: recent + pending.suffix(Self.recentBytes), as: UTF8.self))
    }
    static let recentBytes = 4096

    public mutating func append(_ bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        totalBytes += bytes.count
        pending.append(contentsOf: bytes)
        if let last = pending.last { endsWithNewline = last == UInt8(ascii: "\n") }
        keepWithinMemory()
    }

    /// Adds a line of Tide's own (a timeout, a shutdown, a pod's history), on a line of its own.
    public mutating func appendNotice(_ line: String) {
        var text = endsWithNewline ? "" : "\n"
        text += "[tide] \(line)\n"
        pending.append(contentsOf: text.utf8)
        endsWithNewline = true
        keepWithinMemory()
    }

    /// Takes the pieces to store now: any given back earlier, then the pending output up to its
    /// last line end (all of it when `final`, or when a line is longer than ``pieceBytes``).
    /// When `final`, there is always at least one piece: the last one goes with the try's result.
    public mutating func takePieces(final: Bool) -> [LogPiece] {
        var pieces = unsent
        unsent = []
        unsentBytes = 0
        var cut = pending.count
        if !final {
            if let newline = pending.lastIndex(of: UInt8(ascii: "\n")) {
                cut = newline + 1
            } else if pending.count >= pieceBytes {
                cut = Self.boundary(in: pending, atOrBefore: pending.count)
            } else {
                cut = 0
            }
        }
        if cut > 0 {
            let bytes = Array(pending[..<cut])
            pending.removeFirst(cut)
            // Pieces of at most pieceBytes, so that a read from any place (the tail) reads little.
            var rest = bytes[...]
            while !rest.isEmpty {
                var size = rest.count
                if size > pieceBytes {
                    let window = rest.prefix(pieceBytes)
                    if let newline = window.lastIndex(of: UInt8(ascii: "\n")),
                        newline - rest.startIndex >= pieceBytes / 2
                    {
                        size = newline + 1 - rest.startIndex
                    } else {
                        size = max(1, Self.boundary(in: rest, atOrBefore: pieceBytes))
                    }
                }
                pieces += route(rest.prefix(size))
                rest = rest.dropFirst(size)
            }
        }
        if final, carriedDrop != nil || pieces.isEmpty {
            // The last piece goes with the try's result, even when it has nothing more to say.
            pieces.append(LogPiece(text: "", charOffset: nextChars, byteOffset: nextBytes, dropping: carriedDrop))
            carriedDrop = nil
        }
        return pieces
    }

    /// Puts back pieces that could not be stored, to go first next time. Past ``memoryCapBytes``
    /// the oldest are dropped (their place stays a gap in the log, marked when read).
    public mutating func giveBack(_ pieces: [LogPiece]) {
        unsent = pieces + unsent
        unsentBytes = unsent.reduce(0) { $0 + Int($1.byteCount) }
        keepWithinMemory()
    }

    // MARK: - Routing pending output into pieces

    private var headCap: Int64 { Int64(capBytes / 2) }
    private var tailCap: Int { capBytes - capBytes / 2 }

    /// Makes pieces of output taken from pending: the part that fits the first half, then the rest.
    private mutating func route(_ bytes: ArraySlice<UInt8>) -> [LogPiece] {
        var rest = bytes
        var pieces: [LogPiece] = []
        if nextBytes < headCap {
            let room = Int(headCap - nextBytes)
            var cut = rest.count
            if rest.count > room {
                // Prefer a line end in the room's last half; otherwise any character boundary.
                let window = rest[rest.startIndex..<(rest.startIndex + room)]
                if let newline = window.lastIndex(of: UInt8(ascii: "\n")), newline - rest.startIndex >= room / 2 {
                    cut = newline + 1 - rest.startIndex
                } else {
                    cut = Self.boundary(in: rest, atOrBefore: room)
                }
            }
            if cut > 0 {
                pieces.append(makePiece(rest.prefix(cut), inTail: false))
                rest = rest.dropFirst(cut)
            }
        }
        guard !rest.isEmpty else { return pieces }
        if rest.count > tailCap {
            // Only the end of this output can be kept: skip the rest at a character boundary.
            let skip = rest.count - Self.boundary(in: rest, atOrBefore: tailCap, fromEnd: true)
            skipOutput(rest.prefix(skip))
            rest = rest.dropFirst(skip)
        }
        if !rest.isEmpty { pieces.append(makePiece(rest, inTail: true)) }
        return pieces
    }

    private mutating func makePiece(_ bytes: ArraySlice<UInt8>, inTail: Bool) -> LogPiece {
        let text = SecretRedaction.masking(maskedValues, in: String(decoding: bytes, as: UTF8.self))
        var piece = LogPiece(text: text, charOffset: nextChars, byteOffset: nextBytes, dropping: carriedDrop)
        carriedDrop = nil
        nextChars = piece.charEnd
        nextBytes = piece.byteEnd
        recent.append(contentsOf: text.utf8)
        if recent.count > 2 * Self.recentBytes { recent.removeFirst(recent.count - Self.recentBytes) }
        guard inTail else { return piece }
        tail.append((piece.charOffset, Int(piece.byteCount)))
        tailBytes += Int(piece.byteCount)
        // Drop the oldest kept pieces (never this one) until the tail fits its half of the cap.
        while tailBytes > tailCap, tail.count - tailStart > 1 {
            let oldest = tail[tailStart]
            let next = tail[tailStart + 1]
            piece.dropping = (oldest.charOffset..<next.charOffset).covering(piece.dropping)
            tailBytes -= oldest.bytes
            droppedBytes += oldest.bytes
            tailStart += 1
        }
        if tailStart > 64, tailStart * 2 > tail.count {
            tail.removeFirst(tailStart)
            tailStart = 0
        }
        return piece
    }

    /// Counts output that will never be stored, leaving a gap of its size in the log.
    private mutating func skipOutput(_ bytes: ArraySlice<UInt8>) {
        nextBytes += Int64(bytes.count)
        nextChars += Int64(bytes.reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) })
        droppedBytes += bytes.count
    }

    /// Keeps what is held here under the memory cap, dropping from the middle of what it holds:
    /// unstored pieces of the log's first half take at most half the memory (past it, their newest
    /// go); then the oldest unstored pieces of the rest go, then the oldest pending output.
    private mutating func keepWithinMemory() {
        let half = memoryCapBytes / 2
        func heldOfFirstHalf() -> Int {
            unsent.reduce(0) { $0 + ($1.byteOffset < headCap ? Int($1.byteCount) : 0) }
        }
        while unsentBytes + pending.count > memoryCapBytes, heldOfFirstHalf() > half,
            let index = unsent.lastIndex(where: { $0.byteOffset < headCap })
        {
            dropUnsent(at: index)
        }
        while unsentBytes + pending.count > memoryCapBytes,
            let index = unsent.firstIndex(where: { $0.byteOffset >= headCap })
        {
            dropUnsent(at: index)
        }
        guard unsentBytes + pending.count > memoryCapBytes, !pending.isEmpty else { return }
        if nextBytes < headCap {
            // What the first half still takes is made a piece now, so that only output after it is dropped.
            let room = min(Int(headCap - nextBytes), half - heldOfFirstHalf())
            let cut = Self.boundary(in: pending, atOrBefore: max(0, min(room, pending.count)))
            if cut > 0 {
                let piece = makePiece(pending[..<cut], inTail: false)
                pending.removeFirst(cut)
                unsent.append(piece)
                unsentBytes += Int(piece.byteCount)
            }
        }
        let over = unsentBytes + pending.count - memoryCapBytes
        guard over > 0, !pending.isEmpty else { return }
        // Drop at least a quarter, so that a fast writer does not make every append shift the buffer.
        let want = min(pending.count, max(over, memoryCapBytes / 4))
        let cut = Self.boundary(in: pending, atOrBefore: want, roundingUp: true)
        skipOutput(pending[..<cut])
        pending.removeFirst(cut)
    }

    /// Drops an unstored piece; its place stays a gap, and the drops it carried go with the next.
    private mutating func dropUnsent(at index: Int) {
        let dropped = unsent.remove(at: index)
        unsentBytes -= Int(dropped.byteCount)
        droppedBytes += Int(dropped.byteCount)
        guard let drop = dropped.dropping else { return }
        if index < unsent.count {
            unsent[index].dropping = drop.covering(unsent[index].dropping)
        } else {
            carriedDrop = drop.covering(carriedDrop)
        }
    }

    /// A UTF-8 character boundary near `count` bytes into `bytes` (from its start, or counted
    /// from its end when `fromEnd`, returning the bytes after it): at or before it, or at or after
    /// it when `roundingUp`.
    static func boundary(
        in bytes: some RandomAccessCollection<UInt8>, atOrBefore count: Int, fromEnd: Bool = false,
        roundingUp: Bool = false
    ) -> Int {
        func isContinuation(_ offset: Int) -> Bool {
            offset < bytes.count && (bytes[bytes.index(bytes.startIndex, offsetBy: offset)] & 0xC0) == 0x80
        }
        var offset = fromEnd ? bytes.count - count : count
        if fromEnd || roundingUp {
            while offset < bytes.count, isContinuation(offset) { offset += 1 }
            return fromEnd ? bytes.count - offset : offset
        }
        while offset > 0, isContinuation(offset) { offset -= 1 }
        return offset
    }
}
