import Foundation

/// How rjieba 0.2.2 (jieba-rs 0.11.0, `cut(text, hmm=True)`) cuts a block run that holds CJK ideographs
/// (jieba-rs `jieba/src/lib.rs` `dag`, `calc`, `cut_dag_hmm`; the same algorithm as jieba 0.42.1
/// `__cut_DAG`): every dictionary word starting at each code point (the DAG), the route of highest
/// log-probability to the end, and the single-character steps of that route buffered and handed to the HMM.
struct Jieba: Sendable {
    /// jieba's dict.txt: word TAB frequency.
    private let dictionary: SortedTable
    /// ln of the sum of all frequencies (a word listed twice counts once, with its last frequency).
    private let logTotal: Double
    let hmm: JiebaHMM

    init(dictionary: SortedTable, hmm: JiebaHMM) {
        self.dictionary = dictionary
        self.hmm = hmm
        logTotal = log(Double((0..<dictionary.count).reduce(0) { $0 + Self.frequency(dictionary.value($1)) }))
    }

    /// The data shipped with the package, loaded on first use (text without ideographs never asks for it).
    static func shared() throws -> Jieba { try loaded.get() }

    private static let loaded = Result<Jieba, Error> {
        Jieba(dictionary: try ChineseResource.table("jieba_dict"), hmm: try JiebaHMM(bytes: ChineseResource.bytes("jieba_hmm")))
    }

    private static func frequency(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// For each code point of `run`, the ends (exclusive, ascending) of the dictionary words starting there.
    func dag(_ run: UTF8Run, count: Int) -> [[Int]] {
        (0..<count).map { start in
            var ends: [Int] = []
            var end = start + 1
            while end <= count {
                let match = dictionary.match(run[start..<end])
                if match == .absent { break }
                if case .entry = match { ends.append(end) }
                end += 1
            }
            return ends
        }
    }

    /// jieba-rs `calc`: for each start, the best log-probability of the rest and where its first word ends.
    /// A code point that starts no word is a word of frequency 1; equal scores go to the longer word.
    func route(_ run: UTF8Run, dag: [[Int]]) -> [(logProbability: Double, end: Int)] {
        var route = Array(repeating: (logProbability: 0.0, end: dag.count), count: dag.count + 1)
        for start in dag.indices.reversed() {
            var best = (logProbability: 0 - logTotal + route[start + 1].logProbability, end: start + 1)
            for (index, end) in dag[start].enumerated() {
                let candidate = logFrequency(run[start..<end]) - logTotal + route[end].logProbability
                if index == 0 || candidate >= best.logProbability { best = (candidate, end) }
            }
            route[start] = best
        }
        return route
    }

    /// ln(frequency) of a dictionary word.
    private func logFrequency(_ word: ArraySlice<UInt8>) -> Double {
        guard case let .entry(index) = dictionary.match(word) else { return 0 }
        return log(Double(Self.frequency(dictionary.value(index))))
    }

    private func isWord(_ word: ArraySlice<UInt8>) -> Bool {
        if case .entry = dictionary.match(word) { return true }
        return false
    }

    /// jieba-rs `cut_dag_hmm` over `text[run]`, appending the segments (absolute ranges) to `result`.
    func cut(_ text: [Unicode.Scalar], _ run: Range<Int>, into result: inout [Range<Int>]) {
        let bytes = UTF8Run(text[run])
        let route = route(bytes, dag: dag(bytes, count: run.count))
        var singlesStart: Int?
        // Consecutive one-character steps: one character stays, a dictionary word is spelt out, the rest
        // goes to the HMM, which finds the words the dictionary does not know.
        func flushSingles(before end: Int) {
            guard let start = singlesStart else { return }
            singlesStart = nil
            if end - start == 1 || isWord(bytes[start..<end]) {
                result.append(contentsOf: (start..<end).map { (run.lowerBound + $0)..<(run.lowerBound + $0 + 1) })
            } else {
                hmm.cut(text, (run.lowerBound + start)..<(run.lowerBound + end), into: &result)
            }
        }
        var position = 0
        while position < run.count {
            let end = route[position].end
            if end - position == 1 {
                if singlesStart == nil { singlesStart = position }
            } else {
                flushSingles(before: position)
                result.append((run.lowerBound + position)..<(run.lowerBound + end))
            }
            position = end
        }
        flushSingles(before: run.count)
    }
}
