import Foundation

/// Everything the model and sampler reject, each case naming the tensor or argument with what was
/// expected and what was found.
public enum ModelError: LocalizedError, CustomStringConvertible, Equatable, Sendable {
    /// The bundle is not an F5 DiT bundle (e.g. a Vocos bundle).
    case notAnF5Bundle(format: String)
    case missingTensor(String)
    case tensorShape(tensor: String, expected: [Int], found: [Int])
    /// A linear / convolution weight stored dense where the model needs Q4.
    case tensorNotQuantized(String)
    /// The manifest's architecture cannot run (e.g. an odd head size for RoPE).
    case architecture(field: String, expected: String, found: String)
    /// A token id outside -1 (filler) ..< vocabulary size.
    case tokenOutOfRange(position: Int, id: Int32, vocabularySize: Int)
    /// More frames than the reference model can embed.
    case tooManyFrames(frames: Int, limit: Int)
    /// A buffer argument of the wrong element count.
    case wrongCount(argument: String, expected: Int, found: Int)
    case invalidArgument(argument: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .notAnF5Bundle(format):
            return "not an F5 DiT bundle: expected format f5tts-q4-bundle-v0, found \(format)"
        case let .missingTensor(name):
            return "tensor '\(name)' is missing from the bundle"
        case let .tensorShape(name, expected, found):
            return "tensor '\(name)': expected shape \(expected), found \(found)"
        case let .tensorNotQuantized(name):
            return "tensor '\(name)': expected a Q4 tensor, found a dense one"
        case let .architecture(field, expected, found):
            return "architecture field '\(field)': expected \(expected), found \(found)"
        case let .tokenOutOfRange(position, id, size):
            return "text token \(position): expected an id in -1..<\(size) (bundle vocabulary), found \(id)"
        case let .tooManyFrames(frames, limit):
            return "too many frames: at most \(limit) (the reference text position table), found \(frames)"
        case let .wrongCount(argument, expected, found):
            return "argument '\(argument)': expected \(expected) values, found \(found)"
        case let .invalidArgument(argument, expected, found):
            return "argument '\(argument)': expected \(expected), found \(found)"
        }
    }

    public var errorDescription: String? { description }
}
