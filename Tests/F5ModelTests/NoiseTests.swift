import F5Model
import XCTest

/// NoiseGenerator.torch against values dumped from real torch (torch.manual_seed(S); torch.randn(1, N, 100)).
final class NoiseTests: XCTestCase {
    func testTorchRandnBitExact() throws {
        let meta = try ModelFixtures.json("shared/meta.json")
        for entry in meta["randn"] as! [[String: Any]] {
            let seed = (entry["seed"] as! NSNumber).uint64Value, frames = entry["frames"] as! Int
            let ours = NoiseGenerator.torch(seed: seed).noise(frames: frames, channels: 100)
            let bits = ours.map(\.bitPattern)
            XCTAssertEqual(Array(bits.prefix(32)), (entry["head_bits"] as! [Int]).map(UInt32.init), "seed \(seed) frames \(frames) head")
            XCTAssertEqual(Array(bits.suffix(32)), (entry["tail_bits"] as! [Int]).map(UInt32.init), "seed \(seed) frames \(frames) tail")
            XCTAssertEqual(ours.reduce(0.0) { $0 + Double($1) }, entry["sum"] as! Double, accuracy: 1e-9, "seed \(seed) frames \(frames) sum")
            if let file = entry["file"] as? String {
                let reference = try ModelFixtures.npy("shared/\(file)").values
                XCTAssertEqual(bits, reference.map(\.bitPattern), "seed \(seed) frames \(frames)")
            }
        }
    }

    func testTorchRandnBelowSixteenValues() throws {
        let meta = try ModelFixtures.json("shared/meta.json")
        for entry in meta["randn_small"] as! [[String: Any]] {
            let seed = UInt64(entry["seed"] as! Int), count = entry["count"] as! Int
            let ours = NoiseGenerator.torch(seed: seed).noise(frames: 1, channels: count)
            XCTAssertEqual(ours.map(\.bitPattern), (entry["bits"] as! [Int]).map(UInt32.init), "seed \(seed) count \(count)")
        }
    }

    func testLCGIsDeterministicAndStandardNormal() {
        let a = NoiseGenerator.lcg(seed: 1337).noise(frames: 100, channels: 100)
        XCTAssertEqual(a, NoiseGenerator.lcg(seed: 1337).noise(frames: 100, channels: 100))
        XCTAssertNotEqual(a, NoiseGenerator.lcg(seed: 1338).noise(frames: 100, channels: 100))
        let mean = a.reduce(0, +) / Float(a.count)
        let variance = a.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(a.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        XCTAssertEqual(NoiseGenerator.lcg(seed: 7).noise(frames: 1, channels: 3).count, 3)
    }
}
