import TideCore

/// A try's log on its way to the store while the try runs: output and Tide's notices go into a
/// ``LogSpool``, and pieces of it are stored every few seconds, or at once when enough is pending,
/// so the log can be read (and tailed) before the try ends, survives a worker that is killed, and
/// is never held whole in memory. A piece that cannot be stored is kept and tried again.
final class TryLogWriter: Sendable {
    /// Stores pieces of the running try's log; throws when they were not stored.
    typealias Store = @Sendable (_ pieces: [LogPiece], _ truncated: Bool, _ totalBytes: Int) async throws -> Void

    private let spool: LockedBox<LogSpool>
    private let due: AsyncStream<Wake>.Continuation
    private let dueSignals: AsyncStream<Wake>

    private enum Wake {
        /// The first output or notice: from now on the log is stored every interval.
        case started
        /// The interval has passed.
        case tick
        /// Enough output is pending.
        case due
    }
    /// Whether anything was written yet: a try that writes nothing costs no timer.
    private let started = LockedBox(false)
    /// Writers waiting for the store to catch up.
    private let waiters = LockedBox<[CheckedContinuation<Void, Never>]>([])
    /// Whether the run is over: what is not stored yet goes with the try's result.
    private let ended = LockedBox(false)

    init(capBytes: Int, maskedValues: [String] = []) {
        var spool = LogSpool(capBytes: capBytes)
        spool.maskedValues = maskedValues
        self.spool = LockedBox(spool)
        (dueSignals, due) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends output, waiting while too much of it waits for the store (so that a fast writer is
    /// slowed down to the store's pace rather than have its output dropped). A store that fails
    /// does not hold the writer: past the memory cap, the oldest output is dropped instead.
    func write(_ bytes: some Collection<UInt8>) async {
        let (backedUp, flushDue) = spool.mutate { spool in
            spool.append(bytes)
            return (spool.isBackedUp, spool.isFlushDue)
        }
        start()
        guard backedUp else {
            if flushDue { due.yield(.due) }
            return
        }
        await withCheckedContinuation { continuation in
            waiters.mutate { $0.append(continuation) }
            due.yield(.due)
        }
    }

    private func releaseWaiters() {
        for waiter in waiters.mutate({ waiters in
            defer { waiters = [] }
            return waiters
        }) {
            waiter.resume()
        }
    }

    /// Adds a line of Tide's own.
    func notice(_ line: String) {
        spool.mutate { $0.appendNotice(line) }
        start()
    }

    private func start() {
        guard !started.value,
            started.mutate({ wasStarted in
                defer { wasStarted = true }
                return !wasStarted
            })
        else { return }
        due.yield(.started)
    }

    /// Masks these values wherever the log shows them from now on.
    func mask(_ values: [String]) {
        spool.mutate { $0.maskedValues += values }
    }

    /// Runs `body`, storing the log's new pieces every `seconds` (or as soon as enough is pending)
    /// until it returns. A store in flight then is waited for, not cancelled: cancelled, its
    /// pieces would come back to be sent again with the result, and with the output that came
    /// meanwhile they could pass the memory cap and be dropped.
    func whileRunning<Result: Sendable>(
        everySeconds seconds: Double, store: @escaping Store, run body: @Sendable () async -> Result
    ) async -> Result {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await storeWhenDue(everySeconds: seconds, store: store) }
            let result = await body()
            ended.mutate { $0 = true }
            due.finish()
            await group.waitForAll()
            return result
        }
    }

    /// Stores pending pieces at each wake until the run has ended.
    private func storeWhenDue(everySeconds seconds: Double, store: Store) async {
        await withTaskGroup(of: Void.self) { ticker in
            // After a failed store, only the next tick tries again; writers waiting meanwhile go
            // on (and the oldest output is dropped past the memory cap).
            var failed = false
            var ticking = false
            for await wake in dueSignals {
                if Task.isCancelled || ended.value { break }
                if !ticking {
                    ticking = true
                    ticker.addTask { [due] in
                        while !Task.isCancelled {
                            do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
                            due.yield(.tick)
                        }
                    }
                }
                if wake == .tick || (wake == .due && !failed) { failed = await !storePending(store) }
                releaseWaiters()
            }
            ticker.cancelAll()
            releaseWaiters()
        }
    }

    /// - Returns: false when the store refused the pieces (they are kept to be tried again).
    private func storePending(_ store: Store) async -> Bool {
        let (pieces, truncated, total) = spool.mutate { spool in
            (spool.takePieces(final: false), spool.isTruncated, spool.totalBytes)
        }
        guard !pieces.isEmpty else { return true }
        do {
            try await store(pieces, truncated, total)
            return true
        } catch {
            spool.mutate { $0.giveBack(pieces) }
            return false
        }
    }

    /// The last line of output that is not empty (masked as the log is), if any.
    func lastOutputLine() -> String? {
        XComFolders.lastLine(of: spool.value.recentText)
    }

    /// The end of the log once the try is over: every piece not yet stored (the last one goes
    /// with the try's result), whether output was dropped, the bytes seen and the log's last
    /// lines (what a callback quotes).
    func finish() -> (pieces: [LogPiece], truncated: Bool, totalBytes: Int, recentText: String) {
        spool.mutate { spool in
            let pieces = spool.takePieces(final: true)
            return (pieces, spool.isTruncated, spool.totalBytes, spool.recentText)
        }
    }
}
