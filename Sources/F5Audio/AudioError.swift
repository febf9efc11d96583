import Foundation

/// Everything that can go wrong reading, preparing, vocoding or writing audio.
/// Each case names the file or argument and what was expected against what was found.
public enum AudioError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case cannotOpen(file: String, reason: String)
    case empty(file: String)
    case tooShort(file: String, seconds: Double, minimum: Double)
    /// More audio than the caller's budget allows (what the header claims, or what decoding found).
    case tooLong(file: String, seconds: Double, maximum: Double)
    case silent(file: String, thresholdDBFS: Double)
    case unsupported(file: String, expected: String, found: String)
    case readFailed(file: String, reason: String)
    case cannotWrite(file: String, reason: String)
    case invalidArgument(name: String, expected: String, found: String)
    case malformedNumpy(file: String, expected: String, found: String)
    case vocoder(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason): return "\(file): cannot open audio: \(reason)"
        case let .empty(file): return "\(file): the audio has no samples"
        case let .tooShort(file, seconds, minimum):
            return "\(file): expected at least \(minimum) s of audio, found \(String(format: "%.3f", seconds)) s"
        case let .tooLong(file, seconds, maximum):
            return "\(file): expected at most \(String(format: "%g", maximum)) s of audio, found \(String(format: "%.1f", seconds)) s; trim the clip"
        case let .silent(file, threshold):
            return "\(file): the audio is silent: no 10 ms chunk is louder than \(threshold) dBFS"
        case let .unsupported(file, expected, found): return "\(file): expected \(expected), found \(found)"
        case let .readFailed(file, reason): return "\(file): reading audio failed: \(reason)"
        case let .cannotWrite(file, reason): return "\(file): cannot write audio: \(reason)"
        case let .invalidArgument(name, expected, found): return "\(name): expected \(expected), found \(found)"
        case let .malformedNumpy(file, expected, found): return "\(file): expected \(expected), found \(found)"
        case let .vocoder(file, reason): return "\(file): vocoder: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
