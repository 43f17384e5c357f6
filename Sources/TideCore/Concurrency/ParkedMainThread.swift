import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an executable's asynchronous entry point while the main thread waits for it.
///
/// Swift's `async` `main` hands the main thread to `dispatch_main`, which ends it with
/// `pthread_exit`. That is a forced unwind of the main thread's stack: the unwinder binary-searches
/// `.eh_frame_hdr` and reads `.eh_frame` for every frame, which keeps about 0.8 MiB of unwind
/// tables resident in every replica for nothing. Parking the main thread on a semaphore instead
/// never unwinds it. Nothing in Tide runs on the main actor or the main dispatch queue.
public enum ParkedMainThread {
    /// Runs `body` on the global executor, then ends the process with its output flushed.
    ///
    /// The process ends with `_exit`, not `exit`: `exit` runs the C libraries' exit handlers and
    /// static destructors (OpenSSL's, Kerberos's, …) on the main thread while the finished task is
    /// still being torn down on its own, and a `tide` command once crashed there with a double
    /// free. Tide registers no exit handler of its own; stdio is flushed first.
    public static func run(_ body: @escaping @Sendable () async -> Void) -> Never {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await body()
            finished.signal()
        }
        finished.wait()
        fflush(nil)
        _exit(0)
    }
}
