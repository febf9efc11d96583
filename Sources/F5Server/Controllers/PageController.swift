import Foundation
import Hummingbird

/// The web page at `/`: plain files shipped in the binary's resources (`Resources/web`), no build step.
struct PageController {
    static var contentTypes: [String: String] {
        ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"]
    }

    var routes: [Route] {
        [Route(.get, "/") { _, _ in try Self.file("index.html") },
         Route(.get, "/web/{file}") { _, context in try Self.file(context.parameters.require("file")) }]
    }

    /// A page file by its name; only the files shipped are found (no paths).
    static func file(_ name: String) throws -> Response {
        let ext = (name as NSString).pathExtension
        guard let type = contentTypes[ext], !name.contains("/"),
              let url = Bundle.module.url(forResource: (name as NSString).deletingPathExtension, withExtension: ext, subdirectory: "Resources/web"),
              let data = try? Data(contentsOf: url) else { throw OpenAIError(status: .notFound, message: "No page file '\(name)'.", code: "not_found") }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
