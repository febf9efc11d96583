/// pypinyin 0.55.0 `lazy_pinyin(text, style=Style.TONE3, tone_sandhi=True)` (`core.py`,
/// `seg/simpleseg.py`, `seg/mmseg.py`, `converter.py`): runs of characters with readings are cut into
/// phrases by forward maximum matching, each phrase is read from the phrase table or character by character
/// (first reading), then tone sandhi applies within the phrase. Readings are stored already in TONE3.
struct Pinyin: Sendable {
    /// First reading of each BMP character: char TAB reading (pypinyin PINYIN_DICT).
    private let readings: SortedTable
    /// Phrases of two or more characters: phrase TAB space-separated readings (PHRASES_DICT, which pypinyin
    /// prunes of phrases read like their characters, so 很好 or 展览 are not phrases).
    private let phrases: SortedTable

    /// The data shipped with the package, loaded on first use.
    static func shared() throws -> Pinyin { try loaded.get() }

    private static let loaded = Result<Pinyin, Error> {
        Pinyin(readings: try ChineseResource.table("pinyin_chars"), phrases: try ChineseResource.table("pinyin_phrases"))
    }

    /// pypinyin's RE_HANS, the characters it tries to read. Its supplementary-plane ranges are left out:
    /// F5 only asks about 3-byte characters.
    static func hasReadingsRange(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3007, 0xE815...0xE864, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF: return true
        default: return false
        }
    }

    /// One item per character of a run of `hasReadingsRange` characters, and one (the run itself) per
    /// run of other characters (`simple_seg`).
    func lazyPinyin(_ text: ArraySlice<Unicode.Scalar>) -> [String] {
        var items: [String] = []
        var i = text.startIndex
        while i < text.endIndex {
            let hans = Self.hasReadingsRange(text[i])
            var end = i + 1
            while end < text.endIndex, Self.hasReadingsRange(text[end]) == hans { end += 1 }
            if hans {
                for phrase in phrasesOf(text[i..<end]) { items += ToneSandhi.apply(to: read(phrase), of: phrase) }
            } else {
                items.append(PythonText.string(text[i..<end]))
            }
            i = end
        }
        return items
    }

    /// Phrase readings, or each character's first reading (a character without one stands for itself).
    private func read(_ phrase: ArraySlice<Unicode.Scalar>) -> [String] {
        if phrase.count > 1, case let .entry(index) = phrases.match(UTF8Run(phrase)[0..<phrase.count]) {
            return String(decoding: phrases.value(index), as: UTF8.self).split(separator: " ").map(String.init)
        }
        return phrase.map { char in
            guard case let .entry(index) = readings.match(UTF8Run([char])[0..<1]) else { return String(char) }
            return String(decoding: readings.value(index), as: UTF8.self)
        }
    }

    /// mmseg `Seg.cut` with `no_non_phrases=True`: at each point the longest phrase, else one character.
    /// Its quirk is kept: when the rest of the run is a prefix of some phrase but holds none, every
    /// remaining character is cut alone, even where a later phrase would start.
    private func phrasesOf(_ run: ArraySlice<Unicode.Scalar>) -> [ArraySlice<Unicode.Scalar>] {
        let bytes = UTF8Run(run)
        let base = run.startIndex
        var cuts: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        while start < run.count {
            var longest: Int?
            var restIsPrefix = true
            for end in (start + 1)...run.count {
                let match = phrases.match(bytes[start..<end])
                if match == .absent { restIsPrefix = false; break }
                if case .entry = match { longest = end }
            }
            let end = longest ?? (restIsPrefix ? run.count : start + 1)
            if longest != nil {
                cuts.append(run[(base + start)..<(base + end)])
            } else {
                cuts += (start..<end).map { run[(base + $0)...(base + $0)] }
            }
            start = end
        }
        return cuts
    }
}
