import ArgumentParser
import F5Batch
import F5TTS
import Foundation

/// `f5tts batch`: a JSONL file of jobs, one shard per process (Slurm array task, Kubernetes Indexed Job
/// pod, or `--shard I/N`), rerunnable at will; and `--summary` over every shard's records.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch", abstract: "Synthesise a JSONL file of jobs, sharded over Slurm array tasks or Kubernetes Indexed Job pods.",
        discussion: """
            One job per line: {"id": "...", "text": "...", "voice": "NAME"} (a voice in --voices-dir) or "ref_audio" + "ref_text" \
            (a clip relative to the job file, and its transcript), optionally "output" (relative to --out; default ID.FORMAT), \
            "seed" (default: derived from the id, so any sharding gives the same audio), and any synthesis setting by F5-TTS's \
            name (\(SynthesisSetting.all.filter { $0.name != "seed" }.map(\.name).joined(separator: ", "))), checked as the flags are.

            The shard is --shard I/N, else SLURM_ARRAY_TASK_ID/_MIN/_STEP/_COUNT, else JOB_COMPLETION_INDEX with --shards N \
            (or F5TTS_SHARDS); a job's shard depends only on its id. Each job leaves OUT/.f5tts-batch/records/ID.json; a rerun \
            skips jobs whose output and record match, redoes changed ones, and retries failures with --retry-failed.

            Exit status: 0 all of the shard's jobs ok; 2 some failed (see --summary); 65 the job file or shard is invalid \
            (nothing was synthesised: do not retry); 1 anything else (model, disk: worth retrying).
            """)

    @Argument(help: "The JSONL job file.") var jobs: String?
    @Option(help: "Output folder (created if missing).") var out: String?
    @Option(name: .customLong("voices-dir"), help: "Folder of stored voices (NAME.wav + NAME.txt; default: $XDG_DATA_HOME/f5tts/voices).")
    var voicesDir: String?
    @Option(help: "Stored voice of the jobs that give neither \"voice\" nor \"ref_audio\".") var voice: String?
    @Option(help: "This process's shard, I/N with a 0-based I (default: from Slurm's or Kubernetes' variables, else all jobs).")
    var shard: String?
    @Option(help: "The shard count beside JOB_COMPLETION_INDEX (default: $F5TTS_SHARDS).") var shards: Int?
    @Option(help: "wav, flac, mp3 or opus, for outputs without an extension of their own.") var format: AudioFormat = .wav
    @Option(name: .customLong("sample-format"), help: "pcm16 or float32 (wav only).") var sampleFormat: SampleFormat = .pcm16
    @Flag(name: .customLong("retry-failed"), help: "Run again the jobs whose record says failed.") var retryFailed = false
    @Flag(name: .customLong("dry-run"), help: "Check every line and list this shard's jobs with their state; synthesise nothing.")
    var dryRun = false
    @Option(help: "Merge the records of this output folder (every shard's) and stop.") var summary: String?
    @Flag(help: "With --summary or --dry-run: JSON on standard output.") var json = false
    @Flag(help: "No progress lines.") var quiet = false

    @OptionGroup var model: ModelOptions
    @OptionGroup var synthesis: SynthesisArguments
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var workerOptions: WorkerOptions

    func validate() throws {
        if summary != nil {
            if jobs != nil || out != nil { throw ValidationError("--summary DIR stands alone: leave out the job file and --out") }
            return
        }
        guard jobs != nil else { throw ValidationError("give the JSONL job file (or --summary DIR)") }
        guard out != nil else { throw ValidationError("give the output folder with --out DIR") }
        guard JobFile.formats.contains(format) else { throw ValidationError("--format must be wav, flac, mp3 or opus, got \(format.rawValue)") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1, got \(shards)") }
    }

    func run() throws {
        do {
            if let summary { return try printSummary(summary) }
            try runShard()
        } catch let error as BatchError {
            switch error {
            case .invalidJobs, .invalidShard:
                Log.info("error: \(error.description)")
                throw ExitCode(65)
            default: throw error
            }
        }
    }

    private func runShard() throws {
        let (shard, source) = try ShardEnvironment.resolve(shard: shard, shards: shards)
        let out = self.out!, voices = VoiceLibrary(directory: voicesDir ?? VoiceLibrary.defaultDirectory)
        let file = try JobFile(path: jobs!, outputDirectory: out, voices: voices, defaultVoice: voice, format: format)
        let backend = dryRun ? nil : compute.prepare()
        let files = try ModelFiles.locate(model: try model.modelPath(), vocoder: model.vocoder, vocabulary: model.vocab,
                                          convention: model.convention)
        let settings = BatchRunner.Settings(
            outputDirectory: out, shard: shard, options: try synthesis.options(recommended: files.f5.manifest.inference),
            seedOverride: synthesis.givenSeed, sampleFormat: sampleFormat, retryFailed: retryFailed,
            model: ModelIdentity.of(files), backend: compute.pathDescription)
        let workers = workerOptions.resolved(compute), quiet = self.quiet
        let runner = BatchRunner(settings: settings, jobs: file.jobs,
                                 synthesizer: { try Synthesizer(files: files, backend: backend!, workers: workers) },
                                 report: { event in if !quiet { Self.log(event, shard: shard) } })
        if dryRun { return try printPlan(runner.plan(), shard: shard, source: source, total: file.jobs.count) }

        if !quiet { Log.info("f5tts batch: shard \(shard) from \(source), \(workers) worker(s)") }
        let outcome = try runner.run()
        if !quiet {
            Log.info("shard \(shard): \(outcome.jobs) job(s): \(outcome.ran) synthesised, \(outcome.skipped) already done, "
                     + "\(outcome.failed.count) failed\(outcome.failed.isEmpty ? "" : " (\(outcome.failed.prefix(10).joined(separator: ", ")))")")
        }
        if !outcome.failed.isEmpty { throw ExitCode(2) }
    }

    private static func log(_ event: BatchRunner.Event, shard: Shard) {
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        switch event {
        case let .planned(jobs, toRun): Log.info("\(jobs) job(s) in shard \(shard): \(toRun) to run, \(jobs - toRun) done or failed before")
        case let .loaded(seconds): Log.info("model loaded in \(f(seconds)) s")
        case let .skipped(id, .failed(message)): Log.info("skip \(id): failed before (--retry-failed runs it again): \(message)")
        case .skipped: break
        case let .busy(id): Log.info("\(id): another process holds its lock; waiting for it after the other jobs")
        case let .doneElsewhere(id): Log.info("\(id): done by another process")
        case let .finished(number, total, record, eta):
            let what = record.status == .ok
                ? "ok, \(f(record.audioSeconds)) s of audio in \(f(record.seconds)) s (RTF \(f(record.realTimeFactor, 3)))"
                : "FAILED: \(record.error ?? "")"
            Log.info("[\(number)/\(total)] \(record.id) \(what); ETA \(Int(eta.rounded())) s")
        }
    }

    private func printPlan(_ plan: [BatchRunner.Planned], shard: Shard, source: String, total: Int) throws {
        if json {
            struct Job: Encodable { let id: String, line: Int, output: String, reference: String, seed: UInt64, state: String, reason: String? }
            struct Plan: Encodable { let shard: String, source: String, file_jobs: Int, jobs: [Job] }
            let jobs = plan.map { p -> Job in
                var reason: String?
                if case let .pending(why) = p.state { reason = why }
                if case let .failed(why) = p.state { reason = why }
                return Job(id: p.job.id, line: p.job.job.line, output: p.job.output, reference: p.job.referenceLabel, seed: p.options.seed,
                           state: p.state.name, reason: reason)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            print(String(decoding: try encoder.encode(Plan(shard: shard.description, source: source, file_jobs: total, jobs: jobs)), as: UTF8.self))
            return
        }
        Log.info("shard \(shard) from \(source): \(plan.count) of the file's \(total) job(s); every line is valid")
        for p in plan {
            print([p.job.id, p.state.name, p.job.output, p.job.referenceLabel].joined(separator: "\t"))
        }
    }

    private func printSummary(_ folder: String) throws {
        let summary = try BatchSummary.collect(outputDirectory: folder)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
        if summary.failed > 0 || !summary.unreadable.isEmpty { throw ExitCode(2) }
    }
}
