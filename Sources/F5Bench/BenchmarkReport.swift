import F5Audio
import F5Bundle
import F5Compute
import F5TTS
import Foundation

/// One backend measured end to end.
public struct BackendResult: Codable, Sendable {
    public var backend: String
    public var repeats: Int
    /// The median run's timings (per-step seconds, audio length and real-time factor included).
    public var stages: SynthesisTimings
    public var medianStepSeconds: Double
    /// DiT FLOPs per step (CFG batch of 2) over the median step time.
    public var ditGFLOPS: Double
    public var fractionOfFP32Peak: Double
    /// Of the measured dot-product peak of the direct path's activation width (int16 or int8).
    public var fractionOfDotProductPeak: Double?
    /// Seconds to the first audio of a streamed 4-chunk paragraph (short first chunk, as the server streams).
    public var timeToFirstAudio: Double?
    /// Maximum resident set of the process that ran it (before the fidelity probe).
    public var peakMemoryMB: Double
    /// The attention arithmetic it ran (`AttentionKind`); absent in reports from before it was chosen.
    public var attention: String?
}

/// One row of a thread-scaling table: a path's median step time with `threads` threads.
public struct ThreadScaling: Codable, Sendable {
    public var backend: String
    public var threads: Int
    public var secondsPerStep: Double

    public init(backend: String, threads: Int, secondsPerStep: Double) {
        self.backend = backend; self.threads = threads; self.secondsPerStep = secondsPerStep
    }

    /// 1, 2, 4, ... and `cores` itself: the thread counts a scaling table measures.
    public static func threadCounts(cores: Int) -> [Int] {
        Array(sequence(first: 1) { $0 * 2 <= cores ? $0 * 2 : nil }) + (cores & (cores - 1) == 0 ? [] : [cores])
    }
}

/// The published benchmark: both backends on one model, the machine, and their ratio.
public struct BenchmarkReport: Codable, Sendable {
    public var date: String
    public var machine: ComputeEnvironment
    public var peaks: MachinePeaks
    public var model: String
    public var frames: Int
    public var steps: Int
    public var cfgStrength: Double
    public var workload: DiTWorkload
    public var results: [BackendResult]
    /// Seconds per step of the reference PyTorch pipeline, when measured in the same run.
    public var referenceStepSeconds: Double?
    /// The direct path's output against the dequant path's, when both ran.
    public var fidelity: PathFidelity?
    /// Seconds per step of one path at 1, 2, 4, ... threads up to all cores (`bench --scaling`).
    public var scaling: [ThreadScaling]?
    /// One traced step of the last backend (`bench --trace`).
    public var trace: StepAnalysis?
    /// The last backend with 1, 2, ... syntheses side by side (`bench --workers`).
    public var workers: [WorkerThroughput]?

    public init(date: String, machine: ComputeEnvironment, peaks: MachinePeaks, model: String, frames: Int, steps: Int,
                cfgStrength: Double, workload: DiTWorkload, results: [BackendResult], referenceStepSeconds: Double?) {
        self.date = date; self.machine = machine; self.peaks = peaks; self.model = model; self.frames = frames
        self.steps = steps; self.cfgStrength = cfgStrength; self.workload = workload; self.results = results
        self.referenceStepSeconds = referenceStepSeconds
    }

