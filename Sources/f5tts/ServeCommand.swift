import ArgumentParser
import F5Server
import F5TTS
import Foundation

/// `f5tts serve`: OpenAI's speech API on this machine.
struct ServeCommand: AsyncParsableCommand, ServerArguments {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve OpenAI's speech API (POST /v1/audio/speech) on this machine.")

    @OptionGroup var model: ModelOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0: a free one, printed when ready).") var port = Self.defaultPort
    @Option(name: .customLong("voices-dir"), help: "Folder of stored voices (NAME.wav + NAME.txt; default: $XDG_DATA_HOME/f5tts/voices).") var voicesDir: String?
    @Option(name: .customLong("api-key"), help: "Require Authorization: Bearer KEY on POST and DELETE (default: $F5TTS_API_KEY).")
    var apiKeyOption: String?
    @Option(name: .customLong("max-queue"), help: "Requests that may wait behind the running ones (then 429).") var maxQueue = 8
    @Option(name: .customLong("max-per-client"), help: "Requests one client address may have running or waiting (then 429).") var maxPerClient = 4
    @Option(help: "Seconds a connection may stay silent, a request body may take to arrive, and a response write may stall.")
    var timeout = 30.0
    @Option(name: .customLong("allowed-hosts"), parsing: .singleValue,
            help: "A host name the Host header may carry besides loopback ones and --host (repeatable; '*': any).")
    var allowedHosts: [String] = []
    @Option(name: .customLong("voice-cache-mb"), help: "MiB of prepared voices kept in memory (least recently used go first).")
    var voiceCacheMB = 64
    @Option(name: .customLong("grace-period"), help: "Seconds that admitted requests may take to finish after SIGTERM/SIGINT.")
    var gracePeriod = 60.0
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var workerOptions: WorkerOptions

    /// The port without --port (also what `f5tts doctor` tries).
    static let defaultPort = 8000

    var voicesDirectory: String { voicesDir ?? VoiceLibrary.defaultDirectory }
    var voiceCacheBytes: Int { voiceCacheMB << 20 }
    var apiKey: String? { apiKeyOption ?? ProcessInfo.processInfo.environment["F5TTS_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } }

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be 0 to 65535, got \(port)") }
        if maxQueue < 0 { throw ValidationError("--max-queue must not be negative, got \(maxQueue)") }
        if maxPerClient < 1 { throw ValidationError("--max-per-client must be at least 1, got \(maxPerClient)") }
        if !(timeout >= 0.1 && timeout <= 3600) { throw ValidationError("--timeout must be 0.1 to 3600 seconds, got \(timeout)") }
        if !(0...65536).contains(voiceCacheMB) { throw ValidationError("--voice-cache-mb must be 0 to 65536, got \(voiceCacheMB)") }
        if !(gracePeriod >= 0 && gracePeriod <= 86400) { throw ValidationError("--grace-period must be 0 to 86400 seconds, got \(gracePeriod)") }
    }

    func run() async throws {
        let synthesizer = try model.load(backend: compute, workers: workerOptions.resolved(compute))
        let host = self.host
        try await runServer(self, synthesizer: synthesizer, gracePeriod: gracePeriod) { port in
            // One unbuffered write: the ready line must reach a pipe at once.
            FileHandle.standardOutput.write(Data("f5tts serve: listening on http://\(host):\(port)\n".utf8))
        }
        print("f5tts serve: stopped")
    }
}
