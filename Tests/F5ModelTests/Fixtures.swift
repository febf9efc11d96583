import F5Bundle
import F5Compute
import F5Model
import F5TestSupport
import Foundation
import XCTest

/// The committed fixtures of Tests/Fixtures/model (written by make_model_fixtures.py).
enum ModelFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/model")

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// A little-endian float32 C-order .npy file: its values and shape.
    static func npy(_ path: String) throws -> (values: [Float], shape: [Int]) {
        let (values, shape) = try NPY.read(url(path))
        return (values, shape)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(path))) as! [String: Any]
    }

    /// One convention's tiny model and its reference tensors.
    struct Convention {
        let tag: String
        let meta: [String: Any]
        let bundle: WeightBundle
        var frames: Int { meta["frames"] as! Int }
        var refFrames: Int { meta["ref_frames"] as! Int }
        var duration: Int { meta["duration"] as! Int }
        var time: Float { Float(meta["time"] as! Double) }
        var text: [Int32] { (meta["text"] as! [Int]).map(Int32.init) }
        var runs: [String: [String: Any]] { meta["runs"] as! [String: [String: Any]] }

        init(_ tag: String) throws {
            self.tag = tag
            meta = try ModelFixtures.json("\(tag)/meta.json")
            bundle = try WeightBundle.load(path: ModelFixtures.url("\(tag)/bundle").path)
        }

        func tensor(_ name: String) throws -> [Float] { try ModelFixtures.npy("\(tag)/\(name).npy").values }
    }
}
