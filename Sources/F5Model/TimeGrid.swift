import Foundation

/// The flow-time grid of `CFM.sample`, in float32 as torch computes it.
public enum TimeGrid {
    /// Empirically Pruned Step Sampling tables (`get_epss_timesteps`), in units of 1/32.
    public static let epssTables: [Int: [Int]] = [
        5: [0, 2, 4, 8, 16, 32],
        6: [0, 2, 4, 6, 8, 16, 32],
        7: [0, 2, 4, 6, 8, 16, 24, 32],
        10: [0, 2, 4, 6, 8, 12, 16, 20, 24, 28, 32],
        12: [0, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32],
        16: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32],
    ]

    /// steps + 1 times from 0 to 1: the EPSS table when one exists for `steps` (and `useEPSS`), else
    /// linspace; then sway sampling t + sway * (cos(pi/2 t) - 1 + t) when `sway` is given.
    public static func timesteps(steps: Int, sway: Float?, useEPSS: Bool = true) -> [Float] {
        var t: [Float]
        if useEPSS, let table = epssTables[steps] {
            t = table.map { Float($0) / 32 }
        } else {
            t = linspace(0, 1, count: steps + 1)
        }
        if let sway {
            let halfPi = Float(Double.pi / 2)
            t = t.map { $0 + sway * (cos(halfPi * $0) - 1 + $0) }
        }
        return t
    }

    /// torch.linspace for float32: the first half counts up from start, the second half down from end.
    static func linspace(_ start: Float, _ end: Float, count: Int) -> [Float] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (end - start) / Float(count - 1)
        let halfway = count / 2
        return (0..<count).map { i in i < halfway ? start + step * Float(i) : end - step * Float(count - i - 1) }
    }
}
