import F5TestSupport
import Foundation
import XCTest

/// `inspect` says which convention is in force and where it comes from; `speak --convention` overrides
/// it; `vocode --mel` takes numpy's Fortran-order arrays.
final class ConventionAndVocodeTests: XCTestCase {
    let models = fixturesFolder.appendingPathComponent("speak/models").path

    func testInspectNamesTheConventionAndItsSource() throws {
        let run = try f5tts("inspect", fixturesFolder.appendingPathComponent("speak/models/f5tts").path, "--json")
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["convention"] as? String, "v0")
        XCTAssertEqual(json["convention_source"] as? String, "recorded in manifest.json")
        let text = try f5tts("inspect", fixturesFolder.appendingPathComponent("speak/models/f5tts").path)
        XCTAssertTrue(text.stdout.contains("convention    v0") && text.stdout.contains("recorded in manifest.json"), text.stdout)
    }

    func testSpeakConventionOverrideChangesTheModel() throws {
        let dir = try scratch()
        func speak(_ extra: [String]) throws -> [Float] {
            let out = dir.appendingPathComponent(UUID().uuidString + ".wav")
            let run = try f5tts(arguments: ["speak", "--model", models, "--ref-audio", fixturesFolder.appendingPathComponent("speak/ref.wav").path,
                                            "--ref-text", "The quick brown fox jumps", "--text", "Hello there.", "--steps", "2", "--seed", "1",
                                            "--backend", "dequant", "--output", out.path, "--quiet"] + extra)
            XCTAssertEqual(run.status, 0, run.stderr)
            return try WAVFile(contentsOf: out).samples
        }
        let manifest = try speak([]), v0 = try speak(["--convention", "v0"]), v1 = try speak(["--convention", "v1"])
        XCTAssertEqual(manifest, v0, "the manifest says v0")
        XCTAssertNotEqual(v0, v1, "v1 rotates every head and masks filler text")
        let bad = try f5tts("speak", "--model", models, "--convention", "v2", "--dry-run")
        XCTAssertTrue(bad.stderr.contains("v2") && bad.stderr.contains("--convention"), bad.stderr)
    }

    /// numpy writes a transposed array in Fortran order; the same mel must give the same audio.
    func testVocodeReadsFortranOrderMels() throws {
        let vocoder = fixturesFolder.appendingPathComponent("audio/vocos_tiny_q4").path
        let mel = fixturesFolder.appendingPathComponent("audio/vocos_tiny.mel.npy")
        let (values, shape) = try NPY.read(mel)
        let (channels, frames) = (shape[shape.count - 2], shape[shape.count - 1])
        // The same [100, T] array stored column-major, as np.asfortranarray(mel) or mel.T.T would save it.
        var columnMajor = [Float](repeating: 0, count: values.count)
        for c in 0..<channels { for t in 0..<frames { columnMajor[t * channels + c] = values[c * frames + t] } }
        var header = "{'descr': '<f4', 'fortran_order': True, 'shape': (\(channels), \(frames)), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
        for v in columnMajor { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        let dir = try scratch()
        let fortran = dir.appendingPathComponent("fortran.npy")
        try Data(bytes).write(to: fortran)
        let a = dir.appendingPathComponent("c.wav"), b = dir.appendingPathComponent("f.wav")
        XCTAssertEqual(try f5tts("vocode", "--vocoder", vocoder, "--mel", mel.path, "--output", a.path).status, 0)
        let run = try f5tts("vocode", "--vocoder", vocoder, "--mel", fortran.path, "--output", b.path)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
    }
}
