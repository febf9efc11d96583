import F5Bundle
import F5Compute

/// Resolves the DiT's tensors by name once at load, checking every shape, and prepares linear
/// layers on the chosen backend.
struct ModelWeights {
    let bundle: WeightBundle
    let backend: any LinearBackend
    let prefix = "transformer."

    func shape(_ name: String) throws -> [Int] {
        guard let shape = bundle.shape(of: prefix + name) else { throw ModelError.missingTensor(prefix + name) }
        return shape
    }

    func checkShape(_ name: String, _ expected: [Int]) throws {
        let found = try shape(name)
        guard found == expected else { throw ModelError.tensorShape(tensor: prefix + name, expected: expected, found: found) }
    }

    /// A Q4 weight of exactly `shape`.
    func q4(_ name: String, shape: [Int]) throws -> Q4Tensor {
        try checkShape(name, shape)
        guard let tensor = bundle.q4Tensors[prefix + name] else { throw ModelError.tensorNotQuantized(prefix + name) }
        return tensor
    }

    /// fp32 values of any tensor (dense converted, Q4 dequantized) of exactly `shape`.
    func floats(_ name: String, shape: [Int]) throws -> [Float] {
        try checkShape(name, shape)
        return try bundle.floats(prefix + name)
    }

    /// `<name>.weight` [out, in] and `<name>.bias` [out].
    func linear(_ name: String, in inFeatures: Int, out outFeatures: Int) throws -> Linear {
        let weight = try q4(name + ".weight", shape: [outFeatures, inFeatures])
        let bias = try floats(name + ".bias", shape: [outFeatures])
        return Linear(backend.prepare(weight, bias: bias), name: name)
    }

    /// `linear` for a layer run once per synthesis: a `TransientLinear`, whose weights stay in the bundle.
    func transientLinear(_ name: String, in inFeatures: Int, out outFeatures: Int) throws -> Linear {
        let weight = try q4(name + ".weight", shape: [outFeatures, inFeatures])
        return Linear(TransientLinear(weight: weight, bias: try floats(name + ".bias", shape: [outFeatures])), name: name)
    }

    /// Drops the pages of the bundle's mapped files from the resident set, once every layer is built.
    /// Layers keep their own copies (or fault back in what they read later), but while loading,
    /// fault-around maps pages of tensors that were already released back in with their neighbours.
    func releaseMappedPages() {
        let storages = bundle.q4Tensors.values.map(\.storage) + bundle.denseTensors.values.map(\.storage)
        var seen = Set<ObjectIdentifier>()
        for case let file as MappedFile in storages where seen.insert(ObjectIdentifier(file)).inserted {
            file.releasePages(0..<file.count)
        }
    }
}
