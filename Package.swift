// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "f5tts",
    // macOS 15 for Synchronization.Mutex.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "F5TTS", targets: ["F5TTS"]),
        .library(name: "F5Bundle", targets: ["F5Bundle"]),
        .library(name: "F5Compute", targets: ["F5Compute"]),
        .library(name: "F5Audio", targets: ["F5Audio"]),
        .executable(name: "f5tts", targets: ["f5tts"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        // C libraries from the system, one folder each under Modulemaps/.
        .systemLibrary(
            name: "COpenBLAS", path: "Modulemaps/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "CSndFile", path: "Modulemaps/CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"]), .brew(["libsndfile"])]),
        // Instruction-set micro-kernels chosen at run time (per-function target attributes, no global flags).
        .target(name: "CKernels", path: "Sources/CKernels"),

        // The runtime, bottom up: bundle format, compute, text, audio, model, the public API.
        .target(name: "F5Bundle", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "F5Compute", dependencies: ["CKernels", "COpenBLAS", "F5Bundle"]),
        .target(name: "F5Text", resources: [.copy("Resources")]),
        .target(name: "F5Audio", dependencies: ["CSndFile", "F5Compute", "F5Bundle"]),
        .target(name: "F5Model", dependencies: ["F5Compute", "F5Bundle"]),
        .target(name: "F5TTS", dependencies: ["F5Bundle", "F5Compute", "F5Audio", "F5Text", "F5Model"]),
        // The OpenAI-compatible speech server (HTTP only; synthesis through F5TTS).
        .target(
            name: "F5Server",
            dependencies: ["F5TTS", "F5Audio", "F5Compute", "F5Text", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "MultipartKit", package: "multipart-kit"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "HummingbirdCore", package: "hummingbird"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
            resources: [.copy("Resources")]),
        // End-to-end measurement and its reports, kept out of the public F5TTS API.
        .target(name: "F5Bench", dependencies: ["F5TTS", "F5Bundle", "F5Compute", "F5Audio", "F5Model", "F5Text"]),
        // `f5tts batch`: the JSONL job file, sharding, result records and their summary.
        .target(name: "F5Batch", dependencies: ["F5TTS", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "f5tts",
            dependencies: ["F5TTS", "F5Bundle", "F5Compute", "F5Audio", "F5Text", "F5Model", "F5Bench", "F5Batch", "F5Server",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "TOMLKit", package: "TOMLKit")]),
        .executableTarget(
            name: "f5tts-bench-kernels",
            dependencies: ["F5Compute", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "bench/Kernels"),

        // Tests: one target per module, sharing the independent readers and measures of F5TestSupport.
        .target(name: "F5TestSupport", path: "Tests/F5TestSupport"),
        .testTarget(name: "F5BundleTests", dependencies: ["F5Bundle", "F5TTS"]),
        .testTarget(name: "F5ComputeTests", dependencies: ["F5Compute", "CKernels", "F5TestSupport"]),
        .testTarget(name: "F5TextTests", dependencies: ["F5Text"]),
        .testTarget(name: "F5AudioTests", dependencies: ["F5Audio", "F5TestSupport"]),
        .testTarget(name: "F5ModelTests", dependencies: ["F5Model", "F5TestSupport"]),
        .testTarget(name: "F5TTSTests", dependencies: ["F5TTS", "F5Text", "F5TestSupport"]),
        .testTarget(name: "F5BatchTests", dependencies: ["F5Batch", "F5TTS"]),
        .testTarget(name: "F5BenchTests", dependencies: ["F5Bench", "F5Compute"]),
        .testTarget(name: "CLITests", dependencies: ["f5tts", "f5tts-bench-kernels", "F5TestSupport", "F5Audio", "F5TTS"]),
    ],
    swiftLanguageModes: [.v6]
)
