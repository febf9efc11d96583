import F5Bundle
import F5Compute
import Foundation

/// What `f5tts inspect` reports about one bundle (Codable; snake_case keys in JSON).
public struct BundleSummary: Codable, Sendable {
    public var location: String
    public var format: String
    public var modelID: String?
    public var f5Architecture: F5Architecture?
    public var vocosArchitecture: VocosArchitecture?
    /// v0, v1 or custom (F5 bundles).
    public var convention: String?
    /// Whether the manifest records the convention, or v0 was assumed.
    public var conventionSource: String?
    public var vocabularySize: Int?
    public var q4Tensors: Int
    public var denseTensors: Int
    public var q4Parameters: Int
    public var denseParameters: Int
    public var bytes: Int
    /// Time from opening the files to a validated, ready bundle.
    public var loadMilliseconds: Double

    enum CodingKeys: String, CodingKey {
        case location, format, modelID = "model_id", architecture, convention, conventionSource = "convention_source", vocabularySize = "vocabulary_size"
        case q4Tensors = "q4_tensors", denseTensors = "dense_tensors", q4Parameters = "q4_parameters"
        case denseParameters = "dense_parameters", bytes, loadMilliseconds = "load_ms"
    }

    public init(bundle: WeightBundle, loadMilliseconds: Double) {
        location = bundle.tree.displayName
        format = bundle.format
        modelID = bundle.manifest.modelID
        f5Architecture = bundle.f5Architecture
        vocosArchitecture = bundle.vocosArchitecture
        convention = bundle.f5Architecture.map { $0.convention?.rawValue ?? "custom" }
        conventionSource = bundle.f5Architecture == nil ? nil : bundle.conventionSource
        vocabularySize = bundle.vocabularySize
        q4Tensors = bundle.q4Tensors.count
        denseTensors = bundle.denseTensors.count
        q4Parameters = bundle.q4ParameterCount
        denseParameters = bundle.denseParameterCount
        bytes = bundle.tensorBytes
        self.loadMilliseconds = loadMilliseconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        location = try c.decode(String.self, forKey: .location)
        format = try c.decode(String.self, forKey: .format)
        modelID = try c.decodeIfPresent(String.self, forKey: .modelID)
        f5Architecture = format == BundleFormat.f5 ? try c.decode(F5Architecture.self, forKey: .architecture) : nil
        vocosArchitecture = format == BundleFormat.vocos ? try c.decode(VocosArchitecture.self, forKey: .architecture) : nil
        convention = try c.decodeIfPresent(String.self, forKey: .convention)
        conventionSource = try c.decodeIfPresent(String.self, forKey: .conventionSource)
        vocabularySize = try c.decodeIfPresent(Int.self, forKey: .vocabularySize)
        q4Tensors = try c.decode(Int.self, forKey: .q4Tensors)
        denseTensors = try c.decode(Int.self, forKey: .denseTensors)
        q4Parameters = try c.decode(Int.self, forKey: .q4Parameters)
        denseParameters = try c.decode(Int.self, forKey: .denseParameters)
        bytes = try c.decode(Int.self, forKey: .bytes)
        loadMilliseconds = try c.decode(Double.self, forKey: .loadMilliseconds)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(location, forKey: .location); try c.encode(format, forKey: .format)
        try c.encodeIfPresent(modelID, forKey: .modelID)
        try c.encodeIfPresent(f5Architecture, forKey: .architecture)
        try c.encodeIfPresent(vocosArchitecture, forKey: .architecture)
        try c.encodeIfPresent(convention, forKey: .convention)
        try c.encodeIfPresent(conventionSource, forKey: .conventionSource)
        try c.encodeIfPresent(vocabularySize, forKey: .vocabularySize)
        try c.encode(q4Tensors, forKey: .q4Tensors); try c.encode(denseTensors, forKey: .denseTensors)
        try c.encode(q4Parameters, forKey: .q4Parameters); try c.encode(denseParameters, forKey: .denseParameters)
        try c.encode(bytes, forKey: .bytes); try c.encode(loadMilliseconds, forKey: .loadMilliseconds)
    }

    /// Loads every bundle of a model path and times each load.
    public static func inspect(path: String) throws -> [BundleSummary] {
        try F5TTSError.wrapping { try summaries(path: path) }
    }

    private static func summaries(path: String) throws -> [BundleSummary] {
        let package = try ModelPackage.open(path: path)
        return try package.bundles.map { entry in
            let clock = Stopwatch()
            let bundle = try WeightBundle.load(tree: entry.tree)
            let ms = clock.elapsed * 1e3
            return BundleSummary(bundle: bundle, loadMilliseconds: ms)
        }
    }
}
