import F5Bundle
import F5Compute
import Foundation

/// Vocos (`charactr/vocos-mel-24khz` layout) from a `vocos-mel-24khz-q4-bundle-v0` bundle, or one stored
/// dense: `VocosBackbone` then `ISTFTHead`. Linear layers run on the given backend; convolutions run
/// in fp32 on weights dequantized once at load. Immutable after load: `decode` keeps its buffers per call.
public final class Vocoder: Sendable {
    public let architecture: VocosArchitecture
    public let backendName: String
    private let backbone: VocosBackbone
    private let head: ISTFTHead

    public convenience init(path: String, backend: any LinearBackend) throws {
        try self.init(bundle: WeightBundle.load(path: path), backend: backend)
    }

    public init(bundle: WeightBundle, backend: any LinearBackend) throws {
        let manifest = bundle.tree.path(of: "manifest.json")
        guard let a = bundle.vocosArchitecture else {
            throw AudioError.vocoder(file: manifest, reason: "expected format \(BundleFormat.vocos), found \(bundle.format)")
        }
        guard a.padding == "center" else {
            throw AudioError.vocoder(file: manifest, reason: "expected padding \"center\", found \"\(a.padding)\"")
        }
        guard a.nFFT >= 4, a.nFFT & (a.nFFT - 1) == 0, a.hopLength <= a.nFFT else {
            throw AudioError.vocoder(file: manifest, reason: "expected a power-of-two n_fft >= 4 and hop_length <= n_fft, "
                                     + "found n_fft \(a.nFFT), hop_length \(a.hopLength)")
        }
        architecture = a
        backendName = backend.name
        let weights = VocosWeights(bundle: bundle, backend: backend)
        backbone = try VocosBackbone(weights, architecture: a)
        head = ISTFTHead(out: try weights.linear("head.out"), istft: InverseSTFT(nFFT: a.nFFT, hopLength: a.hopLength))
    }

    /// Output samples for `frames` mel frames.
    public func sampleCount(frames: Int) -> Int { architecture.hopLength * (frames - 1) }

    /// Decodes a log-mel spectrogram, frame-major `[frames][input_channels]`, to `hop · (frames − 1)` samples.
    public func decode(mel: [Float], frames: Int) throws -> [Float] {
        let channels = architecture.inputChannels
        guard frames >= 2 else {
            throw AudioError.invalidArgument(name: "mel frames", expected: "at least 2", found: "\(frames)")
        }
        guard mel.count == frames * channels else {
            throw AudioError.invalidArgument(name: "mel", expected: "\(frames) x \(channels) = \(frames * channels) values",
                                             found: "\(mel.count)")
        }
        let features = backbone(mel, frames: frames)
        return features.withUnsafeBufferPointer { head($0.baseAddress!, frames: frames) }
    }
}

/// Resolves Vocos tensors: Q4 linears through the backend, dense ones through `DenseLinear`.
struct VocosWeights {
    let bundle: WeightBundle
    let backend: any LinearBackend

    func floats(_ name: String) throws -> [Float] { try bundle.floats(name) }

    func linear(_ name: String) throws -> any LinearLayer {
        let bias = try floats(name + ".bias")
        if let q4 = bundle.q4Tensors[name + ".weight"] { return backend.prepare(q4, bias: bias) }
        let weight = try bundle.dense(name + ".weight")
        return DenseLinear(weight: weight.floats(), bias: bias, outFeatures: weight.shape[0], inFeatures: weight.shape[1])
    }

    func layerNorm(_ name: String) throws -> LayerNorm {
        LayerNorm(weight: try floats(name + ".weight"), bias: try floats(name + ".bias"))
    }
}

/// `VocosBackbone`: embedding conv (k = 7), LayerNorm, ConvNeXt blocks, final LayerNorm.
struct VocosBackbone {
    let dim: Int
    let inputChannels: Int
    /// The k = 7 embedding conv as a linear layer over im2col columns: [dim][inputChannels · 7], PyTorch's
    /// [out, in, k] flattened.
    let embed: DenseLinear
    let norm: LayerNorm
    let convnext: [ConvNeXtBlock]
    let finalLayerNorm: LayerNorm

    init(_ w: VocosWeights, architecture a: VocosArchitecture) throws {
        dim = a.dim
        inputChannels = a.inputChannels
        embed = DenseLinear(weight: try w.floats("backbone.embed.weight"), bias: try w.floats("backbone.embed.bias"),
                            outFeatures: a.dim, inFeatures: a.inputChannels * Self.embedKernel)
        norm = try w.layerNorm("backbone.norm")
        convnext = try (0..<a.numLayers).map { try ConvNeXtBlock(w, prefix: "backbone.convnext.\($0).", dim: a.dim) }
        finalLayerNorm = try w.layerNorm("backbone.final_layer_norm")
    }

