import Foundation

/// The part of pydub's `AudioSegment` that F5-TTS's reference preparation uses, on the same integers:
/// millisecond slicing, `len`, `rms`/`dBFS` (audioop), concatenation with `_sync` (audioop `ratecv`,
/// `lin2lin`, mono-to-multichannel). Python's float arithmetic is reproduced step by step.
struct AudioSegment {
    /// Interleaved samples in the range of `sampleWidth` bytes.
    private(set) var samples: [Int32]
    let channels: Int
    let frameRate: Int
    let sampleWidth: Int
    /// Prefix sums of squares, exact in Int64 for widths up to 2 bytes (where audioop's double sum is exact too).
    private let squarePrefix: [Int64]?

    init(samples: [Int32], channels: Int, frameRate: Int, sampleWidth: Int) {
        self.samples = samples; self.channels = channels; self.frameRate = frameRate; self.sampleWidth = sampleWidth
        if sampleWidth <= 2 {
            var prefix = [Int64](repeating: 0, count: samples.count + 1)
            var sum: Int64 = 0
            for (i, v) in samples.enumerated() { sum += Int64(v) * Int64(v); prefix[i + 1] = sum }
            squarePrefix = prefix
        } else {
            squarePrefix = nil
        }
    }

    init(_ audio: DecodedAudio) {
        self.init(samples: audio.samples, channels: audio.channels, frameRate: audio.sampleRate, sampleWidth: audio.sampleWidth)
    }

    /// `AudioSegment.silent(duration)`: mono 16-bit zeros at 11025 Hz by default.
    static func silent(milliseconds: Int, frameRate: Int = 11025) -> AudioSegment {
        let frames = Int(Double(frameRate) * (Double(milliseconds) / 1000.0))
        return AudioSegment(samples: [Int32](repeating: 0, count: frames), channels: 1, frameRate: frameRate, sampleWidth: 2)
    }

    var frameCount: Int { samples.count / channels }

    /// `len(seg)`: milliseconds, `round(1000 * (frames / rate))` (half to even).
    var length: Int { Int((1000 * (Double(frameCount) / Double(frameRate))).rounded(.toNearestOrEven)) }

    var maxPossibleAmplitude: Double { Double(UInt64(1) << (8 * sampleWidth)) / 2 }

    /// `frame_count(ms=...)` truncated by `_parse_position`.
    private func frames(milliseconds ms: Int) -> Int { Int(Double(ms) * (Double(frameRate) / 1000.0)) }

    /// `seg[start:end]` in frames: the stored range plus the zero frames pydub pads when the
    /// millisecond end maps past the last frame.
    private func frameRange(start: Int, end: Int) -> (from: Int, to: Int, padding: Int) {
        let len = length
        let s = frames(milliseconds: min(start, len)), e = frames(milliseconds: min(end, len))
        let from = min(s, frameCount), to = max(from, min(e, frameCount))
        return (from, to, max(0, (e - s) - (to - from)))
    }

    /// `seg[start:end]` (milliseconds, non-negative).
    func slice(_ start: Int, _ end: Int) -> AudioSegment {
        let r = frameRange(start: start, end: end)
        var data = Array(samples[(r.from * channels)..<(r.to * channels)])
        data.append(contentsOf: repeatElement(0, count: r.padding * channels))
        return AudioSegment(samples: data, channels: channels, frameRate: frameRate, sampleWidth: sampleWidth)
    }

    /// `seg[start:end].rms`: audioop's `(unsigned)sqrt(sum of squares / n)`, without building the slice.
    func rms(_ start: Int, _ end: Int) -> Double {
        let r = frameRange(start: start, end: end)
        let n = (r.to - r.from + r.padding) * channels
        guard n > 0 else { return 0 }
        let lo = r.from * channels, hi = r.to * channels
        let sum: Double
        if let prefix = squarePrefix {
            sum = Double(prefix[hi] - prefix[lo])
        } else {
            sum = samples.withUnsafeBufferPointer { p in
                var s = 0.0
                for i in lo..<hi { let v = Double(p[i]); s += v * v }
                return s
            }
        }
        return (sum / Double(n)).squareRoot().rounded(.towardZero)
    }

