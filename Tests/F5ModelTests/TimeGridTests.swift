import F5Model
import XCTest

/// The flow-time grid (linspace / EPSS tables, sway) against CFM.sample's torch computation.
final class TimeGridTests: XCTestCase {
    func testGridsMatchTorch() throws {
        let meta = try ModelFixtures.json("shared/meta.json")
        for grid in meta["time_grids"] as! [[String: Any]] {
            let steps = grid["steps"] as! Int, sway = (grid["sway"] as? Double).map { Float($0) }
            let ours = TimeGrid.timesteps(steps: steps, sway: sway)
            let reference = (grid["bits"] as! [Int]).map { Float(bitPattern: UInt32($0)) }
            XCTAssertEqual(ours.count, steps + 1)
            // torch's cos (SLEEF, 1-ulp accurate) and the correctly rounded cosf can differ by one ulp
            // of cos near 1, which the sway term scales by |sway| (e.g. t = 4/32).
            let tolerance = abs(sway ?? 0) * Float(1).ulp
            for (a, b) in zip(ours, reference) {
                XCTAssertLessThanOrEqual(abs(a - b), tolerance + b.ulp, "steps \(steps) sway \(String(describing: sway)): \(ours) vs \(reference)")
            }
            if sway == nil { XCTAssertEqual(ours, reference, "steps \(steps)") }
        }
    }

    func testEPSSTables() {
        XCTAssertEqual(TimeGrid.timesteps(steps: 7, sway: nil), [0, 2, 4, 6, 8, 16, 24, 32].map { Float($0) / 32 })
        XCTAssertEqual(TimeGrid.timesteps(steps: 7, sway: nil, useEPSS: false).count, 8)
        XCTAssertEqual(Set(TimeGrid.epssTables.keys), [5, 6, 7, 10, 12, 16])
        for (steps, table) in TimeGrid.epssTables {
            XCTAssertEqual(table.count, steps + 1)
            XCTAssertEqual(table.first, 0)
            XCTAssertEqual(table.last, 32)
        }
    }

    func testSwayMinusOneIsOneMinusCosine() {
        let grid = TimeGrid.timesteps(steps: 8, sway: -1)
        for (k, t) in grid.enumerated() {
            XCTAssertEqual(Double(t), 1 - cos(Double.pi * Double(k) / 16), accuracy: 1e-6)
        }
    }
}
