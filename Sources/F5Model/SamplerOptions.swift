/// The fixed-grid ODE solvers of torchdiffeq that F5 inference uses.
public enum ODEMethod: String, Codable, CaseIterable, Sendable {
    /// One evaluation per step: y += dt * f(t, y).
    case euler
    /// Two evaluations per step: y += dt * f(t + dt/2, y + f(t, y) * dt/2).
    case midpoint
}

/// Settings of `FlowSampler.sample`; defaults are the reference inference defaults.
public struct SamplerOptions: Codable, Equatable, Sendable {
    /// ODE steps (NFE for Euler). Default 32.
    public var steps: Int
    /// Classifier-free guidance strength; below 1e-5 the uncond branch is skipped. Default 2.
    public var cfg: Float
    /// Sway sampling coefficient, nil for none. Default -1.
    public var sway: Float?
    public var method: ODEMethod
    /// Use the EPSS time tables for the step counts that have one (5, 6, 7, 10, 12, 16). Default true.
    public var useEPSS: Bool

    public init(steps: Int = 32, cfg: Float = 2, sway: Float? = -1, method: ODEMethod = .euler, useEPSS: Bool = true) {
        self.steps = steps
        self.cfg = cfg
        self.sway = sway
        self.method = method
        self.useEPSS = useEPSS
    }
}

/// Where a synthesis spent its time.
public struct SamplerTimings: Codable, Equatable, Sendable {
    /// Text embeddings, input conditioning, time / AdaLN modulations.
    public var preparation = PreparationTimings()
    /// Wall time of each ODE step (all its function evaluations).
    public var stepSeconds: [Double] = []
    public var totalSeconds: Double = 0
    public var meanStepSeconds: Double { stepSeconds.isEmpty ? 0 : stepSeconds.reduce(0, +) / Double(stepSeconds.count) }
}

/// A sampled mel spectrogram.
public struct SamplerResult: Sendable {
    /// [frames, melDim] frame-major; the first condFrames rows are the reference mel.
    public var mel: [Float]
    public var frames: Int
    public var timings: SamplerTimings
}
