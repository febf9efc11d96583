import Crypto
import F5TTS
import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What one finished job left: `<out>/.f5tts-batch/records/<id>.json`, written atomically after its output.
public struct ResultRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case ok, failed }

    public var id: String
    public var status: Status
    /// Why it failed (nil when ok).
    public var error: String?
    /// The output, relative to the output folder.
    public var output: String
    /// Wall time of the job: synthesis, encoding and writing (not the model load, which is once per process).
    public var seconds: Double
    public var audioSeconds: Double
    /// `seconds / audioSeconds`.
    public var realTimeFactor: Double
    /// SHA-256 of the output file (nil when failed).
    public var sha256: String?
    /// SHA-256 of the job's inputs and settings (`InputHash`): a rerun redoes the job when it changes.
    public var inputHash: String
    public var seed: UInt64
    /// The shard that ran it (`I/N`) and the process (`host:pid`).
    public var shard: String
    public var worker: String
    /// How many times the job has run (1 for the first).
    public var attempt: Int
    /// ISO 8601, UTC.
    public var finishedAt: String

    enum CodingKeys: String, CodingKey {
        case id, status, error, output, seconds, audioSeconds = "audio_seconds", realTimeFactor = "rtf", sha256
        case inputHash = "input_hash", seed, shard, worker, attempt, finishedAt = "finished_at"
    }
}

public enum Digest {
    public static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    /// Of a file, read in pieces; nil when it cannot be read.
    public static func sha256(file path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            // nil or empty: the end of the file.
            while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty { hasher.update(data: piece) }
        } catch { return nil }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// The bookkeeping folder of an output folder: `records/` (one JSON per job), `locks/` (one lock file per
/// job) and `tmp/` (outputs and records being written, renamed into place when complete).
public struct RecordStore: Sendable {
    public static let folderName = ".f5tts-batch"

    public let outputDirectory: String
    public var root: String { (outputDirectory as NSString).appendingPathComponent(Self.folderName) }
    public var records: String { (root as NSString).appendingPathComponent("records") }
    public var locks: String { (root as NSString).appendingPathComponent("locks") }
    public var temporary: String { (root as NSString).appendingPathComponent("tmp") }

    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }

    public func create() throws {
        for folder in [records, locks, temporary] {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw BatchError.cannotWrite(file: folder, reason: error.localizedDescription)
            }
        }
    }

    public func recordPath(_ id: String) -> String { (records as NSString).appendingPathComponent("\(id).json") }
    public func lockPath(_ id: String) -> String { (locks as NSString).appendingPathComponent("\(id).lock") }
    public func outputPath(_ relative: String) -> String { (outputDirectory as NSString).appendingPathComponent(relative) }

    public enum Stored: Equatable {
        case missing
        /// A record that cannot be decoded (truncated, edited): the job is redone.
        case unreadable(String)
        case record(ResultRecord)
    }

    public func read(_ id: String) -> Stored { Self.read(file: recordPath(id)) }

    static func read(file: String) -> Stored {
        guard FileManager.default.fileExists(atPath: file) else { return .missing }
        guard let data = FileManager.default.contents(atPath: file) else { return .unreadable("cannot read \(file)") }
        do { return .record(try JSONDecoder().decode(ResultRecord.self, from: data)) } catch {
            return .unreadable("\(file) is not a result record")
        }
    }

    public func write(_ record: ResultRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(record) + Data("\n".utf8)
        try Self.writeAtomically(data, to: recordPath(record.id), temporary: temporaryPath(record.id, "json"))
    }

    /// A temporary name for `id`'s files: `tmp/<id>~<pid>.<ext>` (`~` never occurs in an id).
    public func temporaryPath(_ id: String, _ ext: String) -> String {
        (temporary as NSString).appendingPathComponent("\(id)~\(getpid()).\(ext)")
    }

    /// Removes what a killed process left of `id` in `tmp/`; call it holding the job's lock.
    public func removeLeftovers(_ id: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        for name in names where name.hasPrefix("\(id)~") {
            try? FileManager.default.removeItem(atPath: (temporary as NSString).appendingPathComponent(name))
        }
    }

    /// Every record in the folder (any shard's), sorted by id, with the unreadable ones by file name.
    public func all() -> (records: [ResultRecord], unreadable: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: records)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var found: [ResultRecord] = [], unreadable: [String] = []
        for name in names {
            switch Self.read(file: (records as NSString).appendingPathComponent(name)) {
            case let .record(record): found.append(record)
            case .unreadable, .missing: unreadable.append(name)
            }
        }
        return (found, unreadable)
    }
}

extension RecordStore {
    /// `AtomicFile.write` (whole files or nothing), its failure as a `BatchError`.
    static func writeAtomically(_ data: Data, to path: String, temporary: String) throws {
        do { try AtomicFile.write(data, to: path, temporary: temporary) } catch {
            throw BatchError.cannotWrite(file: error.file, reason: error.reason)
        }
    }
}

/// An exclusive lock on one job, held by an open file (`flock`): the kernel releases it when the process
/// ends however it ends (SIGKILL included), so a lock never outlives its holder and needs no stale-lock
/// clean-up. The file keeps `host pid` of the last holder, for people.
public final class JobLock {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// The lock, or nil when another process holds it (`wait: false`); with `wait`, blocks until it is free.
    public static func acquire(_ path: String, wait: Bool) throws -> JobLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BatchError.cannotWrite(file: path, reason: String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            close(fd)
            if reason == EWOULDBLOCK { return nil }
            throw BatchError.cannotWrite(file: path, reason: "cannot lock: \(String(cString: strerror(reason)))")
        }
        let owner = Worker.name + "\n"
        _ = ftruncate(fd, 0)
        _ = owner.withCString { pwrite(fd, $0, strlen($0), 0) }
        return JobLock(fd: fd)
    }

    deinit { close(fd) }
}

/// This process as records and locks name it: `host:pid`.
public enum Worker {
    public static let name: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : "localhost"
        return "\(host):\(getpid())"
    }()
}
