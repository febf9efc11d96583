import Dispatch
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Synchronization

/// Records one sampling step: every parallel region (`ComputeThreads.parallelFor`) with the time of each of
/// its tasks and the worker that ran it, named by the model stage it belongs to. Armed for one step index
/// (`arm(step:)`); the sampler marks its steps, and the first step with that index after arming is
/// recorded. Off, it costs one lock per region.
public enum StepTrace {
    /// One task of a region: which worker ran it, when (nanoseconds, monotonic) and for how long it had the CPU
    /// (the thread's CPU time: on a machine shared with other work, a task that was preempted is not longer).
    public struct TaskSpan: Codable, Sendable {
        public var worker: Int32
        public var start: UInt64
        public var end: UInt64
        public var cpu: UInt64
    }

    public struct Region: Codable, Sendable {
        /// The model stage (e.g. `transformer_blocks.3`) and the operation (e.g. `attn.to_q`).
        public var stage: String
        public var name: String
        /// From the caller's fork to its join.
        public var start: UInt64
        public var end: UInt64
        public var workers: Int
        /// Memory the region streams when bandwidth-bound (0: its operands stay in cache).
        public var bytes: Int
        /// Indexed by task.
        public var tasks: [TaskSpan]
    }

    /// One recorded step.
    public struct Step: Codable, Sendable {
        public var index: Int
        public var threads: Int
        public var start: UInt64
        public var end: UInt64
        public var regions: [Region]
    }

    final class Recorder: Sendable {
        private struct State {
            var stage = ""
            var regions: [Region] = []
        }
        let index: Int
        let start: UInt64
        private let state = Mutex(State())

        init(index: Int) {
            self.index = index
            start = StepTrace.now()
        }

        func setStage(_ stage: String) { state.withLock { $0.stage = stage } }

        /// A region being run: its tasks write their own spans.
        /// Each task writes only its own slot of `spans`; the region's body (ComputeThreads) carries it to the workers.
        final class Open {
            let name: String
            let workers: Int
            let bytes: Int
            let start = StepTrace.now()
            let spans: UnsafeMutableBufferPointer<TaskSpan>

            init(name: String, tasks: Int, workers: Int, bytes: Int) {
                self.name = name
                self.workers = workers
                self.bytes = bytes
                spans = .allocate(capacity: tasks)
            }

            deinit { spans.deallocate() }

            func run(_ worker: Int, _ task: Int, _ body: (Int) -> Void) {
                let begin = StepTrace.now(), cpu = StepTrace.threadCPU()
                body(task)
                spans[task] = TaskSpan(worker: Int32(worker), start: begin, end: StepTrace.now(), cpu: StepTrace.threadCPU() - cpu)
            }
        }

        func close(_ region: Open) {
            let end = StepTrace.now()
            state.withLock {
                $0.regions.append(Region(stage: $0.stage, name: region.name, start: region.start, end: end, workers: region.workers,
                                         bytes: region.bytes, tasks: Array(region.spans)))
            }
        }

        func finish(threads: Int) -> Step {
            state.withLock { Step(index: index, threads: threads, start: start, end: StepTrace.now(), regions: $0.regions) }
        }
    }

    private enum Phase {
        case off
        case armed(step: Int)
        case recording(Recorder)
        case done(Step)
    }

    private static let phase = Mutex(Phase.off)

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// CPU nanoseconds of the calling thread.
    static func threadCPU() -> UInt64 { cpu(CLOCK_THREAD_CPUTIME_ID) }

    /// CPU nanoseconds of the whole process: work that other processes on the cores do not count in.
    public static func processCPU() -> UInt64 { cpu(CLOCK_PROCESS_CPUTIME_ID) }

    private static func cpu(_ clock: clockid_t) -> UInt64 {
        var t = timespec()
        clock_gettime(clock, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// The recorder while a step is being recorded.
    static var recorder: Recorder? {
        phase.withLock {
            if case let .recording(recorder) = $0 { return recorder }
            return nil
        }
    }

    /// Records the next step with this index (0-based) that any sampler runs in this process.
    public static func arm(step: Int) { phase.withLock { $0 = .armed(step: step) } }

    /// The recorded step, once there is one (and no more recording).
    public static func take() -> Step? {
        phase.withLock {
            guard case let .done(step) = $0 else { return nil }
            $0 = .off
            return step
        }
    }

    /// Called by samplers before each step.
    public static func stepBegins(_ index: Int) {
        phase.withLock {
            if case let .armed(step) = $0, step == index { $0 = .recording(Recorder(index: index)) }
        }
    }

    /// Called by samplers after each step.
    public static func stepEnds(_ index: Int) {
        phase.withLock {
            if case let .recording(recorder) = $0, recorder.index == index {
                $0 = .done(recorder.finish(threads: ComputeThreads.count))
            }
        }
    }

    /// Names the model stage of the regions that follow (evaluated only while recording).
    public static func stage(_ name: @autoclosure () -> String) {
        recorder?.setStage(name())
    }
}
