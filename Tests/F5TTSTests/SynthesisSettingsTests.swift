import F5TTS
import Foundation
import XCTest

final class SynthesisSettingsTests: XCTestCase {
    func testNamesAndFlagsAreUnique() {
        let names = SynthesisSetting.all.map(\.name), flags = SynthesisSetting.all.flatMap { [$0.flag] + $0.aliases }
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertEqual(Set(flags).count, flags.count)
    }

    func testValuesAreCheckedAndMadeCanonical() throws {
        let steps = try XCTUnwrap(SynthesisSetting.named("nfe_step")), speed = try XCTUnwrap(SynthesisSetting.named("speed"))
        XCTAssertEqual(steps.expected, "an integer from 1 to 64")
        XCTAssertEqual(try steps.validate(.number(8)), .integer(8), "JSON writers may spell 8 as 8.0")
        XCTAssertEqual(try speed.validate(.integer(2)), .number(2))
        XCTAssertThrowsError(try steps.validate(.number(8.5)))
        XCTAssertThrowsError(try speed.validate(.number(.nan)))
        XCTAssertThrowsError(try speed.validate(.boolean(true)))
        XCTAssertEqual(try SynthesisSetting.named("sway_sampling_coef")!.parse(argument: "none"), .null)
        XCTAssertThrowsError(try steps.parse(argument: "0")) { error in
            XCTAssertEqual("\(error)", "nfe_step: expected an integer from 1 to 64, found 0")
        }
        XCTAssertEqual(SynthesisSetting.named("target_rms")!.expected, "a number above 0 up to 1")
    }

    func testOptionsDecodeThroughTheTable() throws {
        let o = try JSONDecoder().decode(SynthesisOptions.self, from: Data(#"{"nfe_step": 4, "sway_sampling_coef": null, "speed": 2}"#.utf8))
        XCTAssertEqual(o.steps, 4)
        XCTAssertNil(o.swaySamplingCoef)
        XCTAssertEqual(o.speed, 2)
        XCTAssertThrowsError(try JSONDecoder().decode(SynthesisOptions.self, from: Data(#"{"speed": 9}"#.utf8)))
        var applied = SynthesisOptions()
        XCTAssertThrowsError(try applied.apply(["nfe_step": .integer(2), "speed": .number(0)]))
        XCTAssertEqual(applied, SynthesisOptions(), "a refused set changes nothing")
    }
}
