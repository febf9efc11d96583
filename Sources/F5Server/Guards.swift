import F5TTS
import Foundation
import Hummingbird

/// Who may talk to the server. A local server is reachable from every web page its user visits, so by
/// default: the `Host` header must name a loopback address, the bound host or one of `--allowed-hosts`
/// (DNS rebinding), and a request that changes something or runs a synthesis is refused when a browser says
/// it comes from another origin (cross-site requests). Voice changes need the key whenever the server
/// listens beyond loopback.
struct AccessPolicy: Sendable {
    let key: String?
    let allowedHosts: Set<String>
    let anyHost: Bool
    let listensBeyondLoopback: Bool

    init(_ arguments: some ServerArguments) {
        key = arguments.apiKey
        let hosts = arguments.allowedHosts.map { $0.lowercased() }
        anyHost = hosts.contains("*")
        let bound = arguments.host.lowercased()
        allowedHosts = Set(hosts + (Self.isWildcard(bound) ? [] : [Self.hostName(bound)]))
        listensBeyondLoopback = !Self.isLoopback(Self.hostName(bound))
    }

    static func isWildcard(_ host: String) -> Bool { ["0.0.0.0", "::", "[::]", ""].contains(host) }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasSuffix(".localhost") || host == "::1" || host.hasPrefix("127.")
    }

    /// `Host` or an origin's authority without its port or brackets: `[::1]:8000` is `::1`.
    static func hostName(_ authority: String) -> String {
        let a = authority.lowercased()
        if a.hasPrefix("["), let end = a.firstIndex(of: "]") { return String(a[a.index(after: a.startIndex)..<end]) }
        if a.filter({ $0 == ":" }).count == 1, let colon = a.firstIndex(of: ":") { return String(a[..<colon]) }
        return a
    }

    func check(_ request: Request) throws {
        guard let authority = request.head.authority, !authority.isEmpty else {
            throw OpenAIError(status: .badRequest, message: "The request has no Host header.", code: "missing_host")
        }
        let host = Self.hostName(authority)
        guard anyHost || Self.isLoopback(host) || allowedHosts.contains(host) else {
            throw OpenAIError(status: .misdirectedRequest, message: "Host '\(host)' is not served here: start the server with --allowed-hosts \(host) to allow it.",
                              code: "host_not_allowed")
        }
        guard request.method != .get, request.method != .head else { return }
        // Browsers say where a request comes from; other clients send neither header.
        // (Only its authority: behind a TLS proxy the page is https while the server sees http.)
        if let origin = request.headers[.origin], origin.lowercased().split(separator: "/").last.map(String.init) != authority.lowercased() {
            throw OpenAIError(status: .forbidden, message: "Requests from the web page at \(origin) are refused (it is not this server's page).",
                              code: "cross_origin")
        }
        if let site = request.headers[.init("Sec-Fetch-Site")!], !["same-origin", "none"].contains(site) {
            throw OpenAIError(status: .forbidden, message: "Cross-site requests are refused (Sec-Fetch-Site: \(site)).", code: "cross_origin")
        }
    }

    /// With a key, POST and DELETE need `Authorization: Bearer <key>` (the scheme in any case); without one,
    /// anything goes on loopback (an empty `Bearer ` header included: SillyTavern sends one), while voice
    /// changes are refused beyond it.
    func authorize(_ request: Request, changesVoices: Bool) throws {
        guard request.method == .post || request.method == .delete else { return }
        guard let key else {
            if changesVoices, listensBeyondLoopback {
                throw OpenAIError(status: .forbidden, message: "This server listens beyond loopback: voice changes need it to be started with --api-key.",
                                  code: "api_key_required")
            }
            return
        }
        let given = request.headers[.authorization].flatMap { value -> Substring? in
            let parts = value.split(separator: " ", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "bearer" ? parts[1] : nil
        }
        guard given == Substring(key) else {
            throw OpenAIError(status: .unauthorized, message: "Incorrect API key provided.", code: "invalid_api_key")
        }
    }
}

/// Checks the access policy before any route runs (and before a body is read).
struct AccessMiddleware: RouterMiddleware {
    let policy: AccessPolicy

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        try policy.check(request)
        try policy.authorize(request, changesVoices: request.uri.path.hasPrefix("/v1/audio/voices"))
        return try await next(request, context)
    }
}

/// The one place errors become responses: every error a route, the router or the HTTP parser throws
/// leaves in OpenAI's shape with its status. User errors are 4xx; only the server's own faults are 5xx.
struct ErrorMiddleware: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OpenAIError {
            throw error
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            if let allowed = routes.methods(path) {
                throw OpenAIError(status: .methodNotAllowed, message: "\(request.method) is not served at \(path): use \(allowed.joined(separator: ", ")).",
                                  code: "method_not_allowed", headers: [.allow: allowed.joined(separator: ", ")])
            }
            throw OpenAIError(status: .notFound, message: "Nothing is served at \(path).", code: "not_found")
        } catch let error as any HTTPResponseError {
            throw OpenAIError(status: error.status, message: "\(error)", type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
        } catch let error as F5TTSError {
            throw OpenAIError(error)
        } catch is CancellationError {
            throw OpenAIError(status: .init(code: 499, reasonPhrase: "Client Closed Request"), message: "The request was cancelled.")
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            throw OpenAIError(status: .internalServerError, message: "The server failed: \(error)", type: "server_error")
        }
    }
}

extension OpenAIError {
    /// The library's errors: what the request or its audio got wrong is a 400, what the server's own files
    /// or model got wrong is a 500.
    init(_ error: F5TTSError, param: String? = nil) {
        if Self.isUsers(error) {
            self.init(status: .badRequest, message: error.description, param: param)
        } else {
            self.init(status: .internalServerError, message: error.description, type: "server_error")
        }
    }

    private static func isUsers(_ error: F5TTSError) -> Bool {
        switch error {
        case .invalidArgument: return true
        case .audio(let audio):
            switch audio {
            case .cannotOpen, .empty, .tooShort, .tooLong, .silent, .unsupported, .readFailed, .invalidArgument: return true
            case .cannotWrite, .malformedNumpy, .vocoder: return false
            }
        case .text(let text):
            switch text {
            case .emptyText, .noKnownCharacters, .invalidArgument, .tooManyFrames: return true
            case .cannotReadVocabulary, .emptyVocabulary, .invalidVocabularyEncoding, .cannotReadChineseData: return false
            }
        case .model(let model):
            if case .tooManyFrames = model { return true }
            return false
        case .cannotWrite, .notFound, .mismatch, .http, .transfer, .bundle: return false
        }
    }
}

/// Paths and their methods, as registered: the router's 404 for a known path becomes 405 with `Allow`.
struct RouteTable: Sendable {
    private var entries: [(pattern: [Substring], methods: [String])] = []

    mutating func add(_ path: String, _ method: HTTPRequest.Method) {
        let pattern = path.split(separator: "/")
        if let i = entries.firstIndex(where: { $0.pattern == pattern }) { entries[i].methods.append(method.rawValue) } else {
            entries.append((pattern, [method.rawValue]))
        }
    }

    /// The methods served at `path` (GET brings HEAD), nil when none is.
    func methods(_ path: String) -> [String]? {
        let parts = path.split(separator: "/")
        guard let entry = entries.first(where: { entry in
            entry.pattern.count == parts.count && zip(entry.pattern, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }) else { return nil }
        return entry.methods.contains("GET") ? entry.methods + ["HEAD"] : entry.methods
    }
}

