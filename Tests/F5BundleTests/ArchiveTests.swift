import F5Bundle
import Foundation
import XCTest

/// The app archive is read in place; bundles, vocabulary and audio are found by format and name.
final class ArchiveTests: XCTestCase {
    /// Lays out the app tree (member paths longer than 100 bytes: GNU long names, pax records, the ustar prefix) and tars it in the given format.
    private func makeArchive(format: String) throws -> URL {
        let root = try Fixtures.scratch(self)
        let app = root.appendingPathComponent("app")
        let deep = "models/" + (0..<8).map { "folder_level_\($0)" }.joined(separator: "/") + "/f5tts_peyton_q4_v0"
        let fm = FileManager.default
        try fm.createDirectory(at: app.appendingPathComponent("models"), withIntermediateDirectories: true)
        try fm.createDirectory(at: app.appendingPathComponent("voice/peyton"), withIntermediateDirectories: true)
        try fm.createDirectory(at: app.appendingPathComponent(deep).deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: Fixtures.pythonBundles.appendingPathComponent("f5tts"), to: app.appendingPathComponent(deep))
        try fm.copyItem(at: Fixtures.pythonBundles.appendingPathComponent("vocos"), to: app.appendingPathComponent("models/vocos_mel_24khz_q4_v0"))
        try Data(" \na\nb\n".utf8).write(to: app.appendingPathComponent("voice/peyton/F5TTS_Base_vocab.txt"))
        try Data("RIFF".utf8).write(to: app.appendingPathComponent("voice/peyton/sample_0.wav"))
        let tar = root.appendingPathComponent("peyton_voice_q4.tar")
        try Fixtures.run("/bin/tar", ["--format=\(format)", "-cf", tar.path, "-C", app.path, "."], in: root)
        return tar
    }

    func testFindsEverythingInGnuPaxAndUstarArchives() throws {
        for format in ["gnu", "pax", "ustar"] {
            let tar = try makeArchive(format: format)
            let package = try ModelPackage.open(path: tar.path)
            XCTAssertEqual(Set(package.bundles.map(\.format)), [BundleFormat.f5, BundleFormat.vocos], format)
            XCTAssertEqual(package.vocabularies.map(\.file), ["voice/peyton/F5TTS_Base_vocab.txt"], format)
            XCTAssertEqual(package.referenceAudio.map(\.file), ["voice/peyton/sample_0.wav"], format)
            let f5 = try WeightBundle.load(tree: try XCTUnwrap(package.tree(format: BundleFormat.f5)))
            let onDisk = try WeightBundle.load(path: Fixtures.pythonBundles.appendingPathComponent("f5tts").path)
            let name = "transformer.text_embed.text_blocks.1.dwconv.weight"
            XCTAssertEqual(try f5.q4(name).dequantized(), try onDisk.q4(name).dequantized(), format)
            XCTAssertEqual(try Checksums.verify(tree: package.tree(format: BundleFormat.vocos)!).count, 5, format)
        }
    }

    func testTruncatedAndGarbageArchivesGiveErrors() throws {
        let tar = try makeArchive(format: "gnu")
        let data = try Data(contentsOf: tar)
        let cut = tar.deletingLastPathComponent().appendingPathComponent("cut.tar")
        for length in [100, 512 + 300, data.count / 2] {
            try data.prefix(length).write(to: cut)
            XCTAssertThrowsError(try ModelPackage.open(path: cut.path), "length \(length)") { error in
                XCTAssertTrue("\(error)".contains("cut.tar"), "\(error)")
            }
        }
        var garbage = data
        garbage[150] ^= 0x5A  // inside the first header's checksum-covered bytes
        try garbage.write(to: cut)
        XCTAssertThrowsError(try ModelPackage.open(path: cut.path)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
    }
}