    /// `mel` `[frames][inputChannels]` -> features `[frames][dim]`.
    func callAsFunction(_ mel: [Float], frames: Int) -> [Float] {
        var x = embedded(mel, frames: frames)
        x.withUnsafeMutableBufferPointer { xp in
            let p = xp.baseAddress!
            norm(p, rows: frames)
            for block in convnext { block(p, frames: frames) }
            finalLayerNorm(p, rows: frames)
        }
        return x
    }

    static let embedKernel = 7

    /// Conv1d(inputChannels -> dim, k 7, zero padding 3) as im2col + a linear layer.
    private func embedded(_ mel: [Float], frames: Int) -> [Float] {
        let k = Self.embedKernel, pad = k / 2, width = inputChannels * k
        var columns = [Float](repeating: 0, count: frames * width)
        columns.withUnsafeMutableBufferPointer { col in
            mel.withUnsafeBufferPointer { m in
                for t in 0..<frames {
                    for j in 0..<k {
                        let s = t + j - pad
                        guard s >= 0 && s < frames else { continue }
                        for c in 0..<inputChannels { col[t * width + c * k + j] = m[s * inputChannels + c] }
                    }
                }
            }
        }
        var y = [Float](repeating: 0, count: frames * dim)
        columns.withUnsafeBufferPointer { col in
            y.withUnsafeMutableBufferPointer { embed.forward(col.baseAddress!, rows: frames, into: $0.baseAddress!) }
        }
        return y
    }
}

/// `ConvNeXtBlock`: x + γ · pwconv2(GELU(pwconv1(LayerNorm(dwconv(x))))), GELU with exact erf.
struct ConvNeXtBlock {
    let dim: Int
    let dwconvWeight: [Float]  // [7][dim]: transposed so the channel loop is contiguous
    let dwconvBias: [Float]
    let norm: LayerNorm
    let pwconv1: any LinearLayer
    let pwconv2: any LinearLayer
    let gamma: [Float]

    init(_ w: VocosWeights, prefix: String, dim: Int) throws {
        self.dim = dim
        let kernel = try w.floats(prefix + "dwconv.weight")  // [dim, 1, 7]
        dwconvWeight = (0..<(7 * dim)).map { i in kernel[(i % dim) * 7 + i / dim] }
        dwconvBias = try w.floats(prefix + "dwconv.bias")
        norm = try w.layerNorm(prefix + "norm")
        pwconv1 = try w.linear(prefix + "pwconv1")
        pwconv2 = try w.linear(prefix + "pwconv2")
        gamma = try w.floats(prefix + "gamma")
    }

    /// In place on `x` `[frames][dim]`.
    func callAsFunction(_ x: UnsafeMutablePointer<Float>, frames: Int) {
        let hidden = pwconv1.outFeatures
        let h = UnsafeMutablePointer<Float>.allocate(capacity: frames * dim)
        let u = UnsafeMutablePointer<Float>.allocate(capacity: frames * hidden)
        defer { h.deallocate(); u.deallocate() }
        depthwiseConv(x, into: h, frames: frames)
        norm(h, rows: frames)
        pwconv1.forward(h, rows: frames, into: u)
        Elementwise.geluErf(u, u, count: frames * hidden)
        pwconv2.forward(u, rows: frames, into: h)
        gamma.withUnsafeBufferPointer { g in
            for t in 0..<frames {
                let row = t * dim
                for c in 0..<dim { x[row + c] += g[c] * h[row + c] }
            }
        }
    }

    /// Depthwise Conv1d(dim, k 7, zero padding 3, groups = dim).
    private func depthwiseConv(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, frames: Int) {
        dwconvWeight.withUnsafeBufferPointer { w in
            dwconvBias.withUnsafeBufferPointer { b in
                for t in 0..<frames {
                    let out = y + t * dim
                    out.update(from: b.baseAddress!, count: dim)
                    for j in 0..<7 {
                        let s = t + j - 3
                        guard s >= 0 && s < frames else { continue }
                        let src = x + s * dim, wj = w.baseAddress! + j * dim
                        for c in 0..<dim { out[c] += wj[c] * src[c] }
                    }
                }
            }
        }
    }
}

/// `nn.LayerNorm(dim, eps=1e-6)` over the last dimension, in place.
struct LayerNorm {
    let weight: [Float]
    let bias: [Float]
    let eps: Float = 1e-6

    func callAsFunction(_ x: UnsafeMutablePointer<Float>, rows: Int) {
        weight.withUnsafeBufferPointer { g in
            bias.withUnsafeBufferPointer { b in
                Elementwise.layerNorm(x, x, rows: rows, n: weight.count, eps: eps, gamma: g.baseAddress, beta: b.baseAddress)
            }
        }
    }
}
