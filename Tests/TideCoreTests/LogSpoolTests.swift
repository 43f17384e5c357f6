import Testing

@testable import TideCore

/// What the store does with pieces (`TaskInstanceStore.chunkWritesSQL`), in memory.
private struct StoredLog {
    var chunks: [Int64: LogChunk] = [:]
    var end: (chars: Int64, bytes: Int64) = (0, 0)

    mutating func store(_ pieces: [LogPiece]) {
        for piece in pieces {
            if piece.charOffset == 0 { chunks = chunks.filter { $0.key == 0 } }
            if let drop = piece.dropping { chunks = chunks.filter { !drop.contains($0.key) } }
            if !piece.text.isEmpty {
                chunks[piece.charOffset] = LogChunk(
                    charOffset: piece.charOffset, byteOffset: piece.byteOffset, text: piece.text)
            }
            end = (piece.charEnd, piece.byteEnd)
        }
    }

    var sorted: [LogChunk] { chunks.values.sorted { $0.charOffset < $1.charOffset } }
    var storedBytes: Int { chunks.values.reduce(0) { $0 + $1.text.utf8.count } }

    func read(from: Int64 = 0, max: Int64 = .max) -> LogChunk.Assembled {
        let previous = sorted.last { $0.charOffset < from }.map(\.byteEnd) ?? 0
        return LogChunk.assemble(
            sorted, from: from, maxCharacters: max, previousByteEnd: previous, reachesEnd: true, storedEnd: end.chars,
            storedEndBytes: end.bytes)
    }

    var text: String { read().text }
}

@Suite("A running try's log in pieces")
struct LogSpoolTests {
    @Test func piecesEndAtLineEndsAndFollowOneAnotherUntilTheLastTakesTheRest() {
        var spool = LogSpool(capBytes: 1 << 20)
        var log = StoredLog()
        spool.append(Array("first\nsec".utf8))
        let early = spool.takePieces(final: false)
        #expect(early.map(\.text) == ["first\n"])
        log.store(early)
        #expect(spool.takePieces(final: false).isEmpty, "a partial line waits for its end")
        spool.append(Array("ond\nthird without end".utf8))
        let last = spool.takePieces(final: true)
        #expect(last.map(\.text) == ["second\nthird without end"])
        #expect(last.first?.charOffset == 6)
        log.store(last)
        #expect(log.text == "first\nsecond\nthird without end")
        #expect(spool.totalBytes == 30)
        #expect(!spool.isTruncated)
    }

    @Test func aFinalTakeAlwaysHasAPieceForTheResultEvenWithNothingToSay() {
        var spool = LogSpool(capBytes: 1 << 20)
        spool.append(Array("all\n".utf8))
        _ = spool.takePieces(final: false)
        let last = spool.takePieces(final: true)
        #expect(last == [LogPiece(text: "", charOffset: 4, byteOffset: 4)])
    }

