import ArgumentParser
import F5Audio
import F5Bundle
import F5Compute
import F5TTS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `f5tts doctor`: the machine, the libraries, the model, the voices folder and the port as the other
/// commands would find them, one check per line with its fix, for pasting into a report.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the CPU, OpenBLAS, libsndfile, the model, the voices folder and the port: one line per check, with the fix when one fails.",
        discussion: """
            Exit status 1 when speech could not be made (no usable model, an OpenBLAS that computes wrong, no WAV writer); \
            0 when only optional things are off (no mp3 or opus, the port taken, the voices folder read-only).
            """)

    @Option(name: [.customShort("c"), .customLong("config")], help: "F5-TTS config (TOML) whose model and vocabulary speak would use.")
    var config: String?

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("voices-dir"), help: "Voices folder of `f5tts serve` (default: $XDG_DATA_HOME/f5tts/voices).")
    var voicesDir: String?

    @Option(help: "Port `f5tts serve` would listen on, tried on 127.0.0.1.")
    var port = ServeCommand.defaultPort

    @OptionGroup var compute: ComputeOptions

    @Flag(help: "Print one JSON object: {\"ok\": ..., \"checks\": [{\"name\", \"status\", \"value\", \"fix\"}]}.")
    var json = false

    func validate() throws {
        if !(1...65535).contains(port) { throw ValidationError("--port must be 1 to 65535, got \(port)") }
    }

    func run() throws {
        // As every computing command does first: the OpenBLAS core (maybe a re-exec), then the threads.
        let decision = compute.configure()
        let environment = ComputeEnvironment.current()
        let checks = [Self.cpu(environment), Self.isa(), kernels(environment), Self.openBLAS(environment, decision: decision),
                      Self.libsndfile(), modelCheck(), Self.voices(voicesDir ?? VoiceLibrary.defaultDirectory), Self.port(port)]
        let ok = !checks.contains { $0.status == .fail }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Report(ok: ok, checks: checks)), as: UTF8.self))
        } else {
            let width = checks.map(\.name.count).max()!
            for check in checks {
                let name = check.name.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(check.status.label)  \(name)  \(check.value)")
                if let fix = check.fix { print(String(repeating: " ", count: 8 + width) + "fix: \(fix)") }
            }
        }
        if !ok { throw ExitCode(1) }
    }

    struct Check: Encodable {
        enum Status: String, Encodable {
            case ok, warn, fail
            var label: String { self == .fail ? "FAIL" : rawValue.padding(toLength: 4, withPad: " ", startingAt: 0) }
        }
        var name: String
        var status: Status
        var value: String
        var fix: String?

        enum CodingKeys: CodingKey { case name, status, value, fix }
        /// `fix` as null when there is none, so every check has the same keys.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(status, forKey: .status)
            try c.encode(value, forKey: .value); try c.encode(fix, forKey: .fix)
        }
    }

    struct Report: Encodable {
        /// False when speech could not be made (some check is `fail`).
        var ok: Bool
        var checks: [Check]
    }

    // MARK: The machine

    static func cpu(_ e: ComputeEnvironment) -> Check {
        let family = ComputeEnvironment.cpuInfo("cpu family") ?? "?", number = ComputeEnvironment.cpuInfo("model") ?? "?"
        return Check(name: "cpu", status: .ok, value: "\(e.cpuModel) (family \(family), model \(number)), \(e.cores) logical cores")
    }

    /// The levels the CPU runs and the one in use; a cap by F5TTS_ISA below the CPU's best is worth a warning.
    static func isa() -> Check {
        let value = "runs \(ComputeISA.supported.map(\.rawValue).joined(separator: ", ")); "
            + "in use: int8 \(ComputeISA.active.rawValue), elementwise \(ComputeISA.elementwise.rawValue)"
        let cap = ProcessInfo.processInfo.environment["F5TTS_ISA"]
        if let cap, ISALevel(rawValue: cap) == nil {
            return Check(name: "isa", status: .warn, value: value + " (F5TTS_ISA=\(cap) is not a level: ignored)",
                         fix: "set F5TTS_ISA to one of \(ISALevel.allCases.map(\.rawValue).joined(separator: ", ")), or unset it")
        }
        if ComputeISA.active < ComputeISA.detected {
            return Check(name: "isa", status: .warn, value: value + " (capped by F5TTS_ISA=\(cap ?? ""))",
                         fix: "unset F5TTS_ISA to use \(ComputeISA.detected.rawValue), this CPU's best")
        }
        if ComputeISA.detected == .scalar {
            return Check(name: "isa", status: .warn, value: value + " (no AVX2: the portable kernels, several times slower)")
        }
        return Check(name: "isa", status: .ok, value: value)
    }

    /// What each operation runs on, for the path `speak` would take with these options.
    func kernels(_ e: ComputeEnvironment) -> Check {
        let linear = compute.backend == .direct ? "int4 GEMMs \(e.int8ISA.rawValue)" : "fp32 GEMMs OpenBLAS \(e.openBLASCore)"
        return Check(name: "kernels", status: .ok,
                     value: "\(compute.pathDescription): \(linear), attention and elementwise \(e.elementwiseISA.rawValue), "
                         + "vocoder GEMMs OpenBLAS \(e.openBLASCore)")
    }

    /// The core OpenBLAS runs, whether the weak-core re-exec happened, and a numeric check of its sgemm,
    /// which the vocoder (and the dequant path) rely on.
    static func openBLAS(_ e: ComputeEnvironment, decision: OpenBLASSetup.Decision) -> Check {
        let check = OpenBLASSetup.selfCheck()
        let value = "\(e.openBLASCore), \(e.openBLASThreads) thread(s) inside each of \(e.computeThreads) runtime threads; "
            + "\(describe(decision)); sgemm self-check error "
            + String(format: "%.1e (limit %.0e)", check.maxRelativeError, check.tolerance)
        guard check.passed else {
            return Check(name: "openblas", status: .fail, value: value,
                         fix: "its \(e.openBLASCore) kernel computes wrong: set OPENBLAS_CORETYPE to another core (e.g. Haswell, or Prescott), or reinstall libopenblas0")
        }
        switch decision {
        case .fellBack, .reexecUnavailable:
            let better = OpenBLASSetup.recommendedCoreType.map { "set OPENBLAS_CORETYPE=\($0) before starting f5tts" } ?? "none needed"
            return Check(name: "openblas", status: .warn, value: value, fix: better)
        default:
            return Check(name: "openblas", status: .ok, value: value)
        }
    }

    static func describe(_ decision: OpenBLASSetup.Decision) -> String {
        switch decision {
        case let .coreTypeAlreadySet(core): return "OPENBLAS_CORETYPE=\(core) given, left alone"
        case let .coreIsFine(core): return "no core re-exec: OpenBLAS's own \(core) suits this CPU"
        case let .noBetterCore(core): return "no core re-exec: this CPU has nothing better than \(core)"
        case let .switched(from, to): return "re-executed with OPENBLAS_CORETYPE=\(to) (OpenBLAS chose \(from))"
        case let .fellBack(core): return "re-executed, but the forced core failed its self-check: back to \(core)"
        case let .reexecUnavailable(reason): return "no core re-exec: \(reason)"
        }
    }

    // MARK: Audio, model, voices, port

    /// WAV is what every command writes by default: without it nothing can be saved.
    static func libsndfile() -> Check {
        let formats = AudioFormat.allCases
        let missing = formats.filter { !AudioWriter.canWrite($0) }.map(\.rawValue)
        let writes = formats.map(\.rawValue).filter { !missing.contains($0) }
        let value = "\(AudioWriter.libraryVersion): writes \(writes.isEmpty ? "nothing" : writes.joined(separator: ", "))"
            + (missing.isEmpty ? "" : "; not \(missing.joined(separator: ", "))")
        let fix = "install Debian 12's libsndfile1 (1.2, built with libFLAC, LAME and libopus): apt-get install libsndfile1"
        if missing.contains(AudioFormat.wav.rawValue) { return Check(name: "libsndfile", status: .fail, value: value, fix: fix) }
        return Check(name: "libsndfile", status: missing.isEmpty ? .ok : .warn, value: value, fix: missing.isEmpty ? nil : fix)
    }

    /// The model `speak` would load with these options, loaded the same way, and its checksum lists verified.
    func modelCheck() -> Check {
        let path: String
        let files: ModelFiles
        var fix = "give the model with --model DIR, or run `f5tts download` for the published one"
        do {
            let file = try config.map(InferenceConfig.init(path:)) ?? InferenceConfig()
            path = try model.modelPath(fallback: file.model)
            if model.model == nil && file.model == nil {
                fix = "run `f5tts download` again: it fetches every file whose checksum differs"
            }
            files = try ModelFiles.locate(model: path, vocoder: model.vocoder, vocabulary: model.vocab ?? file.vocabFile,
                                          convention: model.convention)
        } catch let error as ValidationError {
            return Check(name: "model", status: .fail, value: "none", fix: error.message)
        } catch {
            return Check(name: "model", status: .fail, value: "\(error)", fix: fix)
        }
        // The vocoder may lie outside the model's path (--vocoder, or a bundle folder's neighbour).
        var paths = [path]
        if case let .directory(folder) = files.vocoder.tree, !folder.hasPrefix(path) { paths.append(folder) }
        let described = "\(path): \(files.f5.manifest.modelID ?? files.f5.format) + \(files.vocoder.manifest.modelID ?? files.vocoder.format), "
            + "vocabulary \(files.vocabularySource)"
        var lists: [String] = [], hashed = 0
        do {
            for path in paths {
                let report = try VerificationReport.verify(path: path)
                lists += report.checksumLists
                hashed += report.checkedFiles.count
            }
        } catch {
            return Check(name: "model", status: .fail, value: "\(described); \(error)", fix: fix)
        }
        if lists.isEmpty {
            return Check(name: "model", status: .warn, value: "\(described); no \(Checksums.fileName): contents not verified",
                         fix: "a model from `f5tts download`, `make-synthetic` or `quantize` carries its \(Checksums.fileName)")
        }
        return Check(name: "model", status: .ok, value: "\(described); \(hashed) files match \(lists.joined(separator: ", "))")
    }

    /// The server reads voices from the folder and stores new ones there, creating it on the first one.
    static func voices(_ folder: String) -> Check {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let elsewhere = "pass --voices-dir DIR to `f5tts serve` (or set XDG_DATA_HOME)"
        if fm.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                return Check(name: "voices", status: .warn, value: "\(folder) is a file, not a folder", fix: "remove it, or " + elsewhere)
            }
            guard access(folder, R_OK | X_OK) == 0 else {
                return Check(name: "voices", status: .warn, value: "\(folder): not readable", fix: "chmod u+rx \(folder), or " + elsewhere)
            }
            let count = VoiceLibrary(directory: folder).names().count
            guard access(folder, W_OK) == 0 else {
                return Check(name: "voices", status: .warn, value: "\(folder): \(count) voice(s), read-only: new voices cannot be stored",
                             fix: "chmod u+w \(folder), or " + elsewhere)
            }
            return Check(name: "voices", status: .ok, value: "\(folder): \(count) voice(s), writable")
        }
        var parent = (folder as NSString).deletingLastPathComponent
        while !parent.isEmpty && parent != "/" && !fm.fileExists(atPath: parent) { parent = (parent as NSString).deletingLastPathComponent }
        if parent.isEmpty { parent = "." }
        guard access(parent, W_OK | X_OK) == 0 else {
            return Check(name: "voices", status: .warn, value: "\(folder): missing, and \(parent) is not writable to create it",
                         fix: "create \(folder) with write access, or " + elsewhere)
        }
        return Check(name: "voices", status: .ok, value: "\(folder): not there yet, created when the first voice is stored")
    }

    /// Binds 127.0.0.1:`port` as the server would (SO_REUSEADDR, so a closed connection's TIME_WAIT does not count) and closes at once.
    static func port(_ port: Int) -> Check {
        let address = "127.0.0.1:\(port)"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Check(name: "port", status: .warn, value: "\(address): no socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(port).bigEndian)
        sin.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            return Check(name: "port", status: .warn, value: "\(address) is taken (\(reason))",
                         fix: "serve on another port (--port N; 0 picks a free one), or stop what listens there: ss -ltnp 'sport = :\(port)'")
        }
        return Check(name: "port", status: .ok, value: "\(address) is free")
    }
}
