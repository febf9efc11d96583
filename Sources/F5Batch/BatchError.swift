import Foundation

/// One thing wrong with a line of a job file.
public struct JobProblem: Equatable, Sendable, CustomStringConvertible {
    /// 1-based line of the job file.
    public var line: Int
    /// The JSON field at fault, nil for the line as a whole.
    public var field: String?
    public var message: String

    public init(line: Int, field: String? = nil, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String { "line \(line): " + (field.map { "\"\($0)\": " } ?? "") + message }
}

/// Everything F5Batch throws. Each message names the file (and line and field) or variable at fault.
public enum BatchError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The job file has bad lines; every one found is listed, before any synthesis.
    case invalidJobs(file: String, problems: [JobProblem])
    /// The shard cannot be worked out from the flags or the environment.
    case invalidShard(source: String, reason: String)
    case cannotRead(file: String, reason: String)
    case cannotWrite(file: String, reason: String)

    /// At most this many problems are spelled out.
    static let shownProblems = 20

    public var description: String {
        switch self {
        case let .invalidJobs(file, problems):
            let shown = problems.prefix(Self.shownProblems).map { "\(file):\($0.line): " + ($0.field.map { "\"\($0)\": " } ?? "") + $0.message }
            let more = problems.count > Self.shownProblems ? ["... and \(problems.count - Self.shownProblems) more"] : []
            return "\(file): \(problems.count) bad job line(s), nothing was synthesised:\n" + (shown + more).joined(separator: "\n")
        case let .invalidShard(source, reason): return "\(source): \(reason)"
        case let .cannotRead(file, reason): return "\(file): cannot read: \(reason)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
