import F5Bundle
import Foundation
import XCTest

/// Mutated indexes and truncated files must give a clear error naming the file and tensor, never a crash.
final class MalformedBundleTests: XCTestCase {
    private func copyOfPythonBundle() throws -> URL {
        let dir = try Fixtures.scratch(self).appendingPathComponent("f5tts")
        try FileManager.default.copyItem(at: Fixtures.pythonBundles.appendingPathComponent("f5tts"), to: dir)
        return dir
    }

    /// Rewrites the JSON object in `file` of the bundle folder.
    private func mutateJSON(_ dir: URL, file: String, _ change: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent(file)
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    private func mutateIndex(_ dir: URL, file: String, tensor: String, _ change: (inout [String: Any]) -> Void) throws {
        try mutateJSON(dir, file: file) { index in
            var entry = index[tensor] as! [String: Any]
            change(&entry)
            index[tensor] = entry
        }
    }

    private func expectError(_ dir: URL, mentioning words: [String], label: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try WeightBundle.load(path: dir.path), label, file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(error is BundleError, message, file: file, line: line)
            for w in words { XCTAssertTrue(message.contains(w), "'\(message)' should mention '\(w)'", file: file, line: line) }
        }
    }

    let q4Tensor = "transformer.transformer_blocks.1.ff.ff.2.weight"

    func testIndexMutationsAreRejectedWithTheTensorNamed() throws {
        let cases: [(String, (inout [String: Any]) -> Void, [String])] = [
            ("offset past the end", { $0["offset"] = 10_000_000 }, ["outside the file"]),
            ("negative offset", { $0["offset"] = -4 }, ["outside the file"]),
            ("wrong nbytes", { $0["nbytes"] = ($0["nbytes"] as! Int) - 1 }, ["nbytes"]),
            ("wrong scale_nbytes", { $0["scale_nbytes"] = 2 }, ["scale_nbytes"]),
            ("wrong row_count", { $0["row_count"] = 3 }, ["row_count"]),
            ("unknown dtype", { $0["dtype"] = "q3_magic" }, ["dtype", "q3_magic"]),
            ("shape inconsistent with the architecture", { $0["shape"] = [32, 256]; $0["row_count"] = 32; $0["scale_nbytes"] = 64 }, ["shape"]),
            ("empty shape", { $0["shape"] = [] as [Int] }, ["shape"]),
            ("missing field", { $0.removeValue(forKey: "scale_offset") }, ["scale_offset", "tensor_q4_index.json"]),
            ("string instead of number", { $0["offset"] = "zero" }, ["tensor_q4_index.json"]),
        ]
        for (label, change, words) in cases {
            let dir = try copyOfPythonBundle()
            try mutateIndex(dir, file: "tensor_q4_index.json", tensor: q4Tensor, change)
            let mentions = words.contains("tensor_q4_index.json") ? words : words + [q4Tensor]
            expectError(dir, mentioning: mentions, label: label)
        }
    }

    func testDenseMutationsAreRejected() throws {
        let dir = try copyOfPythonBundle()
        try mutateIndex(dir, file: "tensor_fp16_index.json", tensor: "transformer.proj_out.bias") { $0["dtype"] = "complex64" }
        expectError(dir, mentioning: ["transformer.proj_out.bias", "complex64"])
    }

    func testMissingTensorIsNamed() throws {
        let dir = try copyOfPythonBundle()
        try mutateJSON(dir, file: "tensor_q4_index.json") { $0.removeValue(forKey: q4Tensor) }
        expectError(dir, mentioning: ["required tensor", q4Tensor])
    }

    func testTruncatedTensorFileIsRejected() throws {
        let dir = try copyOfPythonBundle()
        let url = dir.appendingPathComponent("tensors.q4.bin")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        expectError(dir, mentioning: ["tensors.q4.bin", "outside the file"])
        try Data().write(to: url)
        expectError(dir, mentioning: ["tensors.q4.bin"])
    }

    func testMalformedManifestJSONAndFormat() throws {
        let dir = try copyOfPythonBundle()
        let manifest = dir.appendingPathComponent("manifest.json")
        try Data("{\"format\": \"f5tts-q4-bundle-v0\", ".utf8).write(to: manifest)
        expectError(dir, mentioning: ["manifest.json", "malformed JSON"])
        try Data("[1, 2]".utf8).write(to: manifest)
        expectError(dir, mentioning: ["manifest.json"])
        try Data(#"{"format": "gguf", "files": {"dense": "a", "dense_index": "b"}}"#.utf8).write(to: manifest)
        expectError(dir, mentioning: ["gguf", "f5tts-q4-bundle-v0"])
    }

    func testSplitQ4FilesAreNamedAsUnsupported() throws {
        let dir = try copyOfPythonBundle()
        try mutateJSON(dir, file: "manifest.json") { manifest in
            var files = manifest["files"] as! [String: Any]
            files.removeValue(forKey: "q4")
            files["q4_chunks"] = ["tensors.q4.bin.0", "tensors.q4.bin.1"]
            manifest["files"] = files
        }
        expectError(dir, mentioning: ["q4_chunks", "manifest.json"])
    }

    func testArchitectureFieldsAreChecked() throws {
        let dir = try copyOfPythonBundle()
        func setDepth(_ depth: Int) throws {
            try mutateJSON(dir, file: "manifest.json") { manifest in
                var arch = manifest["architecture"] as! [String: Any]
                arch["depth"] = depth
                manifest["architecture"] = arch
            }
        }
        try setDepth(3)
        expectError(dir, mentioning: ["transformer.transformer_blocks.2."])
        try setDepth(0)
        expectError(dir, mentioning: ["depth", "positive"])
    }

    func testCorruptedTensorFailsChecksumVerification() throws {
        let dir = try copyOfPythonBundle()
        let url = dir.appendingPathComponent("tensors.fp16.bin")
        var data = try Data(contentsOf: url)
        data[100] ^= 0x01
        try data.write(to: url)
        XCTAssertNoThrow(try WeightBundle.load(path: dir.path), "structure is still valid")
        XCTAssertThrowsError(try Checksums.verify(tree: .directory(dir.path))) { error in
            XCTAssertTrue("\(error)".contains("tensors.fp16.bin") && "\(error)".contains("mismatch"), "\(error)")
        }
        try Data("not a digest  tensors.fp16.bin\n".utf8).write(to: dir.appendingPathComponent("checksums.sha256"))
        XCTAssertThrowsError(try Checksums.verify(tree: .directory(dir.path))) { error in
            XCTAssertTrue("\(error)".contains("checksums.sha256:1"), "\(error)")
        }
    }

    func testRandomByteFlipsInIndexesNeverCrash() throws {
        // Any single corrupted byte must give a value or an error, never a trap.
        var rng = SplitMix64(seed: 3)
        let original = try Data(contentsOf: Fixtures.pythonBundles.appendingPathComponent("f5tts/tensor_q4_index.json"))
        let dir = try copyOfPythonBundle()
        for _ in 0..<300 {
            var data = original
            let i = Int(rng.next() % UInt64(data.count))
            data[i] = UInt8(truncatingIfNeeded: rng.next())
            try data.write(to: dir.appendingPathComponent("tensor_q4_index.json"))
            if let bundle = try? WeightBundle.load(path: dir.path) {
                for t in bundle.q4Tensors.values { _ = t.dequantized().count }
            }
        }
    }
}
