import Foundation

/// What `buildApplication` needs to know, from the `serve` command or a test.
public protocol ServerArguments: Sendable {
    /// Address to bind: 127.0.0.1 unless told otherwise.
    var host: String { get }
    /// 0 picks a free port (printed when the server is ready).
    var port: Int { get }
    /// Where uploaded voices live (`NAME.wav` + `NAME.txt`).
    var voicesDirectory: String { get }
    /// When set, every POST and DELETE needs `Authorization: Bearer <key>`.
    var apiKey: String? { get }
    /// Requests that may wait behind the running one; past that, 429.
    var maxQueue: Int { get }
}

/// The default voices folder: `$XDG_DATA_HOME/f5tts/voices`, else `~/.local/share/f5tts/voices`.
public func defaultVoicesDirectory() -> String {
    let environment = ProcessInfo.processInfo.environment
    let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share")
    return (base as NSString).appendingPathComponent("f5tts/voices")
}
