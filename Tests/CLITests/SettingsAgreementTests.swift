import F5TTS
import Foundation
import XCTest

/// Every synthesis setting of the table, accepted and refused alike by every front end, each refusal
/// naming the field as that front end spells it and saying what is expected: the command line as typed
/// (`speak --dry-run`), a TOML config (`speak -c`), a batch JSONL line (`batch --dry-run`) and the
/// server's JSON over 127.0.0.1.
final class SettingsAgreementTests: XCTestCase {
    let models = fixturesFolder.appendingPathComponent("speak/models").path
    let refAudio = fixturesFolder.appendingPathComponent("speak/ref.wav").path
    let refText = "The quick brown fox jumps"

    /// Values at and just beyond the setting's edges, of the wrong type, and null.
    func samples(_ s: SynthesisSetting) -> (accepted: [SettingValue], refused: [SettingValue]) {
        var accepted: [SettingValue] = [], refused: [SettingValue] = [.text("many")]
        switch (s.kind, s.range) {
        case let (.integer, .integers(r)):
            accepted += [.integer(r.lowerBound), .integer(r.upperBound)]
            refused += [.integer(r.lowerBound - 1), .number(Double(r.lowerBound) + 0.5)]
            if r.upperBound < Int.max { refused.append(.integer(r.upperBound + 1)) }
        case let (.number, .numbers(lower, upper, lowerOpen)):
            accepted += [.number(lowerOpen ? lower + 0.01 : lower), .number(upper)]
            refused += [.number(lowerOpen ? lower : lower - 0.01), .number(upper + 0.01)]
        case (.boolean, _):
            accepted += [.boolean(true), .boolean(false)]
            refused += [.integer(1)]
        case (.choice, _):
            accepted += s.choices.map(SettingValue.text)
            refused += [.text("rk4")]
        default:
            XCTFail("\(s.name): no samples for \(s.kind) in \(s.range)")
        }
        (s.nullable ? { accepted.append(.null) } : { refused.append(.null) })()
        return (accepted, refused)
    }

