import TideCore

/// A copy of a local try's output as it comes, stored at an interval while the try runs so its
/// log can be read (and tailed) before it ends and survives a worker that is killed. Only changes
/// are stored, and a try that ends within the first interval stores nothing.
final class RunningLogMirror: Sendable {
    private let buffer: LockedBox<(log: LogBuffer, changed: Bool)>

    init(capBytes: Int, maskedValues: [String]) {
        var log = LogBuffer(capBytes: capBytes)
        log.maskedValues = maskedValues
        buffer = LockedBox((log, false))
    }

    func append(_ bytes: [UInt8]) {
        buffer.mutate { state in
            bytes.withUnsafeBytes { state.log.append($0) }
            state.changed = true
        }
    }

    /// Runs `body`, calling `store` with the output so far every `seconds` while it has changed.
    func whileRunning<Result: Sendable>(
        everySeconds seconds: Double, store: @escaping @Sendable (LogBuffer) async -> Void,
        run body: @Sendable () async -> Result
    ) async -> Result {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [buffer] in
                while !Task.isCancelled {
                    do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
                    let snapshot = buffer.mutate { state -> LogBuffer? in
                        defer { state.changed = false }
                        return state.changed ? state.log : nil
                    }
                    if let snapshot { await store(snapshot) }
                }
            }
            let result = await body()
            group.cancelAll()
            return result
        }
    }
}
