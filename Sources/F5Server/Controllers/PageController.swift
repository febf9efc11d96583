import Foundation
import Hummingbird

/// The web page at `/`: plain files shipped in the binary's resources (`Resources/web`), no build step.
struct PageController<Context: RequestContext> {
    static var contentTypes: [String: String] {
        ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"]
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/") { _, _ in try Self.file("index.html") }
        router.get("/web/{file}") { _, context in try Self.file(context.parameters.require("file")) }
    }

    /// A page file by its name; only the files shipped are found (no paths).
    static func file(_ name: String) throws -> Response {
        let ext = (name as NSString).pathExtension
        guard let type = contentTypes[ext], !name.contains("/"),
              let url = Bundle.module.url(forResource: (name as NSString).deletingPathExtension, withExtension: ext, subdirectory: "Resources/web"),
              let data = try? Data(contentsOf: url) else { throw HTTPError(.notFound) }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
