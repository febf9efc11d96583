import Foundation
import XCTest
@testable import F5Audio

/// Fixtures under Tests/Fixtures/audio, written by generate.py from the reference stack.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/audio").standardized

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static let expected: [String: [String: Double]] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("expected.json"))
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
        return json.mapValues { $0.compactMapValues { ($0 as? NSNumber)?.doubleValue } }
    }()

    static func npy(_ name: String) throws -> (shape: [Int], values: [Float]) { try NumpyFile.read(path: path(name)) }

    /// The LCG noise generate.py writes for the synthetic cases (zeros in the silent part of `pattern`).
    static func lcgSamples(count: Int, seed: Int, pattern: (Double, Double)?, rate: Int) -> [Int32] {
        var x = seed
        return (0..<count).map { i in
            x = (x &* 1103515245 &+ 12345) % 2147483648
            if let (on, off) = pattern, i % Int((on + off) * Double(rate)) >= Int(on * Double(rate)) { return 0 }
            return Int32((x >> 16) % 6001 - 3000)
        }
    }

    static func maxAbsError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("f5audio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
