import F5Audio
import F5Bundle
import F5Model
import F5Text
import Foundation

/// Everything the F5TTS API throws (besides `CancellationError` for a cancelled synthesis). Each message
/// names the file, field or argument, with what was expected against what was found. Failures of the
/// modules below keep their own precise case, wrapped.
public enum F5TTSError: Error, LocalizedError, CustomStringConvertible {
    /// A bundle, vocoder or vocabulary that was looked for and not found.
    case notFound(what: String, searched: String, hint: String)
    /// Model, vocoder and vocabulary that do not fit together.
    case mismatch(String)
    case invalidArgument(name: String, expected: String, found: String)
    case http(url: String, status: Int)
    case transfer(url: String, reason: String)
    case cannotWrite(file: String, reason: String)
    /// A bundle, archive or checksum problem.
    case bundle(BundleError)
    /// Audio that cannot be read, decoded or used.
    case audio(AudioError)
    /// Text or vocabulary that cannot be planned.
    case text(TextError)
    /// Weights or arguments the model rejects.
    case model(ModelError)

    public var description: String {
        switch self {
        case let .notFound(what, searched, hint): return "no \(what) found in \(searched); \(hint)"
        case let .mismatch(message): return message
        case let .invalidArgument(name, expected, found): return "\(name): expected \(expected), found \(found)"
        case let .http(url, status): return "\(url): HTTP status \(status)"
        case let .transfer(url, reason): return "\(url): \(reason)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        case let .bundle(error): return error.description
        case let .audio(error): return error.description
        case let .text(error): return error.description
        case let .model(error): return error.description
        }
    }

    public var errorDescription: String? { description }

    /// Runs `body`, turning the lower modules' errors into this type (cancellation passes through).
    static func wrapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw wrap(error) }
    }

    static func wrap(_ error: Error) -> Error {
        switch error {
        case let error as BundleError: return F5TTSError.bundle(error)
        case let error as AudioError: return F5TTSError.audio(error)
        case let error as TextError: return F5TTSError.text(error)
        case let error as ModelError: return F5TTSError.model(error)
        default: return error
        }
    }
}
