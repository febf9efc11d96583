import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `f5tts doctor` as users run it: the real binary, its lines and its JSON checked against what the machine
/// itself says (/proc/cpuinfo, nproc, pkg-config, ldd) and against models set up good and bad.
final class DoctorTests: XCTestCase {
    private let models = fixturesFolder.appendingPathComponent("speak/models").path
    private let names = ["cpu", "isa", "kernels", "openblas", "libsndfile", "model", "voices", "port"]

    /// Doctor with a private cache and voices folder under `home` (a fresh one by default), so nothing of
    /// the machine's user leaks in.
    private func doctor(_ arguments: [String], home: URL? = nil, environment: [String: String] = [:]) throws -> CLIRun {
        let home = try home ?? scratch()
        return try f5ttsWithEnvironment(["doctor"] + arguments, environment: [
            "F5TTS_CACHE": home.appendingPathComponent("cache").path,
            "XDG_DATA_HOME": home.appendingPathComponent("data").path,
        ].merging(environment) { $1 })
    }

    /// The checks of a `--json` run, keyed by name, and its `ok`.
    private func checks(_ run: CLIRun) throws -> (ok: Bool, checks: [String: [String: Any]], order: [String]) {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: run.stdoutData) as? [String: Any], run.stdout)
        let list = try XCTUnwrap(json["checks"] as? [[String: Any]])
        var byName: [String: [String: Any]] = [:]
        for check in list {
            XCTAssertEqual(Set(check.keys), ["name", "status", "value", "fix"], "\(check)")
            byName[try XCTUnwrap(check["name"] as? String)] = check
        }
        return (try XCTUnwrap(json["ok"] as? Bool), byName, list.compactMap { $0["name"] as? String })
    }

    func testHealthyModelJSONHoldsThisMachinesValues() throws {
        let port = try freeLoopbackPort(), home = try scratch()
        // OpenBLAS names the core it loads on stderr, once per process (a re-exec loads it again).
        let run = try doctor(["--model", models, "--port", String(port), "--json"], home: home, environment: ["OPENBLAS_VERBOSE": "2"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let (ok, checks, order) = try checks(run)
        XCTAssertTrue(ok)
        XCTAssertEqual(order, names)
        for (name, check) in checks {
            XCTAssertTrue(["ok", "warn"].contains(check["status"] as? String), "\(name): \(check)")
        }
        let value = { (name: String) in checks[name]?["value"] as? String ?? "" }

        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let modelName = try XCTUnwrap(cpuinfoField("model name", in: cpuinfo))
        let family = try XCTUnwrap(cpuinfoField("cpu family", in: cpuinfo)), number = try XCTUnwrap(cpuinfoField("model", in: cpuinfo))
        let cores = try command("/usr/bin/nproc", []).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(value("cpu"), "\(modelName) (family \(family), model \(number)), \(cores) logical cores")

        let levels = isaLevels(flags: cpuinfoField("flags", in: cpuinfo) ?? "")
        XCTAssertTrue(value("isa").hasPrefix("runs \(levels.joined(separator: ", ")); in use: int8 \(levels.last!)"), value("isa"))

        let loaded = run.stderr.split(separator: "\n").filter { $0.hasPrefix("Core: ") }.map { String($0.dropFirst(6)) }
        let core = try XCTUnwrap(loaded.last, run.stderr)
        XCTAssertTrue(value("openblas").hasPrefix("\(core), 1 thread(s) inside each of \(cores) runtime threads; "), value("openblas"))
        XCTAssertEqual(value("openblas").contains("re-executed with OPENBLAS_CORETYPE=\(core) (OpenBLAS chose \(loaded[0]))"),
                       loaded[0] != core, value("openblas"))

        let version = try command("/usr/bin/env", ["pkg-config", "--modversion", "sndfile"]).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(value("libsndfile").hasPrefix("libsndfile-\(version): writes wav"), value("libsndfile"))
        // What the library links is what it can encode.
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("f5tts").path
        let library = try XCTUnwrap(try command("/usr/bin/ldd", [binary]).split(separator: "\n")
            .first { $0.contains("libsndfile.so") }?.split(separator: " ").first { $0.hasPrefix("/") })
        let linked = try command("/usr/bin/ldd", [String(library)])
        let writes = value("libsndfile").components(separatedBy: "writes ").last!.components(separatedBy: ";").first!
            .components(separatedBy: ", ")
        for (format, encoder) in [("mp3", "libmp3lame"), ("opus", "libopus"), ("flac", "libFLAC")] {
            XCTAssertEqual(writes.contains(format), linked.contains(encoder), "\(format): \(value("libsndfile"))")
        }

        // Every line of both bundles' checksum lists was hashed.
        let listed = try ["f5tts", "vocos"].map {
            try String(contentsOfFile: "\(models)/\($0)/checksums.sha256", encoding: .utf8).split(separator: "\n").count
        }.reduce(0, +)
        XCTAssertEqual(checks["model"]?["status"] as? String, "ok")
        XCTAssertTrue(value("model").hasPrefix("\(models): speak-fixture-tiny-v0 + speak-fixture-vocos-tiny"), value("model"))
        XCTAssertTrue(value("model").contains("; \(listed) files match"), value("model"))
        XCTAssertEqual(value("port"), "127.0.0.1:\(port) is free")
        XCTAssertEqual(value("voices"), home.appendingPathComponent("data/f5tts/voices").path + ": not there yet, created when the first voice is stored")

        // The text form says the same, one aligned line per check.
        let text = try doctor(["--model", models, "--port", String(port)], home: home)
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, names.count, text.stdout)
        let column = try XCTUnwrap(lines.first?.range(of: value("cpu"))?.lowerBound.utf16Offset(in: lines[0]))
        for (line, name) in zip(lines, names) {
            let status = checks[name]?["status"] as? String ?? ""
            XCTAssertTrue(line.hasPrefix(status.padding(toLength: 4, withPad: " ", startingAt: 0) + "  " + name + " "), line)
            XCTAssertEqual(String(line.dropFirst(column)), value(name), line)
        }
    }

    func testCorruptedModelFileFailsAndNamesIt() throws {
        let copy = try scratch().appendingPathComponent("models")
        try FileManager.default.copyItem(atPath: models, toPath: copy.path)
        let q4 = copy.appendingPathComponent("f5tts/tensors.q4.bin")
        var data = try Data(contentsOf: q4)
        data[data.count / 2] ^= 0x5A
        try data.write(to: q4)

        let run = try doctor(["--model", copy.path])
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("FAIL  model") }, run.stdout)
        XCTAssertTrue(lines[index].contains("\(q4.path): SHA-256 mismatch"), lines[index])
        XCTAssertEqual(lines.filter { $0.hasPrefix("FAIL") }.count, 1, run.stdout)
        XCTAssertTrue(lines[index + 1].trimmingCharacters(in: .whitespaces).hasPrefix("fix: "), run.stdout)
    }

    func testNoModelFailsWithTheDownloadFix() throws {
        let cache = try scratch()
        let run = try doctor(["--json"], environment: ["F5TTS_CACHE": cache.path])
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let (ok, checks, _) = try checks(run)
        XCTAssertFalse(ok)
        XCTAssertEqual(checks["model"]?["status"] as? String, "fail")
        let fix = try XCTUnwrap(checks["model"]?["fix"] as? String)
        XCTAssertTrue(fix.contains("f5tts download") && fix.contains(cache.appendingPathComponent("f5tts-4bit-distill").path), fix)
        XCTAssertEqual(checks.values.filter { $0["status"] as? String == "fail" }.count, 1, run.stdout)
    }

    func testDownloadedModelIsTheDefault() throws {
        let cache = try scratch()
        let download = cache.appendingPathComponent("f5tts-4bit-distill")
        try FileManager.default.copyItem(atPath: models, toPath: download.path)
        let run = try doctor(["--json"], environment: ["F5TTS_CACHE": cache.path])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let model = try XCTUnwrap(try checks(run).checks["model"])
        XCTAssertEqual(model["status"] as? String, "ok")
        XCTAssertTrue((model["value"] as? String ?? "").hasPrefix("\(download.path): speak-fixture-tiny-v0"), "\(model)")
    }

    func testTakenPortIsOnlyAWarning() throws {
        let (fd, port) = try listeningLoopbackSocket()
        defer { close(fd) }
        let run = try doctor(["--model", models, "--port", String(port)])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("warn  port") }, run.stdout)
        XCTAssertTrue(lines[index].hasSuffix("127.0.0.1:\(port) is taken (Address already in use)"), lines[index])
        XCTAssertTrue(lines[index + 1].contains("fix: ") && lines[index + 1].contains("--port N"), run.stdout)
    }

    func testISACapChangesTheLevelsInUse() throws {
        let flags = cpuinfoField("flags", in: try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let best = isaLevels(flags: flags).last!
        try XCTSkipIf(best == "scalar", "this CPU runs only the portable kernels: a cap changes nothing")
        let isa = { (run: CLIRun) in run.stdout.split(separator: "\n").first { $0.contains("  isa ") }.map(String.init) ?? "" }

        let free = try doctor(["--model", models])
        XCTAssertTrue(isa(free).hasPrefix("ok    isa") && isa(free).hasSuffix("in use: int8 \(best), elementwise \(best == "avx512vnni" ? "avx512" : "avx2")"),
                      isa(free))
        let capped = try doctor(["--model", models], environment: ["F5TTS_ISA": "scalar"])
        XCTAssertEqual(capped.status, 0, capped.stdout + capped.stderr)
        XCTAssertTrue(isa(capped).hasPrefix("warn  isa") && isa(capped).hasSuffix("in use: int8 scalar, elementwise scalar (capped by F5TTS_ISA=scalar)"),
                      isa(capped))
        XCTAssertTrue(capped.stdout.contains("fix: unset F5TTS_ISA to use \(best)"), capped.stdout)
        // Without vectorised integer kernels the default path is dequant.
        XCTAssertTrue(capped.stdout.contains("  kernels     dequant/fp32: fp32 GEMMs OpenBLAS"), capped.stdout)
    }

    func testOpenBLASCoreGivenByTheUserIsLeftAlone() throws {
        let run = try doctor(["--model", models], environment: ["OPENBLAS_CORETYPE": "Haswell"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let line = try XCTUnwrap(run.stdout.split(separator: "\n").first { $0.contains("  openblas ") }, run.stdout)
        XCTAssertTrue(line.contains("openblas    Haswell, 1 thread(s)") && line.contains("OPENBLAS_CORETYPE=Haswell given, left alone"), String(line))
    }
}

/// The first `key: value` line of /proc/cpuinfo.
private func cpuinfoField(_ key: String, in text: String) -> String? {
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
            return parts[1].trimmingCharacters(in: .whitespaces)
        }
    }
    return nil
}

/// The kernel levels a CPU with these /proc/cpuinfo flags runs, lowest first (as CKernels' isa.c decides from CPUID).
private func isaLevels(flags: String) -> [String] {
    let has = Set(flags.split(separator: " ").map(String.init))
    let avx2 = has.isSuperset(of: ["avx2", "fma"])
    let avx512 = has.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"])
    return ["scalar"] + (avx2 ? ["avx2"] : []) + (avx2 && has.contains("avx_vnni") ? ["avxvnni"] : [])
        + (avx2 && avx512 && has.contains("avx512_vnni") ? ["avx512vnni"] : [])
}

/// A socket listening on 127.0.0.1 at a port the kernel picked.
private func listeningLoopbackSocket() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard ok else { close(fd); throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A loopback port that was free a moment ago.
private func freeLoopbackPort() throws -> Int {
    let (fd, port) = try listeningLoopbackSocket()
    close(fd)
    return port
}
