import Foundation

/// What `buildApplication` needs to know, from the `serve` command or a test.
public protocol ServerArguments: Sendable {
    /// Address to bind: 127.0.0.1 unless told otherwise.
    var host: String { get }
    /// 0 picks a free port (printed when the server is ready).
    var port: Int { get }
    /// Where stored voices live (a `VoiceLibrary`).
    var voicesDirectory: String { get }
    /// When set, every POST and DELETE needs `Authorization: Bearer <key>`.
    var apiKey: String? { get }
    /// Requests that may wait behind the running one; past that, 429.
    var maxQueue: Int { get }
}
