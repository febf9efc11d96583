import Foundation

/// Everything that can be wrong with a bundle, an archive, a checkpoint or a checksum list.
/// Each case names the file (and the tensor where there is one) and what was expected against what was found.
public enum BundleError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case cannotOpen(file: String, reason: String)
    case truncated(file: String, expected: String, found: String)
    case malformedJSON(file: String, reason: String)
    case unsupportedFormat(file: String, expected: String, found: String)
    case missingTensor(file: String, tensor: String)
    case invalidTensor(file: String, tensor: String, expected: String, found: String)
    case outOfBounds(file: String, tensor: String, range: String, fileSize: Int)
    case architectureMismatch(file: String, field: String, expected: String, found: String)
    case malformedArchive(file: String, reason: String)
    case memberNotFound(archive: String, expected: String)
    case checksumMismatch(file: String, expected: String, found: String)
    case malformedChecksums(file: String, line: Int, text: String)
    case unsupportedCheckpoint(file: String, tensor: String, reason: String)
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason): return "\(file): cannot open: \(reason)"
        case let .truncated(file, expected, found): return "\(file): truncated: expected \(expected), found \(found)"
        case let .malformedJSON(file, reason): return "\(file): malformed JSON: \(reason)"
        case let .unsupportedFormat(file, expected, found): return "\(file): unsupported format: expected \(expected), found \(found)"
        case let .missingTensor(file, tensor): return "\(file): required tensor '\(tensor)' is missing"
        case let .invalidTensor(file, tensor, expected, found): return "\(file): tensor '\(tensor)': expected \(expected), found \(found)"
        case let .outOfBounds(file, tensor, range, size): return "\(file): tensor '\(tensor)': bytes \(range) lie outside the file (\(size) bytes)"
        case let .architectureMismatch(file, field, expected, found): return "\(file): architecture field '\(field)': expected \(expected), found \(found)"
        case let .malformedArchive(file, reason): return "\(file): malformed tar archive: \(reason)"
        case let .memberNotFound(archive, expected): return "\(archive): no member found for \(expected)"
        case let .checksumMismatch(file, expected, found): return "\(file): SHA-256 mismatch: expected \(expected), found \(found)"
        case let .malformedChecksums(file, line, text): return "\(file):\(line): expected '<64 hex>  <file name>', found '\(text)'"
        case let .unsupportedCheckpoint(file, tensor, reason): return "\(file): tensor '\(tensor)': \(reason)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
