import F5Compute
import Foundation
import Synchronization
import XCTest

/// The cores split between syntheses side by side: a synthesis alone gets every core, several get an even
/// share rounded up, and a thread's own budget (`withThreads`) still wins.
final class CoreSharingTests: XCTestCase {
    func testAShareIsTheCoresOverTheSynthesesRunningRoundedUp() {
        ComputeThreads.configure(5)
        defer { ComputeThreads.configure() }
        let sharing = CoreSharing()
        XCTAssertEqual(sharing.run { ComputeThreads.count }, 5, "alone: every core")
        XCTAssertEqual(sharing.run { ComputeThreads.withThreads(1) { ComputeThreads.count } }, 1, "an own budget wins")

        // Three bodies held inside `run` at once, each reading its share while all three are inside.
        let inside = DispatchSemaphore(value: 0), read = DispatchSemaphore(value: 0), leave = DispatchSemaphore(value: 0)
        let done = DispatchGroup(), seen = Seen()
        for _ in 0..<3 {
            done.enter()
            Thread {
                sharing.run {
                    inside.signal()
                    read.wait()
                    seen.add(ComputeThreads.count)
                    leave.wait()
                }
                done.leave()
            }.start()
        }
        for _ in 0..<3 { XCTAssertEqual(inside.wait(timeout: .now() + 10), .success) }
        XCTAssertEqual(sharing.runningCount, 3)
        for _ in 0..<3 { read.signal() }
        let deadline = Date().addingTimeInterval(10)
        while seen.values.count < 3 && Date() < deadline { usleep(1000) }
        XCTAssertEqual(seen.values, [2, 2, 2], "ceil(5 / 3) each")
        for _ in 0..<3 { leave.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(sharing.runningCount, 0)
        XCTAssertEqual(ComputeThreads.count, 5, "outside any sharing: the process's")
    }

    private final class Seen: Sendable {
        private let list = Mutex<[Int]>([])
        func add(_ value: Int) { list.withLock { $0.append(value) } }
        var values: [Int] { list.withLock { $0 } }
    }
}
