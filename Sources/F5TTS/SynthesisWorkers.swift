import Foundation

/// How many syntheses a server or a batch runs side by side by default. One synthesis keeps its cores
/// busy up to `coresPerSynthesis` threads: the step's trace projects 15.4x on 16 threads (96 %) for the
/// default direct path, and less past that (20.2x on 24, whose 32 attention heads do not divide evenly;
/// 28.6x on 32). Side by side also shares the caches: on 2 cores two syntheses made 0.90-1.07x the audio
/// of one. So a machine gets one worker per 16 cores; with more, a synthesis alone still takes every core
/// (`CoreSharing`).
public enum SynthesisWorkers {
    public static let coresPerSynthesis = 16

    /// The default for `cores` cores.
    public static func standard(cores: Int) -> Int { max(1, (cores + coresPerSynthesis - 1) / coresPerSynthesis) }
}
