// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

#if canImport(Glibc)
    import Glibc
    import Foundation

    /// Whether executables can be linked with packed relative relocations (DT_RELR): the glibc they
    /// are built against (which they need at least) must be 2.36 or newer, for the dynamic loader to
    /// read them, and the toolchain's lld must be on the PATH.
    let packedRelocationsWork: Bool = {
        // "glibc 2.36"
        var buffer = [CChar](repeating: 0, count: 64)
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 else { return false }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let version = (text.split(separator: " ").last ?? "").split(separator: ".").compactMap { Int($0) }
        guard version.count >= 2, version[0] > 2 || (version[0] == 2 && version[1] >= 36) else { return false }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/ld.lld") }
    }()

    /// `Linking/NAME.order`, when present: the functions an executable runs, which lld places side
    /// by side at the start of the code (`scripts/link-order` writes them from profiles:
    /// `replicas.order` for `tide-worker` and `tide-scheduler`, `tide.order` for `tide`). The kernel
    /// maps 64 KB of an executable around each page fault, so code a process runs spread over the
    /// whole binary keeps most of its 19 MB resident; packed, about half (what is left shares
    /// sections with it: the toolchain's libraries put many functions in one section).
    func linkOrderFile(_ name: String) -> String? {
        let path = Context.packageDirectory + "/Linking/\(name).order"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
#else
    let packedRelocationsWork = false
    func linkOrderFile(_ name: String) -> String? { nil }
#endif

/// Executables are linked with lld and packed relative relocations where that works (above): the
/// dynamic loader then applies a few kilobytes of relocations at start-up instead of megabytes,
/// pages every process of Tide would otherwise read and keep; release builds also with the link
/// order `order` names, if any (above).
func leanLinking(order: String? = nil) -> [LinkerSetting] {
    guard packedRelocationsWork else { return [] }
    let packed: [LinkerSetting] = [
        .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(platforms: [.linux]))
    ]
    guard let file = order.flatMap(linkOrderFile) else { return packed }
    return packed + [
        .unsafeFlags(
            // Names the order lists that a binary lacks (the other role's, older code's) are expected.
            ["-Xlinker", "--symbol-ordering-file=\(file)", "-Xlinker", "--no-warn-symbol-ordering"],
            .when(platforms: [.linux], configuration: .release))
    ]
}

