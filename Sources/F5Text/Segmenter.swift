/// How `rjieba.cut` (rjieba 0.2.2: jieba-rs 0.11, HMM on) segments text, verified against rjieba on the
/// fixture corpora. Block runs without CJK ideographs are cut here without the dictionary (its only
/// entries of ASCII block characters are five words); runs with ideographs go to `Jieba`. Only segment
/// boundaries matter to the tokenizer, so segments are ranges.
enum Segmenter {
    /// The only dictionary entries made of ASCII block characters alone; each is taken wherever it occurs.
    private static let dictionaryWords: [[Unicode.Scalar]] = ["AT&T", "C++", "c++", "C#", "c#"].map {
        Array($0.unicodeScalars)
    }

    private static func isAlnum(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return false
        }
    }

    /// Characters jieba keeps together in one run: ASCII letters and digits, `+ # & . _ % -` and ideographs.
    private static func isBlock(_ s: Unicode.Scalar) -> Bool {
        isAlnum(s) || blockPunctuation.contains(s) || isIdeograph(s)
    }

    /// jieba-rs `is_cjk`: the CJK Unified Ideographs blocks, their extensions and compatibility ideographs.
    static func isIdeograph(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2A6DF, 0x2A700...0x2EBEF,
             0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    private static let blockPunctuation = Set("+#&._%-".unicodeScalars)

    private static func isConnector(_ s: Unicode.Scalar) -> Bool { s == "." || s == "_" || s == "-" }

    /// Loads the jieba data the first time a block run holds an ideograph.
    static func segments(_ text: [Unicode.Scalar]) throws -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = 0
        while i < text.count {
            if isBlock(text[i]) {
                var end = i
                while end < text.count, isBlock(text[end]) { end += 1 }
                if text[i..<end].contains(where: isIdeograph) {
                    try Jieba.shared().cut(text, i..<end, into: &result)
                } else {
                    cutBlockRun(text, i..<end, into: &result)
                }
                i = end
            } else {
                // Every non-block code point is its own segment, except that CR LF stays together.
                let length = text[i] == "\r" && i + 1 < text.count && text[i + 1] == "\n" ? 2 : 1
                result.append(i..<(i + length))
                i += length
            }
        }
        return result
    }

    /// Dictionary words become segments; the stretches between them go through the word/gap scanner.
    private static func cutBlockRun(_ text: [Unicode.Scalar], _ run: Range<Int>, into result: inout [Range<Int>]) {
        var stretchStart = run.lowerBound
        var i = run.lowerBound
        while i < run.upperBound {
            if let word = dictionaryWords.first(where: { matches($0, in: text, at: i, before: run.upperBound) }) {
                cutStretch(text, stretchStart..<i, into: &result)
                result.append(i..<(i + word.count))
                i += word.count
                stretchStart = i
            } else {
                i += 1
            }
        }
        cutStretch(text, stretchStart..<run.upperBound, into: &result)
    }

    private static func matches(_ word: [Unicode.Scalar], in text: [Unicode.Scalar], at i: Int, before end: Int) -> Bool {
        i + word.count <= end && text[i..<(i + word.count)].elementsEqual(word)
    }

    /// Words (alnum runs joined by single `. _ -` between alnum, one optional trailing `%`) and gaps
    /// (maximal runs of the other block punctuation, and of any other characters the HMM hands over).
    static func cutStretch(_ text: [Unicode.Scalar], _ stretch: Range<Int>, into result: inout [Range<Int>]) {
        var i = stretch.lowerBound
        let end = stretch.upperBound
        func alnumEnd(from k: Int) -> Int {
            var k = k
            while k < end, isAlnum(text[k]) { k += 1 }
            return k
        }
        while i < end {
            var j: Int
            if isAlnum(text[i]) {
                j = alnumEnd(from: i)
                while j + 1 < end, isConnector(text[j]), isAlnum(text[j + 1]) { j = alnumEnd(from: j + 1) }
                if j < end, text[j] == "%" { j += 1 }
            } else {
                j = i
                while j < end, !isAlnum(text[j]) { j += 1 }
            }
            result.append(i..<j)
            i = j
        }
    }
}
