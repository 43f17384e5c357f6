import Dispatch

/// Runs an executable's asynchronous entry point while the main thread waits for it.
///
/// Swift's `async` `main` hands the main thread to `dispatch_main`, which ends it with
/// `pthread_exit`. That is a forced unwind of the main thread's stack: the unwinder binary-searches
/// `.eh_frame_hdr` and reads `.eh_frame` for every frame, which keeps about 0.8 MiB of unwind
/// tables resident in every replica for nothing. Parking the main thread on a semaphore instead
/// never unwinds it. Nothing in Tide runs on the main actor or the main dispatch queue.
public enum ParkedMainThread {
    /// Runs `body` on the global executor and returns once it has returned.
    public static func run(_ body: @escaping @Sendable () async -> Void) {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await body()
            finished.signal()
        }
        finished.wait()
    }
}
