import Foundation

// Readers for the files fixtures and outputs come in, written apart from the code under test so that a
// bug there cannot hide itself.

public struct FixtureFormatError: Error, CustomStringConvertible {
    public let description: String
}

/// A minimal .npy reader for little-endian float32 C-order arrays: (values, shape).
public enum NPY {
    public static func read(_ url: URL) throws -> ([Float], [Int]) {
        let bytes = [UInt8](try Data(contentsOf: url))
        guard bytes.count > 10, bytes[0] == 0x93, String(decoding: bytes[1..<6], as: UTF8.self) == "NUMPY" else {
            throw FixtureFormatError(description: "\(url.path): not a .npy file")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let start = major == 1 ? 10 : 12
        let header = String(decoding: bytes[start..<start + headerLength], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw FixtureFormatError(description: "\(url.path): expected little-endian float32 C order, header \(header)")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *), body = start + headerLength
        guard bytes.count == body + 4 * count else { throw FixtureFormatError(description: "\(url.path): size does not match shape \(shape)") }
        let values = (0..<count).map { i -> Float in
            let p = body + 4 * i
            return Float(bitPattern: UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24)
        }
        return (values, shape)
    }
}

/// A minimal RIFF/WAVE reader: PCM16 or IEEE float32, any chunk order; a streamed file's open-ended
/// sizes (0xFFFFFFFF) mean "up to the end".
public struct WAVFile {
    public var format = 0, channels = 0, sampleRate = 0, bitsPerSample = 0, riffSize = 0, dataSize = 0
    public var samples: [Float] = []

    public init(data: Data) throws {
        let bytes = [UInt8](data)
        func u32(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func tag(_ i: Int) -> String { String(decoding: bytes[i..<i + 4], as: UTF8.self) }
        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { throw FixtureFormatError(description: "not a RIFF/WAVE file") }
        riffSize = u32(4)
        var offset = 12, sawFormat = false
        while offset + 8 <= bytes.count {
            let id = tag(offset), body = offset + 8
            let size = u32(offset + 4) == 0xFFFF_FFFF ? bytes.count - body : u32(offset + 4)
            guard body + size <= bytes.count else { throw FixtureFormatError(description: "chunk \(id) runs past the end") }
            if id == "fmt " {
                format = u16(body); channels = u16(body + 2); sampleRate = u32(body + 4); bitsPerSample = u16(body + 14)
                if format == 0xFFFE, size >= 26 { format = u16(body + 24) }  // WAVE_FORMAT_EXTENSIBLE sub-format
                sawFormat = true
            } else if id == "data" {
                guard sawFormat else { throw FixtureFormatError(description: "data before fmt") }
                dataSize = size
                switch (format, bitsPerSample) {
                case (1, 16):
                    samples = stride(from: body, to: body + size - 1, by: 2).map { Float(Int16(bitPattern: UInt16(u16($0)))) / 32768 }
                case (3, 32):
                    samples = stride(from: body, to: body + size - 3, by: 4).map { Float(bitPattern: UInt32(u32($0))) }
                default:
                    throw FixtureFormatError(description: "unsupported WAV encoding \(format)/\(bitsPerSample)")
                }
                return
            }
            offset = body + size + (size & 1)
        }
        throw FixtureFormatError(description: "no data chunk")
    }

    public init(contentsOf url: URL) throws { try self.init(data: Data(contentsOf: url)) }
}
