import F5Bundle
import F5Compute
import F5Model
import Foundation
import XCTest

/// The committed fixtures of Tests/Fixtures/model (written by make_model_fixtures.py).
enum ModelFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/model")

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// A little-endian float32 C-order .npy file: its values and shape.
    static func npy(_ path: String) throws -> (values: [Float], shape: [Int]) {
        let data = try Data(contentsOf: url(path))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw NSError(domain: "npy", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(path): unsupported header \(header)"])
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = data.subdata(in: (10 + headerLength)..<data.count)
        let values = body.withUnsafeBytes { raw in (0..<(body.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
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

/// max|ours - ref| / max|ref|.
func maxRelativeError(_ ours: [Float], _ reference: [Float]) -> Double {
    precondition(ours.count == reference.count, "sizes differ: \(ours.count) vs \(reference.count)")
    let scale = reference.map { abs(Double($0)) }.max() ?? 0
    let error = zip(ours, reference).map { abs(Double($0) - Double($1)) }.max() ?? 0
    return error / max(scale, 1e-30)
}

/// 10 log10(sum ref^2 / sum (ours - ref)^2).
func snr(_ ours: [Float], _ reference: [Float]) -> Double {
    precondition(ours.count == reference.count, "sizes differ: \(ours.count) vs \(reference.count)")
    let signal = reference.reduce(0.0) { $0 + Double($1) * Double($1) }
    let noise = zip(ours, reference).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
    return 10 * log10(signal / max(noise, 1e-300))
}