    @Test func offsetsCountCodePointsAndALongLineIsCutBetweenCharacters() {
        var spool = LogSpool(capBytes: 1 << 20, memoryCapBytes: 1 << 20, pieceBytes: 64)
        var log = StoredLog()
        let line = String(repeating: "é€😀", count: 40)  // 2 + 3 + 4 bytes: cuts fall inside characters
        spool.append(Array(line.utf8))
        #expect(spool.isFlushDue)
        let pieces = spool.takePieces(final: false)
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { $0.byteCount <= 64 && !$0.text.contains("\u{FFFD}") })
        log.store(pieces)
        log.store(spool.takePieces(final: true))
        #expect(log.text == line)
        #expect(log.end.chars == Int64(line.unicodeScalars.count))
        #expect(log.end.bytes == Int64(line.utf8.count))
        let middle = log.read(from: 3, max: 3)
        #expect(middle.text == "é€😀")
    }

    @Test func pastTheCapTheFirstHalfStaysAndTheOldestOfTheRestIsDroppedWithAMarker() {
        let cap = 4000
        var spool = LogSpool(capBytes: cap, memoryCapBytes: cap, pieceBytes: 100)
        var log = StoredLog()
        var lines: [String] = []
        for number in 0..<2000 {
            let line = "line \(number)\n"
            lines.append(line)
            spool.append(Array(line.utf8))
            if number % 7 == 0 { log.store(spool.takePieces(final: false)) }
        }
        spool.appendNotice("done")
        log.store(spool.takePieces(final: true))
        let text = log.text
        #expect(text.hasPrefix("line 0\nline 1\n"))
        #expect(text.hasSuffix("line 1999\n[tide] done\n"))
        #expect(text.contains("bytes of output dropped to keep the log under its cap ...]\n"))
        #expect(spool.isTruncated)
        #expect(log.storedBytes <= cap + 100, "the cap holds, give or take one piece")
        let kept = text.split(separator: "\n").filter { $0.hasPrefix("line ") }.map { String($0) + "\n" }
        #expect(kept.count > 200)
        // What is kept is whole lines of the output, in order: a prefix, then a suffix.
        let head = lines.prefix { kept.contains($0) }.count
        #expect(Array(lines.prefix(head)) + Array(lines.suffix(kept.count - head)) == kept)
    }

    @Test func aStoreThatFallsBehindHoldsAtMostTheMemoryCapAndKeepsTheStartAndTheEnd() {
        var spool = LogSpool(capBytes: 1 << 20, memoryCapBytes: 2000, pieceBytes: 500)
        var log = StoredLog()
        spool.append(Array("START\n".utf8))
        for number in 0..<5000 { spool.append(Array("filler \(number)\n".utf8)) }
        spool.append(Array("END\n".utf8))
        let text = { () -> String in
            log.store(spool.takePieces(final: true))
            return log.text
        }()
        #expect(text.hasPrefix("START\nfiller 0\n"))
        #expect(text.hasSuffix("filler 4999\nEND\n"))
        #expect(text.contains("bytes of output dropped"))
        #expect(text.utf8.count < 2200)
        #expect(spool.droppedBytes > 50_000)
    }

    @Test func aWriterThatWaitsWhenBackedUpLosesNothing() {
        var spool = LogSpool(capBytes: 100 << 20, memoryCapBytes: 1 << 20, pieceBytes: 64 << 10)
        var stored = 0
        let line = Array(String(repeating: "x", count: 75).utf8) + [UInt8(ascii: "\n")]
        let block = Array(Array(repeating: line, count: 800).joined())  // about 60 KiB
        for _ in 0..<200 {
            spool.append(block)
            if spool.isBackedUp { stored += spool.takePieces(final: false).reduce(0) { $0 + Int($1.byteCount) } }
        }
        stored += spool.takePieces(final: true).reduce(0) { $0 + Int($1.byteCount) }
        #expect(!spool.isTruncated)
        #expect(stored == 200 * block.count)
    }

    @Test func piecesGivenBackGoFirstAndTheOldestGoWhenTheyDoNotFit() {
        var spool = LogSpool(capBytes: 240, memoryCapBytes: 100, pieceBytes: 20)
        var log = StoredLog()
        spool.append(Array("kept in order\n".utf8))
        let refused = spool.takePieces(final: false)
        spool.giveBack(refused)
        spool.append(Array("next\n".utf8))
        let retried = spool.takePieces(final: false)
        #expect(retried.map(\.text) == ["kept in order\n", "next\n"])
        log.store(retried)
        // The store stays out of reach while far more than the memory cap comes.
        spool.giveBack(spool.takePieces(final: false))
        for number in 0..<50 {
            spool.append(Array("burst \(number)\n".utf8))
            spool.giveBack(spool.takePieces(final: false))
        }
        log.store(spool.takePieces(final: true))
        #expect(log.text.hasPrefix("kept in order\nnext\nburst 0\n"), "the start of the log is kept")
        #expect(log.text.hasSuffix("burst 48\nburst 49\n"), "and its end")
        #expect(log.text.contains("\n[... tide: "))
        #expect(log.storedBytes <= 240)
    }

    @Test func secretsAreMaskedAndNoticesGetALineOfTheirOwn() {
        var spool = LogSpool(capBytes: 1 << 20)
        spool.maskedValues = ["hunter2"]
        var log = StoredLog()
        spool.append(Array("password=hunter2\nno newline".utf8))
        spool.appendNotice("killed")
        log.store(spool.takePieces(final: true))
        #expect(log.text == "password=***\nno newline\n[tide] killed\n")
        #expect(log.end.chars == Int64(log.text.unicodeScalars.count))
        #expect(spool.recentText.hasSuffix("[tide] killed\n"))
    }

    @Test func aReadInsideADroppedStretchGetsTheMarkerAndGoesOnAfterIt() {
        let chunks = [
            LogChunk(charOffset: 0, byteOffset: 0, text: "head\n"),
            LogChunk(charOffset: 100, byteOffset: 120, text: "tail\n"),
        ]
        let inGap = LogChunk.assemble(
            chunks, from: 50, maxCharacters: 1000, previousByteEnd: 5, reachesEnd: true, storedEnd: 105,
            storedEndBytes: 125)
        #expect(inGap.text == "[... tide: 115 bytes of output dropped to keep the log under its cap ...]\ntail\n")
        #expect(inGap.end == 105)
        let across = LogChunk.assemble(
            chunks, from: 2, maxCharacters: 1000, previousByteEnd: 0, reachesEnd: true, storedEnd: 105,
            storedEndBytes: 125)
        #expect(across.text.hasPrefix("ad\n[... tide: 115 bytes"))
        let droppedAtTheEnd = LogChunk.assemble(
            chunks, from: 0, maxCharacters: 1000, previousByteEnd: 0, reachesEnd: true, storedEnd: 150,
            storedEndBytes: 200)
        #expect(
            droppedAtTheEnd.text.hasSuffix(
                "tail\n[... tide: 75 bytes of output dropped to keep the log under its cap ...]\n"))
        #expect(droppedAtTheEnd.end == 150)
    }
}
