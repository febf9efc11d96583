import Foundation

/// A `.safetensors` file read in place: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data.
public final class SafetensorsFile: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let region: ByteRegion
    }

    public let path: String
    /// Tensors in data order (the order they were saved).
    public let entries: [Entry]

    public init(path: String) throws {
        self.path = path
        let file = try MappedFile(path: path)
        guard file.count >= 8 else { throw BundleError.truncated(file: path, expected: "an 8-byte header length", found: "\(file.count) bytes") }
        let headerLength = Int(UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self)))
        guard headerLength <= file.count - 8 else {
            throw BundleError.truncated(file: path, expected: "a \(headerLength)-byte JSON header", found: "\(file.count - 8) bytes after the length")
        }
        let header = ByteRegion(file: file, offset: 8, count: headerLength, name: path)
        guard let json = try? JSONSerialization.jsonObject(with: header.data()) as? [String: Any] else {
            throw BundleError.malformedJSON(file: path, reason: "the safetensors header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        var entries: [(Int, Entry)] = []
        for (name, value) in json where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2 else {
                throw BundleError.malformedJSON(file: path, reason: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= file.count - dataStart else {
                throw BundleError.outOfBounds(file: path, tensor: name, range: "\(begin)..<\(end) after the header", fileSize: file.count)
            }
            if let width = SafetensorsFile.byteWidth(dtype), (end - begin) != shape.reduce(1, *) * width {
                throw BundleError.invalidTensor(file: path, tensor: name, expected: "\(shape.reduce(1, *) * width) bytes for \(dtype) \(shape)", found: "\(end - begin)")
            }
            entries.append((begin, Entry(name: name, dtype: dtype, shape: shape,
                                         region: ByteRegion(file: file, offset: dataStart + begin, count: end - begin, name: path))))
        }
        self.entries = entries.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func byteWidth(_ dtype: String) -> Int? {
        switch dtype {
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "F64", "I64", "U64": return 8
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }

    public static func isFloating(_ dtype: String) -> Bool { ["F32", "F16", "BF16", "F64"].contains(dtype) }

    /// A floating tensor's values converted to fp32 (exact for F16 and BF16).
    public func floats(_ entry: Entry) throws -> [Float] {
        let n = entry.shape.reduce(1, *)
        return try entry.region.withBytes { bytes in
            let p = bytes.baseAddress!
            switch entry.dtype {
            case "F32": return (0..<n).map { Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case "F16": return (0..<n).map { Half.load(p, index: $0) }
            case "BF16": return (0..<n).map { Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16) }
            case "F64": return (0..<n).map { Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
            default:
                throw BundleError.unsupportedCheckpoint(file: path, tensor: entry.name, reason: "dtype \(entry.dtype) is not a floating type")
            }
        }
    }
}
