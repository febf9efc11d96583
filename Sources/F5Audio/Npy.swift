import Foundation

/// NumPy `.npy` files of little-endian float32 in C order (format versions 1.0, 2.0 and 3.0 read; 1.0 written).
public enum NumpyFile {
    public static func read(path: String) throws -> (shape: [Int], values: [Float]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AudioError.cannotOpen(file: path, reason: "no such file or not readable")
        }
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw AudioError.malformedNumpy(file: path, expected: "the .npy magic \\x93NUMPY", found: "\(bytes.prefix(6).map { String(format: "%02x", $0) }.joined())")
        }
        let major = Int(bytes[6])
        let lengthBytes = major == 1 ? 2 : 4
        guard (1...3).contains(major), bytes.count >= 8 + lengthBytes else {
            throw AudioError.malformedNumpy(file: path, expected: "format version 1, 2 or 3", found: "\(major).\(bytes[7])")
        }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let start = 8 + lengthBytes + headerLength
        guard start <= bytes.count else {
            throw AudioError.malformedNumpy(file: path, expected: "a header of \(headerLength) bytes", found: "a \(bytes.count)-byte file")
        }
        let header = String(decoding: bytes[(8 + lengthBytes)..<start], as: UTF8.self)
        let descr = field("descr", in: header)
        guard descr == "'<f4'" || descr == "'float32'" else {
            throw AudioError.malformedNumpy(file: path, expected: "dtype float32 ('<f4')", found: "dtype \(descr ?? "missing")")
        }
        let order = field("fortran_order", in: header)
        guard order == "False" || order == "True" else {
            throw AudioError.malformedNumpy(file: path, expected: "fortran_order False or True", found: "fortran_order \(order ?? "missing")")
        }
        guard let shapeText = field("shape", in: header), let shape = parseShape(shapeText) else {
            throw AudioError.malformedNumpy(file: path, expected: "a shape tuple of integers", found: "\(field("shape", in: header) ?? "none")")
        }
        let count = shape.reduce(1, *)
        guard bytes.count - start == 4 * count else {
            throw AudioError.malformedNumpy(file: path, expected: "\(4 * count) data bytes for shape \(shape)", found: "\(bytes.count - start)")
        }
        let stored = bytes.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * $0, as: UInt32.self))) }
        }
        // numpy writes transposed (and other Fortran-contiguous) arrays column-major: return them row-major.
        return (shape, order == "True" ? rowMajor(columnMajor: stored, shape: shape) : stored)
    }

    public static func write(path: String, shape: [Int], values: [Float]) throws {
        guard shape.reduce(1, *) == values.count else {
            throw AudioError.invalidArgument(name: "\(path): shape", expected: "\(values.count) values", found: "shape \(shape)")
        }
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends with a newline.
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw AudioError.cannotWrite(file: path, reason: error.localizedDescription)
        }
    }

    /// A mel spectrogram stored as `[channels, frames]` (or `[1, channels, frames]`, F5's batch layout),
    /// returned frame-major `[frames][channels]` as `Vocoder.decode` takes it.
    public static func readMel(path: String, channels: Int) throws -> (mel: [Float], frames: Int) {
        let (shape, values) = try read(path: path)
        let dims = shape.first == 1 && shape.count == 3 ? Array(shape.dropFirst()) : shape
        guard dims.count == 2, dims[0] == channels, dims[1] >= 1 else {
            throw AudioError.malformedNumpy(file: path, expected: "shape [\(channels), frames]", found: "shape \(shape)")
        }
        let frames = dims[1]
        var mel = [Float](repeating: 0, count: values.count)
        for c in 0..<channels { for t in 0..<frames { mel[t * channels + c] = values[c * frames + t] } }
        return (mel, frames)
    }

    /// Writes a frame-major `[frames][channels]` mel as `[channels, frames]`.
    public static func writeMel(path: String, mel: [Float], frames: Int, channels: Int) throws {
        guard mel.count == frames * channels else {
            throw AudioError.invalidArgument(name: "mel", expected: "\(frames * channels) values", found: "\(mel.count)")
        }
        var values = [Float](repeating: 0, count: mel.count)
        for c in 0..<channels { for t in 0..<frames { values[c * frames + t] = mel[t * channels + c] } }
        try write(path: path, shape: [channels, frames], values: values)
    }

    /// The text of `'key': value` in the header dict (a tuple value up to its closing parenthesis).
    /// Element (i0, i1, ...) sits at i0 + n0 * (i1 + n1 * ...) in column-major storage.
    private static func rowMajor(columnMajor values: [Float], shape: [Int]) -> [Float] {
        guard shape.count > 1 else { return values }
        var out = [Float](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: shape.count)
        for r in 0..<values.count {
            var c = 0
            for axis in stride(from: shape.count - 1, through: 0, by: -1) { c = c * shape[axis] + index[axis] }
            out[r] = values[c]
            // Next row-major index: the last axis fastest.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }

    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
    }

    private static func parseShape(_ text: String) -> [Int]? {
        let inner = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let dims = inner.compactMap { Int($0) }
        return dims.count == inner.count && dims.allSatisfy { $0 >= 0 } ? dims : nil
    }
}
