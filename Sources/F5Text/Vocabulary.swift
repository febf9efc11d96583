import Foundation

/// The model's token table, read exactly as f5_tts `get_tokenizer(path, "custom")` reads `vocab.txt`:
/// text-mode UTF-8 (universal newlines: `\n`, `\r\n` and a lone `\r` all end a line), the last character of
/// every line dropped (the newline, or a real character on an unterminated last line), id = 0-based line
/// number, a repeated token keeping its last line. Unknown tokens map to id 0, as `list_str_to_idx` does.
public struct Vocabulary: Sendable {
    /// Where the table came from, for error messages.
    public let source: String
    /// Token bytes (UTF-8) → id. Keyed by bytes because Swift `String` equality is canonical equivalence
    /// (`é` == `e` + U+0301) while the reference's dict compares code points.
    private let ids: [[UInt8]: Int32]

    /// The number of distinct tokens: the reference's `vocab_size` (text embedding rows = size + 1).
    public var size: Int { ids.count }

    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TextError.cannotReadVocabulary(file: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, source: url.path)
    }

    public init(data: Data, source: String) throws {
        // Not `String(data:encoding:)`: Foundation may drop a leading BOM, which Python keeps in the first token.
        guard let text = String(validating: data, as: UTF8.self) else {
            throw TextError.invalidVocabularyEncoding(file: source, expected: "UTF-8 text, one token per line")
        }
        var ids: [[UInt8]: Int32] = [:]
        for (index, line) in Self.lines(of: text).enumerated() {
            ids[Array(PythonText.string(line).utf8)] = Int32(truncatingIfNeeded: index)
        }
        guard !ids.isEmpty else { throw TextError.emptyVocabulary(file: source) }
        self.source = source
        self.ids = ids
    }

    /// F5-TTS's own `infer/examples/vocab.txt` (2545 tokens, the table of F5TTS_Base and F5TTS_v1_Base),
    /// shipped as a resource: used when a model comes without a vocabulary of its own.
    public static var builtInURL: URL {
        Bundle.module.url(forResource: "vocab", withExtension: "txt", subdirectory: "Resources")!
    }

    /// The id of one token, 0 (the space) when the token is not in the table.
    public func id(of token: String) -> Int32 { ids[Array(token.utf8)] ?? 0 }

    public func contains(_ token: String) -> Bool { ids[Array(token.utf8)] != nil }

    /// `list_str_to_idx` for one token list (before the model's +1 shift for the filler token).
    public func ids(of tokens: [String]) -> [Int32] { tokens.map(id(of:)) }

    /// Each line's key: its text without the final character of the line as Python yields it.
    private static func lines(of text: String) -> [ArraySlice<Unicode.Scalar>] {
        let scalars = Array(text.unicodeScalars)
        var keys: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        var i = 0
        while i < scalars.count {
            switch scalars[i] {
            case "\n":
                keys.append(scalars[start..<i])
                i += 1
                start = i
            case "\r":
                keys.append(scalars[start..<i])
                i += (i + 1 < scalars.count && scalars[i + 1] == "\n") ? 2 : 1
                start = i
            default:
                i += 1
            }
        }
        if start < scalars.count { keys.append(scalars[start..<(scalars.count - 1)]) }
        return keys
    }
}
