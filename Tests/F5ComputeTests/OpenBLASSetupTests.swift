import F5Compute
import Foundation
import XCTest

final class OpenBLASSetupTests: XCTestCase {
    func testSelfCheckPasses() {
        let check = OpenBLASSetup.selfCheck()
        XCTAssertTrue(check.passed, "OpenBLAS \(check.core): relative error \(check.maxRelativeError)")
        XCTAssertEqual(check.core, OpenBLASSetup.coreName)
    }

    /// Never re-executes a test runner: with OPENBLAS_CORETYPE set it must leave things alone,
    /// and with it unset the decision must not be a re-exec while the loop guard is set.
    func testReexecNeverOverridesAndRespectsGuard() {
        if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            XCTAssertEqual(OpenBLASSetup.reexecIfGenericCore(), .coreTypeAlreadySet(set))
            return
        }
        setenv("F5TTS_OPENBLAS_REEXEC", "1", 1)
        defer { unsetenv("F5TTS_OPENBLAS_REEXEC") }
        switch OpenBLASSetup.reexecIfGenericCore() {
        case .coreIsFine(let core): XCTAssertFalse(OpenBLASSetup.genericCores.contains(core.lowercased()))
        case .noBetterCore: XCTAssertNil(OpenBLASSetup.recommendedCoreType)
        case .reexecUnavailable: XCTAssertNotNil(OpenBLASSetup.recommendedCoreType)
        case .coreTypeAlreadySet: XCTFail("OPENBLAS_CORETYPE is unset")
        }
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
