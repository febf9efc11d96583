import Foundation

/// 64-bit FNV-1a over UTF-8 bytes: the same value on every machine, process and Swift version (Swift's
/// `Hasher` is seeded per process, so it can never decide where a job runs).
public enum StableHash {
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The noise seed of a job without one: a function of its id alone, so the same job file gives the same
    /// audio however it is sharded and however often it is rerun. 32 bits, since torch's generator (and so
    /// the reference) keeps only the low 32 bits of a seed.
    public static func defaultSeed(id: String) -> UInt64 {
        fnv1a64("f5tts-batch-seed:" + id) & 0xffff_ffff
    }
}

/// One of `count` disjoint parts of a job file. A job belongs to the shard `fnv1a64(id) % count`: it
/// depends on the id only, so appending jobs never moves old ones to another shard.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw BatchError.invalidShard(source: "shard count", reason: "must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw BatchError.invalidShard(source: "shard index", reason: "must be 0 to \(count - 1) for \(count) shard(s), got \(index)")
        }
        self.index = index
        self.count = count
    }

    /// The whole file as one shard.
    public static let all = try! Shard(index: 0, count: 1)

    /// `I/N`, as `--shard` takes it (0-based index).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw BatchError.invalidShard(source: "--shard \(text)", reason: "expected INDEX/COUNT with a 0-based index, e.g. 0/4")
        }
        do { try self.init(index: index, count: count) } catch BatchError.invalidShard(_, let reason) {
            throw BatchError.invalidShard(source: "--shard \(text)", reason: reason)
        }
    }

    public static func index(of id: String, count: Int) -> Int { Int(StableHash.fnv1a64(id) % UInt64(count)) }

    public func contains(_ id: String) -> Bool { Self.index(of: id, count: count) == index }

    public var description: String { "\(index)/\(count)" }
}

/// Which shard this process runs: `--shard I/N`, else a Slurm array task, else a Kubernetes Indexed Job
/// pod, else the whole file. All the environment variables are read here and nowhere else.
public enum ShardEnvironment {
    /// The shard and a sentence saying where it came from (for the log).
    public static func resolve(shard: String?, shards: Int?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> (shard: Shard, source: String) {
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func integer(_ name: String) throws -> Int? {
            guard let text = variable(name) else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw BatchError.invalidShard(source: name, reason: "expected an integer, found '\(text)'")
            }
            return value
        }
        if let shard {
            if shards != nil { throw BatchError.invalidShard(source: "--shards", reason: "give either --shard I/N or --shards N, not both") }
            return (try Shard(parsing: shard), "--shard \(shard)")
        }
        // Slurm job arrays (man sbatch, OUTPUT ENVIRONMENT VARIABLES): indices may start anywhere and step.
        if let task = try integer("SLURM_ARRAY_TASK_ID") {
            let minimum = try integer("SLURM_ARRAY_TASK_MIN") ?? 0
            let step = try integer("SLURM_ARRAY_TASK_STEP") ?? 1
            guard let count = try integer("SLURM_ARRAY_TASK_COUNT") else {
                throw BatchError.invalidShard(source: "SLURM_ARRAY_TASK_ID=\(task)", reason: "SLURM_ARRAY_TASK_COUNT is not set")
            }
            let source = "Slurm array task \(task) (SLURM_ARRAY_TASK_MIN=\(minimum), _STEP=\(step), _COUNT=\(count))"
            guard step >= 1, task >= minimum, (task - minimum) % step == 0 else {
                throw BatchError.invalidShard(source: source, reason: "the task id is not MIN + k * STEP; use one range such as --array=0-7 or 1-15:2")
            }
            let index = (task - minimum) / step
            if let shards, shards != count {
                throw BatchError.invalidShard(source: source, reason: "--shards \(shards) disagrees with SLURM_ARRAY_TASK_COUNT=\(count)")
            }
            guard index < count else {
                throw BatchError.invalidShard(source: source, reason: "task \(task) is shard \(index) of only \(count): the array must be "
                                              + "one range with one step (a comma list of indices cannot be mapped to shards); or pass --shard I/N")
            }
            return (try Shard(index: index, count: count), source)
        }
        // Kubernetes Indexed Jobs expose the index but not `completions`: the count comes from the manifest.
        if let index = try integer("JOB_COMPLETION_INDEX") {
            guard let count = try shards ?? integer("F5TTS_SHARDS") else {
                throw BatchError.invalidShard(source: "JOB_COMPLETION_INDEX=\(index)",
                                              reason: "the shard count is unknown: pass --shards N or set F5TTS_SHARDS (the Job's completions)")
            }
            let source = "Kubernetes JOB_COMPLETION_INDEX=\(index) of \(shards.map { "--shards \($0)" } ?? "F5TTS_SHARDS=\(count)")"
            do { return (try Shard(index: index, count: count), source) } catch BatchError.invalidShard(_, let reason) {
                throw BatchError.invalidShard(source: source, reason: reason)
            }
        }
        if let shards {
            throw BatchError.invalidShard(source: "--shards \(shards)", reason: "needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); "
                                          + "outside one give --shard I/N")
        }
        return (.all, "the whole file (no --shard, Slurm array or Kubernetes index)")
    }
}
