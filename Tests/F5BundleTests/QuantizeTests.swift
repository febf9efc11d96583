import F5Bundle
import Foundation
import XCTest

/// Original checkpoints in safetensors (fp32, fp16, bf16) to bundles, as F5-TTS's load_checkpoint sees them.
final class QuantizeTests: XCTestCase {
    enum DType: String { case f32 = "F32", f16 = "F16", bf16 = "BF16" }

    /// Writes a safetensors file: 8-byte header length, JSON header, data.
    private func writeSafetensors(_ tensors: [(String, [Int], [Float])], dtype: DType, extra: [(String, String, [Int], [UInt8])] = [], to url: URL) throws {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var data = Data()
        func append(_ name: String, _ type: String, _ shape: [Int], _ bytes: [UInt8]) {
            header[name] = ["dtype": type, "shape": shape, "data_offsets": [data.count, data.count + bytes.count]]
            data.append(contentsOf: bytes)
        }
        for (name, shape, values) in tensors {
            var bytes: [UInt8] = []
            for v in values {
                switch dtype {
                case .f32: withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
                case .f16: withUnsafeBytes(of: Half.fromFloat(v).littleEndian) { bytes += $0 }
                case .bf16: withUnsafeBytes(of: UInt16(v.bitPattern >> 16).littleEndian) { bytes += $0 }
                }
            }
            append(name, dtype.rawValue, shape, bytes)
        }
        for (name, type, shape, bytes) in extra { append(name, type, shape, bytes) }
        let json = try JSONSerialization.data(withJSONObject: header)
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(data)
        try file.write(to: url)
    }

    func testF5CheckpointBecomesTheSameBundleAsDirectWriting() throws {
        let dir = try Fixtures.scratch(self)
        let arch = SyntheticWeights.Preset.tiny.f5
        let specs = arch.tensorSpecs(vocabularySize: 10)
        for dtype in [DType.f32, .f16, .bf16] {
            // Stored values are exactly representable in every dtype, so all three must give one bundle.
            let tensors = specs.map { spec -> (String, [Int], [Float]) in
                let values = Fixtures.hashed(spec.name, count: spec.shape.reduce(1, *)).map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
                return ("ema_model." + spec.name, spec.shape, values.map { Half.toFloat(Half.fromFloat($0)) }.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
            }
            let checkpoint = dir.appendingPathComponent("model_\(dtype.rawValue).safetensors")
            try writeSafetensors(tensors, dtype: dtype, extra: [
                ("initted", "BOOL", [], [1]), ("step", "I64", [], [0, 0, 0, 0, 0, 0, 0, 0]),
                ("ema_model.mel_spec.mel_stft.spectrogram.window", "F32", [2], [0, 0, 0, 0, 0, 0, 0, 0]),
            ], to: checkpoint)
            let out = dir.appendingPathComponent("bundle_\(dtype.rawValue)").path
            try CheckpointQuantizer.quantizeF5(try SafetensorsFile(path: checkpoint.path), convention: .v1, modelID: "t", to: out)
            let bundle = try WeightBundle.load(path: out)
            XCTAssertEqual(bundle.f5Architecture?.peAttnHead, nil, "v1 rotates every head")
            XCTAssertEqual(bundle.f5Architecture?.textMaskPadding, true)
            XCTAssertEqual(bundle.f5Architecture?.dim, arch.dim)
            XCTAssertEqual(bundle.f5Architecture?.heads, arch.heads, "heads from the rotary buffer's head size")
            // Compare with the writer fed the same values directly.
            let direct = dir.appendingPathComponent("direct_\(dtype.rawValue)").path
            let writer = try BundleWriter(folder: direct)
            for (name, shape, values) in tensors {
                try values.withUnsafeBufferPointer { try writer.add(name: String(name.dropFirst("ema_model.".count)), shape: shape, values: $0) }
            }
            try writer.finish(format: BundleFormat.f5, head: [])
            for file in ["tensors.q4.bin", "tensors.fp16.bin"] {
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent(file)),
                               try Data(contentsOf: URL(fileURLWithPath: direct).appendingPathComponent(file)), "\(dtype) \(file)")
            }
        }
    }

    func testUnexpectedAndMissingTensorsAreNamed() throws {
        let dir = try Fixtures.scratch(self)
        let specs = SyntheticWeights.Preset.tiny.f5.tensorSpecs(vocabularySize: 10)
        var tensors = specs.map { ($0.name, $0.shape, [Float](repeating: 0.25, count: $0.shape.reduce(1, *))) }
        tensors.append(("transformer.extra.weight", [2, 2], [1, 2, 3, 4]))
        let url = dir.appendingPathComponent("x.safetensors")
        try writeSafetensors(tensors, dtype: .f32, to: url)
        XCTAssertThrowsError(try CheckpointQuantizer.quantizeF5(try SafetensorsFile(path: url.path), convention: .v0, modelID: "t", to: dir.appendingPathComponent("o").path)) {
            XCTAssertTrue("\($0)".contains("transformer.extra.weight"), "\($0)")
        }
        tensors.removeLast(2)
        try writeSafetensors(tensors, dtype: .f32, to: url)
        XCTAssertThrowsError(try CheckpointQuantizer.quantizeF5(try SafetensorsFile(path: url.path), convention: .v0, modelID: "t", to: dir.appendingPathComponent("o").path)) {
            XCTAssertTrue("\($0)".contains("transformer.proj_out"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path), "no partial bundle is left behind")
    }

    func testTruncatedSafetensorsIsAnError() throws {
        let url = try Fixtures.scratch(self).appendingPathComponent("t.safetensors")
        try writeSafetensors([("a.weight", [4, 4], [Float](repeating: 1, count: 16))], dtype: .f32, to: url)
        let data = try Data(contentsOf: url)
        for n in [0, 7, 20, data.count - 1] {
            try data.prefix(n).write(to: url)
            XCTAssertThrowsError(try SafetensorsFile(path: url.path), "\(n) bytes") { XCTAssertTrue("\($0)".contains("t.safetensors"), "\($0)") }
        }
    }
}
