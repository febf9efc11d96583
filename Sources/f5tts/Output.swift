import ArgumentParser
import Foundation

/// Everything but audio and JSON goes to stderr, so stdout stays clean for pipes.
enum Log {
    static func info(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Fails before any work when an output cannot be written: its folder is missing or read-only, or it
/// names a folder. ("-" is standard output.)
func checkWritable(_ path: String, option: String) throws {
    guard path != "-" else { return }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw ValidationError("\(option) \(path) is a folder, not a file")
    }
    let folder = (path as NSString).deletingLastPathComponent
    let parent = folder.isEmpty ? "." : folder
    guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(option) \(path): the folder \(parent) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: parent) else {
        throw ValidationError("\(option) \(path): the folder \(parent) is not writable")
    }
}
