/// The manifest fields that precede `quantization` and `files`, in the exporter's order.
enum ManifestHead {
    static func f5(modelID: String, source: String, stateKey: String, architecture a: F5Architecture) -> [(String, PythonJSON)] {
        [
            ("model_id", .string(modelID)), ("source_checkpoint", .string(source)), ("state_key", .string(stateKey)),
            ("architecture", .object([
                ("name", .string(a.name)), ("dim", .int(a.dim)), ("depth", .int(a.depth)), ("heads", .int(a.heads)),
                ("ff_mult", .int(a.ffMult)), ("text_dim", .int(a.textDim)), ("conv_layers", .int(a.convLayers)),
                ("mel_dim", .int(a.melDim)), ("sample_rate", .int(a.sampleRate)), ("dim_head", .int(a.dimHead)),
                ("pe_attn_head", a.peAttnHead.map { .int($0) } ?? .null), ("text_mask_padding", .bool(a.textMaskPadding)),
            ])),
        ]
    }

    static func vocos(modelID: String, source: String, architecture v: VocosArchitecture) -> [(String, PythonJSON)] {
        [
            ("model_id", .string(modelID)), ("source_snapshot", .string(source)),
            ("architecture", .object([
                ("input_channels", .int(v.inputChannels)), ("dim", .int(v.dim)), ("intermediate_dim", .int(v.intermediateDim)),
                ("num_layers", .int(v.numLayers)), ("n_fft", .int(v.nFFT)), ("hop_length", .int(v.hopLength)),
                ("padding", .string(v.padding)), ("sample_rate", .int(v.sampleRate)),
            ])),
        ]
    }
}
