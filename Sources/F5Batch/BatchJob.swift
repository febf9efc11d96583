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
    /// The job's own synthesis settings (F5-TTS's names, checked by `SynthesisSetting.all`).
    public var settings: [String: SettingValue] = [:]

    public static let fields = ["id", "text", "voice", "ref_audio", "ref_text", "output"] + SynthesisSetting.all.map(\.name)

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
        var settings: [String: SettingValue] = [:]
        for setting in SynthesisSetting.all {
            guard let raw = value(setting.name, SettingValue.self, setting.expected) else { continue }
            do { settings[setting.name] = try setting.validate(raw) } catch let error as F5TTSError {
                if case let .invalidArgument(_, expected, found) = error { problem(setting.name, "expected \(expected), found \(found)") }
            }
        }

        guard problems.isEmpty, let id, let text else { throw LineProblems(problems) }
        job = BatchJob(line: line, id: id, text: text, voice: voice, refAudio: refAudio, refText: refText, output: output, settings: settings)
    }
}

extension BatchJob {
    /// The settings of this job: its own fields over `base` (the command line's), the seed its own, else
    /// `seedOverride` (a `--seed` for every job), else derived from the id.
    public func options(base: SynthesisOptions, seedOverride: UInt64?) -> SynthesisOptions {
        var o = base
        o.seed = seedOverride ?? StableHash.defaultSeed(id: id)
        // Checked when the line was read.
        try! o.apply(settings)
        return o
    }
}
