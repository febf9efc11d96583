import F5Bundle
import F5Model
import Foundation

/// A setting's value as a front end hands it over: typed on the command line, read from TOML or JSON.
public enum SettingValue: Equatable, Sendable, Codable, CustomStringConvertible {
    case integer(Int), number(Double), boolean(Bool), text(String), null
    /// A JSON array or object, never a setting's value (kept so the error can say what came).
    case other(String)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .boolean(b) }
        else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .text(s) }
        else { self = .other("an array or object") }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .integer(i): try c.encode(i)
        case let .number(d): try c.encode(d)
        case let .boolean(b): try c.encode(b)
        case let .text(s): try c.encode(s)
        case .null, .other: try c.encodeNil()
        }
    }

    public var description: String {
        switch self {
        case let .integer(i): return "\(i)"
        case let .number(d): return "\(d)"
        case let .boolean(b): return "\(b)"
        case let .text(s): return "\"\(s)\""
        case .null: return "null"
        case let .other(what): return what
        }
    }
}

/// One synthesis setting as every front end knows it: F5-TTS's name (TOML keys, batch JSONL fields, the
/// server's JSON), our command-line flag and its aliases, the range and the one check. `SynthesisSetting.all`
/// is the table; the CLI, the config file, batch, the server and the web page (through
/// `GET /v1/audio/settings`) all read it, so a value is accepted or refused the same way everywhere.
public struct SynthesisSetting: Sendable {
    public enum Kind: String, Sendable, Codable { case integer, number, boolean, choice }

    /// What values are valid.
    public enum Range: Sendable, Equatable {
        case integers(ClosedRange<Int>)
        /// `lower...upper`, or `lower` excluded when `lowerOpen`.
        case numbers(lower: Double, upper: Double, lowerOpen: Bool)
        case any
    }

    /// F5-TTS's name: `nfe_step`.
    public let name: String
    /// Our flag, without dashes: `steps`.
    public let flag: String
    /// More flag spellings (F5-TTS's `infer_cli` ones among them).
    public let aliases: [String]
    public let kind: Kind
    public let range: Range
    /// Whether null is a value (sway sampling off).
    public let nullable: Bool
    public let choices: [String]
    public let help: String
    /// Not given anywhere: a fresh random value per synthesis (the seed), not `SynthesisOptions`' own.
    public let randomByDefault: Bool
    fileprivate let read: @Sendable (SynthesisOptions) -> SettingValue
    fileprivate let write: @Sendable (inout SynthesisOptions, SettingValue) -> Void
    fileprivate let recommendation: @Sendable (InferenceSettings) -> SettingValue?

    /// What a valid value is, as error messages and help say it.
    public var expected: String {
        var text: String
        switch (kind, range) {
        case (.boolean, _): text = "true or false"
        case (.choice, _): text = choices.joined(separator: " or ")
        case let (_, .integers(r)): text = "an integer from \(r.lowerBound) to \(r.upperBound)"
        case let (_, .numbers(lower, upper, lowerOpen)):
            text = lowerOpen ? "a number above \(Self.show(lower)) up to \(Self.show(upper))" : "a number from \(Self.show(lower)) to \(Self.show(upper))"
        case (_, .any): text = kind == .integer ? "an integer" : "a number"
        }
        if nullable { text += ", or null" }
        return text
    }

    /// The value checked and made canonical (an integer given for a number becomes a number). Throws
    /// `F5TTSError.invalidArgument` naming `name`, what is expected and what came.
    public func validate(_ value: SettingValue) throws -> SettingValue {
        guard let valid = canonical(value) else {
            throw F5TTSError.invalidArgument(name: name, expected: expected, found: value.description)
        }
        return valid
    }

