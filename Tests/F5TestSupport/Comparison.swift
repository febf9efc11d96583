import Foundation

// Measures the tests compare against independent references with, in double precision.

/// 10·log10(Σref² / Σ(x − ref)²); infinity when they are equal.
public func snr(_ x: [Float], reference: [Float]) -> Double {
    precondition(x.count == reference.count, "sizes differ: \(x.count) vs \(reference.count)")
    var signal = 0.0, noise = 0.0
    for (a, b) in zip(x, reference) {
        signal += Double(b) * Double(b)
        noise += (Double(a) - Double(b)) * (Double(a) - Double(b))
    }
    return noise == 0 ? .infinity : 10 * log10(signal / noise)
}

/// max |ours − ref| / max |ref| (the plain max error when the reference is all zeros).
public func maxRelativeError<R: BinaryFloatingPoint>(_ ours: [Float], _ reference: [R]) -> Double {
    precondition(ours.count == reference.count, "sizes differ: \(ours.count) vs \(reference.count)")
    let scale = reference.map { abs(Double($0)) }.max() ?? 0
    let error = zip(ours, reference).map { abs(Double($0) - Double($1)) }.max() ?? 0
    return scale > 0 ? error / scale : error
}
