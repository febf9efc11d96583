import F5TestSupport
import Foundation
import XCTest

/// `speak --threads N` gives the same samples for every N on both paths (mel and vocoder alike), so jobs run on
/// 1-core Slurm tasks reproduce the same jobs run on a bigger node.
extension SpeakTests {
    func testSpeakGivesTheSameSamplesOnOneTwoThreeAndFiveThreads() throws {
        let f = try fixture()
        let dir = try scratch()
        for backend in ["direct", "dequant"] {
            var first: [Float]?
            for threads in [1, 2, 3, 5] {
                let out = dir.appendingPathComponent("\(backend)-\(threads).wav")
                let run = try f5tts(arguments: ["speak", "--model", f.models, "--ref-audio", f.refAudio, "--ref-text", f.refText,
                                                "--text", "Bits that do not depend on the machine's size, whatever it is.",
                                                "--backend", backend, "--threads", "\(threads)", "--seed", "11",
                                                "--sample-format", "float32", "--output", out.path, "--quiet"])
                XCTAssertEqual(run.status, 0, run.stderr)
                let samples = try WAVFile(data: Data(contentsOf: out)).samples
                XCTAssertGreaterThan(samples.count, 0)
                if let first {
                    let differing = zip(first, samples).filter { $0.bitPattern != $1.bitPattern }.count
                    XCTAssertEqual(samples.count, first.count, "\(backend) \(threads) threads")
                    XCTAssertEqual(differing, 0, "\(backend): \(threads) threads differ from 1 thread in \(differing) samples")
                } else {
                    first = samples
                }
            }
        }
    }
}
