import F5TTS
import Foundation

/// What a job's audio depends on, hashed: a rerun redoes a job exactly when one of these changed.
public struct JobInputs: Encodable {
    public var text: String
    public var transcript: String
    /// The reference clip's bytes, hashed (not its path: moving a clip redoes nothing, editing it redoes all).
    public var referenceSHA256: String
    public var output: String
    public var format: String
    public var sampleFormat: String
    /// Every synthesis setting, the seed included.
    public var options: SynthesisOptions
    /// `ModelIdentity.of` the model, vocoder and vocabulary.
    public var model: String
    /// dequant and direct give slightly different samples.
    public var backend: String

    enum CodingKeys: String, CodingKey {
        case text, transcript, referenceSHA256 = "reference_sha256", output, format, sampleFormat = "sample_format", options, model, backend
    }

    /// SHA-256 of the inputs as canonical JSON (sorted keys).
    public var hash: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Digest.sha256(try! encoder.encode(self))
    }
}

/// One name for the weights a synthesis ran on: the bundles' checksum lists (which cover every tensor
/// byte), the vocabulary and the convention in force. Cheap: nothing is loaded or hashed beyond those.
public enum ModelIdentity {
    public static func of(_ files: ModelFiles) -> String { Digest.sha256(Data(files.identityText.utf8)) }
}
