import Foundation

/// Every shard's records of an output folder merged: counts by status, audio and time totals, the failures.
public struct BatchSummary: Codable, Equatable, Sendable {
    public struct Failure: Codable, Equatable, Sendable {
        public var id: String
        public var output: String
        public var error: String
        public var shard: String
    }

    public var jobs = 0
    public var ok = 0
    public var failed = 0
    /// Record files that cannot be decoded (those jobs are redone by the next run of their shard).
    public var unreadable: [String] = []
    /// Seconds of audio in the ok jobs.
    public var audioSeconds = 0.0
    /// Wall seconds of the ok jobs (model loads excluded).
    public var seconds = 0.0
    /// Total seconds over total audio.
    public var realTimeFactor = 0.0
    /// The mean of the ok jobs' real-time factors.
    public var meanRealTimeFactor = 0.0
    /// How many ok jobs each shard (`I/N`) ran.
    public var shards: [String: Int] = [:]
    public var failures: [Failure] = []

    enum CodingKeys: String, CodingKey {
        case jobs, ok, failed, unreadable, audioSeconds = "audio_seconds", seconds, realTimeFactor = "rtf"
        case meanRealTimeFactor = "mean_rtf", shards, failures
    }

    public init(records: [ResultRecord], unreadable: [String] = []) {
        jobs = records.count + unreadable.count
        self.unreadable = unreadable
        var rtfSum = 0.0
        for record in records {
            switch record.status {
            case .ok:
                ok += 1
                audioSeconds += record.audioSeconds
                seconds += record.seconds
                rtfSum += record.realTimeFactor
                shards[record.shard, default: 0] += 1
            case .failed:
                failed += 1
                failures.append(Failure(id: record.id, output: record.output, error: record.error ?? "failed", shard: record.shard))
            }
        }
        realTimeFactor = audioSeconds > 0 ? seconds / audioSeconds : 0
        meanRealTimeFactor = ok > 0 ? rtfSum / Double(ok) : 0
    }

    /// The records under `outputDirectory`. Throws when it holds no batch records at all.
    public static func collect(outputDirectory: String) throws -> BatchSummary {
        let store = RecordStore(outputDirectory: outputDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: store.records, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BatchError.cannotRead(file: outputDirectory, reason: "no batch records (\(RecordStore.folderName)/records) in it: "
                                        + "give the --out folder of `f5tts batch`")
        }
        let (records, unreadable) = store.all()
        return BatchSummary(records: records, unreadable: unreadable)
    }

    /// For people: one line of totals, then each failure.
    public var text: String {
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        var lines = ["\(jobs) job(s): \(ok) ok, \(failed) failed" + (unreadable.isEmpty ? "" : ", \(unreadable.count) unreadable record(s)"),
                     "audio \(f(audioSeconds, 1)) s in \(f(seconds, 1)) s: RTF \(f(realTimeFactor, 3)) overall, \(f(meanRealTimeFactor, 3)) mean per job"]
        if !shards.isEmpty {
            lines.append("by shard: " + shards.sorted { $0.key.localizedStandardCompare($1.key) == .orderedAscending }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for failure in failures { lines.append("failed \(failure.id) (\(failure.output), shard \(failure.shard)): \(failure.error)") }
        for name in unreadable { lines.append("unreadable record \(name)") }
        return lines.joined(separator: "\n")
    }
}