let package = Package(
    name: "Tide",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tide", targets: ["tide"]),
        .executable(name: "tide-worker", targets: ["tide-worker"]),
        .executable(name: "tide-scheduler", targets: ["tide-scheduler"]),
        .executable(name: "tide-kubesim", targets: ["tide-kubesim"]),
        .executable(name: "tide-fuzz", targets: ["tide-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/stencilproject/Stencil", from: "0.15.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.0.6"),
    ],
    targets: [
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // posix_spawn with the file actions a task's process needs, and pidfd_open (not in Glibc's module).
        .target(name: "CProcessSpawn"),
        .target(name: "TideBlocking", swiftSettings: strict),
        .target(
            name: "TideCore",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "Stencil", package: "Stencil")],
            swiftSettings: strict
        ),
        .target(name: "TideScaling", dependencies: ["TideCore"], swiftSettings: strict),
        .target(name: "TideFuzzing", dependencies: ["TideCore"], swiftSettings: strict),
        .executableTarget(
            name: "tide-fuzz",
            dependencies: ["TideFuzzing", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict,
            linkerSettings: leanLinking()
        ),
        .target(
            name: "TideMetrics",
            dependencies: [
                "TideCore", "TideScaling", "TideRedis", .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TideOps",
            dependencies: [
                "TideMetrics", "TideRedis", "TideScaling",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TideService",
            dependencies: [
                "TideCore", "TideRedis", "TidePostgres", "TideMetrics", "TideScaling",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TideUI",
            dependencies: [
                "TideCore", "TideScaling", "TidePostgres", "TideService", "TideMetrics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Templates, the stylesheet and the script are compiled into the binary: one file to deploy.
            resources: [.embedInCode("Assets")],
            swiftSettings: strict
        ),
        .target(
            name: "TideAPI",
            dependencies: [
                "TideCore", "TideScaling", "TideMetrics", "TideRedis", "TidePostgres", "TideService", "TideUI",
                "TideOps",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TideRedis",
            dependencies: ["TideCore", "TideBlocking", "CHiredis", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "TidePostgres",
            dependencies: ["TideCore", "TideBlocking", "CLibPQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "TideHTTP",
            dependencies: ["TideCore", "TideBlocking", "CCurl"],
            swiftSettings: strict
        ),
        .target(
            name: "TideKube",
            dependencies: ["TideCore", "TideHTTP", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "TideKubeSim",
            dependencies: [
                "TideCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tide-kubesim",
            dependencies: [
                "TideCore", "TideKubeSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            linkerSettings: leanLinking()
        ),
        .target(
            name: "TideScheduler",
            dependencies: [
                "TideCore", "TideRedis", "TidePostgres", "TideHTTP", "TideScaling", "TideMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TideWorker",
            dependencies: [
                "TideCore", "TideRedis", "TidePostgres", "TideKube", "TideBlocking", "TideHTTP", "CProcessSpawn",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The command-line pieces every executable shares: options, errors, the composition root.
        .target(
            name: "TideCommandLine",
            dependencies: [
                "TideCore", "TideRedis", "TidePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TideWorkerRole",
            dependencies: [
                "TideCommandLine", "TideCore", "TideWorker", "TideKube",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TideSchedulerRole",
            dependencies: [
                "TideCommandLine", "TideScheduler", "TideMetrics", "TideOps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The worker and the scheduler alone, without the API's and UI's code: the executables
        // their replicas run.
        .executableTarget(
            name: "tide-worker",
            dependencies: [
                "TideWorkerRole", "TideCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            linkerSettings: leanLinking(order: "replicas")
        ),
        .executableTarget(
            name: "tide-scheduler",
            dependencies: [
                "TideSchedulerRole", "TideCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            linkerSettings: leanLinking(order: "replicas")
        ),
        .target(
            name: "TideTestSupport",
            dependencies: ["TideCore", "TideRedis", "TidePostgres", "TideBlocking"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tide",
            dependencies: [
                "TideCore", "TideRedis", "TidePostgres", "TideScheduler", "TideWorker", "TideKube", "TideKubeSim",
                "TideAPI", "TideMetrics", "TideScaling", "TideHTTP", "TideService", "TideCommandLine",
                "TideWorkerRole", "TideSchedulerRole",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict,
            linkerSettings: leanLinking(order: "tide")
        ),

        .testTarget(
            name: "TideCoreTests", dependencies: ["TideCore"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(name: "TideScalingTests", dependencies: ["TideScaling", "TideCore"], swiftSettings: strict),
        .testTarget(name: "TideWorkerTests", dependencies: ["TideWorker", "TideCore"], swiftSettings: strict),
        .testTarget(name: "TideAPITests", dependencies: ["TideAPI", "TideCore"], swiftSettings: strict),
        .testTarget(
            name: "TideUITests", dependencies: ["TideUI", "TideCore", "TidePostgres", "TideScaling"],
            swiftSettings: strict),
        .testTarget(name: "TideFuzzingTests", dependencies: ["TideFuzzing", "TideCore"], swiftSettings: strict),
        .testTarget(
            name: "TideRedisTests", dependencies: ["TideRedis", "TideTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TidePostgresTests", dependencies: ["TidePostgres", "TideTestSupport"], swiftSettings: strict),
        .testTarget(name: "TideKubeSimTests", dependencies: ["TideKubeSim", "TideCore"], swiftSettings: strict),
        .testTarget(
            name: "TideKubeTests",
            dependencies: [
                "TideKube", "TideCore", "TideHTTP", "TideKubeSim", "TideTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "TideHTTPTests", dependencies: ["TideHTTP", "TideBlocking", "TideTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TideSchedulerTests",
            dependencies: [
                "TideScheduler", "TideCore", "TidePostgres", "TideRedis", "TideTestSupport",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "TideIntegrationTests",
            dependencies: [
                "TideCore", "TideRedis", "TidePostgres", "TideScheduler", "TideService", "TideTestSupport", "TideKube",
                "TideHTTP", "TideScaling", "tide", "tide-scheduler", "tide-worker", "tide-kubesim",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Read from the source tree (Airflow's outcomes, see scripts/airflow-reference).
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
