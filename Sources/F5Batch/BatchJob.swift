import F5TTS
import Foundation

/// One line of a job file, as written: `{"id", "text"}` plus either `"voice"` (a stored voice) or
/// `"ref_audio"` + `"ref_text"` (a clip, relative to the job file, and its transcript), and optional
/// per-job settings with F5-TTS's names. Unknown fields are errors, so a misspelt setting is not ignored.
public struct BatchJob: Equatable, Sendable {
    /// 1-based line in the job file.
    public var line: Int
    public var id: String
    public var text: String
    public var voice: String?
    public var refAudio: String?
    public var refText: String?
    /// Relative path inside the output folder; default `<id>.<format>`.
    public var output: String?
    public var seed: UInt64?
    public var speed: Double?
    public var nfeStep: Int?
    public var cfgStrength: Double?
    /// `.some(nil)` is an explicit JSON null: no sway sampling.
    public var swaySamplingCoef: Double??
    public var crossFadeDuration: Double?
    public var removeSilence: Bool?

    public static let fields = ["id", "text", "voice", "ref_audio", "ref_text", "output", "seed", "speed", "nfe_step", "cfg_strength",
                                "sway_sampling_coef", "cross_fade_duration", "remove_silence"]

    /// Ids name files and records: ASCII letters, digits, `-`, `_`, `.`, not leading `.`, at most 128.
    public static func isSafeID(_ id: String) -> Bool { isSafeFileName(id, maxLength: 128) }

    /// Parses one line; the problems found name this line and their field.
    public static func parse(_ text: Substring, line: Int) -> Result<BatchJob, LineProblems> {
        let decoder = JSONDecoder()
        decoder.userInfo[LineDecoding.lineKey] = line
        do {
            return .success(try decoder.decode(LineDecoding.self, from: Data(text.utf8)).job)
        } catch let problems as LineProblems {
            return .failure(problems)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            return .failure(LineProblems([JobProblem(line: line, message: "expected a JSON object {\"id\": ..., \"text\": ...}")]))
        } catch {
            return .failure(LineProblems([JobProblem(line: line, message: "not valid JSON (\(Self.reason(error)))")]))
        }
    }

    private static func reason(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return error.localizedDescription
    }
}

/// The problems of one line.
public struct LineProblems: Error, Sendable {
    public var problems: [JobProblem]
    init(_ problems: [JobProblem]) { self.problems = problems }
}

/// Decodes a line field by field, so that every bad field is reported, each with what it should be.
private struct LineDecoding: Decodable {
    static let lineKey = CodingUserInfoKey(rawValue: "f5batch.line")!
    var job: BatchJob

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let line = decoder.userInfo[Self.lineKey] as? Int ?? 0
        let c = try decoder.container(keyedBy: Key.self)
        var problems: [JobProblem] = []
        func problem(_ field: String?, _ message: String) { problems.append(JobProblem(line: line, field: field, message: message)) }
        func value<T: Decodable>(_ name: String, _ type: T.Type, _ expected: String) -> T? {
            guard c.contains(Key(name)) else { return nil }
            do { return try c.decode(T.self, forKey: Key(name)) } catch {
                problem(name, "expected \(expected)")
                return nil
            }
        }
        for key in c.allKeys where !BatchJob.fields.contains(key.stringValue) {
            problem(key.stringValue, "unknown field (known: \(BatchJob.fields.joined(separator: ", ")))")
        }

        let id = value("id", String.self, "a string")
        if !c.contains(Key("id")) { problem("id", "missing: every job needs a unique id") }
        if let id, !BatchJob.isSafeID(id) {
            problem("id", "'\(id)' is not safe as a file name: use ASCII letters, digits, '-', '_' or '.' (not leading), at most 128")
        }
        let text = value("text", String.self, "a string")
        if !c.contains(Key("text")) { problem("text", "missing: the text to speak") }
        if let text, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problem("text", "is empty") }

        let voice = value("voice", String.self, "a voice name (a string)")
        let refAudio = value("ref_audio", String.self, "a path (a string)")
        let refText = value("ref_text", String.self, "the clip's transcript (a string)")
        if voice != nil && (refAudio != nil || refText != nil) {
            problem("voice", "give either \"voice\" or \"ref_audio\" + \"ref_text\", not both")
        }
        if refAudio != nil && refText == nil {
            problem("ref_text", "missing: \"ref_audio\" needs the transcript of its clip (f5tts has no Whisper to transcribe it)")
        }
        if refText != nil && refAudio == nil { problem("ref_audio", "missing: \"ref_text\" needs the clip it transcribes") }
        if let refText, refAudio != nil, refText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problem("ref_text", "is empty: give the transcript of the clip (f5tts has no Whisper to transcribe it)")
        }
        if let refAudio, refAudio.isEmpty { problem("ref_audio", "is empty") }

        let output = value("output", String.self, "a relative file name (a string)")
        let seed = value("seed", UInt64.self, "a non-negative integer")
        let speed = value("speed", Double.self, "a positive number")
        if let speed, !(speed > 0 && speed.isFinite) { problem("speed", "must be a positive number, got \(speed)") }
        let nfeStep = value("nfe_step", Int.self, "an integer")
        if let nfeStep, !(1...1000).contains(nfeStep) { problem("nfe_step", "must be 1 to 1000, got \(nfeStep)") }
        let cfgStrength = value("cfg_strength", Double.self, "a number")
        if let cfgStrength, !cfgStrength.isFinite { problem("cfg_strength", "must be a finite number") }
        var sway: Double?? = nil
        if c.contains(Key("sway_sampling_coef")) {
            if (try? c.decodeNil(forKey: Key("sway_sampling_coef"))) == true { sway = .some(nil) } else {
                sway = value("sway_sampling_coef", Double.self, "a number or null").map { .some($0) }
            }
        }
        if case let .some(.some(coef)) = sway, !coef.isFinite { problem("sway_sampling_coef", "must be a finite number") }
        let crossFade = value("cross_fade_duration", Double.self, "a number of seconds")
        if let crossFade, !(crossFade >= 0 && crossFade.isFinite) { problem("cross_fade_duration", "must be 0 or more seconds, got \(crossFade)") }
        let removeSilence = value("remove_silence", Bool.self, "true or false")

        guard problems.isEmpty, let id, let text else { throw LineProblems(problems) }
        job = BatchJob(line: line, id: id, text: text, voice: voice, refAudio: refAudio, refText: refText, output: output, seed: seed,
                       speed: speed, nfeStep: nfeStep, cfgStrength: cfgStrength, swaySamplingCoef: sway,
                       crossFadeDuration: crossFade, removeSilence: removeSilence)
    }
}

extension BatchJob {
    /// The settings of this job: its own fields over `base` (the command line's), the seed its own, else
    /// `seedOverride` (a `--seed` for every job), else derived from the id.
    public func options(base: SynthesisOptions, seedOverride: UInt64?) -> SynthesisOptions {
        var o = base
        o.seed = seed ?? seedOverride ?? StableHash.defaultSeed(id: id)
        o.speed = speed ?? o.speed
        o.steps = nfeStep ?? o.steps
        o.cfgStrength = cfgStrength ?? o.cfgStrength
        if let swaySamplingCoef { o.swaySamplingCoef = swaySamplingCoef }
        o.crossFadeDuration = crossFadeDuration ?? o.crossFadeDuration
        o.removeSilence = removeSilence ?? o.removeSilence
        return o
    }
}
