import ArgumentParser
import F5TTS
import Foundation

struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Fetch the published 4-bit release over HTTPS (resumable) and verify its checksums.")

    @Option(help: "Repository on the hub.")
    var repo = Downloader.defaultRepository

    @Option(help: "Folder to download into (speak and edit use this one when given no --model).")
    var dir = Downloader.defaultDirectory

    @Option(help: "Hub endpoint.")
    var endpoint = Downloader.defaultEndpoint.absoluteString

    func run() throws {
        guard let url = URL(string: endpoint), url.scheme != nil else {
            throw ValidationError("--endpoint must be a URL such as https://huggingface.co, got '\(endpoint)'")
        }
        let results = try Downloader(repository: repo, endpoint: url, directory: dir).run { file, bytes, total in
            Log.info("\(file): \(bytes) bytes" + (total.map { " of \($0)" } ?? ""))
        }
        print("\(results.count) files in \(dir), all checksums verified")
    }
}