    private func canonical(_ value: SettingValue) -> SettingValue? {
        switch (kind, value) {
        case (_, .null): return nullable ? .null : nil
        case let (.boolean, .boolean(b)): return .boolean(b)
        case let (.choice, .text(s)): return choices.contains(s) ? value : nil
        case let (.integer, .integer(i)): return contains(Double(i), integer: i) ? value : nil
        case let (.integer, .number(d)):
            // JSON and TOML writers may spell 8 as 8.0.
            guard d.rounded() == d, let i = Int(exactly: d) else { return nil }
            return canonical(.integer(i))
        case let (.number, .integer(i)): return canonical(.number(Double(i)))
        case let (.number, .number(d)): return contains(d, integer: nil) ? value : nil
        default: return nil
        }
    }

    private func contains(_ x: Double, integer: Int?) -> Bool {
        switch range {
        case let .integers(r): return integer.map(r.contains) ?? false
        case let .numbers(lower, upper, lowerOpen): return (lowerOpen ? x > lower : x >= lower) && x <= upper
        case .any: return x.isFinite
        }
    }

    /// A value as typed on the command line (`8`, `-0.5`, `none` for null, `midpoint`), checked.
    public func parse(argument: String) throws -> SettingValue {
        let value: SettingValue
        switch kind {
        case _ where nullable && ["none", "null"].contains(argument.lowercased()): value = .null
        case .integer: value = Int(argument).map(SettingValue.integer) ?? .text(argument)
        case .number: value = Double(argument).map(SettingValue.number) ?? .text(argument)
        case .boolean: value = Bool(argument).map(SettingValue.boolean) ?? .text(argument)
        case .choice: value = .text(argument)
        }
        return try validate(value)
    }

    /// This setting's value in `options`.
    public func value(in options: SynthesisOptions) -> SettingValue { read(options) }

    /// What a bundle's manifest recommends for it, if anything.
    public func recommended(by settings: InferenceSettings?) -> SettingValue? { settings.flatMap(recommendation) }

    private static func show(_ x: Double) -> String { x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }

    fileprivate init(_ name: String, flag: String, aliases: [String] = [], kind: Kind, range: Range = .any, nullable: Bool = false,
                     choices: [String] = [], randomByDefault: Bool = false, help: String,
                     read: @escaping @Sendable (SynthesisOptions) -> SettingValue,
                     write: @escaping @Sendable (inout SynthesisOptions, SettingValue) -> Void,
                     recommendation: @escaping @Sendable (InferenceSettings) -> SettingValue? = { _ in nil }) {
        (self.name, self.flag, self.aliases, self.kind, self.range, self.nullable, self.choices) = (name, flag, aliases, kind, range, nullable, choices)
        (self.randomByDefault, self.help, self.read, self.write, self.recommendation) = (randomByDefault, help, read, write, recommendation)
    }
}

extension SettingValue {
    fileprivate var int: Int { if case let .integer(i) = self { return i }; preconditionFailure("validated as an integer: \(self)") }
    fileprivate var double: Double {
        switch self {
        case let .number(d): return d
        case let .integer(i): return Double(i)
        default: preconditionFailure("validated as a number: \(self)")
        }
    }
    fileprivate var bool: Bool { if case let .boolean(b) = self { return b }; preconditionFailure("validated as a boolean: \(self)") }
    fileprivate var text: String { if case let .text(s) = self { return s }; preconditionFailure("validated as a choice: \(self)") }
}

