import F5Audio
import F5Bundle
import F5Compute
import F5TTS

/// Compares machine-independent ratios of two reports (never absolute times: these machines are noisy).
public enum RatioCheck {
    public static func regressions(current: BenchmarkReport, baseline: BenchmarkReport, tolerance: Double) -> [String] {
        var found: [String] = []
        if let now = current.directOverDequant, let before = baseline.directOverDequant, now > before * (1 + tolerance) {
            found.append(String(format: "direct/dequant time %.2f, baseline %.2f", now, before))
        }
        for result in current.results {
            guard let old = baseline.result(result.backend) else { continue }
            if result.fractionOfFP32Peak < old.fractionOfFP32Peak * (1 - tolerance) {
                found.append("\(result.backend) DiT throughput " + String(format: "%.0f %% of fp32 peak, baseline %.0f %%",
                                                                          100 * result.fractionOfFP32Peak, 100 * old.fractionOfFP32Peak))
            }
        }
        return found
    }
}