    public func result(_ backend: String) -> BackendResult? { results.first { $0.backend == backend } }
    public var directOverDequant: Double? {
        guard let d = result("direct"), let q = result("dequant") else { return nil }
        return d.stages.total / q.stages.total
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public func markdown(chartFile: String? = nil) -> String {
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        var md = "# f5tts benchmark\n\n"
        md += "- machine: \(machine.summary)\n"
        md += "- measured peaks (\(peaks.threads) threads): fp32 \(f(peaks.fp32GFLOPS, 0)) GFLOP/s, int8 \(f(peaks.int8GOPS, 0)) GOP/s, "
            + "int16 \(peaks.int16GOPS.map { f($0, 0) } ?? "-") GOP/s (the GEMMs' dot-product steps)\n"
        md += "- model: \(model); N = \(frames) frames, \(steps) steps, CFG \(f(cfgStrength, 1)) (batch of 2), "
        md += "\(f(workload.total * 2 / 1e12, 3)) TFLOP per step (attention \(f(100 * workload.attentionFLOPs / workload.total, 0)) %)\n"
        md += "- date: \(date)\n\n"
        md += "| backend | attention | total s | load | text | reference | sampling | vocoder | s/step | RTF | first audio s | DiT GFLOP/s | of fp32 peak | of dot-product peak | peak MB |\n"
        md += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for r in results {
            let s = r.stages
            md += "| \(r.backend) | \(r.attention ?? "-") | \(f(s.total)) | \(f(s.load)) | \(f(s.text, 3)) | \(f(s.reference, 3)) | \(f(s.sampling)) | \(f(s.vocoder, 3)) "
            md += "| \(f(r.medianStepSeconds, 3)) | \(f(r.stages.realTimeFactor)) | \(r.timeToFirstAudio.map { f($0) } ?? "-") | \(f(r.ditGFLOPS, 0)) | \(f(100 * r.fractionOfFP32Peak, 0)) % "
            md += "| \(r.fractionOfDotProductPeak.map { f(100 * $0, 0) + " %" } ?? "-") | \(f(r.peakMemoryMB, 0)) |\n"
        }
        md += "\n"
        if let ratio = directOverDequant { md += "- direct / dequant total time: **\(f(ratio))x**\n" }
        if let reference = referenceStepSeconds {
            for r in results { md += "- \(r.backend) / PyTorch reference per step: **\(f(r.medianStepSeconds / reference))x** (reference \(f(reference)) s/step, same run)\n" }
        } else {
            md += "- PyTorch reference: not measured in this run (see bench/reference/README.md)\n"
        }
        if let fidelity {
            md += "\n## Fidelity: \(fidelity.path) against \(fidelity.reference), same model, text and noise\n\n"
            md += "SNR in dB (higher is closer; PyTorch's own fp16 inference, against its fp32, reaches 45.7-52.8 dB mel on this project's trained fixture and ~34 dB waveform / ~37.5 dB mel on a larger trained F5).\n\n"
            md += "| output | SNR dB |\n|---|---|\n"
            md += "| mel (whole synthesis) | \(f(fidelity.melSNR, 1)) |\n| waveform (whole synthesis) | \(f(fidelity.waveformSNR, 1)) |\n"
            for stage in fidelity.stages { md += "| one forward: \(stage.stage) | \(f(stage.snr, 1)) |\n" }
        }
        if let scaling, let first = scaling.first {
            md += "\n## Thread scaling (\(first.backend), N = \(frames), \(steps) steps)\n\n"
            md += "| threads | s/step | speed-up over 1 thread | efficiency |\n|---|---|---|---|\n"
            for row in scaling {
                let speedup = first.secondsPerStep / row.secondsPerStep
                md += "| \(row.threads) | \(f(row.secondsPerStep, 3)) | \(f(speedup))x | \(f(100 * speedup / Double(row.threads), 0)) % |\n"
            }
        }
        if let trace {
            // Every step time of the traced path measured in this run: its own run and the scaling rows.
            let own = results.last.map { [(threads: machine.computeThreads, seconds: $0.medianStepSeconds)] } ?? []
            let scaled = (scaling ?? []).filter { $0.backend == trace.backend }.map { (threads: $0.threads, seconds: $0.secondsPerStep) }
            md += "\n" + trace.markdown(measured: scaled.isEmpty ? own : scaled)
        }
        if let workers, let one = workers.first {
            md += "\n## Syntheses side by side (\(one.backend), \(machine.computeThreads) threads, N = \(frames), \(steps) steps)\n\n"
            md += "| workers | audio s | wall s | audio s per wall s | over 1 worker | CPU s | audio s per CPU s | over 1 worker |\n"
            md += "|---|---|---|---|---|---|---|---|\n"
            for row in workers {
                md += "| \(row.workers) | \(f(row.audioSeconds)) | \(f(row.wallSeconds)) | \(f(row.audioPerWallSecond, 3)) "
                    + "| \(f(row.audioPerWallSecond / one.audioPerWallSecond))x | \(f(row.cpuSeconds)) | \(f(row.audioPerCPUSecond, 3)) "
                    + "| \(f(row.audioPerCPUSecond / one.audioPerCPUSecond))x |\n"
            }
            if let trace {
                let counts = [1, 2, 4, 8, 16].filter { WorkerThroughput.projected(trace, cores: 16, workers: $0) != nil }
                md += "\nProjected on 16 cores from the traced step, throughput over 1 worker: "
                md += counts.map { "\($0) worker(s) \(f(WorkerThroughput.projected(trace, cores: 16, workers: $0)!))x" }.joined(separator: ", ") + "\n"
            }
        }
        if let chartFile { md += "\n![where the time goes](\(chartFile))\n" }
        return md
    }

    /// Horizontal stacked bars of the stage times, one bar per backend.
    public func svg() -> String {
        let colors = ["#8da0cb", "#66c2a5", "#fc8d62", "#e78ac3", "#a6d854"]
        let width = 760.0, left = 90.0, barHeight = 34.0, top = 40.0
        let longest = max(results.map(\.stages.total).max() ?? 1, 1e-9)
        let scale = (width - left - 80) / longest  // room for the total after the longest bar
        let height = top + Double(results.count) * (barHeight + 16) + 60
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<text x=\"10\" y=\"22\" font-size=\"15\">Where the time goes (s), N = \(frames), \(steps) steps</text>\n"
        for (row, r) in results.enumerated() {
            let y = top + Double(row) * (barHeight + 16)
            svg += "<text x=\"10\" y=\"\(y + barHeight / 2 + 4)\">\(r.backend)</text>\n"
            var x = left
            for (i, value) in r.stages.stages.enumerated() {
                let w = value * scale
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(max(w, 0))\" height=\"\(barHeight)\" fill=\"\(colors[i])\"><title>\(SynthesisTimings.stageNames[i]) \(String(format: "%.3f", value)) s</title></rect>\n"
                x += w
            }
            svg += "<text x=\"\(x + 6)\" y=\"\(y + barHeight / 2 + 4)\">\(String(format: "%.2f s", r.stages.total))</text>\n"
        }
        let legendY = height - 24
        for (i, name) in SynthesisTimings.stageNames.enumerated() {
            let x = left + Double(i) * 120
            svg += "<rect x=\"\(x)\" y=\"\(legendY - 10)\" width=\"12\" height=\"12\" fill=\"\(colors[i])\"/><text x=\"\(x + 16)\" y=\"\(legendY)\">\(name)</text>\n"
        }
        return svg + "</svg>\n"
    }
}
