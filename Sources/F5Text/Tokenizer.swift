/// Text to the token strings the vocabulary maps to ids: the reference's `convert_char_to_pinyin`. A
/// language's front end (segmentation, readings) plugs in here; plans take one.
public protocol TextFrontEnd: Sendable {
    /// The token list for `text`; `argument` names the text in errors (e.g. "--text").
    func tokens(for text: String, argument: String) throws -> [String]
}

/// The front end for text without Chinese characters (`Tokenizer`).
public struct LatinFrontEnd: TextFrontEnd {
    public init() {}
    public func tokens(for text: String, argument: String) throws -> [String] { try Tokenizer.tokens(for: text, argument: argument) }
}

/// F5-TTS 1.1.22 `convert_char_to_pinyin([text])` for text without Chinese characters: one token per code
/// point, plus a `" "` token before some multi-character ASCII segments (the reference's word-boundary
/// hint, after rjieba 0.2.2's segmentation: `Segmenter`).
public enum Tokenizer {
    /// The reference's `str.maketrans` replacements, applied before anything else.
    private static let replacements: [Unicode.Scalar: Unicode.Scalar] = [
        ";": ",", "\u{201C}": "\"", "\u{201D}": "\"", "\u{2018}": "'", "\u{2019}": "'",
    ]
    /// A previous token from this set suppresses the inserted space.
    private static let spaceSuppressors: Set<String> = [" ", ":", "'", "\""]

    /// The token list for `text`. `argument` names the text in errors (e.g. "--text").
    /// Throws `needsPinyin` for Chinese characters, whose pypinyin readings are not implemented.
    public static func tokens(for text: String, argument: String = "text") throws -> [String] {
        let scalars = text.unicodeScalars.map { replacements[$0] ?? $0 }
        if let offset = scalars.firstIndex(where: needsPinyin) {
            throw TextError.needsPinyin(argument: argument, character: String(scalars[offset]), offset: offset)
        }
        var tokens: [String] = []
        tokens.reserveCapacity(scalars.count + scalars.count / 4)
        for segment in Segmenter.segments(scalars) {
            if scalars[segment].allSatisfy(\.isASCII) {
                if segment.count > 1, let last = tokens.last, !spaceSuppressors.contains(last) { tokens.append(" ") }
                tokens.append(contentsOf: scalars[segment].map { String($0) })
            } else {
                // Non-ASCII segments are single code points here (§2); pypinyin's only readings among them:
                tokens.append(contentsOf: nonASCIITokens(scalars[segment.lowerBound]))
            }
        }
        return tokens
    }

    /// A lone non-ASCII code point: `〇` is read "ling2"; other code points in U+3100–U+9FFF count as
    /// Chinese for the reference (`is_chinese`) and get a leading space; everything else is itself.
    private static func nonASCIITokens(_ s: Unicode.Scalar) -> [String] {
        switch s.value {
        case 0x3007: return ["ling2"]
        case 0x3100...0x9FFF: return [" ", String(s)]
        default: return [String(s)]
        }
    }

    /// CJK ideographs (which also change jieba's segmentation) and the private-use block where pypinyin
    /// has readings (70 of these 80 code points): they need a pinyin conversion this port does not have yet.
    private static func needsPinyin(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2A6DF, 0x2A700...0x2EBEF,
             0x2F800...0x2FA1F, 0xE815...0xE864:
            return true
        default:
            return false
        }
    }
}
