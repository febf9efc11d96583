/// The few Python `str` semantics the reference relies on, on Unicode scalars (Python iterates code points,
/// not grapheme clusters, and compares them without canonical equivalence).
public enum PythonText {
    /// `str.isspace()`, which is also what `re`'s `\s` and `str.strip()` use (listed from CPython 3.11).
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `str.strip()` with no arguments.
    static func strip(_ scalars: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return [] }
        return scalars[first...last]
    }

    public static func strip(_ text: String) -> String { string(strip(ArraySlice(text.unicodeScalars))) }

    /// `len(s.encode("utf-8"))`.
    static func utf8Count<S: Sequence>(_ scalars: S) -> Int where S.Element == Unicode.Scalar {
        scalars.reduce(0) { $0 + $1.utf8.count }
    }

    /// `int(x)` for a float: truncation toward zero. Where Python would make a big integer this saturates at
    /// ±2^62 (far beyond any frame or sample count), so callers can still add to it without trapping; NaN
    /// (only reachable from arguments validated elsewhere) maps to 0.
    static func int(_ x: Double) -> Int {
        let limit = Double(1 << 62)
        if x.isNaN { return 0 }
        return Int(min(max(x, -limit), limit))
    }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
