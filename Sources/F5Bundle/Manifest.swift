import Foundation

public enum BundleFormat {
    public static let f5 = "f5tts-q4-bundle-v0"
    public static let vocos = "vocos-mel-24khz-q4-bundle-v0"
    public static let q4Scheme = "q4_symmetric_row_scale_f16"
}

/// The DiT architecture recorded in an F5 bundle manifest.
public struct F5Architecture: Codable, Equatable, Sendable {
    public var name: String
    public var dim: Int
    public var depth: Int
    public var heads: Int
    public var dimHead: Int
    public var ffMult: Int
    public var textDim: Int
    public var convLayers: Int
    public var melDim: Int
    public var sampleRate: Int
    /// Heads that get rotary position embedding; `nil` means every head (F5-TTS v1).
    public var peAttnHead: Int?
    /// Whether filler positions are zeroed inside the text encoder (F5-TTS v1).
    public var textMaskPadding: Bool

    /// F5TTS_Base as published (v0 conventions).
    public static let base = F5Architecture(
        name: "F5TTS CFM DiT", dim: 1024, depth: 22, heads: 16, dimHead: 64, ffMult: 2, textDim: 512,
        convLayers: 4, melDim: 100, sampleRate: 24000, peAttnHead: 1, textMaskPadding: false)

    public init(name: String, dim: Int, depth: Int, heads: Int, dimHead: Int, ffMult: Int, textDim: Int,
                convLayers: Int, melDim: Int, sampleRate: Int, peAttnHead: Int?, textMaskPadding: Bool) {
        self.name = name; self.dim = dim; self.depth = depth; self.heads = heads; self.dimHead = dimHead
        self.ffMult = ffMult; self.textDim = textDim; self.convLayers = convLayers; self.melDim = melDim
        self.sampleRate = sampleRate; self.peAttnHead = peAttnHead; self.textMaskPadding = textMaskPadding
    }

    /// Groups and kernel width of the two position convolutions (`ConvPositionEmbedding`: fixed by
    /// F5-TTS, not recorded in manifests).
    public static let positionConvGroups = 16
    public static let positionConvKernel = 31

    /// Number of heads that RoPE rotates.
    public var ropeHeads: Int { min(peAttnHead ?? heads, heads) }

    /// The convention these two fields spell, or nil for any other combination.
    public var convention: F5Convention? { F5Convention.allCases.first { $0.matches(self) } }

    /// The same architecture with the RoPE and text-mask fields of `convention`.
    public func with(_ convention: F5Convention) -> F5Architecture {
        var a = self
        a.peAttnHead = convention.peAttnHead
        a.textMaskPadding = convention.textMaskPadding
        return a
    }

