import Foundation

/// An uncompressed tar archive read in place: members are located through their headers and
/// exposed as regions of the one memory map (ustar, GNU long names and pax `path`/`size` records).
public final class TarArchive: Sendable {
    public let file: MappedFile
    /// Regular-file members by path (without a leading "./"), in archive order.
    public let members: [(path: String, region: ByteRegion)]

    public init(path: String) throws {
        file = try MappedFile(path: path)
        var parser = TarParser(file: file)
        try parser.parse()
        members = parser.members
    }

    public func member(_ path: String) -> ByteRegion? {
        let wanted = TarArchive.normalize(path)
        return members.first { $0.path == wanted }?.region
    }

    fileprivate static func normalize(_ path: String) -> String {
        var p = path
        while p.hasPrefix("./") { p.removeFirst(2) }
        return p
    }
}

/// Walks the headers of an archive's mapping once, collecting its regular files.
private struct TarParser {
    let file: MappedFile
    var members: [(path: String, region: ByteRegion)] = []

    private func fail(_ reason: String) -> BundleError { .malformedArchive(file: file.path, reason: reason) }

    mutating func parse() throws {
        let bytes = UnsafeRawBufferPointer(start: file.base, count: file.count)
        var position = 0
        var longName: String?
        var paxPath: String?
        var paxSize: Int?
        while position + 512 <= file.count {
            let header = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + 512)])
            if header.allSatisfy({ $0 == 0 }) { return }  // end-of-archive marker
            try verifyChecksum(header, at: position)
            let type = header[156]
            var size = try headerSize(header, at: position)
            if let paxSize { size = paxSize }
            let dataStart = position + 512
            guard size >= 0, dataStart + size <= file.count else {
                throw fail("member at byte \(position) declares \(size) bytes but the file ends at \(file.count)")
            }
            let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + size)])
            switch type {
            case UInt8(ascii: "L"):
                longName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
            case UInt8(ascii: "x"):
                (paxPath, paxSize) = try parsePax(data, at: position)
                position = dataStart + (size + 511) / 512 * 512
                continue
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                let name = paxPath ?? longName ?? headerName(header)
                let region = ByteRegion(file: file, offset: dataStart, count: size, name: "\(file.path):\(TarArchive.normalize(name))")
                members.append((TarArchive.normalize(name), region))
                longName = nil; paxPath = nil
            default:
                longName = nil; paxPath = nil  // directories, links, global headers: nothing to map
            }
            paxSize = nil
            position = dataStart + (size + 511) / 512 * 512
        }
        // No end-of-archive marker: the file was cut short, possibly between two members.
        throw fail(position < file.count ? "archive ends inside a header at byte \(position) of \(file.count)"
                                         : "archive ends at byte \(file.count) without its end-of-archive marker (truncated?)")
    }

    private func headerName(_ header: UnsafeRawBufferPointer) -> String {
        let name = String(decoding: header[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        let isUstar = header[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? String(decoding: header[345..<500].prefix { $0 != 0 }, as: UTF8.self) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private func headerSize(_ header: UnsafeRawBufferPointer, at position: Int) throws -> Int {
        let field = header[124..<136]
        if field.first! & 0x80 != 0 {
            // GNU base-256 encoding for members of 8 GiB and more.
            return field.dropFirst().suffix(8).reduce(0) { $0 << 8 | Int($1) }
        }
        return try octal(field, what: "size", at: position)
    }

    private func octal(_ field: Slice<UnsafeRawBufferPointer>, what: String, at position: Int) throws -> Int {
        let text = String(decoding: field.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard let value = Int(text.isEmpty ? "0" : text, radix: 8) else {
            throw fail("header at byte \(position) has a non-octal \(what) field '\(text)'")
        }
        return value
    }

    private func verifyChecksum(_ header: UnsafeRawBufferPointer, at position: Int) throws {
        let stored = try octal(header[148..<156], what: "checksum", at: position)
        var sum = 0
        for i in 0..<512 { sum += (148..<156).contains(i) ? 32 : Int(header[i]) }
        guard sum == stored else { throw fail("header at byte \(position): checksum \(stored) but the header sums to \(sum)") }
    }

    private func parsePax(_ data: UnsafeRawBufferPointer, at position: Int) throws -> (String?, Int?) {
        var path: String?
        var size: Int?
        var rest = Substring(String(decoding: data, as: UTF8.self))
        while !rest.isEmpty {
            guard let space = rest.firstIndex(of: " "), let length = Int(rest[rest.startIndex..<space]), length > 0,
                  let end = rest.utf8.index(rest.startIndex, offsetBy: length, limitedBy: rest.endIndex) else {
                throw fail("malformed pax header at byte \(position)")
            }
            let record = rest[rest.index(after: space)..<end].dropLast()
            if let eq = record.firstIndex(of: "=") {
                let key = record[..<eq], value = String(record[record.index(after: eq)...])
                if key == "path" { path = value }
                if key == "size" { size = Int(value) }
            }
            rest = rest[end...]
        }
        return (path, size)
    }
}

