/// Collects a task's output up to a byte cap, keeping the head and the tail.
///
/// When the output is larger than the cap, the middle is dropped and a visible marker says how
/// many bytes were left out: the start (what ran) and the end (why it failed) both survive.
public struct LogBuffer: Sendable {
    public let capBytes: Int
    private var head: [UInt8] = []
    private var tail: [UInt8] = []
    private var tailStart = 0
    /// Tide's own lines, in order (shown after the output).
    public private(set) var notices: [String] = []
    /// Bytes seen in all.
    public private(set) var totalBytes = 0
    /// Secret values replaced by `***` wherever ``text`` shows them.
    public var maskedValues: [String] = []

    /// - Parameter capBytes: the most bytes kept (at least 64).
    public init(capBytes: Int) {
        self.capBytes = max(64, capBytes)
    }

    public var isTruncated: Bool { totalBytes > capBytes }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        totalBytes += bytes.count
        let headCap = capBytes / 2
        var rest = bytes[...]
        if head.count < headCap {
            let take = min(headCap - head.count, rest.count)
            head.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
        }
        guard !rest.isEmpty else { return }
        let tailCap = capBytes - headCap
        tail.append(contentsOf: rest)
        // Keep the tail bounded: trim in amortised chunks rather than on every append.
        if tail.count - tailStart > tailCap {
            tailStart = tail.count - tailCap
            if tailStart > tailCap {
                tail.removeFirst(tailStart)
                tailStart = 0
            }
        }
    }

    /// Appends a line of Tide's own (a timeout or shutdown notice) outside the cap.
    public mutating func appendNotice(_ line: String) {
        notices.append(line)
    }

    /// The kept output as text (invalid UTF-8 is replaced), with the truncation marker if any.
    public var text: String {
        var result = String(decoding: head, as: UTF8.self)
        if isTruncated {
            let kept = head.count + (tail.count - tailStart)
            if !result.hasSuffix("\n") { result += "\n" }
            result += "[... tide: \(totalBytes - kept) bytes of output truncated ...]\n"
        }
        result += String(decoding: tail[tailStart...], as: UTF8.self)
        for notice in notices {
            if !result.isEmpty && !result.hasSuffix("\n") { result += "\n" }
            result += "[tide] \(notice)\n"
        }
        return SecretRedaction.masking(maskedValues, in: result)
    }
}
