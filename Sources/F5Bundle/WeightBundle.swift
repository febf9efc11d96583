import Foundation

/// A validated F5 or Vocos weight bundle whose tensors are views into memory-mapped files.
public final class WeightBundle: Sendable {
    public let manifest: BundleManifest
    public let tree: FileTree
    public let q4Tensors: [String: Q4Tensor]
    public let denseTensors: [String: DenseTensor]
    /// Names in file order (by offset), for listings.
    public let q4Names: [String]
    public let denseNames: [String]
    /// Size of the tensor files.
    public let tensorBytes: Int

    public var format: String { manifest.format }
    /// The convention the loader was told to use instead of the manifest's RoPE / text-mask convention
    /// (which one a published bundle was trained with is not always certain).
    public let conventionOverride: F5Convention?
    /// The manifest's DiT architecture, with `conventionOverride` applied.
    public var f5Architecture: F5Architecture? {
        guard let a = manifest.f5Architecture else { return nil }
        return conventionOverride.map(a.with) ?? a
    }
    /// Where the convention in force comes from, for `inspect` and messages.
    public var conventionSource: String {
        if conventionOverride != nil { return "given by the caller, replacing the manifest's" }
        return manifest.conventionRecorded ? "recorded in manifest.json"
            : "assumed: manifest.json records neither pe_attn_head nor text_mask_padding (the published v0 export)"
    }
    public var vocosArchitecture: VocosArchitecture? { manifest.vocosArchitecture }
    public var q4ParameterCount: Int { q4Tensors.values.reduce(0) { $0 + $1.count } }
    public var denseParameterCount: Int { denseTensors.values.reduce(0) { $0 + $1.count } }
    /// Rows of the text embedding table minus the filler row (F5 bundles).
    public var vocabularySize: Int? {
        denseTensors["transformer.text_embed.text_embed.weight"].map { $0.shape[0] - 1 }
    }