extension SynthesisSetting {
    /// The table: every setting a front end may give, in help order.
    public static let all: [SynthesisSetting] = [
        SynthesisSetting("nfe_step", flag: "steps", aliases: ["nfe-step", "nfe_step"], kind: .integer, range: .integers(1...64),
                         help: "Sampling steps: more is slower and, up to a point, better.",
                         read: { .integer($0.steps) }, write: { $0.steps = $1.int }, recommendation: { $0.nfeSteps.map(SettingValue.integer) }),
        // Negative guidance is allowed for experiments; beyond ±10 the sampler only diverges.
        SynthesisSetting("cfg_strength", flag: "cfg-strength", aliases: ["cfg_strength"], kind: .number,
                         range: .numbers(lower: -10, upper: 10, lowerOpen: false), help: "Classifier-free guidance strength.",
                         read: { .number($0.cfgStrength) }, write: { $0.cfgStrength = $1.double },
                         recommendation: { $0.cfgStrength.map(SettingValue.number) }),
        // Beyond ±1 sway sampling's time map is no longer monotonic.
        SynthesisSetting("sway_sampling_coef", flag: "sway-coef", aliases: ["sway-sampling-coef", "sway_sampling_coef"], kind: .number,
                         range: .numbers(lower: -1, upper: 1, lowerOpen: false), nullable: true,
                         help: "Sway sampling coefficient (none: no sway sampling).",
                         read: { $0.swaySamplingCoef.map(SettingValue.number) ?? .null },
                         write: { $0.swaySamplingCoef = $1 == .null ? nil : $1.double },
                         recommendation: { $0.swaySamplingCoef.map(SettingValue.number) }),
        // OpenAI's speech API range.
        SynthesisSetting("speed", flag: "speed", kind: .number, range: .numbers(lower: 0.25, upper: 4, lowerOpen: false),
                         help: "Speaking speed: the duration rule divides by it.",
                         read: { .number($0.speed) }, write: { $0.speed = $1.double }, recommendation: { $0.speed.map(SettingValue.number) }),
        // The sampler's frame limit (65536 frames) is about 700 s at 24 kHz.
        SynthesisSetting("fix_duration", flag: "duration", aliases: ["fix-duration", "fix_duration"], kind: .number,
                         range: .numbers(lower: 0, upper: 600, lowerOpen: true), nullable: true,
                         help: "Total seconds, reference included, replacing the duration rule.",
                         read: { $0.fixedDuration.map(SettingValue.number) ?? .null },
                         write: { $0.fixedDuration = $1 == .null ? nil : $1.double }),
        SynthesisSetting("cross_fade_duration", flag: "cross-fade-duration", aliases: ["cross_fade_duration"], kind: .number,
                         range: .numbers(lower: 0, upper: 5, lowerOpen: false), help: "Seconds of cross-fade between text chunks.",
                         read: { .number($0.crossFadeDuration) }, write: { $0.crossFadeDuration = $1.double }),
        SynthesisSetting("target_rms", flag: "target-rms", aliases: ["target_rms"], kind: .number,
                         range: .numbers(lower: 0, upper: 1, lowerOpen: true),
                         help: "Loudness quiet references are raised to, and the output lowered back from.",
                         read: { .number($0.targetRMS) }, write: { $0.targetRMS = $1.double }),
        SynthesisSetting("remove_silence", flag: "remove-silence", aliases: ["remove_silence"], kind: .boolean,
                         help: "Cut long silences from the result, as F5-TTS's --remove_silence does.",
                         read: { .boolean($0.removeSilence) }, write: { $0.removeSilence = $1.bool }),
        SynthesisSetting("ode_method", flag: "ode-method", aliases: ["ode_method"], kind: .choice,
                         choices: ODEMethod.allCases.map(\.rawValue), help: "The ODE solver.",
                         read: { .text($0.method.rawValue) }, write: { $0.method = ODEMethod(rawValue: $1.text)! }),
        // F5-TTS's app draws seeds below 2^63 (sys.maxsize).
        SynthesisSetting("seed", flag: "seed", kind: .integer, range: .integers(0...Int.max), randomByDefault: true,
                         help: "Seed of the initial noise (default: random; chunk i uses seed + i).",
                         read: { .integer(Int(truncatingIfNeeded: $0.seed)) }, write: { $0.seed = UInt64($1.int) }),
    ]

    /// The setting F5-TTS calls `name`.
    public static func named(_ name: String) -> SynthesisSetting? { all.first { $0.name == name } }
}

