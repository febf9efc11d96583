import F5Bundle
import F5Compute
import F5Model
import F5TestSupport
import XCTest

/// `--convention` (`WeightBundle.load(path:convention:)`): a v1 model whose manifest does not say so runs as v0
/// (the published export's default) and misses the reference; told v1, it matches it again.
final class ConventionTests: XCTestCase {
    func testOverrideRestoresAMislabelledBundle() throws {
        let fixture = try ModelFixtures.Convention("v1")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("f5model-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ModelFixtures.url("v1/bundle"), to: copy)
        addTeardownBlock { try? FileManager.default.removeItem(at: copy) }
        // The manifest of the published v0 export: neither field present.
        let manifestURL = copy.appendingPathComponent("manifest.json")
        var manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        var architecture = manifest["architecture"] as! [String: Any]
        architecture.removeValue(forKey: "pe_attn_head")
        architecture.removeValue(forKey: "text_mask_padding")
        manifest["architecture"] = architecture
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)

        let bundle = try WeightBundle.load(path: copy.path)
        XCTAssertEqual(bundle.f5Architecture?.convention, .v0)
        XCTAssertTrue(bundle.conventionSource.contains("assumed"), bundle.conventionSource)
        let cond = try fixture.tensor("cond"), noise = try fixture.tensor("noise"), reference = try fixture.tensor("velocity")
        func velocity(_ bundle: WeightBundle) throws -> [Float] {
            let model = try DiT(bundle: bundle, backend: makeLinearBackend(.dequant))
            let session = try model.prepare(cond: cond, condFrames: fixture.refFrames, textIDs: fixture.text, frames: fixture.frames,
                                            times: [fixture.time], guidance: true)
            return try session.velocity(x: noise, timeIndex: 0)
        }
        let asV0 = maxRelativeError(try velocity(bundle), reference)
        let overridden = try WeightBundle.load(path: copy.path, convention: .v1)
        XCTAssertEqual(overridden.f5Architecture?.convention, .v1)
        XCTAssertTrue(overridden.conventionSource.contains("given by the caller"), overridden.conventionSource)
        let asV1 = maxRelativeError(try velocity(overridden), reference)
        print("mislabelled v1 bundle: relative error \(asV0) as v0, \(asV1) with the override")
        XCTAssertGreaterThan(asV0, 1e-2, "the wrong convention must show")
        XCTAssertLessThanOrEqual(asV1, FidelityTests.intermediateTolerance)
    }
}
