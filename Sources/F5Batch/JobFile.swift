import F5TTS
import Foundation

/// A JSONL job file, every line checked (syntax, fields, unique ids and outputs, voices and clips that
/// exist, outputs that stay inside the output folder) before any synthesis. Blank lines are skipped.
public struct JobFile: Sendable {
    public let path: String
    /// Every job of the file, in file order, resolved.
    public let jobs: [ResolvedJob]

    /// A job with its reference and output worked out.
    public struct ResolvedJob: Sendable {
        public let job: BatchJob
        /// The clip's path (a stored voice's, or `ref_audio` against the job file's folder).
        public let referenceAudio: String
        public let transcript: String
        /// `voice NAME` or the clip's path, for messages.
        public let referenceLabel: String
        /// Relative to the output folder.
        public let output: String
        public let format: AudioFormat

        public var id: String { job.id }
    }

    /// The formats a job may write (`--format` and the extension of `output`).
    public static let formats: [AudioFormat] = [.wav, .flac, .mp3, .opus]

    /// Reads and checks `path`. `voices` resolves `"voice"`, and `defaultVoice` is used by jobs that give
    /// neither a voice nor a clip. Throws `BatchError.invalidJobs` listing every bad line.
    public init(path: String, outputDirectory: String, voices: VoiceLibrary, defaultVoice: String? = nil,
                format: AudioFormat) throws {
        self.path = path
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BatchError.cannotRead(file: path, reason: error.localizedDescription)
        }
        guard var text = String(data: data, encoding: .utf8) else { throw BatchError.cannotRead(file: path, reason: "not UTF-8 text") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // a byte-order mark some editors write
        let base = (path as NSString).deletingLastPathComponent
        var problems: [JobProblem] = []
        var parsed: [BatchJob] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy(\.isWhitespace) { continue }
            switch BatchJob.parse(line, line: index + 1) {
            case let .success(job): parsed.append(job)
            case let .failure(found): problems += found.problems
            }
        }
        if parsed.isEmpty && problems.isEmpty { problems.append(JobProblem(line: 1, message: "the file has no jobs")) }

        var idLines: [String: Int] = [:], outputLines: [String: Int] = [:]
        var resolved: [ResolvedJob] = []
        for job in parsed {
            var jobProblems: [JobProblem] = []
            func problem(_ field: String?, _ message: String) { jobProblems.append(JobProblem(line: job.line, field: field, message: message)) }
            let duplicate = idLines[job.id]
            if let first = duplicate { problem("id", "'\(job.id)' was already used on line \(first)") } else { idLines[job.id] = job.line }

            // The output: a relative path of plain names inside the folder, with an audio extension.
            let output = job.output ?? "\(job.id).\(format.fileExtension)"
            var outputFormat = format
            if let message = Self.outputProblem(output, outputDirectory: outputDirectory) {
                problem("output", message)
            } else if let found = AudioFormat(pathExtension: (output as NSString).pathExtension), Self.formats.contains(found) {
                outputFormat = found
                let key = (output as NSString).standardizingPath
                // (A duplicate id's default output is a duplicate too: said once, as the id.)
                if let first = outputLines[key] {
                    if duplicate == nil || job.output != nil { problem("output", "'\(output)' is also the output of line \(first)") }
                } else {
                    outputLines[key] = job.line
                }
            } else {
                problem("output", "'\(output)' must end in .wav, .flac, .mp3 or .opus")
            }

            // The reference: a stored voice or a clip beside the job file.
            var audio = "", transcript = "", label = ""
            if let refAudio = job.refAudio, let refText = job.refText {
                audio = refAudio.hasPrefix("/") ? refAudio : (base as NSString).appendingPathComponent(refAudio)
                transcript = refText
                label = refAudio
                if !FileManager.default.isReadableFile(atPath: audio) { problem("ref_audio", "no readable file \(audio)") }
            } else if let name = job.voice ?? defaultVoice {
                let field = job.voice != nil ? "voice" : nil
                label = "voice \(name)"
                do {
                    if let entry = try voices.entry(name) {
                        audio = entry.audioPath
                        transcript = entry.transcript
                        if transcript.isEmpty { problem(field, "the transcript of voice '\(name)' in \(voices.directory) is empty") }
                    } else {
                        problem(field, "no voice '\(name)' in \(voices.directory) (it needs \(name).wav and \(name).txt; "
                                + "the folder has: \(voices.names().prefix(10).joined(separator: ", ")))")
                    }
                } catch { problem(field, "\(error.localizedDescription)") }
            } else {
                problem(nil, "no reference: give \"voice\" (a voice in \(voices.directory)) or \"ref_audio\" + \"ref_text\", or --voice")
            }
            problems += jobProblems
            if jobProblems.isEmpty {
                resolved.append(ResolvedJob(job: job, referenceAudio: audio, transcript: transcript, referenceLabel: label,
                                            output: output, format: outputFormat))
            }
        }
        guard problems.isEmpty else { throw BatchError.invalidJobs(file: path, problems: problems.sorted { $0.line < $1.line }) }
        jobs = resolved
    }

    /// Why `output` may not be written inside `outputDirectory`, nil when it may. No absolute paths, no `..`,
    /// no hidden names (the bookkeeping folder is hidden), and no symbolic link on the way that leads out.
    static func outputProblem(_ output: String, outputDirectory: String) -> String? {
        if output.isEmpty { return "is empty" }
        if output.hasPrefix("/") { return "'\(output)' is absolute: give a path relative to the output folder" }
        let parts = output.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0 == ".." }) { return "'\(output)' leaves the output folder (it contains '..')" }
        if parts.contains(where: { $0.isEmpty || $0 == "." || $0.hasPrefix(".") }) {
            return "'\(output)' has an empty, '.' or hidden path component"
        }
        if output.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\\" }) {
            return "'\(output)' contains a control character or a backslash"
        }
        // Folders that exist already must resolve inside the output folder.
        let root = (outputDirectory as NSString).resolvingSymlinksInPath
        var folder = outputDirectory
        for part in parts.dropLast() {
            folder = (folder as NSString).appendingPathComponent(String(part))
            guard FileManager.default.fileExists(atPath: folder) else { break }
            let real = (folder as NSString).resolvingSymlinksInPath
            if real != root && !real.hasPrefix(root + "/") { return "'\(output)' leaves the output folder (\(folder) links to \(real))" }
        }
        return nil
    }

    /// The jobs of `shard`, in file order.
    public func jobs(in shard: Shard) -> [ResolvedJob] { jobs.filter { shard.contains($0.id) } }
}

extension AudioFormat {
    /// The extension a file of this format gets.
    public var fileExtension: String { self == .opus ? "opus" : rawValue }
}
