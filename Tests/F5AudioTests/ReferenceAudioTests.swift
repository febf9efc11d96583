import XCTest
@testable import F5Audio

/// Reference preparation and mel against F5-TTS + pydub + torchaudio (fixtures from generate.py).
final class ReferenceAudioTests: XCTestCase {
    static let speech = ["speech_16k_mono_quiet.wav", "speech_22k_stereo_loud.wav", "speech_44k_mono_24bit.flac",
                         "speech_48k_stereo.flac", "speech_24k_gap.flac"]

    func testSpeechMatchesReferencePipeline() throws {
        let mel = MelSpec()
        for name in Self.speech {
            let expected = try XCTUnwrap(Fixtures.expected[name])
            let stem = (name as NSString).deletingPathExtension
            let prepared = try ReferenceAudio.prepare(path: Fixtures.path(name))
            XCTAssertEqual(prepared.trimmedLeading, Int(expected["leading_ms"]!), "\(name): leading trim")
            XCTAssertEqual(prepared.trimmedTrailing, Int(expected["trailing_ms"]!), "\(name): trailing trim")
            XCTAssertEqual(prepared.sourceSampleRate, Int(expected["processed_rate"]!), name)
            XCTAssertEqual(prepared.sourceFrames, Int(expected["processed_frames"]!), "\(name): frames after clipping/trim/pad")
            XCTAssertEqual(prepared.samples.count, Int(expected["resampled_count"]!), name)
            XCTAssertEqual(Double(prepared.rms), expected["rms"]!, accuracy: 1e-6 * expected["rms"]!, name)

            if prepared.sourceSampleRate != 24000 {
                let reference = try Fixtures.npy(stem + ".resampled.npy").values
                let error = Fixtures.maxAbsError(prepared.samples, reference)
                print("\(name): resampled max abs error \(error)")
                XCTAssertLessThanOrEqual(error, 1e-5, "\(name): resampled audio")
            }
            let (ours, frames) = try mel(prepared.samples)
            let reference = try NumpyFile.readMel(path: Fixtures.path(stem + ".mel.npy"), channels: 100)
            let exact = try NumpyFile.readMel(path: Fixtures.path(stem + ".mel64.npy"), channels: 100)
            XCTAssertEqual(reference.frames, frames, name)
            // Against the same chain in float64 (reported): bands ~80 dB below a frame's peak are window
            // sidelobe leakage, so 1-ulp differences in torch's float32 Hann window show there (up to ~1e-3).
            let error64 = Fixtures.maxAbsError(ours, exact.mel)
            // Against F5's float32 MelSpec: its own rounding (measured as float32 vs float64 by generate.py)
            // reaches 1e-3 in bands ~80 dB below a frame's peak, where log() magnifies it.
            let error32 = Fixtures.maxAbsError(ours, reference.mel)
            let floor32 = Float(expected["mel_fp32_vs_fp64"]!)
            print("\(name): log-mel max abs error \(error64) vs float64, \(error32) vs F5 MelSpec (its fp32 error \(floor32))")
            XCTAssertLessThanOrEqual(error32, floor32 + 1e-4, "\(name): log-mel vs F5 MelSpec")
        }
    }

    /// Long inputs: clipping at silences (8 kHz, so pydub also resamples to 11025 Hz) and the hard 12 s cut.
    func testSyntheticClipping() throws {
        let cases: [(String, Int, Int, Int, (Double, Double)?)] = [
            ("lcg_8k_bursts", 8000, 14, 7, (1.8, 1.3)), ("lcg_16k_continuous", 16000, 13, 11, nil),
        ]
        for (name, rate, seconds, seed, pattern) in cases {
            let expected = try XCTUnwrap(Fixtures.expected[name])
            let samples = Fixtures.lcgSamples(count: rate * seconds, seed: seed, pattern: pattern, rate: rate)
            let audio = DecodedAudio(sampleRate: rate, channels: 1, sampleWidth: 2, samples: samples)
            let prepared = try ReferenceAudio.prepare(audio, name: name)
            XCTAssertEqual(prepared.sourceSampleRate, Int(expected["processed_rate"]!), name)
            XCTAssertEqual(prepared.sourceFrames, Int(expected["processed_frames"]!), name)
            XCTAssertEqual(prepared.trimmedLeading, Int(expected["leading_ms"]!), name)
            XCTAssertEqual(prepared.trimmedTrailing, Int(expected["trailing_ms"]!), name)
            XCTAssertEqual(prepared.samples.count, Int(expected["resampled_count"]!), name)
            let sum = prepared.samples.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(sum, expected["resampled_sum"]!, accuracy: 1e-3, name)
        }
    }

    /// audioop.ratecv on the 50 ms pydub silence (11025 Hz) gives floor(550·out/in)+1 frames.
    func testSilencePaddingFrameCounts() {
        for (rate, frames) in [(24000, 1198), (44100, 2201), (16000, 799)] {
            let silence = AudioSegment(samples: [], channels: 1, frameRate: rate, sampleWidth: 2) + AudioSegment.silent(milliseconds: 50)
            XCTAssertEqual(silence.frameCount, frames, "\(rate) Hz")
        }
    }

    func testRestoreLoudnessUndoesBoost() throws {
        let prepared = try ReferenceAudio.prepare(path: Fixtures.path("speech_16k_mono_quiet.wav"))
        XCTAssertGreaterThan(prepared.gain, 1)
        var wave: [Float] = [0.5, -0.25]
        prepared.restoreLoudness(&wave)
        XCTAssertEqual(wave[0], 0.5 * prepared.rms / 0.1, accuracy: 1e-7)
    }
}