    /// Loads a bundle folder, or the folder of a given `manifest.json`; `convention` replaces the manifest's.
    public static func load(path: String, convention: F5Convention? = nil) throws -> WeightBundle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BundleError.cannotOpen(file: path, reason: "no such file or directory")
        }
        let folder = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        return try load(tree: .directory(folder.isEmpty ? "." : folder), convention: convention)
    }

    /// Loads and validates the bundle whose `manifest.json` sits at the root of `tree`; `convention`
    /// replaces the manifest's.
    public static func load(tree: FileTree, convention: F5Convention? = nil) throws -> WeightBundle {
        let manifestName = tree.path(of: "manifest.json")
        let manifest: BundleManifest = try decodeJSON(try tree.region("manifest.json"), name: manifestName)
        guard manifest.format == BundleFormat.f5 || manifest.format == BundleFormat.vocos else {
            throw BundleError.unsupportedFormat(
                file: manifestName, expected: "\(BundleFormat.f5) or \(BundleFormat.vocos)", found: manifest.format)
        }
        let files = manifest.files
        if files.hasQ4Chunks && files.q4 == nil {
            throw BundleError.unsupportedFormat(file: manifestName, expected: "one Q4 file in files.q4",
                                                found: "files.q4_chunks (a split Q4 file; concatenate the chunks into one file)")
        }
        var q4: [String: Q4Tensor] = [:]
        var q4Names: [String] = []
        var bytes = 0
        if let q4File = files.q4, let q4IndexFile = files.q4Index {
            let data = try tree.region(q4File)
            let index: [String: Q4IndexEntry] = try decodeJSON(try tree.region(q4IndexFile), name: tree.path(of: q4IndexFile))
            for (name, entry) in index {
                q4[name] = try validatedQ4(name: name, entry: entry, data: data)
            }
            q4Names = index.keys.sorted { index[$0]!.offset < index[$1]!.offset }
            bytes += data.count
        }
        let denseData = try tree.region(files.dense)
        let denseIndex: [String: DenseIndexEntry] = try decodeJSON(try tree.region(files.denseIndex), name: tree.path(of: files.denseIndex))
        var dense: [String: DenseTensor] = [:]
        for (name, entry) in denseIndex {
            dense[name] = try validatedDense(name: name, entry: entry, data: denseData)
        }
        bytes += denseData.count
        let bundle = WeightBundle(
            manifest: manifest, tree: tree, q4: q4, dense: dense, q4Names: q4Names,
            denseNames: denseIndex.keys.sorted { denseIndex[$0]!.offset < denseIndex[$1]!.offset }, tensorBytes: bytes,
            convention: convention)
        try bundle.validateArchitecture()
        return bundle
    }

    private init(manifest: BundleManifest, tree: FileTree, q4: [String: Q4Tensor], dense: [String: DenseTensor],
                 q4Names: [String], denseNames: [String], tensorBytes: Int, convention: F5Convention?) {
        self.manifest = manifest; self.tree = tree; self.q4Tensors = q4; self.denseTensors = dense
        self.q4Names = q4Names; self.denseNames = denseNames; self.tensorBytes = tensorBytes; self.conventionOverride = convention
    }

    // MARK: Access

    public func q4(_ name: String) throws -> Q4Tensor {
        guard let t = q4Tensors[name] else {
            throw BundleError.missingTensor(file: tree.path(of: manifest.files.q4Index ?? "tensor_q4_index.json"), tensor: name)
        }
        return t
    }

    public func dense(_ name: String) throws -> DenseTensor {
        guard let t = denseTensors[name] else {
            throw BundleError.missingTensor(file: tree.path(of: manifest.files.denseIndex), tensor: name)
        }
        return t
    }

    /// A tensor's values in fp32: dense converted, Q4 dequantized (code * fp16 scale).
    public func floats(_ name: String) throws -> [Float] {
        if let t = q4Tensors[name] { return t.dequantized() }
        return try dense(name).floats()
    }

    public func shape(of name: String) -> [Int]? { q4Tensors[name]?.shape ?? denseTensors[name]?.shape }

    // MARK: Validation

    /// The tensors this bundle's architecture needs.
    public var expectedTensors: [TensorSpec] {
        if let a = f5Architecture { return a.tensorSpecs(vocabularySize: vocabularySize ?? 0) }
        return vocosArchitecture?.tensorSpecs ?? []
    }

    private func validateArchitecture() throws {
        let indexName = tree.path(of: manifest.files.q4Index ?? manifest.files.denseIndex)
        if let a = f5Architecture {
            if let bad = a.invalidField {
                throw BundleError.architectureMismatch(file: tree.path(of: "manifest.json"), field: bad.field,
                                                       expected: bad.expected, found: bad.found)
            }
            let table = try dense("transformer.text_embed.text_embed.weight")
            guard table.shape.count == 2, table.shape[0] >= 2, table.shape[1] == a.textDim else {
                throw BundleError.invalidTensor(file: indexName, tensor: table.name, expected: "shape [vocab+1, \(a.textDim)]", found: "\(table.shape)")
            }
        } else if let v = vocosArchitecture {
            try requirePositive(["input_channels": v.inputChannels, "dim": v.dim, "intermediate_dim": v.intermediateDim,
                                 "num_layers": v.numLayers, "n_fft": v.nFFT, "hop_length": v.hopLength, "sample_rate": v.sampleRate])
        }
        let denseOnly = manifest.files.q4 == nil
        for spec in expectedTensors {
            let found = q4Tensors[spec.name]?.shape ?? denseTensors[spec.name]?.shape
            guard let found else {
                if spec.required { throw BundleError.missingTensor(file: indexName, tensor: spec.name) }
                continue
            }
            guard found == spec.shape else {
                throw BundleError.invalidTensor(file: indexName, tensor: spec.name, expected: "shape \(spec.shape)", found: "\(found)")
            }
            if spec.quantized && !denseOnly && q4Tensors[spec.name] == nil {
                throw BundleError.invalidTensor(file: indexName, tensor: spec.name, expected: "a Q4 tensor", found: "a dense tensor")
            }
            if let d = denseTensors[spec.name], d.dtype != .float16 && d.dtype != .float32 {
                throw BundleError.invalidTensor(file: indexName, tensor: spec.name, expected: "float16 or float32", found: d.dtype.rawValue)
            }
        }
    }

    private func requirePositive(_ fields: KeyValuePairs<String, Int>) throws {
        for (field, value) in fields where value <= 0 {
            throw BundleError.architectureMismatch(file: tree.path(of: "manifest.json"), field: field, expected: "a positive integer", found: "\(value)")
        }
    }

    private static func validatedQ4(name: String, entry e: Q4IndexEntry, data: ByteRegion) throws -> Q4Tensor {
        let file = data.name
        func bad(_ expected: String, _ found: String) -> BundleError {
            .invalidTensor(file: file, tensor: name, expected: expected, found: found)
        }
        guard e.dtype == BundleFormat.q4Scheme else { throw bad("dtype \(BundleFormat.q4Scheme)", e.dtype) }
        guard !e.shape.isEmpty, e.shape.allSatisfy({ $0 > 0 }) else { throw bad("a non-empty shape of positive sizes", "\(e.shape)") }
        let (numel, overflow) = e.shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o)
        }
        guard !overflow, numel <= Int(Int32.max) * 4 else { throw bad("a representable element count", "\(e.shape)") }
        guard e.rowCount == e.shape[0] else { throw bad("row_count \(e.shape[0])", "\(e.rowCount)") }
        guard e.nbytes == (numel + 1) / 2 else { throw bad("nbytes \((numel + 1) / 2)", "\(e.nbytes)") }
        guard e.scaleNbytes == 2 * e.rowCount else { throw bad("scale_nbytes \(2 * e.rowCount)", "\(e.scaleNbytes)") }
        if let v = e.valuesPerByte, v != 2 { throw bad("values_per_byte 2", "\(v)") }
        try checkRange(e.offset, e.nbytes, name: name, data: data)
        try checkRange(e.scaleOffset, e.scaleNbytes, name: name, data: data)
        return Q4Tensor(name: name, shape: e.shape, packed: data.pointer + e.offset, scales: data.pointer + e.scaleOffset, storage: data.file)
    }

    private static func validatedDense(name: String, entry e: DenseIndexEntry, data: ByteRegion) throws -> DenseTensor {
        guard let dtype = DenseType(rawValue: e.dtype) else {
            throw BundleError.invalidTensor(file: data.name, tensor: name, expected: "dtype one of \(DenseType.allCases.map(\.rawValue))", found: e.dtype)
        }
        guard e.shape.allSatisfy({ $0 >= 0 }) else {
            throw BundleError.invalidTensor(file: data.name, tensor: name, expected: "non-negative sizes", found: "\(e.shape)")
        }
        let numel = e.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max / 16 : $0 * $1 }
        guard e.nbytes == numel * dtype.byteWidth else {
            throw BundleError.invalidTensor(file: data.name, tensor: name, expected: "nbytes \(numel * dtype.byteWidth)", found: "\(e.nbytes)")
        }
        try checkRange(e.offset, e.nbytes, name: name, data: data)
        return DenseTensor(name: name, shape: e.shape, dtype: dtype, data: data.pointer + e.offset, storage: data.file)
    }

    private static func checkRange(_ offset: Int, _ count: Int, name: String, data: ByteRegion) throws {
        guard offset >= 0, count >= 0, offset <= data.count, count <= data.count - offset else {
            throw BundleError.outOfBounds(file: data.name, tensor: name, range: "\(offset)..<\(offset &+ count)", fileSize: data.count)
        }
    }
}

/// Decodes JSON from a mapped region, naming the file and the coding path on failure.
func decodeJSON<T: Decodable>(_ region: ByteRegion, name: String) throws -> T {
    do {
        return try JSONDecoder().decode(T.self, from: region.data())
    } catch let error as DecodingError {
        throw BundleError.malformedJSON(file: name, reason: describe(error))
    } catch {
        throw BundleError.malformedJSON(file: name, reason: "\(error)")
    }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ c: DecodingError.Context) -> String {
        let p = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "" : " at '\(p)'"
    }
    switch error {
    case let .keyNotFound(key, c): return "missing field '\(key.stringValue)'\(path(c))"
    case let .typeMismatch(type, c): return "expected \(type)\(path(c)): \(c.debugDescription)"
    case let .valueNotFound(type, c): return "expected \(type)\(path(c)), found null"
    case let .dataCorrupted(c): return "\(c.debugDescription)\(path(c))"
    @unknown default: return "\(error)"
    }
}
