import F5Bundle
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches a published release over HTTPS: `checksums.sha256` first, then every file it lists, each
/// resumed from its `.part` file when an earlier run was cut short, then verified.
public struct Downloader: Sendable {
    /// The hub repository (owner/name).
    public var repository: String
    /// The hub's address.
    public var endpoint: URL
    /// The folder the files go to.
    public var directory: String

    public static let defaultRepository = "PeytonT/f5tts-4bit-distill"
    public static let defaultEndpoint = URL(string: "https://huggingface.co")!

    public init(repository: String = defaultRepository, endpoint: URL = defaultEndpoint, directory: String) {
        self.repository = repository; self.endpoint = endpoint; self.directory = directory
    }

    /// The URL of one file of the repository (Hugging Face's `resolve/main` layout).
    public func url(of file: String) -> URL {
        endpoint.appendingPathComponent(repository).appendingPathComponent("resolve/main").appendingPathComponent(file)
    }

    /// Where `f5tts download` puts the release unless told otherwise, and where `speak` looks without
    /// `--model`: `<cache>/f5tts-4bit-distill` (see `DefaultModel.cacheFolder`).
    public static var defaultDirectory: String {
        (DefaultModel.cacheFolder as NSString).appendingPathComponent("f5tts-4bit-distill")
    }

    /// Downloads everything and verifies it; `progress` gets (file, bytes so far, total when known).
    @discardableResult
    public func run(progress: @escaping @Sendable (String, Int, Int?) -> Void = { _, _, _ in }) throws -> [Checksums.Result] {
        try F5TTSError.wrapping { try download(progress: progress) }
    }

    private func download(progress: @escaping @Sendable (String, Int, Int?) -> Void) throws -> [Checksums.Result] {
        try createDirectory(directory)
        try fetch(Checksums.fileName, progress: progress, resume: false)
        let tree = FileTree.directory(directory)
        let listed = try Checksums.parse(try tree.region(Checksums.fileName).text(), file: tree.path(of: Checksums.fileName))
        for line in listed {
            let path = (directory as NSString).appendingPathComponent(line.path)
            if FileManager.default.fileExists(atPath: path), let region = try? MappedFile(path: path).region,
               Checksums.sha256(region) == line.digest {
                continue  // already complete
            }
            try createDirectory((path as NSString).deletingLastPathComponent)
            try fetch(line.path, progress: progress, resume: true)
        }
        return try Checksums.verify(tree: tree)
    }

    private func createDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw F5TTSError.cannotWrite(file: path, reason: error.localizedDescription)
        }
    }

    /// One file streamed into `name.part`, continued from where an earlier attempt stopped, then put in
    /// place whole (`AtomicFile.commit`).
    private func fetch(_ name: String, progress: @escaping @Sendable (String, Int, Int?) -> Void, resume: Bool) throws {
        let final = (directory as NSString).appendingPathComponent(name)
        let partial = final + ".part"
        let fm = FileManager.default
        if !resume { try? fm.removeItem(atPath: partial) }
        let have = (try? fm.attributesOfItem(atPath: partial)[.size] as? Int) ?? 0
        var request = URLRequest(url: url(of: name))
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        let transfer = Transfer(name: name, partial: partial, resumeFrom: have, progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: transfer, delegateQueue: nil)
        session.dataTask(with: request).resume()
        transfer.done.wait()
        session.finishTasksAndInvalidate()
        if let error = transfer.error { throw error }
        do { try AtomicFile.commit(partial, to: final) } catch {
            throw F5TTSError.cannotWrite(file: error.file, reason: error.reason)
        }
    }
}

/// Streams one response body to disk as it arrives, so an interrupted download leaves a `.part` file to resume.
/// URLSession calls the delegate on its own queue while `fetch` waits on `done`: the mutable state is in a Mutex.
private final class Transfer: NSObject, URLSessionDataDelegate, Sendable {
    let name: String
    let partial: String
    let resumeFrom: Int
    let progress: @Sendable (String, Int, Int?) -> Void
    let done = DispatchSemaphore(value: 0)
    private struct State {
        var error: Error?
        var handle: FileHandle?
        var written = 0
        var total: Int?
    }
    private let state = Mutex(State())

    var error: Error? { state.withLock { $0.error } }

    init(name: String, partial: String, resumeFrom: Int, progress: @escaping @Sendable (String, Int, Int?) -> Void) {
        self.name = name; self.partial = partial; self.resumeFrom = resumeFrom; self.progress = progress
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        completionHandler(state.withLock { start(response, &$0) })
    }

    private func start(_ response: URLResponse, _ state: inout State) -> URLSession.ResponseDisposition {
        let url = response.url?.absoluteString ?? name
        guard let http = response as? HTTPURLResponse else {
            state.error = F5TTSError.transfer(url: url, reason: "no HTTP response")
            return .cancel
        }
        switch http.statusCode {
        case 200:  // the whole body: start over
            state.written = 0
            guard FileManager.default.createFile(atPath: partial, contents: nil) else {
                state.error = F5TTSError.cannotWrite(file: partial, reason: "cannot create the file")
                return .cancel
            }
        case 206:
            state.written = resumeFrom
        case 416 where resumeFrom > 0:  // nothing left to fetch
            return .cancel
        default:
            state.error = F5TTSError.http(url: url, status: http.statusCode)
            return .cancel
        }
        state.total = http.value(forHTTPHeaderField: "Content-Range").flatMap { $0.split(separator: "/").last.flatMap { Int($0) } }
            ?? http.value(forHTTPHeaderField: "Content-Length").flatMap { Int($0) }
        state.handle = FileHandle(forWritingAtPath: partial)
        guard let handle = state.handle else {
            state.error = F5TTSError.cannotWrite(file: partial, reason: "cannot open for writing")
            return .cancel
        }
        _ = try? handle.seekToEnd()
        return .allow
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let report: (Int, Int?)? = state.withLock { state in
            do {
                try state.handle?.write(contentsOf: data)
                state.written += data.count
                return (state.written, state.total)
            } catch {
                state.error = F5TTSError.cannotWrite(file: partial, reason: error.localizedDescription)
                return nil
            }
        }
        guard let (written, total) = report else { return dataTask.cancel() }
        progress(name, written, total)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        state.withLock { state in
            try? state.handle?.close()
            if state.error == nil, let error, (error as? URLError)?.code != .cancelled {
                state.error = F5TTSError.transfer(
                    url: task.originalRequest?.url?.absoluteString ?? name,
                    reason: "\(error.localizedDescription) after \(state.written) bytes; run again to resume")
            }
        }
        done.signal()
    }
}
