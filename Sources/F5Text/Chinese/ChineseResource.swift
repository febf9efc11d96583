import Foundation

/// The Chinese data files, converted from the PyPI packages by Tests/Fixtures/text/make_chinese_data.py.
enum ChineseResource {
    static func bytes(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Resources/zh") else {
            throw TextError.cannotReadChineseData(file: "Resources/zh/\(name).txt", reason: "not in the F5Text bundle")
        }
        do {
            return try [UInt8](Data(contentsOf: url))
        } catch {
            throw TextError.cannotReadChineseData(file: url.path, reason: error.localizedDescription)
        }
    }

    /// A sorted `key TAB value` resource.
    static func table(_ name: String) throws -> SortedTable { try SortedTable(bytes: bytes(name), file: "\(name).txt") }
}
