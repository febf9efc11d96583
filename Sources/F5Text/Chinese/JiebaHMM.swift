import Foundation

/// jieba's BMES hidden Markov model for words the dictionary does not know, as rjieba 0.2.2 runs it
/// (jieba-rs `jieba/src/hmm.rs`, like jieba 0.42.1 `finalseg`): runs of U+4E00–U+9FD5 are labelled by
/// Viterbi (Begin, Middle, End of a word, or Single), everything between them by the word/gap scanner.
struct JiebaHMM: Sendable {
    /// In jieba-rs's order, which also breaks ties between equally likely states (the later one wins).
    enum State: Int, CaseIterable {
        case begin, end, middle, single

        /// The states allowed right before this one.
        var previous: [State] {
            switch self {
            case .begin: return [.end, .single]
            case .end: return [.begin, .middle]
            case .middle: return [.middle, .begin]
            case .single: return [.single, .end]
            }
        }
    }

    /// jieba's stand-in for log(0) where a transition or emission is missing.
    static let minFloat = -3.14e100

    private let start: SIMD4<Double>
    /// `transition[from][to]`.
    private let transition: [SIMD4<Double>]
    /// Emission log-probabilities (B, E, M, S) per character.
    private let emission: [Unicode.Scalar: SIMD4<Double>]

    /// jieba_hmm.txt: start line, four transition lines, then `char TAB B E M S` lines, all numbers as
    /// Python's repr writes them, which strtod reads back exactly.
    init(bytes: [UInt8]) throws {
        let problem = TextError.cannotReadChineseData(file: "jieba_hmm.txt", reason: "expected 5 lines of 4 numbers, "
                                                      + "then char TAB 4 numbers per line")
        guard bytes.last == UInt8(ascii: "\n") else { throw problem }
        var position = 0
        var rows: [SIMD4<Double>] = []
        var emission: [Unicode.Scalar: SIMD4<Double>] = [:]
        emission.reserveCapacity(bytes.count / 40)
        try bytes.withUnsafeBufferPointer { buffer in
            let text = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            func numbers() throws -> SIMD4<Double> {
                var row = SIMD4<Double>()
                for k in 0..<4 {
                    var end: UnsafeMutablePointer<CChar>?
                    row[k] = strtod(text + position, &end)
                    guard let end, UnsafePointer(end) != text + position else { throw problem }
                    position = UnsafePointer(end) - text
                }
                guard buffer[position] == UInt8(ascii: "\n") else { throw problem }
                position += 1
                return row
            }
            for _ in 0..<5 { rows.append(try numbers()) }
            while position < buffer.count {
                guard let tab = buffer[position...].firstIndex(of: UInt8(ascii: "\t")),
                      let char = String(decoding: buffer[position..<tab], as: UTF8.self).unicodeScalars.first
                else { throw problem }
                position = tab + 1
                emission[char] = try numbers()
            }
        }
        start = rows[0]
        transition = Array(rows[1...])
        self.emission = emission
    }

    private static func isHan(_ s: Unicode.Scalar) -> Bool { (0x4E00...0x9FD5).contains(s.value) }

    /// jieba-rs `hmm::cut_with_allocated_memory` over `text[range]`, appending absolute ranges to `result`.
    func cut(_ text: [Unicode.Scalar], _ range: Range<Int>, into result: inout [Range<Int>]) {
        var i = range.lowerBound
        while i < range.upperBound {
            let han = Self.isHan(text[i])
            var end = i + 1
            while end < range.upperBound, Self.isHan(text[end]) == han { end += 1 }
            if !han {
                Segmenter.cutStretch(text, i..<end, into: &result)
            } else if end - i == 1 {
                result.append(i..<end)
            } else {
                appendWords(labels: viterbi(text[i..<end]), from: i, into: &result)
            }
            i = end
        }
    }

    /// A word ends at each End or Single; whatever follows the last one is a word too.
    private func appendWords(labels: [State], from offset: Int, into result: inout [Range<Int>]) {
        var begin = 0
        var next = 0
        for (i, state) in labels.enumerated() {
            switch state {
            case .begin: begin = i
            case .end: result.append((offset + begin)..<(offset + i + 1)); next = i + 1
            case .single: result.append((offset + i)..<(offset + i + 1)); next = i + 1
            case .middle: break
            }
        }
        if next < labels.count { result.append((offset + next)..<(offset + labels.count)) }
    }

    private func emit(_ state: State, _ char: Unicode.Scalar) -> Double { emission[char]?[state.rawValue] ?? Self.minFloat }

    /// The most likely labels of `chars` (at least two), ending in End or Single. Sums are formed in the
    /// reference's order (previous + transition + emission) so that ties, common once a missing emission
    /// swamps everything with -3.14e100, break the same way.
    func viterbi(_ chars: ArraySlice<Unicode.Scalar>) -> [State] {
        let chars = Array(chars)
        var score = State.allCases.map { start[$0.rawValue] + emit($0, chars[0]) }
        var back: [[State]] = []
        back.reserveCapacity(chars.count - 1)
        for char in chars.dropFirst() {
            var nextScore = score
            var from: [State] = []
            for state in State.allCases {
                let em = emit(state, char)
                let best = state.previous.map { (score[$0.rawValue] + transition[$0.rawValue][state.rawValue] + em, $0) }
                    .max { ($0.0, $0.1.rawValue) < ($1.0, $1.1.rawValue) }!
                nextScore[state.rawValue] = best.0
                from.append(best.1)
            }
            score = nextScore
            back.append(from)
        }
        var state = [State.end, State.single].max { (score[$0.rawValue], $0.rawValue) < (score[$1.rawValue], $1.rawValue) }!
        var labels = [state]
        for from in back.reversed() {
            state = from[state.rawValue]
            labels.append(state)
        }
        return labels.reversed()
    }
}
