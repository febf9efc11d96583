import F5Bundle
import Foundation
import XCTest

/// Paths of the committed fixtures and scratch folders for tests.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let pythonBundles = root.appendingPathComponent("python-bundles")

    /// A fresh temporary folder, removed at the end of the test.
    static func scratch(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("f5tts-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The fixture generator's weights: fp32 in [-0.5, 0.5) from a 32-bit hash of (name, index),
    /// recomputed here so the Swift writer can be compared byte for byte with the Python exporter.
    static func hashed(_ name: String, count: Int) -> [Float] {
        var seed: UInt64 = 0
        for byte in name.utf8 { seed = (seed &* 31 &+ UInt64(byte)) & 0xFFFF_FFFF }
        return (0..<count).map { i in
            var h = (UInt64(i) &* 2_654_435_761 &+ seed) & 0xFFFF_FFFF
            h ^= h >> 15
            h = (h &* 2_246_822_519) & 0xFFFF_FFFF
            h ^= h >> 13
            return Float(h >> 8) * 0x1p-24 - 0.5
        }
    }

    static func run(_ tool: String, _ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments)")
    }
}
