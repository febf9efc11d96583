import F5TTS
import Foundation
import Synchronization

/// Runs one shard's jobs idempotently: a job is skipped when its record says ok for the same inputs and
/// its output still has the recorded SHA-256; otherwise it is synthesised under its lock, written to a
/// temporary file and renamed, and its record written after it. Killed at any moment and rerun, every job
/// ends done exactly once with no partial file; two processes on one shard never write the same job.
public final class BatchRunner {
    /// What the command line sets for every job.
    public struct Settings: Sendable {
        public var outputDirectory: String
        public var shard: Shard
        /// Settings of jobs that give none of their own (its seed is not used).
        public var options: SynthesisOptions
        /// `--seed`: the seed of jobs without one, instead of the one derived from the id.
        public var seedOverride: UInt64?
        public var sampleFormat: SampleFormat
        public var retryFailed: Bool
        /// `ModelIdentity.of` the model.
        public var model: String
        public var backend: String

        public init(outputDirectory: String, shard: Shard, options: SynthesisOptions, seedOverride: UInt64?, sampleFormat: SampleFormat,
                    retryFailed: Bool, model: String, backend: String) {
            self.outputDirectory = outputDirectory
            self.shard = shard
            self.options = options
            self.seedOverride = seedOverride
            self.sampleFormat = sampleFormat
            self.retryFailed = retryFailed
            self.model = model
            self.backend = backend
        }
    }

    public enum State: Equatable, Sendable {
        /// Its output and record match the job as it is now.
        case done
        /// It failed before with these inputs (rerun with `retryFailed`).
        case failed(String)
        /// It has to run, and why.
        case pending(String)

        public var name: String {
            switch self {
            case .done: return "done"
            case .failed: return "failed"
            case .pending: return "pending"
            }
        }
    }

    /// A job of the shard with its settings and state.
    public struct Planned: Sendable {
        public let job: JobFile.ResolvedJob
        public let options: SynthesisOptions
        public let inputHash: String
        public var state: State
    }

    public enum Event: Sendable {
        /// Before any synthesis: the shard's jobs and how many of them will run.
        case planned(jobs: Int, toRun: Int)
        /// The model was loaded (once, before the first job that runs).
        case loaded(seconds: Double)
        case skipped(id: String, state: State)
        /// Another process holds the job's lock; it is waited for at the end.
        case busy(id: String)
        /// The job `number` of `total` to run finished (ok or failed); `eta` in seconds.
        case finished(number: Int, total: Int, record: ResultRecord, eta: Double)
        /// Another process finished it while this one waited.
        case doneElsewhere(id: String)
    }

    /// What a run did.
    public struct Outcome: Equatable, Sendable {
        public var jobs = 0
        /// Synthesised now (ok).
        public var ran = 0
        /// Already done (by an earlier run or another process).
        public var skipped = 0
        /// Ids whose record says failed at the end: failed now, or before and not retried.
        public var failed: [String] = []
    }

    private let settings: Settings
    private let jobs: [JobFile.ResolvedJob]
    private let store: RecordStore
    private let makeSynthesizer: () throws -> Synthesizer
    private let report: @Sendable (Event) -> Void
    private var referenceDigests: [String: String] = [:]

    /// `jobs` are the whole file's or the shard's (only the shard's run); `makeSynthesizer` is called once,
    /// the first time a job has to run.
    public init(settings: Settings, jobs: [JobFile.ResolvedJob], synthesizer makeSynthesizer: @escaping () throws -> Synthesizer,
                report: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.settings = settings
        self.jobs = jobs.filter { settings.shard.contains($0.id) }
        self.store = RecordStore(outputDirectory: settings.outputDirectory)
        self.makeSynthesizer = makeSynthesizer
        self.report = report
    }

    /// The shard's jobs in the order they run (grouped by reference, each group in file order), with their state.
    public func plan() throws -> [Planned] {
        var firstLine: [String: Int] = [:]
        for job in jobs where firstLine[Self.voiceKey(job)] == nil { firstLine[Self.voiceKey(job)] = job.job.line }
        let ordered = jobs.sorted { (firstLine[Self.voiceKey($0)]!, $0.job.line) < (firstLine[Self.voiceKey($1)]!, $1.job.line) }
        return try ordered.map { job in
            let options = job.job.options(base: settings.options, seedOverride: settings.seedOverride)
            let inputs = JobInputs(text: job.job.text, transcript: job.transcript, referenceSHA256: try referenceDigest(job.referenceAudio),
                                   output: job.output, format: job.format.rawValue, sampleFormat: settings.sampleFormat.rawValue,
                                   options: options, model: settings.model, backend: settings.backend)
            let hash = inputs.hash
            return Planned(job: job, options: options, inputHash: hash, state: state(job, inputHash: hash))
        }
    }

