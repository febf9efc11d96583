import Foundation

/// Voices stored in a folder, one clip and one transcript each (`NAME.wav` + `NAME.txt`; the clip may
/// also be `.flac`, `.mp3`, `.ogg` or `.opus`). The server and `batch` share it, and a person can drop
/// files in by hand. Writes are atomic (temporary name, then rename), so a reader never sees half a voice.
public struct VoiceLibrary: Sendable {
    public static let audioExtensions = ["wav", "flac", "mp3", "ogg", "opus"]

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
        return (audio, transcript.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Stores (or replaces) a voice: the clip's bytes as they are, under `audioExtension`, and its transcript.
    public func store(name: String, audio: Data, audioExtension: String, transcript: String) throws {
        guard Self.isSafeName(name) else {
            throw F5TTSError.invalidArgument(name: "voice name", expected: "ASCII letters, digits, '-', '_' or '.' (not leading), at most 64", found: "'\(name)'")
        }
        guard Self.audioExtensions.contains(audioExtension) else {
            throw F5TTSError.invalidArgument(name: "audio extension", expected: Self.audioExtensions.joined(separator: ", "), found: audioExtension)
        }
        try writing {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for other in Self.audioExtensions where other != audioExtension { try? FileManager.default.removeItem(atPath: path(name, other)) }
            // The transcript last: a voice is listed only once both files exist.
            try audio.write(to: URL(fileURLWithPath: path(name, audioExtension)), options: .atomic)
            try Data(transcript.utf8).write(to: URL(fileURLWithPath: path(name, "txt")), options: .atomic)
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

    private func writing(_ body: () throws -> Void) throws {
        do { try body() } catch { throw F5TTSError.cannotWrite(file: directory, reason: error.localizedDescription) }
    }

    private func path(_ name: String, _ ext: String) -> String { (directory as NSString).appendingPathComponent("\(name).\(ext)") }
}
