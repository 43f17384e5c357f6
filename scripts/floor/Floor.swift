// The Swift side of scripts/bench-floor: the runtime (and, with -D FOUNDATION or -D ESSENTIALS,
// Foundation's JSON coding and Date) around floor.c's connections. The main thread is parked as
// Tide's executables park it (ParkedMainThread).
import Dispatch
import Glibc

#if FOUNDATION
    import Foundation
#elseif ESSENTIALS
    import FoundationEssentials
#endif

@_silgen_name("tide_floor_run")
func tideFloorRun(
    _ databaseURL: UnsafePointer<CChar>, _ redisHost: UnsafePointer<CChar>, _ redisPort: Int32,
    _ redisPassword: UnsafePointer<CChar>
) -> Int32

#if FOUNDATION || ESSENTIALS
    struct Sample: Codable, Equatable {
        var name: String
        var values: [Int]
    }
#endif

enum Floor {
    static func run(_ arguments: [String]) async -> Int32 {
        guard arguments.count == 5, let port = Int32(arguments[3]) else { return 2 }
        #if FOUNDATION || ESSENTIALS
            let sample = Sample(name: "floor", values: [1, 2, 3])
            guard let data = try? JSONEncoder().encode(sample),
                (try? JSONDecoder().decode(Sample.self, from: data)) == sample, Date().timeIntervalSince1970 > 0
            else { return 1 }
        #endif
        try? await Task.sleep(for: .milliseconds(10))
        return tideFloorRun(arguments[1], arguments[2], port, arguments[4])
    }
}

@main
enum FloorProcess {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status: Int32 = 1
        Task.detached {
            status = await Floor.run(CommandLine.arguments)
            finished.signal()
        }
        finished.wait()
        exit(status)
    }
}