    /// Whether the job's record and output match `inputHash`.
    func state(_ job: JobFile.ResolvedJob, inputHash: String) -> State { Work.state(job, inputHash: inputHash, store: store) }

    private func needsRun(_ state: State) -> Bool { Work.needsRun(state, retryFailed: settings.retryFailed) }

    /// Runs every job of the shard that is not done, `workers` of the synthesizer side by side: each worker
    /// takes the next job (a job's audio does not depend on which worker runs it, nor on how many run).
    /// Throws only for what stops the whole shard (the model, the output folder); a job that fails gets a
    /// failed record and the others go on.
    public func run() throws -> Outcome {
        try store.create()
        let planned = try plan()
        var outcome = Outcome(jobs: planned.count)
        let toRun = planned.filter { needsRun($0.state) }
        report(.planned(jobs: planned.count, toRun: toRun.count))
        for job in planned where !needsRun(job.state) {
            report(.skipped(id: job.job.id, state: job.state))
            if case .failed = job.state { outcome.failed.append(job.job.id) } else { outcome.skipped += 1 }
        }
        guard !toRun.isEmpty else { return outcome }
        let started = ContinuousClock.now
        let synthesizer = try makeSynthesizer()
        report(.loaded(seconds: Self.seconds(since: started)))
        let work = Work(settings: settings, store: store, synthesizer: synthesizer, report: report,
                        progress: Work.Progress(outcome: outcome, total: toRun.count, started: ContinuousClock.now))
        try work.inParallel(toRun) { job, voices in
            guard let lock = try JobLock.acquire(work.store.lockPath(job.job.id), wait: false) else {
                work.report(.busy(id: job.job.id))
                work.busy.withLock { $0.append(job) }
                return
            }
            try work.process(job, lock: lock, voices: voices)
        }
        // Jobs another process was on: wait for it, then do them if it died before finishing.
        try work.inParallel(work.busy.withLock { $0 }) { job, voices in
            guard let lock = try JobLock.acquire(work.store.lockPath(job.job.id), wait: true) else { return }
            try work.process(job, lock: lock, voices: voices)
        }
        return work.progress.withLock { $0.outcome }
    }

    /// What the workers share: the settings, the records, the synthesizer, and the run's progress.
    private final class Work: Sendable {
        struct Progress {
            var outcome: Outcome
            let total: Int
            let started: ContinuousClock.Instant
            /// Jobs that finished (ok or failed), the number of the next.
            var finished = 0
        }

        let settings: Settings
        let store: RecordStore
        let synthesizer: Synthesizer
        let report: @Sendable (Event) -> Void
        let progress: Mutex<Progress>
        /// Jobs whose lock another process held when their turn came.
        let busy = Mutex<[Planned]>([])

        init(settings: Settings, store: RecordStore, synthesizer: Synthesizer, report: @escaping @Sendable (Event) -> Void,
             progress: Progress) {
            self.settings = settings
            self.store = store
            self.synthesizer = synthesizer
            self.report = report
            self.progress = Mutex(progress)
        }

        static func state(_ job: JobFile.ResolvedJob, inputHash: String, store: RecordStore) -> State {
            switch store.read(job.id) {
            case .missing: return .pending("new")
            case let .unreadable(reason): return .pending(reason)
            case let .record(record):
                guard record.inputHash == inputHash, record.output == job.output else { return .pending("its inputs or settings changed") }
                if record.status == .failed { return .failed(record.error ?? "failed") }
                guard let digest = Digest.sha256(file: store.outputPath(job.output)) else { return .pending("its output \(job.output) is missing") }
                return digest == record.sha256 ? .done : .pending("its output \(job.output) does not match its record")
            }
        }

        static func needsRun(_ state: State, retryFailed: Bool) -> Bool {
            switch state {
            case .done: return false
            case .failed: return retryFailed
            case .pending: return true
            }
        }

        /// Runs `body` on every job, on `synthesizer.workers` threads (this one and others) that each take
        /// the next job in order and keep their own voice. The first error stops the workers taking more
        /// and is thrown once all are done.
        func inParallel(_ jobs: [Planned], _ body: @escaping @Sendable (Planned, VoiceCache) throws -> Void) throws {
            let queue = JobQueue(jobs)
            let worker: @Sendable () -> Void = {
                let voices = VoiceCache()
                while let job = queue.next() {
                    do { try body(job, voices) } catch { queue.stop(error) }
                }
            }
            SynthesisWorkers.sideBySide(min(synthesizer.workers, jobs.count)) { _ in worker() }
            if let error = queue.error { throw error }
        }