    /// `seg[start:end].dBFS`: `20 * log(rms / max_amplitude, 10)` as Python evaluates it.
    func dBFS(_ start: Int, _ end: Int) -> Double {
        let value = rms(start, end)
        guard value > 0 else { return -.infinity }
        return 20 * (log(value / maxPossibleAmplitude) / log(10.0))
    }

    /// `seg.reverse()`: frames in reverse order.
    func reversed() -> AudioSegment {
        var out = [Int32](repeating: 0, count: samples.count)
        for f in 0..<frameCount {
            let src = (frameCount - 1 - f) * channels
            for c in 0..<channels { out[f * channels + c] = samples[src + c] }
        }
        return AudioSegment(samples: out, channels: channels, frameRate: frameRate, sampleWidth: sampleWidth)
    }

    /// `a + b`: both brought to the larger channel count, rate and width (`_sync`), then concatenated.
    static func + (a: AudioSegment, b: AudioSegment) -> AudioSegment {
        let channels = max(a.channels, b.channels), rate = max(a.frameRate, b.frameRate), width = max(a.sampleWidth, b.sampleWidth)
        let x = a.synced(channels: channels, frameRate: rate, sampleWidth: width)
        let y = b.synced(channels: channels, frameRate: rate, sampleWidth: width)
        return AudioSegment(samples: x.samples + y.samples, channels: channels, frameRate: rate, sampleWidth: width)
    }

    /// `set_channels(...).set_frame_rate(...).set_sample_width(...)`. Channels only ever grow here,
    /// and only from mono (pydub's silences), which duplicates the channel.
    private func synced(channels target: Int, frameRate rate: Int, sampleWidth width: Int) -> AudioSegment {
        var data = samples
        if target != channels {
            data = samples.flatMap { repeatElement($0, count: target) }
        }
        if rate != frameRate, !data.isEmpty {
            data = AudioSegment.ratecv(data, width: sampleWidth, channels: target, from: frameRate, to: rate)
        }
        if width != sampleWidth {
            // audioop.lin2lin: through 32-bit left-justified values.
            let up = 32 - 8 * sampleWidth, down = 32 - 8 * width
            data = data.map { ($0 << up) >> down }
        }
        return AudioSegment(samples: data, channels: target, frameRate: rate, sampleWidth: width)
    }

    /// audioop.ratecv with no state and weights (1, 0): linear interpolation on 32-bit left-justified samples.
    static func ratecv(_ input: [Int32], width: Int, channels: Int, from inRate: Int, to outRate: Int) -> [Int32] {
        let g = gcd(inRate, outRate)
        let inrate = inRate / g, outrate = outRate / g
        let shift = Int32(32 - 8 * width)
        var prev = [Int32](repeating: 0, count: channels), cur = prev
        var out: [Int32] = []
        out.reserveCapacity(input.count / inrate * outrate + outrate * channels)
        var d = -outrate
        var remaining = input.count / channels
        var position = 0
        while true {
            while d < 0 {
                if remaining == 0 { return out }
                for c in 0..<channels {
                    prev[c] = cur[c]
                    cur[c] = input[position] << shift
                    position += 1
                }
                remaining -= 1
                d += outrate
            }
            while d >= 0 {
                for c in 0..<channels {
                    let value = (Double(prev[c]) * Double(d) + Double(cur[c]) * Double(outrate - d)) / Double(outrate)
                    out.append(Int32(value.rounded(.towardZero)) >> shift)
                }
                d -= inrate
            }
        }
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b > 0 { (a, b) = (b, a % b) }
        return a
    }
}
