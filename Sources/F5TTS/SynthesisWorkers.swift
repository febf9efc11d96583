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

    /// Runs `body(0)` on this thread and `body(1)` ... `body(count - 1)` each on a thread of its own, and returns
    /// when all have. Threads of their own, not Dispatch's: those few also run the regions' helpers and Swift
    /// concurrency's tasks, which must not wait for a synthesis to end.
    public static func sideBySide(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let others = (1..<max(1, count)).map { index in
            let finished = DispatchSemaphore(value: 0)
            Thread { body(index); finished.signal() }.start()
            return finished
        }
        if count > 0 { body(0) }
        for finished in others { finished.wait() }
    }
}
