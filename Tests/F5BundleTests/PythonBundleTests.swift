import F5Bundle
import Foundation
import XCTest

/// The Swift loader against bundles written by the independent numpy exporter (Tests/Fixtures/q4export.py),
/// and the Swift writer against the same exporter, byte for byte.
final class PythonBundleTests: XCTestCase {
    let f5Path = Fixtures.pythonBundles.appendingPathComponent("f5tts").path
    let vocosPath = Fixtures.pythonBundles.appendingPathComponent("vocos").path

    func testLoadsThePythonF5BundleWithV0Defaults() throws {
        let bundle = try WeightBundle.load(path: f5Path)
        let a = try XCTUnwrap(bundle.f5Architecture)
        XCTAssertEqual(a.dim, 64); XCTAssertEqual(a.heads, 4); XCTAssertEqual(a.dimHead, 16)
        XCTAssertEqual(a.peAttnHead, 1, "absent pe_attn_head means the v0 export (head 0 only)")
        XCTAssertFalse(a.textMaskPadding)
        XCTAssertEqual(bundle.vocabularySize, 100)
        XCTAssertEqual(bundle.q4Tensors.count, 27)
        XCTAssertEqual(bundle.denseTensors.count, 37)
        XCTAssertEqual(bundle.q4Names.first, "transformer.time_embed.time_mlp.0.weight")
    }

    func testDequantizedValuesMatchNumpyBitForBit() throws {
        let bundle = try WeightBundle.load(path: f5Path)
        let expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Fixtures.pythonBundles.appendingPathComponent("expected.json"))) as! [String: [String: Any]]
        XCTAssertEqual(expected.count, 3)
        for (name, info) in expected {
            let data = try Data(contentsOf: Fixtures.pythonBundles.appendingPathComponent(info["file"] as! String))
            let reference = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let ours = try bundle.q4(name).dequantized()
            XCTAssertEqual(ours.count, reference.count, name)
            XCTAssertEqual(ours.map(\.bitPattern), reference.map(\.bitPattern), name)
        }
    }

    func testVocosBundleLoads() throws {
        let bundle = try WeightBundle.load(path: vocosPath)
        XCTAssertEqual(bundle.vocosArchitecture?.intermediateDim, 192)
        XCTAssertEqual(try bundle.q4("backbone.convnext.1.dwconv.weight").cols, 7)
        XCTAssertEqual(try bundle.floats("backbone.norm.weight").count, 64)
    }

    func testSwiftWriterMatchesThePythonExporterByteForByte() throws {
        for (source, format) in [(f5Path, BundleFormat.f5), (vocosPath, BundleFormat.vocos)] {
            let python = try WeightBundle.load(path: source)
            let out = try Fixtures.scratch(self).appendingPathComponent("bundle").path
            let writer = try BundleWriter(folder: out)
            // The fixture's tensors, in its order, from the same hashed values.
            let ordered = (python.q4Names + python.denseNames).sorted { orderIndex(python, $0) < orderIndex(python, $1) }
            for name in ordered {
                let shape = python.shape(of: name)!
                let values = Fixtures.hashed(name, count: shape.reduce(1, *))
                try values.withUnsafeBufferPointer { try writer.add(name: name, shape: shape, values: $0) }
            }
            try writer.finish(format: format, head: [])
            for file in ["tensors.q4.bin", "tensors.fp16.bin", "tensor_q4_index.json", "tensor_fp16_index.json"] {
                let ours = try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent(file))
                let theirs = try Data(contentsOf: URL(fileURLWithPath: source).appendingPathComponent(file))
                XCTAssertEqual(ours, theirs, "\(format) \(file) differs from the Python exporter's")
            }
            XCTAssertNoThrow(try Checksums.verify(tree: .directory(out)))
        }
    }

    /// Position of a tensor in module registration order, the order the fixture script wrote.
    private func orderIndex(_ b: WeightBundle, _ name: String) -> Int {
        b.expectedTensors.firstIndex { $0.name == name } ?? Int.max
    }

    func testChecksumsOfThePythonBundleVerify() throws {
        let results = try Checksums.verify(tree: .directory(f5Path))
        XCTAssertEqual(Set(results.map(\.path)), ["manifest.json", "tensor_q4_index.json", "tensor_fp16_index.json", "tensors.q4.bin", "tensors.fp16.bin"])
    }
}
