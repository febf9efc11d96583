import Foundation

/// A resource file of `key TAB value` lines sorted by the UTF-8 bytes of the key, searched in place:
/// loading only records where each key and value start, so the 4 MB jieba dictionary is ready in
/// milliseconds and costs little more than its bytes in memory.
struct SortedTable: Sendable {
    /// What a key is to the table: no key starts with it, it only starts longer keys, or it is entry `index`.
    enum Match: Equatable {
        case absent
        case prefix
        case entry(Int)
    }

    private let bytes: [UInt8]
    /// Entry i's key is `lineStarts[i]..<tabs[i]`, its value `tabs[i] + 1..<lineStarts[i + 1] - 1`.
    private let lineStarts: [Int32]
    private let tabs: [Int32]

    /// `bytes` must end with a newline; `file` names the resource in errors.
    init(bytes: [UInt8], file: String) throws {
        let problem = TextError.cannotReadChineseData(file: file, reason: "expected key TAB value lines, each ending in a newline")
        var lineStarts: [Int32] = [0]
        var tabs: [Int32] = []
        lineStarts.reserveCapacity(bytes.count / 8)
        tabs.reserveCapacity(bytes.count / 8)
        try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var line = base
            let end = base + buffer.count
            // memchr rather than a byte loop: this scan is most of the load time.
            while line < end {
                guard let tabFound = memchr(line, Int32(UInt8(ascii: "\t")), end - line),
                      case let tab = UnsafePointer(tabFound.assumingMemoryBound(to: UInt8.self)),
                      let newlineFound = memchr(tab, Int32(UInt8(ascii: "\n")), end - tab),
                      case let newline = UnsafePointer(newlineFound.assumingMemoryBound(to: UInt8.self))
                else { throw problem }
                tabs.append(Int32(tab - base))
                lineStarts.append(Int32(newline + 1 - base))
                line = newline + 1
            }
        }
        self.bytes = bytes
        self.lineStarts = lineStarts
        self.tabs = tabs
    }

    var count: Int { tabs.count }

    private func keyRange(_ index: Int) -> Range<Int> { Int(lineStarts[index])..<Int(tabs[index]) }

    /// The value of entry `index`: the bytes after the tab, without the newline.
    func value(_ index: Int) -> ArraySlice<UInt8> { bytes[Int(tabs[index] + 1)..<Int(lineStarts[index + 1] - 1)] }

    /// Binary search for `key`: the first entry not below it is the key itself, or the first key that it
    /// starts, if any does (all keys starting with `key` sort right after it).
    func match(_ key: ArraySlice<UInt8>) -> Match {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if compare(keyRange(mid), key) < 0 { low = mid + 1 } else { high = mid }
        }
        guard low < count else { return .absent }
        let found = keyRange(low)
        guard found.count >= key.count, bytes[found.lowerBound..<(found.lowerBound + key.count)].elementsEqual(key)
        else { return .absent }
        return found.count == key.count ? .entry(low) : .prefix
    }

    /// Byte-wise comparison of a stored key with `key` (negative, zero or positive).
    private func compare(_ stored: Range<Int>, _ key: ArraySlice<UInt8>) -> Int {
        let common = min(stored.count, key.count)
        guard common > 0 else { return stored.count - key.count }
        let order = bytes.withUnsafeBufferPointer { table in
            key.withUnsafeBufferPointer { probe in
                memcmp(table.baseAddress! + stored.lowerBound, probe.baseAddress!, common)
            }
        }
        return order != 0 ? Int(order) : stored.count - key.count
    }
}

/// The UTF-8 bytes of a run of code points with each one's offset, so that the key of any sub-range of the
/// run is a slice (the tables are keyed by bytes, as the reference compares code points, not graphemes).
struct UTF8Run {
    let bytes: [UInt8]
    /// `offsets[i]` is where code point `i` starts; one more entry marks the end.
    private let offsets: [Int]

    init(_ scalars: ArraySlice<Unicode.Scalar>) {
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        bytes.reserveCapacity(scalars.count * 3)
        offsets.reserveCapacity(scalars.count + 1)
        for scalar in scalars {
            offsets.append(bytes.count)
            bytes.append(contentsOf: scalar.utf8)
        }
        offsets.append(bytes.count)
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The bytes of code points `range` (indices from 0, relative to the run).
    subscript(range: Range<Int>) -> ArraySlice<UInt8> { bytes[offsets[range.lowerBound]..<offsets[range.upperBound]] }
}
