import F5Audio
import F5Bundle
import F5Compute
import F5TTS
import Foundation

/// Signal-to-noise ratio of `x` against `reference` in dB: the reference's energy over the energy of the
/// difference (infinite when they are equal). Compared over the shorter of the two.
public func signalToNoise(_ x: [Float], reference: [Float]) -> Double {
    var signal = 0.0, noise = 0.0
    for (a, b) in zip(x, reference) {
        signal += Double(b) * Double(b)
        noise += (Double(a) - Double(b)) * (Double(a) - Double(b))
    }
    return noise == 0 ? .infinity : 10 * log10(signal / noise)
}

/// What a run leaves for comparing paths: its audio, its mel and one forward's stages, as .npy files in
/// one folder (written by each benchmark child, compared by the parent).
public struct PathOutputs {
    public var audio: [Float]
    public var mel: [Float]
    public var probe: ForwardProbe

    public init(audio: [Float], mel: [Float], probe: ForwardProbe) {
        self.audio = audio; self.mel = mel; self.probe = probe
    }

    public func save(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func write(_ name: String, _ values: [Float]) throws {
            try NumpyFile.write(path: (folder as NSString).appendingPathComponent(name + ".npy"), shape: [values.count], values: values)
        }
        try write("audio", audio)
        try write("mel", mel)
        for (stage, values) in probe.values { try write(stage.rawValue, values) }
    }

    public static func load(from folder: String) throws -> PathOutputs {
        func read(_ name: String) throws -> [Float] {
            try NumpyFile.read(path: (folder as NSString).appendingPathComponent(name + ".npy")).values
        }
        var values: [ForwardProbe.Stage: [Float]] = [:]
        for stage in ForwardProbe.Stage.allCases { values[stage] = try read(stage.rawValue) }
        return PathOutputs(audio: try read("audio"), mel: try read("mel"), probe: ForwardProbe(values: values))
    }
}

/// How far one path's output is from another's on the same model, text and noise.
public struct PathFidelity: Codable, Sendable {
    public struct StageSNR: Codable, Sendable {
        public var stage: String
        public var snr: Double
    }

    /// The path measured and the one it is measured against (e.g. direct against dequant).
    public var path: String
    public var reference: String
    public var melSNR: Double
    public var waveformSNR: Double
    /// One forward at the first sampling time, stage by stage (`ForwardProbe.Stage` order).
    public var stages: [StageSNR]

    public init(path: String, _ outputs: PathOutputs, reference: String, _ referenceOutputs: PathOutputs) {
        self.path = path
        self.reference = reference
        melSNR = signalToNoise(outputs.mel, reference: referenceOutputs.mel)
        waveformSNR = signalToNoise(outputs.audio, reference: referenceOutputs.audio)
        stages = ForwardProbe.Stage.allCases.map { stage in
            StageSNR(stage: stage.rawValue, snr: signalToNoise(outputs.probe.values[stage] ?? [], reference: referenceOutputs.probe.values[stage] ?? []))
        }
    }
}
