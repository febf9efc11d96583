import Foundation

/// pydub's `silence.py` as F5-TTS calls it, on `AudioSegment` (all positions in milliseconds).
enum Silence {
    /// `detect_silence`: silent windows of `minLength` ms tested every `seekStep` ms (plus the last
    /// window), merged into [start, end] ranges.
    static func detectSilence(_ audio: AudioSegment, minLength: Int, threshold dB: Double, seekStep: Int) -> [(Int, Int)] {
        let length = audio.length
        guard length >= minLength else { return [] }
        let threshold = pow(10, dB / 20) * audio.maxPossibleAmplitude
        let lastStart = length - minLength
        var starts = Array(stride(from: 0, through: lastStart, by: seekStep))
        if lastStart % seekStep != 0 { starts.append(lastStart) }
        let silentStarts = starts.filter { audio.rms($0, $0 + minLength) <= threshold }
        guard var previous = silentStarts.first else { return [] }
        var ranges: [(Int, Int)] = []
        var rangeStart = previous
        for start in silentStarts.dropFirst() {
            let continuous = start == previous + seekStep
            let hasGap = start > previous + minLength
            if !continuous && hasGap {
                ranges.append((rangeStart, previous + minLength))
                rangeStart = start
            }
            previous = start
        }
        ranges.append((rangeStart, previous + minLength))
        return ranges
    }

    /// `detect_nonsilent`: the complement of `detectSilence`.
    static func detectNonsilent(_ audio: AudioSegment, minLength: Int, threshold: Double, seekStep: Int) -> [(Int, Int)] {
        let silent = detectSilence(audio, minLength: minLength, threshold: threshold, seekStep: seekStep)
        let length = audio.length
        guard let first = silent.first, let last = silent.last else { return [(0, length)] }
        if first.0 == 0 && first.1 == length { return [] }
        var ranges: [(Int, Int)] = []
        var previousEnd = 0
        for (start, end) in silent {
            ranges.append((previousEnd, start))
            previousEnd = end
        }
        if last.1 != length { ranges.append((previousEnd, length)) }
        if let head = ranges.first, head == (0, 0) { ranges.removeFirst() }
        return ranges
    }

    /// `split_on_silence`: non-silent ranges widened by `keepSilence` ms, overlaps split at the midpoint.
    static func splitOnSilence(_ audio: AudioSegment, minLength: Int, threshold: Double, keepSilence: Int,
                               seekStep: Int) -> [AudioSegment] {
        var ranges = detectNonsilent(audio, minLength: minLength, threshold: threshold, seekStep: seekStep)
            .map { ($0.0 - keepSilence, $0.1 + keepSilence) }
        if ranges.count > 1 {
            for i in 0..<(ranges.count - 1) where ranges[i + 1].0 < ranges[i].1 {
                let middle = floorDiv(ranges[i].1 + ranges[i + 1].0, 2)
                ranges[i].1 = middle
                ranges[i + 1].0 = middle
            }
        }
        let length = audio.length
        return ranges.map { audio.slice(max($0.0, 0), min($0.1, length)) }
    }

    /// `detect_leading_silence`: milliseconds of leading `chunk`-ms pieces quieter than `threshold` dBFS.
    static func leadingSilence(_ audio: AudioSegment, threshold: Double, chunk: Int = 10) -> Int {
        let length = audio.length
        var trim = 0
        while audio.dBFS(trim, trim + chunk) < threshold && trim < length { trim += chunk }
        return min(trim, length)
    }

    /// Python's `//` (rounds toward negative infinity; range starts can be negative here).
    private static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