        /// One job under its lock, decided again there: another process may have finished it meanwhile.
        func process(_ job: Planned, lock: JobLock, voices: VoiceCache) throws {
            let now = Self.state(job.job, inputHash: job.inputHash, store: store)
            guard Self.needsRun(now, retryFailed: settings.retryFailed) else {
                report(.doneElsewhere(id: job.job.id))
                progress.withLock {
                    if case .failed = now { $0.outcome.failed.append(job.job.id) } else { $0.outcome.skipped += 1 }
                }
                return
            }
            let record = try synthesise(job, voices: voices)
            withExtendedLifetime(lock) {}
            progress.withLock {
                $0.finished += 1
                if record.status == .ok { $0.outcome.ran += 1 } else { $0.outcome.failed.append(record.id) }
                let eta = BatchRunner.seconds(since: $0.started) / Double($0.finished) * Double($0.total - $0.finished)
                report(.finished(number: $0.finished, total: $0.total, record: record, eta: eta))
            }
        }

        /// One job, under its lock: the audio written atomically, then its record.
        private func synthesise(_ job: Planned, voices: VoiceCache) throws -> ResultRecord {
            store.removeLeftovers(job.job.id)
            let attempt: Int
            if case let .record(previous) = store.read(job.job.id) { attempt = previous.attempt + 1 } else { attempt = 1 }
            let started = ContinuousClock.now
            var record = ResultRecord(id: job.job.id, status: .ok, error: nil, output: job.job.output, seconds: 0, audioSeconds: 0,
                                      realTimeFactor: 0, sha256: nil, inputHash: job.inputHash, seed: job.options.seed,
                                      shard: settings.shard.description, worker: Worker.name, attempt: attempt, finishedAt: "")
            do {
                let voice = try voices.voice(for: job.job) {
                    try synthesizer.prepareVoice(path: job.job.referenceAudio, transcript: job.job.transcript,
                                                 targetRMS: settings.options.targetRMS)
                }
                let result = try synthesizer.generate(script: VoiceScript(text: job.job.job.text), voices: [VoiceScript.mainVoice: voice],
                                                      options: job.options)
                let bytes = try result.encoded(as: job.job.format, sampleFormat: settings.sampleFormat, name: job.job.output)
                let path = store.outputPath(job.job.output)
                let folder = (path as NSString).deletingLastPathComponent
                do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    throw BatchError.cannotWrite(file: folder, reason: error.localizedDescription)
                }
                try RecordStore.writeAtomically(bytes, to: path, temporary: store.temporaryPath(job.job.id, job.job.format.fileExtension))
                record.sha256 = Digest.sha256(bytes)
                record.audioSeconds = Double(result.audio.count) / Double(result.sampleRate)
            } catch {
                record.status = .failed
                record.error = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            }
            record.seconds = BatchRunner.seconds(since: started)
            record.realTimeFactor = record.audioSeconds > 0 ? record.seconds / record.audioSeconds : 0
            record.finishedAt = ISO8601DateFormatter().string(from: Date())
            try store.write(record)
            return record
        }
    }

    /// Jobs handed out in order until they run out or one fails.
    private final class JobQueue: Sendable {
        private let jobs: [Planned]
        private let state = Mutex((next: 0, error: nil as (any Error)?))

        init(_ jobs: [Planned]) { self.jobs = jobs }

        func next() -> Planned? {
            state.withLock { state in
                guard state.error == nil, state.next < jobs.count else { return nil }
                state.next += 1
                return jobs[state.next - 1]
            }
        }

        /// Hands out no more jobs; the first error is kept.
        func stop(_ error: any Error) {
            state.withLock { $0.error = $0.error ?? error }
        }

        var error: (any Error)? { state.withLock { $0.error } }
    }

    /// A worker's prepared voice: jobs run grouped by reference, so only the current one is kept. A clip that
    /// cannot be prepared fails each of its jobs with the same message.
    private final class VoiceCache {
        private var current: (key: String, voice: Result<Voice, Error>)?

        func voice(for job: JobFile.ResolvedJob, prepare: () throws -> Voice) throws -> Voice {
            let key = BatchRunner.voiceKey(job)
            if let current, current.key == key { return try current.voice.get() }
            let prepared = Result { try prepare() }
            current = (key, prepared)
            return try prepared.get()
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func voiceKey(_ job: JobFile.ResolvedJob) -> String { job.referenceAudio + "\u{0}" + job.transcript }

    private func referenceDigest(_ path: String) throws -> String {
        if let known = referenceDigests[path] { return known }
        guard let digest = Digest.sha256(file: path) else { throw BatchError.cannotRead(file: path, reason: "the reference clip cannot be read") }
        referenceDigests[path] = digest
        return digest
    }
}
