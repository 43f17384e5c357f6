import Testing
import TideCore

@testable import TideWorker

@Suite("A running try's log on its way to the store")
struct TryLogWriterTests {
    /// The try ends while a piece of its log is being stored: the store is waited for, so the
    /// piece is stored once and the log is whole. (Cancelled, its pieces would come back to go
    /// with the result, and with what came meanwhile could pass the memory cap and be dropped.)
    @Test func aStoreInFlightWhenTheTryEndsIsWaitedForNotCancelled() async throws {
        let writer = TryLogWriter(capBytes: 100 << 20)
        let store = HeldStore()
        let first = Self.lines(300, of: "a")  // 300 KiB: a piece is due at once
        let second = Self.lines(1000, of: "b")  // comes while that piece is being stored
        let bodyReturned = Signal()
        let releaser = Task {
            await bodyReturned.wait()
            // Well after the try's end has either cancelled the store or started to wait for it.
            for _ in 0..<100 { await Task.yield() }
            store.open()
        }
        let result = await writer.whileRunning(everySeconds: 3600, store: store.store) {
            await writer.write(first)
            await store.started.wait()
            await writer.write(second)
            bodyReturned.fire()
            return 7
        }
        await releaser.value
        #expect(result == 7)
        #expect(store.wasCancelled == false, "the store in flight was cancelled when the try ended")
        let ending = writer.finish()
        #expect(ending.truncated == false)
        #expect(ending.totalBytes == first.count + second.count)
        let stored = store.pieces
        #expect(stored.first?.byteOffset == 0)
        let log = (stored + ending.pieces).map(\.text).joined()
        #expect(log == String(decoding: first + second, as: UTF8.self))
    }

    /// `count` lines of 1 KiB.
    private static func lines(_ count: Int, of letter: Character) -> [UInt8] {
        let line = Array(String(repeating: letter, count: 1023).utf8) + [UInt8(ascii: "\n")]
        return Array((0..<count).map { _ in line }.joined())
    }
}

/// A one-time event that tasks can wait for.
private final class Signal: Sendable {
    private let state = LockedBox<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.mutate { state in
            defer { state = (true, []) }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.mutate { state in
                if !state.fired { state.waiters.append(continuation) }
                return state.fired
            }
            if fired { continuation.resume() }
        }
    }
}

/// A log store whose first call is held until ``open()``; cancelled, it throws as a cancelled
/// PostgreSQL statement does, having stored nothing.
private final class HeldStore: Sendable {
    let started = Signal()
    private let opened = Signal()
    private let cancelled = LockedBox(false)
    private let stored = LockedBox<[LogPiece]>([])

    var wasCancelled: Bool { cancelled.value }
    var pieces: [LogPiece] { stored.value }

    func open() { opened.fire() }

    var store: TryLogWriter.Store {
        { [self] pieces, _, _ in
            started.fire()
            await withTaskCancellationHandler {
                await opened.wait()
            } onCancel: {
                cancelled.mutate { $0 = true }
                opened.fire()
            }
            if cancelled.value { throw CancellationError() }
            stored.mutate { $0 += pieces }
        }
    }
}