    /// The first field this runtime cannot run, as (field, expected, found); nil when all are usable.
    public var invalidField: (field: String, expected: String, found: String)? {
        let positive: KeyValuePairs<String, Int> = ["dim": dim, "depth": depth, "heads": heads, "dim_head": dimHead,
                                                    "ff_mult": ffMult, "text_dim": textDim, "conv_layers": convLayers,
                                                    "mel_dim": melDim, "sample_rate": sampleRate]
        for (field, value) in positive where value <= 0 { return (field, "a positive integer", "\(value)") }
        let groups = Self.positionConvGroups
        if dim % groups != 0 { return ("dim", "a multiple of \(groups) (grouped position convolutions)", "\(dim)") }
        if dimHead % 2 != 0 { return ("dim_head", "an even size (RoPE pairs)", "\(dimHead)") }
        if textDim % 2 != 0 { return ("text_dim", "an even size (sin / cos table)", "\(textDim)") }
        if let peAttnHead, peAttnHead < 0 { return ("pe_attn_head", "null or a non-negative count", "\(peAttnHead)") }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case name, dim, depth, heads
        case dimHead = "dim_head", ffMult = "ff_mult", textDim = "text_dim", convLayers = "conv_layers"
        case melDim = "mel_dim", sampleRate = "sample_rate", peAttnHead = "pe_attn_head"
        case textMaskPadding = "text_mask_padding"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "F5TTS CFM DiT"
        dim = try c.decode(Int.self, forKey: .dim)
        depth = try c.decode(Int.self, forKey: .depth)
        heads = try c.decode(Int.self, forKey: .heads)
        dimHead = try c.decodeIfPresent(Int.self, forKey: .dimHead) ?? 64
        ffMult = try c.decode(Int.self, forKey: .ffMult)
        textDim = try c.decode(Int.self, forKey: .textDim)
        convLayers = try c.decode(Int.self, forKey: .convLayers)
        melDim = try c.decode(Int.self, forKey: .melDim)
        sampleRate = try c.decode(Int.self, forKey: .sampleRate)
        // Absent means the published v0 export (head 0 only); an explicit null means all heads.
        if c.contains(.peAttnHead) {
            peAttnHead = try c.decodeNil(forKey: .peAttnHead) ? nil : try c.decode(Int.self, forKey: .peAttnHead)
        } else {
            peAttnHead = 1
        }
        textMaskPadding = try c.decodeIfPresent(Bool.self, forKey: .textMaskPadding) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(dim, forKey: .dim); try c.encode(depth, forKey: .depth)
        try c.encode(heads, forKey: .heads); try c.encode(dimHead, forKey: .dimHead); try c.encode(ffMult, forKey: .ffMult)
        try c.encode(textDim, forKey: .textDim); try c.encode(convLayers, forKey: .convLayers)
        try c.encode(melDim, forKey: .melDim); try c.encode(sampleRate, forKey: .sampleRate)
        if let peAttnHead { try c.encode(peAttnHead, forKey: .peAttnHead) } else { try c.encodeNil(forKey: .peAttnHead) }
        try c.encode(textMaskPadding, forKey: .textMaskPadding)
    }
}

/// The two F5-TTS conventions a DiT may have been trained with.
public enum F5Convention: String, Codable, CaseIterable, Sendable {
    /// F5TTS_Base (v0): RoPE on head 0 only, filler text positions not masked.
    case v0
    /// F5TTS_v1_Base: RoPE on every head, filler positions zeroed inside the text encoder.
    case v1

    /// `pe_attn_head` of this convention (nil: every head).
    public var peAttnHead: Int? { self == .v0 ? 1 : nil }
    public var textMaskPadding: Bool { self == .v1 }

    func matches(_ a: F5Architecture) -> Bool { a.peAttnHead == peAttnHead && a.textMaskPadding == textMaskPadding }
}

/// The Vocos architecture recorded in a vocoder bundle manifest.
public struct VocosArchitecture: Codable, Equatable, Sendable {
    public var inputChannels: Int
    public var dim: Int
    public var intermediateDim: Int
    public var numLayers: Int
    public var nFFT: Int
    public var hopLength: Int
    public var padding: String
    public var sampleRate: Int

    /// charactr/vocos-mel-24khz.
    public static let mel24kHz = VocosArchitecture(
        inputChannels: 100, dim: 512, intermediateDim: 1536, numLayers: 8, nFFT: 1024, hopLength: 256,
        padding: "center", sampleRate: 24000)

    public init(inputChannels: Int, dim: Int, intermediateDim: Int, numLayers: Int, nFFT: Int, hopLength: Int,
                padding: String, sampleRate: Int) {
        self.inputChannels = inputChannels; self.dim = dim; self.intermediateDim = intermediateDim
        self.numLayers = numLayers; self.nFFT = nFFT; self.hopLength = hopLength; self.padding = padding
        self.sampleRate = sampleRate
    }

    enum CodingKeys: String, CodingKey {
        case inputChannels = "input_channels", dim, intermediateDim = "intermediate_dim", numLayers = "num_layers"
        case nFFT = "n_fft", hopLength = "hop_length", padding, sampleRate = "sample_rate"
    }
}

/// Names of the tensor files and their indexes, relative to the manifest's folder.
public struct BundleFiles: Codable, Equatable, Sendable {
    public var dense: String
    public var denseIndex: String
    /// Absent in dense-only (fp16/fp32) bundles.
    public var q4: String?
    public var q4Index: String?
    /// The seed runtime's optional split of the Q4 file (`files.q4_chunks`): not read here.
    public var hasQ4Chunks = false

