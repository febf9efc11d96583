/// A JSON value with ordered keys, printed byte for byte like Python's `json.dumps(value, indent=2)`
/// (the published exporter's output), so bundles written here match its files.
public indirect enum PythonJSON: Equatable, Sendable {
    case object([(String, PythonJSON)])
    case array([PythonJSON])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null

    public static func == (a: PythonJSON, b: PythonJSON) -> Bool { a.serialized() == b.serialized() }

    public func serialized(indent: Int = 2) -> String {
        var out = ""
        write(into: &out, level: 0, indent: indent)
        return out
    }

    private func write(into out: inout String, level: Int, indent: Int) {
        let pad = String(repeating: " ", count: (level + 1) * indent)
        let closePad = String(repeating: " ", count: level * indent)
        switch self {
        case let .object(items):
            if items.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in items.enumerated() {
                out += pad + PythonJSON.quote(key) + ": "
                value.write(into: &out, level: level + 1, indent: indent)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += closePad + "}"
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, value) in items.enumerated() {
                out += pad
                value.write(into: &out, level: level + 1, indent: indent)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += closePad + "]"
        case let .string(s): out += PythonJSON.quote(s)
        case let .int(v): out += String(v)
        case let .double(v): out += PythonJSON.pythonRepr(v)
        case let .bool(v): out += v ? "true" : "false"
        case .null: out += "null"
        }
    }

    /// Python's float repr: shortest round-trip digits, always with a fraction or exponent.
    static func pythonRepr(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        var s = "\(v)"  // Swift also prints the shortest round-trip form
        if let e = s.firstIndex(of: "e") {
            // Python writes 1e-05 / 1e+16 where Swift writes 1e-05 / 1e+16 too; normalise a bare "1.0e-05".
            let mantissa = s[..<e], exponent = s[s.index(after: e)...]
            let m = mantissa.hasSuffix(".0") ? String(mantissa.dropLast(2)) : String(mantissa)
            let sign = exponent.hasPrefix("-") ? "-" : "+"
            let digits = exponent.drop { $0 == "-" || $0 == "+" }
            s = m + "e" + sign + (digits.count < 2 ? "0" : "") + digits
        }
        return s
    }

    /// ensure_ascii=True string escaping.
    static func quote(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default: out += "\\u" + String(unit, radix: 16).leftPadded(to: 4)
            }
        }
        return out + "\""
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
