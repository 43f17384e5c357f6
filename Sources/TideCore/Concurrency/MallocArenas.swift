#if canImport(Glibc)
    import CMalloc
    import Glibc
#endif

/// How many malloc arenas a Tide process keeps.
///
/// glibc gives threads arenas of their own, up to eight per core, and each arena keeps what its
/// threads freed for them to reuse. Tide's work hops between threads (the cooperative pool, a
/// thread per PostgreSQL and Redis connection), so memory freed in one arena sits idle while
/// another grows. Two arenas cost no measured throughput and lower a worker's private memory by
/// about 0.8 MiB of 8 and its peak RSS by 0.4 MiB (`scripts/bench engine`). `MALLOC_ARENA_MAX`
/// in the environment still wins: glibc reads it itself.
public enum MallocArenas {
    /// The arenas a process keeps unless the environment says otherwise.
    public static let defaultLimit: Int32 = 2

    /// The limit to set: nil when `MALLOC_ARENA_MAX` is set (an operator's choice, applied by glibc).
    public static func limit(environmentValue: String?) -> Int32? {
        environmentValue == nil ? defaultLimit : nil
    }

    /// Sets the limit; call it first thing in `main`, before any thread allocates.
    public static func apply() {
        #if canImport(Glibc)
            guard let limit = limit(environmentValue: getenv("MALLOC_ARENA_MAX").map { String(cString: $0) }) else {
                return
            }
            _ = mallopt(M_ARENA_MAX, limit)
        #endif
    }
}
