import Foundation

/// Turns original checkpoints in safetensors into bundles: F5-TTS (`ema_model.` prefix stripped,
/// `initted`/`step` and mel buffers dropped, as F5-TTS's `load_checkpoint` does) or Vocos.
/// The architecture is read off the tensor shapes; the v0/v1 convention cannot be, so it is given.
public enum CheckpointQuantizer {
    /// F5TTS_Base checkpoints are v0, F5TTS_v1_Base ones v1; other names must say.
    public static func guessConvention(fromPath path: String) -> F5Convention? {
        let name = (path as NSString).lastPathComponent.lowercased() + (path as NSString).deletingLastPathComponent.lowercased()
        if name.contains("v1") { return .v1 }
        if name.contains("f5tts_base") || name.contains("model_1200000") { return .v0 }
        return nil
    }

    public enum Kind: String, Sendable { case f5, vocos }

    public static func kind(of checkpoint: SafetensorsFile) -> Kind {
        checkpoint.entries.contains { $0.name == "backbone.embed.weight" } ? .vocos : .f5
    }

    public static func quantizeF5(_ checkpoint: SafetensorsFile, convention: F5Convention, modelID: String, to folder: String) throws {
        var tensors: [String: SafetensorsFile.Entry] = [:]
        for entry in checkpoint.entries {
            let name = entry.name.replacingOccurrences(of: "ema_model.", with: "")
            if name == "initted" || name == "step" || name.contains("mel_spec.") { continue }
            tensors[name] = entry
        }
        let architecture = try inferF5(tensors, convention: convention, file: checkpoint.path)
        let vocabularySize = tensors["transformer.text_embed.text_embed.weight"]!.shape[0] - 1
        try write(tensors, specs: architecture.tensorSpecs(vocabularySize: vocabularySize), checkpoint: checkpoint, to: folder) { writer in
            try writer.finish(format: BundleFormat.f5, head: ManifestHead.f5(
                modelID: modelID, source: checkpoint.path, stateKey: "ema_model_state_dict", architecture: architecture))
        }
    }

    public static func quantizeVocos(_ checkpoint: SafetensorsFile, hopLength: Int, sampleRate: Int, modelID: String, to folder: String) throws {
        let tensors = Dictionary(checkpoint.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func shape(_ name: String) throws -> [Int] {
            guard let s = tensors[name]?.shape else { throw BundleError.missingTensor(file: checkpoint.path, tensor: name) }
            return s
        }
        let embed = try shape("backbone.embed.weight"), pw1 = try shape("backbone.convnext.0.pwconv1.weight")
        let layers = Set(tensors.keys.compactMap { key -> Int? in
            guard key.hasPrefix("backbone.convnext.") else { return nil }
            return Int(key.dropFirst("backbone.convnext.".count).prefix { $0 != "." })
        }).count
        let architecture = VocosArchitecture(
            inputChannels: embed[1], dim: embed[0], intermediateDim: pw1[0], numLayers: layers,
            nFFT: try shape("head.out.weight")[0] - 2, hopLength: hopLength, padding: "center", sampleRate: sampleRate)
        try write(tensors, specs: architecture.tensorSpecs, checkpoint: checkpoint, to: folder) { writer in
            try writer.finish(format: BundleFormat.vocos, head: ManifestHead.vocos(
                modelID: modelID, source: checkpoint.path, architecture: architecture))
        }
    }

    /// Writes the tensors in module order, checking every shape and refusing tensors the model does not have
    /// (a strict `load_state_dict`, as F5-TTS does).
    private static func write(_ tensors: [String: SafetensorsFile.Entry], specs: [TensorSpec], checkpoint: SafetensorsFile,
                              to folder: String, finish: (BundleWriter) throws -> Void) throws {
        let known = Set(specs.map(\.name))
        if let unexpected = tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw BundleError.unsupportedCheckpoint(file: checkpoint.path, tensor: unexpected, reason: "not a tensor of this architecture")
        }
        let writer = try BundleWriter(folder: folder)
        for spec in specs {
            guard let entry = tensors[spec.name] else {
                if spec.required { throw BundleError.missingTensor(file: checkpoint.path, tensor: spec.name) }
                continue
            }
            guard entry.shape == spec.shape else {
                throw BundleError.invalidTensor(file: checkpoint.path, tensor: spec.name, expected: "shape \(spec.shape)", found: "\(entry.shape)")
            }
            let values = try checkpoint.floats(entry)
            try values.withUnsafeBufferPointer { try writer.add(name: spec.name, shape: spec.shape, values: $0) }
        }
        try finish(writer)
    }

    private static func inferF5(_ t: [String: SafetensorsFile.Entry], convention: F5Convention, file: String) throws -> F5Architecture {
        func shape(_ name: String) throws -> [Int] {
            guard let s = t["transformer." + name]?.shape else { throw BundleError.missingTensor(file: file, tensor: "transformer." + name) }
            return s
        }
        func count(_ prefix: String) -> Int {
            Set(t.keys.compactMap { key -> Int? in
                guard key.hasPrefix("transformer." + prefix) else { return nil }
                return Int(key.dropFirst(("transformer." + prefix).count).prefix { $0 != "." })
            }).count
        }
        let dim = try shape("time_embed.time_mlp.0.weight")[0]
        let inner = try shape("transformer_blocks.0.attn.to_q.weight")[0]
        // The rotary buffer holds dim_head/2 frequencies; F5-TTS's default head size is 64.
        let dimHead = 2 * ((try? shape("rotary_embed.inv_freq"))?.first ?? 32)
        guard inner % dimHead == 0 else {
            throw BundleError.invalidTensor(file: file, tensor: "transformer.transformer_blocks.0.attn.to_q.weight",
                                            expected: "rows a multiple of the head size \(dimHead)", found: "\(inner)")
        }
        return F5Architecture(
            name: "F5TTS CFM DiT", dim: dim, depth: count("transformer_blocks."), heads: inner / dimHead, dimHead: dimHead,
            ffMult: try shape("transformer_blocks.0.ff.ff.0.0.weight")[0] / dim,
            textDim: try shape("text_embed.text_embed.weight")[1], convLayers: count("text_embed.text_blocks."),
            melDim: try shape("proj_out.weight")[0], sampleRate: 24000,
            peAttnHead: convention.peAttnHead, textMaskPadding: convention.textMaskPadding)
    }
}
