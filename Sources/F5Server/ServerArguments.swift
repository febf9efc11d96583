import Foundation

/// What `runServer` needs to know, from the `serve` command or a test.
public protocol ServerArguments: Sendable {
    /// Address to bind: 127.0.0.1 unless told otherwise.
    var host: String { get }
    /// 0 picks a free port (printed when the server is ready).
    var port: Int { get }
    /// Where stored voices live (a `VoiceLibrary`).
    var voicesDirectory: String { get }
    /// When set, every POST and DELETE needs `Authorization: Bearer <key>`.
    var apiKey: String? { get }
    /// Requests that may wait behind the running ones; past that, 429.
    var maxQueue: Int { get }
    /// Requests one client address may have running or waiting; past that, 429.
    var maxPerClient: Int { get }
    /// Seconds a connection may stay silent (while its request head arrives, or idle between requests),
    /// a request body may take to arrive, and one response write may stall (a client that stops reading).
    var timeout: Double { get }
    /// Host names (besides loopback ones and `host`) that the `Host` header may carry; `*` allows any.
    var allowedHosts: [String] { get }
    /// Bytes of prepared voices kept in memory (least recently used ones go first).
    var voiceCacheBytes: Int { get }
}
