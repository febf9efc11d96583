import F5Compute
import F5TTS
import Foundation
import Synchronization

/// Syntheses side by side, as `serve --workers` and `batch --workers` run them: `workers` syntheses of the
/// same text started together on one synthesizer, sharing its weights and splitting the cores.
public struct WorkerThroughput: Codable, Sendable {
    public var backend: String
    public var workers: Int
    /// Audio made by all of them.
    public var audioSeconds: Double
    /// From the start of the first to the end of the last.
    public var wallSeconds: Double
    /// CPU time the process spent meanwhile: unlike the wall time, not stretched by other processes on the
    /// cores, so side by side's own cost (shared caches, memory) shows in it on a busy machine too.
    public var cpuSeconds: Double

    public var audioPerWallSecond: Double { audioSeconds / wallSeconds }
    public var audioPerCPUSecond: Double { audioSeconds / cpuSeconds }

    /// 1, 2, ... `maximum` workers, each count measured once on `run`'s model, text and options.
    public static func measure(_ run: EndToEndRun, maximum: Int) throws -> [WorkerThroughput] {
        let synthesizer = try run.synthesizer(workers: maximum)
        let voice = try synthesizer.prepareVoice(audio: run.reference, name: "reference", transcript: run.referenceText)
        let (text, options) = (run.text, run.options)
        return try (1...maximum).map { workers in
            let audio = Audio()
            let clock = Stopwatch(), cpu = StepTrace.processCPU()
            SynthesisWorkers.sideBySide(workers) { _ in
                audio.add(Result { try synthesizer.generate(text: text, voice: voice, options: options) })
            }
            return WorkerThroughput(backend: run.backend.rawValue, workers: workers, audioSeconds: try audio.seconds(),
                                    wallSeconds: clock.elapsed, cpuSeconds: Double(StepTrace.processCPU() - cpu) * 1e-9)
        }
    }

    /// The seconds of audio of syntheses that finish on threads of their own.
    private final class Audio: Sendable {
        private let results = Mutex<[Result<Double, any Error>]>([])

        func add(_ result: Result<SynthesisResult, any Error>) {
            let seconds = result.map { Double($0.audio.count) / Double($0.sampleRate) }
            results.withLock { $0.append(seconds) }
        }

        func seconds() throws -> Double { try results.withLock { try $0.reduce(0) { $0 + (try $1.get()) } } }
    }

    /// Throughput of `workers` syntheses side by side on `cores` cores, relative to one synthesis on all of
    /// them, from a traced step's projection: `workers` × step(cores) / step(cores / workers). Nil where the
    /// projection has no such thread count.
    public static func projected(_ trace: StepAnalysis, cores: Int, workers: Int) -> Double? {
        guard cores % workers == 0, let whole = trace.projected(threads: cores), let share = trace.projected(threads: cores / workers) else {
            return nil
        }
        return Double(workers) * whole / share
    }
}
