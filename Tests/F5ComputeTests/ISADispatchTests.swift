import CKernels
import F5Compute
import XCTest

final class ISADispatchTests: XCTestCase {
    override func tearDown() { ComputeISA.force(nil) }

    func testLevelNamesParseAndCap() {
        for level in ISALevel.allCases { XCTAssertEqual(ck_isa_parse(level.rawValue), Int32(ISALevel.allCases.firstIndex(of: level)!)) }
        XCTAssertEqual(ck_isa_parse("sse9"), -1)
        XCTAssertEqual(ComputeISA.supported.first, .scalar)
        XCTAssertEqual(ComputeISA.supported.last, ComputeISA.detected)
        ComputeISA.force(.scalar)
        XCTAssertEqual(ComputeISA.active, .scalar)
        XCTAssertEqual(ComputeISA.elementwise, .scalar)
        ComputeISA.force(nil)
        XCTAssertEqual(ComputeISA.active, ComputeISA.detected)
    }

    /// A cap runs the highest level at or below it that the CPU executes, read from CPUID here: an
    /// AVX512-VNNI CPU without AVX-VNNI (Zen 4) capped at avxvnni runs AVX2 instead of faulting.
    func testCapLandsOnALevelTheCPURuns() throws {
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let words = Set(flags.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
        func has(_ flag: String) -> Bool { words.contains(flag) }
        let runs: [ISALevel: Bool] = [
            .scalar: true, .avx2: has("avx2") && has("fma"), .avxvnni: has("avx2") && has("avx_vnni"),
            .avx512vnni: has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512_vnni"),
        ]
        XCTAssertEqual(ComputeISA.supported, ISALevel.allCases.filter { runs[$0]! })
        for cap in ISALevel.allCases {
            ComputeISA.force(cap)
            XCTAssertEqual(ComputeISA.active, ISALevel.allCases.last { $0 <= cap && runs[$0]! }, "capped at \(cap)")
        }
        ComputeISA.force(nil)
    }

    /// Elementwise levels against each other (the double references are checked per level elsewhere).
    func testElementwiseLevelsAgree() {
        var rng = TestRandom(seed: 9)
        let x = rng.floats(1000, -10, 10)
        for (name, kernel, _, _, _, _) in ElementwiseTests.cases {
            var outputs: [[Float]] = []
            for level in ComputeISA.supported {
                ComputeISA.force(level)
                var y = [Float](repeating: .nan, count: x.count)
                kernel(x, &y, x.count)
                outputs.append(y)
            }
            for y in outputs.dropFirst() {
                for (a, b) in zip(y, outputs[0]) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(abs(b), 1e-30), name) }
            }
        }
    }

    func testEnvironmentReport() throws {
        let environment = ComputeEnvironment.current()
        XCTAssertFalse(environment.cpuModel.isEmpty)
        XCTAssertEqual(environment.int8ISA, ComputeISA.active)
        XCTAssertGreaterThan(environment.openBLASThreads, 0)
        let decoded = try JSONDecoder().decode(ComputeEnvironment.self, from: JSONEncoder().encode(environment))
        XCTAssertEqual(decoded.openBLASCore, environment.openBLASCore)
    }
}
