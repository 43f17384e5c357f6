#if canImport(Glibc)
    import CMalloc
    import Foundation
    import Glibc
    import Testing
    import TideCore

    @Suite("malloc arenas")
    struct MallocArenasTests {
        @Test func anOperatorsMallocArenaMaxWins() {
            #expect(MallocArenas.limit(environmentValue: nil) == MallocArenas.defaultLimit)
            #expect(MallocArenas.limit(environmentValue: "8") == nil)
            #expect(MallocArenas.limit(environmentValue: "") == nil)
        }

        /// In a process of its own (arenas are per process and never go away): eight new threads
        /// that allocate at once get no arena beyond the cap.
        @Test func threadsGetNoArenaBeyondTheCap() async {
            await #expect(processExitsWith: .success) {
                unsetenv("MALLOC_ARENA_MAX")
                MallocArenas.apply()
                let before = arenaCount()
                let after = arenaCount(afterThreadsAllocate: 8)
                exit(after <= max(before, Int(MallocArenas.defaultLimit)) ? EXIT_SUCCESS : EXIT_FAILURE)
            }
        }

        /// The same without the cap: the threads get arenas of their own (what the cap is for, and
        /// a check that the count above can see new arenas at all).
        @Test func withoutTheCapThreadsGetArenasOfTheirOwn() async {
            await #expect(processExitsWith: .success) {
                let before = arenaCount()
                let after = arenaCount(afterThreadsAllocate: 8)
                exit(after >= before + 4 ? EXIT_SUCCESS : EXIT_FAILURE)
            }
        }
    }

    /// The arenas glibc's `malloc_info` reports, counted once `threads` new threads have each
    /// allocated and are still running (a thread's arena goes back to a free list when it ends).
    private func arenaCount(afterThreadsAllocate threads: Int = 0) -> Int {
        let allocated = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let ended = DispatchSemaphore(value: 0)
        for _ in 0..<threads {
            Thread {
                let block = malloc(1024)
                allocated.signal()
                release.wait()
                free(block)
                ended.signal()
            }.start()
        }
        for _ in 0..<threads { allocated.wait() }
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        let stream = open_memstream(&buffer, &size)
        malloc_info(0, stream)
        fclose(stream)
        let report = buffer.map { String(cString: $0) } ?? ""
        free(buffer)
        for _ in 0..<threads { release.signal() }
        for _ in 0..<threads { ended.wait() }
        return report.components(separatedBy: "<heap nr=").count - 1
    }
#endif
