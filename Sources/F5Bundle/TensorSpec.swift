/// One tensor a model needs, in module registration order.
public struct TensorSpec: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    /// Whether the published exporter stores it as Q4 (else fp16 dense).
    public let quantized: Bool
    /// Buffers the runtime does not read (kept so exports stay complete).
    public let required: Bool

    init(_ name: String, _ shape: [Int], required: Bool = true) {
        self.name = name
        self.shape = shape
        self.quantized = QuantizationRule.published.quantizes(name: name, rank: shape.count)
        self.required = required
    }
}

/// The exporter's rule: a floating tensor is Q4 iff it has rank >= 2, its name ends in `.weight`
/// and contains none of the excluded patterns.
public struct QuantizationRule: Sendable {
    public var exclude: [String]
    public static let published = QuantizationRule(exclude: ["text_embed.text_embed", "mel_spec"])

    public func quantizes(name: String, rank: Int) -> Bool {
        rank >= 2 && name.hasSuffix(".weight") && !exclude.contains { name.contains($0) }
    }
}

extension F5Architecture {
    /// Every tensor of `CFM.state_dict()` for this architecture, `vocabularySize` tokens plus the filler row.
    public func tensorSpecs(vocabularySize: Int) -> [TensorSpec] {
        let t = "transformer."
        let inner = heads * dimHead
        let textInner = textDim * 2
        var specs: [TensorSpec] = []
        func linear(_ name: String, out: Int, in k: Int) {
            specs.append(TensorSpec(name + ".weight", [out, k]))
            specs.append(TensorSpec(name + ".bias", [out]))
        }
        linear(t + "time_embed.time_mlp.0", out: dim, in: 256)
        linear(t + "time_embed.time_mlp.2", out: dim, in: dim)
        specs.append(TensorSpec(t + "text_embed.text_embed.weight", [vocabularySize + 1, textDim]))
        for i in 0..<convLayers {
            let p = t + "text_embed.text_blocks.\(i)."
            specs.append(TensorSpec(p + "dwconv.weight", [textDim, 1, 7]))
            specs.append(TensorSpec(p + "dwconv.bias", [textDim]))
            specs.append(TensorSpec(p + "norm.weight", [textDim]))
            specs.append(TensorSpec(p + "norm.bias", [textDim]))
            linear(p + "pwconv1", out: textInner, in: textDim)
            specs.append(TensorSpec(p + "grn.gamma", [1, 1, textInner]))
            specs.append(TensorSpec(p + "grn.beta", [1, 1, textInner]))
            linear(p + "pwconv2", out: textDim, in: textInner)
        }
        linear(t + "input_embed.proj", out: dim, in: 2 * melDim + textDim)
        for i in [0, 2] {
            let p = t + "input_embed.conv_pos_embed.conv1d.\(i)."
            specs.append(TensorSpec(p + "weight", [dim, dim / Self.positionConvGroups, Self.positionConvKernel]))
            specs.append(TensorSpec(p + "bias", [dim]))
        }
        specs.append(TensorSpec(t + "rotary_embed.inv_freq", [dimHead / 2], required: false))
        for i in 0..<depth {
            let p = t + "transformer_blocks.\(i)."
            linear(p + "attn_norm.linear", out: 6 * dim, in: dim)
            linear(p + "attn.to_q", out: inner, in: dim)
            linear(p + "attn.to_k", out: inner, in: dim)
            linear(p + "attn.to_v", out: inner, in: dim)
            linear(p + "attn.to_out.0", out: dim, in: inner)
            linear(p + "ff.ff.0.0", out: dim * ffMult, in: dim)
            linear(p + "ff.ff.2", out: dim, in: dim * ffMult)
        }
        linear(t + "norm_out.linear", out: 2 * dim, in: dim)
        linear(t + "proj_out", out: melDim, in: dim)
        return specs
    }
}

extension VocosArchitecture {
    /// Every tensor of the Vocos `state_dict()`, in module registration order.
    public var tensorSpecs: [TensorSpec] {
        var specs: [TensorSpec] = [
            TensorSpec("feature_extractor.mel_spec.spectrogram.window", [nFFT], required: false),
            TensorSpec("feature_extractor.mel_spec.mel_scale.fb", [nFFT / 2 + 1, inputChannels], required: false),
            TensorSpec("backbone.embed.weight", [dim, inputChannels, 7]),
            TensorSpec("backbone.embed.bias", [dim]),
            TensorSpec("backbone.norm.weight", [dim]),
            TensorSpec("backbone.norm.bias", [dim]),
        ]
        for i in 0..<numLayers {
            let p = "backbone.convnext.\(i)."
            specs += [
                TensorSpec(p + "gamma", [dim]),
                TensorSpec(p + "dwconv.weight", [dim, 1, 7]), TensorSpec(p + "dwconv.bias", [dim]),
                TensorSpec(p + "norm.weight", [dim]), TensorSpec(p + "norm.bias", [dim]),
                TensorSpec(p + "pwconv1.weight", [intermediateDim, dim]), TensorSpec(p + "pwconv1.bias", [intermediateDim]),
                TensorSpec(p + "pwconv2.weight", [dim, intermediateDim]), TensorSpec(p + "pwconv2.bias", [dim]),
            ]
        }
        specs += [
            TensorSpec("backbone.final_layer_norm.weight", [dim]),
            TensorSpec("backbone.final_layer_norm.bias", [dim]),
            TensorSpec("head.out.weight", [nFFT + 2, dim]),
            TensorSpec("head.out.bias", [nFFT + 2]),
            TensorSpec("head.istft.window", [nFFT], required: false),
        ]
        return specs
    }
}