    enum CodingKeys: String, CodingKey { case dense, denseIndex = "dense_index", q4, q4Index = "q4_index", index, tensors, q4Chunks = "q4_chunks" }

    public init(dense: String, denseIndex: String, q4: String?, q4Index: String?) {
        self.dense = dense; self.denseIndex = denseIndex; self.q4 = q4; self.q4Index = q4Index
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        q4 = try c.decodeIfPresent(String.self, forKey: .q4)
        q4Index = try c.decodeIfPresent(String.self, forKey: .q4Index)
        hasQ4Chunks = c.contains(.q4Chunks)
        if q4 == nil, c.contains(.index) {
            // Dense-only variant: {"index": ..., "tensors": ...}.
            denseIndex = try c.decode(String.self, forKey: .index)
            dense = try c.decode(String.self, forKey: .tensors)
        } else {
            dense = try c.decode(String.self, forKey: .dense)
            denseIndex = try c.decode(String.self, forKey: .denseIndex)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dense, forKey: .dense); try c.encode(denseIndex, forKey: .denseIndex)
        try c.encodeIfPresent(q4, forKey: .q4); try c.encodeIfPresent(q4Index, forKey: .q4Index)
    }
}

/// The fields of `manifest.json` the runtime reads; unknown fields are ignored.
public struct BundleManifest: Decodable, Sendable {
    public var format: String
    public var modelID: String?
    public var files: BundleFiles
    public var f5Architecture: F5Architecture?
    public var vocosArchitecture: VocosArchitecture?
    /// Recommended sampling settings, when a release records them.
    public var inference: InferenceSettings?
    /// Whether the architecture spells out `pe_attn_head` or `text_mask_padding`; the published v0
    /// export has neither, and then v0 is assumed.
    public var conventionRecorded = false

    enum CodingKeys: String, CodingKey { case format, modelID = "model_id", files, architecture, inference }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        modelID = try c.decodeIfPresent(String.self, forKey: .modelID)
        files = try c.decode(BundleFiles.self, forKey: .files)
        inference = try c.decodeIfPresent(InferenceSettings.self, forKey: .inference)
        switch format {
        case BundleFormat.f5:
            f5Architecture = try c.decode(F5Architecture.self, forKey: .architecture)
            let fields = try c.nestedContainer(keyedBy: F5Architecture.CodingKeys.self, forKey: .architecture)
            conventionRecorded = fields.contains(.peAttnHead) || fields.contains(.textMaskPadding)
        case BundleFormat.vocos: vocosArchitecture = try c.decode(VocosArchitecture.self, forKey: .architecture)
        default: break
        }
    }
}

/// Optional sampling defaults a manifest may carry.
public struct InferenceSettings: Codable, Equatable, Sendable {
    public var nfeSteps: Int?
    public var cfgStrength: Double?
    public var swaySamplingCoef: Double?
    public var speed: Double?
    enum CodingKeys: String, CodingKey {
        case nfeSteps = "nfe_steps", cfgStrength = "cfg_strength", swaySamplingCoef = "sway_sampling_coef", speed
    }
}

/// One entry of `tensor_q4_index.json`.
public struct Q4IndexEntry: Codable, Equatable, Sendable {
    public var dtype: String
    public var shape: [Int]
    public var offset: Int
    public var nbytes: Int
    public var scaleOffset: Int
    public var scaleNbytes: Int
    public var rowCount: Int
    public var valuesPerByte: Int?
    enum CodingKeys: String, CodingKey {
        case dtype, shape, offset, nbytes, scaleOffset = "scale_offset", scaleNbytes = "scale_nbytes"
        case rowCount = "row_count", valuesPerByte = "values_per_byte"
    }
}

/// One entry of `tensor_fp16_index.json`.
public struct DenseIndexEntry: Codable, Equatable, Sendable {
    public var dtype: String
    public var shape: [Int]
    public var offset: Int
    public var nbytes: Int
}