extension SynthesisOptions {
    /// Sets each of `values` (keyed by F5-TTS's names) after checking it; throws for the first bad one,
    /// naming it, and changes nothing then.
    public mutating func apply(_ values: [String: SettingValue]) throws {
        var copy = self
        for setting in SynthesisSetting.all {
            guard let value = values[setting.name] else { continue }
            setting.write(&copy, try setting.validate(value))
        }
        if let unknown = values.keys.first(where: { SynthesisSetting.named($0) == nil }) {
            throw F5TTSError.invalidArgument(name: unknown, expected: "one of \(SynthesisSetting.all.map(\.name).joined(separator: ", "))",
                                             found: "an unknown setting")
        }
        self = copy
    }

    /// A seed for a synthesis that was given none, in the range F5-TTS's own random seeds come from.
    public static func randomSeed() -> UInt64 { UInt64.random(in: 0..<(1 << 32)) }
}

/// The table as the server publishes it (`GET /v1/audio/settings`), with the values in force for the
/// loaded model: its manifest's recommendation, else the default.
public struct SettingDescription: Codable, Equatable, Sendable {
    public var name: String
    public var flag: String
    public var kind: SynthesisSetting.Kind
    public var minimum: Double?
    public var maximum: Double?
    /// Whether `minimum` itself is refused.
    public var minimumExclusive: Bool
    public var nullable: Bool
    public var choices: [String]?
    /// The value used when none is given (null with `random`: drawn per request).
    public var `default`: SettingValue
    public var recommended: SettingValue?
    public var random: Bool
    public var expected: String
    public var help: String

    public static func all(recommended: InferenceSettings?) -> [SettingDescription] {
        let defaults = SynthesisOptions(recommended: recommended)
        return SynthesisSetting.all.map { s in
            var minimum: Double?, maximum: Double?, exclusive = false
            switch s.range {
            case let .integers(r): (minimum, maximum) = (Double(r.lowerBound), Double(r.upperBound))
            case let .numbers(lower, upper, lowerOpen): (minimum, maximum, exclusive) = (lower, upper, lowerOpen)
            case .any: break
            }
            return SettingDescription(name: s.name, flag: "--" + s.flag, kind: s.kind, minimum: minimum, maximum: maximum,
                                      minimumExclusive: exclusive, nullable: s.nullable, choices: s.choices.isEmpty ? nil : s.choices,
                                      default: s.randomByDefault ? .null : s.value(in: defaults), recommended: s.recommended(by: recommended),
                                      random: s.randomByDefault, expected: s.expected, help: s.help)
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, flag, kind, minimum, maximum, minimumExclusive = "minimum_exclusive", nullable, choices, `default`, recommended, random
        case expected, help
    }
}

extension SynthesisOptions {
    /// The defaults, overridden by the settings a bundle's manifest recommends (one outside the table's
    /// range is ignored: a front end could not have asked for it either).
    public init(recommended settings: InferenceSettings?) {
        self.init()
        for setting in SynthesisSetting.all {
            if let value = setting.recommended(by: settings), let valid = try? setting.validate(value) { setting.write(&self, valid) }
        }
    }
}

extension SynthesisSetting {
    /// The table's fields present in a JSON object (or any keyed container), unchecked; other fields
    /// are left to the caller.
    public static func values(in decoder: Decoder) throws -> [String: SettingValue] {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let c = try decoder.container(keyedBy: Key.self)
        var values: [String: SettingValue] = [:]
        for setting in all where c.contains(Key(stringValue: setting.name)) {
            values[setting.name] = try c.decode(SettingValue.self, forKey: Key(stringValue: setting.name))
        }
        return values
    }
}

extension F5TTSError {
    /// The same error naming the field as a front end spells it (`--steps`, `voices.anna.speed`).
    public func renamingArgument(to spelling: String) -> F5TTSError {
        guard case let .invalidArgument(_, expected, found) = self else { return self }
        return .invalidArgument(name: spelling, expected: expected, found: found)
    }
}
