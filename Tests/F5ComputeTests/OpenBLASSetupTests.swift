@testable import F5Compute
import Foundation
import F5TestSupport
import XCTest

final class OpenBLASSetupTests: XCTestCase {
    func testSelfCheckPasses() {
        let check = OpenBLASSetup.selfCheck()
        XCTAssertTrue(check.passed, "OpenBLAS \(check.core): relative error \(check.maxRelativeError)")
        XCTAssertEqual(check.core, OpenBLASSetup.coreName)
    }

    /// Never re-executes a test runner: with the loop guard marking a fallback it must stay put, and
    /// with OPENBLAS_CORETYPE set by the user it must leave things alone.
    func testReexecNeverOverridesAndRespectsGuard() {
        setenv("F5TTS_OPENBLAS_REEXEC", "fallback:Prescott", 1)
        XCTAssertEqual(OpenBLASSetup.reexecWithBestCore(), .fellBack(to: OpenBLASSetup.coreName))
        unsetenv("F5TTS_OPENBLAS_REEXEC")
        if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            XCTAssertEqual(OpenBLASSetup.reexecWithBestCore(), .coreTypeAlreadySet(set))
        }
    }

    func testCoreRanking() {
        XCTAssertLessThan(OpenBLASSetup.rank("Prescott"), OpenBLASSetup.rank("Haswell"))
        XCTAssertLessThan(OpenBLASSetup.rank("Haswell"), OpenBLASSetup.rank("SkylakeX"))
        XCTAssertEqual(OpenBLASSetup.rank("Cooperlake"), OpenBLASSetup.rank("SkylakeX"))
    }

    func testThreadsConfigure() {
        let original = ComputeThreads.count
        ComputeThreads.configure(1)
        XCTAssertEqual(ComputeThreads.count, 1)
        XCTAssertEqual(ComputeThreads.openBLASThreads, 1)
        ComputeThreads.configure(original)
        XCTAssertEqual(ComputeThreads.count, original)
    }
}
