import Foundation

/// Voices stored in a folder, one clip and one transcript each (`NAME.wav` + `NAME.txt`; the clip may
/// also be `.flac`, `.mp3`, `.ogg` or `.opus`). The server and `batch` share it, and a person can drop
/// files in by hand. A voice is listed only while both files exist, and `store` puts the transcript in
/// place last, so a reader sees the old voice whole, no voice, or the new one whole, never a mix.
/// Callers serialise changes to one name (the server's `VoiceStore` does).
public struct VoiceLibrary: Sendable {
    public static let audioExtensions = ["wav", "flac", "mp3", "ogg", "opus"]
    /// The longest transcript a voice may have: a 12 s reference says a few hundred bytes, and a longer one
    /// only makes every synthesis fail (its frames pass the model's limit).
    public static let maxTranscriptBytes = 2000

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `$XDG_DATA_HOME/f5tts/voices`, else `~/.local/share/f5tts/voices`.
    public static var defaultDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share")
        return (base as NSString).appendingPathComponent("f5tts/voices")
    }

    /// Names that are safe as file names: ASCII letters, digits, `-`, `_`, `.` (not leading), at most 64.
    public static func isSafeName(_ name: String) -> Bool { isSafeFileName(name, maxLength: 64) }

    /// The stored voices: safe names with a clip and a transcript, sorted.
    public func names() -> [String] {
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        let names = files.compactMap { file -> String? in
            let name = (file as NSString).deletingPathExtension
            guard Self.audioExtensions.contains((file as NSString).pathExtension), Self.isSafeName(name),
                  files.contains("\(name).txt") else { return nil }
            return name
        }
        return Array(Set(names)).sorted()
    }

    /// The clip of `name` (the first extension present, in `audioExtensions` order), nil when absent.
    public func audioPath(_ name: String) -> String? {
        guard Self.isSafeName(name) else { return nil }
        return Self.audioExtensions.lazy.map { path(name, $0) }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The stored voice's clip and transcript, nil when there is no such voice.
    public func entry(_ name: String) throws -> (audioPath: String, transcript: String)? {
        guard let audio = audioPath(name), FileManager.default.fileExists(atPath: path(name, "txt")) else { return nil }
        guard let transcript = try? String(contentsOfFile: path(name, "txt"), encoding: .utf8) else {
            throw F5TTSError.invalidArgument(name: path(name, "txt"), expected: "a UTF-8 transcript", found: "unreadable text")
        }
        try Self.checkTranscript(transcript, name: path(name, "txt"))
        return (audio, transcript.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Refuses a transcript longer than `maxTranscriptBytes`; `name` says whose it is.
    public static func checkTranscript(_ transcript: String, name: String) throws {
        let bytes = transcript.utf8.count
        guard bytes <= maxTranscriptBytes else {
            throw F5TTSError.invalidArgument(name: name, expected: "a transcript of at most \(maxTranscriptBytes) UTF-8 bytes", found: "\(bytes) bytes")
        }
    }

    /// Stores (or replaces) a voice: the clip's bytes as they are, under `audioExtension`, and its transcript.
    /// Both are written and synced under hidden temporary names first; then the old transcript goes (the old
    /// voice leaves the list), the clip is renamed into place, and the transcript's rename makes the new
    /// voice whole at once.
    public func store(name: String, audio: Data, audioExtension: String, transcript: String) throws {
        guard Self.isSafeName(name) else {
            throw F5TTSError.invalidArgument(name: "voice name", expected: "ASCII letters, digits, '-', '_' or '.' (not leading), at most 64", found: "'\(name)'")
        }
        guard Self.audioExtensions.contains(audioExtension) else {
            throw F5TTSError.invalidArgument(name: "audio extension", expected: Self.audioExtensions.joined(separator: ", "), found: audioExtension)
        }
        try Self.checkTranscript(transcript, name: "transcript of \(name)")
        try writing {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let stage = ".\(name).\(UUID().uuidString)"
            let (stagedAudio, stagedText) = (path(stage, audioExtension), path(stage, "txt"))
            defer { for staged in [stagedAudio, stagedText] { try? FileManager.default.removeItem(atPath: staged) } }
            try Self.writeSynced(audio, to: stagedAudio)
            try Self.writeSynced(Data(transcript.utf8), to: stagedText)
            if FileManager.default.fileExists(atPath: path(name, "txt")) { try FileManager.default.removeItem(atPath: path(name, "txt")) }
            for other in Self.audioExtensions where other != audioExtension { try? FileManager.default.removeItem(atPath: path(name, other)) }
            try Self.rename(stagedAudio, to: path(name, audioExtension))
            try Self.rename(stagedText, to: path(name, "txt"))
            try Self.syncDirectory(directory)
        }
    }

    /// Removes a voice; false when there was none.
    @discardableResult
    public func remove(_ name: String) throws -> Bool {
        guard try entry(name) != nil else { return false }
        try writing {
            // The transcript first, so the voice disappears from the list at once.
            try FileManager.default.removeItem(atPath: path(name, "txt"))
            for ext in Self.audioExtensions { try? FileManager.default.removeItem(atPath: path(name, ext)) }
            try Self.syncDirectory(directory)
        }
        return true
    }

    /// The container of an uploaded clip, from its first bytes (libsndfile reads by content, but the
    /// stored file's extension should say what it is).
    public static func audioExtension(sniffing data: Data) -> String? {
        let head = [UInt8](data.prefix(12))
        func starts(_ s: String) -> Bool { head.starts(with: Array(s.utf8)) }
        if starts("RIFF"), head.count >= 12, Array(head[8..<12]) == Array("WAVE".utf8) { return "wav" }
        if starts("fLaC") { return "flac" }
        if starts("OggS") { return "ogg" }
        if starts("ID3") || (head.count >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) { return "mp3" }
        return nil
    }

    /// The bytes on disk before the call returns (a rename is only as durable as what it names).
    private static func writeSynced(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }

    /// rename(2): replaces `to` in one step (FileManager's move refuses an existing destination).
    private static func rename(_ from: String, to: String) throws {
        guard Foundation.rename(from, to) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Makes the folder's renames and removals durable.
    private static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        _ = fsync(fd)
    }

    private func writing(_ body: () throws -> Void) throws {
        do { try body() } catch { throw F5TTSError.cannotWrite(file: directory, reason: error.localizedDescription) }
    }

    private func path(_ name: String, _ ext: String) -> String { (directory as NSString).appendingPathComponent("\(name).\(ext)") }
}