    func testEveryFrontEndAcceptsAndRefusesTheSameValues() throws {
        let dir = try scratch()
        let server = try serve()
        var checked = 0
        for setting in SynthesisSetting.all {
            let (accepted, refused) = samples(setting)
            for (value, valid) in accepted.map({ ($0, true) }) + refused.map({ ($0, false) }) {
                let label = "\(setting.name) = \(value)"
                for (frontEnd, outcome) in [("command line", try commandLine(setting, value)), ("TOML", try toml(setting, value, dir)),
                                            ("JSONL", try jsonl(setting, value, dir)), ("server", try json(setting, value, server))] {
                    guard let (ok, message, field) = outcome else { continue }
                    XCTAssertEqual(ok, valid, "\(frontEnd): \(label): \(message)")
                    if !ok && !valid {
                        XCTAssertTrue(message.contains(field), "\(frontEnd): \(label) must name \(field): \(message)")
                        XCTAssertTrue(message.contains(setting.expected), "\(frontEnd): \(label) must say '\(setting.expected)': \(message)")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 150)
    }

    /// `--flag value` as typed; a boolean is a flag without a value (only `true` can be typed).
    func commandLine(_ s: SynthesisSetting, _ value: SettingValue) throws -> (Bool, String, String)? {
        let typed: [String]
        switch value {
        case .boolean(true): typed = ["--" + s.flag]
        case .boolean, _ where s.kind == .boolean: return nil
        case let .integer(i): typed = ["--" + s.flag, "\(i)"]
        case let .number(d): typed = ["--" + s.flag, "\(d)"]
        case let .text(t): typed = ["--" + s.flag, t]
        case .null: typed = ["--" + s.flag, "none"]
        case .other: return nil
        }
        let run = try f5tts(arguments: ["speak", "--model", models, "--dry-run", "--ref-audio", refAudio, "--ref-text", refText,
                                        "--text", "Hi there."] + typed)
        return (run.status == 0, run.stderr, "--" + s.flag)
    }

    /// `name = value` in a config file (TOML has no null).
    func toml(_ s: SynthesisSetting, _ value: SettingValue, _ dir: URL) throws -> (Bool, String, String)? {
        let literal: String
        switch value {
        case let .integer(i): literal = "\(i)"
        case let .number(d): literal = "\(d)"
        case let .boolean(b): literal = "\(b)"
        case let .text(t): literal = "\"\(t)\""
        case .null, .other: return nil
        }
        let file = dir.appendingPathComponent("settings.toml")
        try "ref_audio = \"\(refAudio)\"\nref_text = \"\(refText)\"\n\(s.name) = \(literal)\n".write(to: file, atomically: true, encoding: .utf8)
        let run = try f5tts(arguments: ["speak", "--model", models, "--dry-run", "-c", file.path, "--text", "Hi there."])
        return (run.status == 0, run.stderr, "'\(s.name)'")
    }

    /// One job line with the setting, checked by `batch --dry-run` (65: the job file is invalid).
    func jsonl(_ s: SynthesisSetting, _ value: SettingValue, _ dir: URL) throws -> (Bool, String, String)? {
        var job: [String: Any] = ["id": "a", "text": "Hi there.", "ref_audio": refAudio, "ref_text": refText]
        job[s.name] = jsonValue(value)
        let file = dir.appendingPathComponent("jobs.jsonl")
        try JSONSerialization.data(withJSONObject: job).write(to: file)
        let run = try f5tts(arguments: ["batch", file.path, "--out", dir.appendingPathComponent("out").path, "--model", models, "--dry-run"])
        XCTAssertTrue([0, 65].contains(run.status), "\(s.name) = \(value): exit \(run.status): \(run.stderr)")
        return (run.status == 0, run.stderr, "\"\(s.name)\"")
    }

    /// The setting in a speech request for a voice that does not exist: the settings are checked first, so
    /// a valid value gets the 404 of the voice and an invalid one a 400 naming it, and nothing is synthesised.
    func json(_ s: SynthesisSetting, _ value: SettingValue, _ server: Server) throws -> (Bool, String, String)? {
        var body: [String: Any] = ["input": "Hi there.", "voice": "nobody-\(UUID().uuidString.prefix(8))"]
        body[s.name] = jsonValue(value)
        let reply = try server.request("POST", "/v1/audio/speech", json: body)
        XCTAssertTrue([400, 404].contains(reply.status), "\(s.name) = \(value): \(reply.status)")
        let error = reply.error ?? [:]
        let named = (error["param"] as? String).map { $0 == s.name ? "param \($0)" : "param \($0) (not \(s.name))" } ?? "no param"
        return (reply.status == 404, "\(named): \(error["message"] as? String ?? "")", "param \(s.name)")
    }

    func jsonValue(_ value: SettingValue) -> Any {
        switch value {
        case let .integer(i): return i
        case let .number(d): return d
        case let .boolean(b): return b
        case let .text(t): return t
        case .null, .other: return NSNull()
        }
    }

    /// The page's controls read this: every setting with its range and the bundle's recommendation.
    func testSettingsEndpointPublishesTheTableWithTheBundlesRecommendation() throws {
        // The fixture bundle with a manifest that recommends 5 steps and speed 0.9.
        let copy = try scratch().appendingPathComponent("models")
        try FileManager.default.copyItem(atPath: models, toPath: copy.path)
        let manifestURL = copy.appendingPathComponent("f5tts/manifest.json")
        var manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        manifest["inference"] = ["nfe_steps": 5, "speed": 0.9]
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let server = try serve(["--model", copy.path])
        let reply = try server.request("GET", "/v1/audio/settings")
        XCTAssertEqual(reply.status, 200)
        let settings = try XCTUnwrap(reply.json?["settings"] as? [[String: Any]])
        XCTAssertEqual(settings.map { $0["name"] as! String }, SynthesisSetting.all.map(\.name))
        func setting(_ name: String) throws -> [String: Any] { try XCTUnwrap(settings.first { $0["name"] as? String == name }) }
        XCTAssertEqual(try setting("nfe_step")["minimum"] as? Double, 1)
        XCTAssertEqual(try setting("nfe_step")["maximum"] as? Double, 64)
        XCTAssertEqual(try setting("nfe_step")["flag"] as? String, "--steps")
        XCTAssertEqual(try setting("nfe_step")["default"] as? Int, 5)
        XCTAssertEqual(try setting("nfe_step")["recommended"] as? Int, 5)
        XCTAssertEqual(try setting("speed")["default"] as? Double, 0.9)
        XCTAssertEqual(try setting("cross_fade_duration")["default"] as? Double, 0.15, "no recommendation: the default")
        XCTAssertNil(try setting("cross_fade_duration")["recommended"])
        XCTAssertEqual(try setting("seed")["random"] as? Bool, true)
        XCTAssertEqual(try setting("ode_method")["choices"] as? [String], ["euler", "midpoint"])
    }
}
