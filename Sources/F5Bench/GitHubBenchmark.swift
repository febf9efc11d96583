import Foundation

/// The report as github-action-benchmark's `customSmallerIsBetter` input: a JSON array of
/// `{name, unit, value, extra}`, every value one where smaller is better.
extension BenchmarkReport {
    public struct GitHubEntry: Codable, Equatable, Sendable {
        public var name: String
        public var unit: String
        public var value: Double
        public var extra: String
    }

    public var gitHubEntries: [GitHubEntry] {
        let context = "N = \(frames) frames, \(steps) steps; \(machine.summary)"
        var entries: [GitHubEntry] = []
        for r in results {
            let path = r.backend + (r.attention.map { " (\($0) attention)" } ?? "")
            entries.append(GitHubEntry(name: "\(r.backend) seconds per step", unit: "s", value: r.medianStepSeconds, extra: "\(path); \(context)"))
            entries.append(GitHubEntry(name: "\(r.backend) total seconds", unit: "s", value: r.stages.total, extra: "\(path); \(context)"))
            entries.append(GitHubEntry(name: "\(r.backend) real-time factor", unit: "x", value: r.stages.realTimeFactor,
                                       extra: "\(path); seconds of compute per second of audio; \(context)"))
            if let firstAudio = r.timeToFirstAudio {
                entries.append(GitHubEntry(name: "\(r.backend) time to first audio", unit: "s", value: firstAudio,
                                           extra: "\(path); streamed 4-chunk paragraph, short first chunk"))
            }
            entries.append(GitHubEntry(name: "\(r.backend) peak memory", unit: "MB", value: r.peakMemoryMB, extra: "\(path); maximum resident set"))
        }
        if let fidelity {
            // An SNR is larger-is-better: publish the relative RMS error it stands for, 10^(-SNR/20).
            func error(_ snr: Double) -> Double { pow(10, -snr / 20) }
            let about = "\(fidelity.path) against \(fidelity.reference), same model, text and noise"
            entries.append(GitHubEntry(name: "\(fidelity.path) vs \(fidelity.reference) mel error", unit: "relative RMS",
                                       value: error(fidelity.melSNR), extra: "\(about); mel SNR \(String(format: "%.1f", fidelity.melSNR)) dB"))
            entries.append(GitHubEntry(name: "\(fidelity.path) vs \(fidelity.reference) waveform error", unit: "relative RMS",
                                       value: error(fidelity.waveformSNR),
                                       extra: "\(about); waveform SNR \(String(format: "%.1f", fidelity.waveformSNR)) dB"))
        }
        return entries
    }

    public func gitHubBenchmarkJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(gitHubEntries)
    }
}
