import Foundation

/// Everything that can go wrong turning text into a synthesis plan.
/// Each case names the file or argument and what was expected against what was found.
public enum TextError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case cannotReadVocabulary(file: String, reason: String)
    case emptyVocabulary(file: String)
    case invalidVocabularyEncoding(file: String, expected: String)
    case emptyText(argument: String)
    case noKnownCharacters(argument: String, text: String)
    case cannotReadChineseData(file: String, reason: String)
    case invalidArgument(name: String, expected: String, found: String)
    case tooManyFrames(chunk: Int, frames: Int, limit: Int)

    public var description: String {
        switch self {
        case let .cannotReadVocabulary(file, reason): return "\(file): cannot read the vocabulary: \(reason)"
        case let .emptyVocabulary(file): return "\(file): expected one token per line, found an empty vocabulary"
        case let .invalidVocabularyEncoding(file, expected):
            return "\(file): expected \(expected), found bytes that are not valid UTF-8"
        case let .emptyText(argument):
            return "\(argument): expected text to speak, found nothing but whitespace"
        case let .noKnownCharacters(argument, text):
            return "\(argument): expected at least one character of the model's vocabulary, found none in \"\(text)\""
        case let .cannotReadChineseData(file, reason):
            return "\(file): cannot read the Chinese segmentation and pinyin data: \(reason)"
        case let .invalidArgument(name, expected, found): return "\(name): expected \(expected), found \(found)"
        case let .tooManyFrames(chunk, frames, limit):
            return "chunk \(chunk): expected at most \(limit) mel frames (reference + generated), found \(frames); "
                + "use a shorter reference clip or a shorter --fix-duration"
        }
    }

    public var errorDescription: String? { description }
}
