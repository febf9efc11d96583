/// The fixed-grid ODE solvers of torchdiffeq that F5 inference uses.
public enum ODEMethod: String, Codable, CaseIterable, Sendable {
    /// One evaluation per step: y += dt * f(t, y).
    case euler
    /// Two evaluations per step: y += dt * f(t + dt/2, y + f(t, y) * dt/2).
    case midpoint
}

/// Settings of `FlowSampler.sample`; defaults are the reference inference defaults.
public struct SamplerOptions: Codable, Equatable, Sendable {
    /// Steps when neither the caller nor the bundle's manifest says: 8, what the published 4-bit
    /// distilled bundle is run with (the reference's own `nfe_step` default is 32, for undistilled models).
    public static let defaultSteps = 8

    /// ODE steps (NFE for Euler).
    public var steps: Int
    /// Classifier-free guidance strength; below 1e-5 the uncond branch is skipped. Default 2.
    public var cfg: Float
    /// Sway sampling coefficient, nil for none. Default -1.
    public var sway: Float?
    public var method: ODEMethod
    /// Use the EPSS time tables for the step counts that have one (5, 6, 7, 10, 12, 16). Default true.
    public var useEPSS: Bool

    public init(steps: Int = defaultSteps, cfg: Float = 2, sway: Float? = -1, method: ODEMethod = .euler, useEPSS: Bool = true) {
        self.steps = steps
        self.cfg = cfg
        self.sway = sway
        self.method = method
        self.useEPSS = useEPSS
    }
}

/// Where one sampling spent its time, in seconds.
public struct SamplerTimings: Codable, Equatable, Sendable {
    /// The text embeddings of both branches (cached before the steps).
    public var textEmbedding = 0.0
    /// The cond / text part of the input projection (cached before the steps).
    public var inputConditioning = 0.0
    /// Time embedding and every AdaLN modulation, for all steps at once.
    public var timeModulation = 0.0
    /// Wall time of each ODE step (all its function evaluations).
    public var stepSeconds: [Double] = []
    /// The whole of `FlowSampler.sample`.
    public var total = 0.0

    public init() {}
}

/// A sampled mel spectrogram.
public struct SamplerResult: Sendable {
    /// [frames, melDim] frame-major; the first condFrames rows are the reference mel.
    public var mel: [Float]
    public var frames: Int
    public var timings: SamplerTimings
}
