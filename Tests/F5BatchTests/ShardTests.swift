import XCTest
@testable import F5Batch

/// Which process runs a job: the stable hash, `--shard`, and the Slurm and Kubernetes variables.
final class BatchShardTests: XCTestCase {
    func testFNV1aMatchesThePublishedVectors() {
        // The FNV test suite (Fowler, Noll, Vo): 64-bit FNV-1a of "", "a" and "foobar".
        XCTAssertEqual(StableHash.fnv1a64(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(StableHash.fnv1a64("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(StableHash.fnv1a64("foobar"), 0x8594_4171_f739_67e8)
    }

    func testDefaultSeedIsAFunctionOfTheIdInTorchsRange() {
        XCTAssertEqual(StableHash.defaultSeed(id: "chapter-1"), StableHash.fnv1a64("f5tts-batch-seed:chapter-1") & 0xffff_ffff)
        XCTAssertNotEqual(StableHash.defaultSeed(id: "a"), StableHash.defaultSeed(id: "b"))
        for id in ["a", "b", "x.y", String(repeating: "z", count: 128)] { XCTAssertLessThan(StableHash.defaultSeed(id: id), 1 << 32) }
    }

    func testEveryIdIsInExactlyOneShardAndAppendingMovesNothing() throws {
        let ids = (0..<500).map { "utt-\($0)" }
        for count in [1, 2, 3, 7, 16] {
            let shards = try (0..<count).map { try Shard(index: $0, count: count) }
            var sizes = [Int](repeating: 0, count: count)
            for id in ids {
                let owners = shards.filter { $0.contains(id) }
                XCTAssertEqual(owners.count, 1, id)
                sizes[owners[0].index] += 1
            }
            // Balanced enough: no shard gets under half its fair share of 500.
            XCTAssertGreaterThan(sizes.min()!, 500 / count / 2, "\(count) shards: \(sizes)")
        }
        // The shard of an id never depends on the other ids (there are none in the formula), only on the count.
        XCTAssertEqual(Shard.index(of: "utt-1", count: 4), Int(StableHash.fnv1a64("utt-1") % 4))
    }

    func testShardFlagIsParsedAndChecked() throws {
        XCTAssertEqual(try Shard(parsing: "2/5"), try Shard(index: 2, count: 5))
        for bad in ["5/5", "-1/3", "1", "a/b", "1/0", "1/2/3"] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("--shard \(bad):"), "\(error)")
            }
        }
    }

    func testExplicitShardWinsOverTheEnvironment() throws {
        let env = ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "JOB_COMPLETION_INDEX": "1"]
        let (shard, source) = try ShardEnvironment.resolve(shard: "0/2", shards: nil, environment: env)
        XCTAssertEqual(shard, try Shard(index: 0, count: 2))
        XCTAssertEqual(source, "--shard 0/2")
        XCTAssertThrowsError(try ShardEnvironment.resolve(shard: "0/2", shards: 2, environment: [:]))
    }

    func testSlurmArraysMayStartAnywhereAndStep() throws {
        // --array=3-9:2 runs tasks 3, 5, 7, 9: COUNT=4, MIN=3, STEP=2; task 7 is the third, shard 2.
        let env = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_MAX": "9",
                   "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"]
        XCTAssertEqual(try ShardEnvironment.resolve(shard: nil, shards: nil, environment: env).shard, try Shard(index: 2, count: 4))
        // --array=1-4: MIN=1, STEP absent in old Slurm versions means 1.
        let plain = ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"]
        XCTAssertEqual(try ShardEnvironment.resolve(shard: nil, shards: nil, environment: plain).shard, try Shard(index: 3, count: 4))
    }

    func testSlurmVariablesThatCannotBeAShardAreErrors() {
        let cases: [([String: String], String)] = [
            (["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "3", "SLURM_ARRAY_TASK_COUNT": "3"],
             "not MIN + k * STEP"),
            // --array=0,6,16: COUNT=3, MIN=0, STEP=1, so task 16 maps past the count.
            (["SLURM_ARRAY_TASK_ID": "16", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "1", "SLURM_ARRAY_TASK_COUNT": "3"],
             "comma list"),
            (["SLURM_ARRAY_TASK_ID": "1"], "SLURM_ARRAY_TASK_COUNT is not set"),
            (["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "2"], "SLURM_ARRAY_TASK_ID: expected an integer, found 'x'"),
        ]
        for (env, expected) in cases {
            XCTAssertThrowsError(try ShardEnvironment.resolve(shard: nil, shards: nil, environment: env), "\(env)") { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    func testKubernetesIndexNeedsTheCountFromTheManifest() throws {
        XCTAssertEqual(try ShardEnvironment.resolve(shard: nil, shards: 3, environment: ["JOB_COMPLETION_INDEX": "2"]).shard,
                       try Shard(index: 2, count: 3))
        XCTAssertEqual(try ShardEnvironment.resolve(shard: nil, shards: nil, environment: ["JOB_COMPLETION_INDEX": "0", "F5TTS_SHARDS": "5"]).shard,
                       try Shard(index: 0, count: 5))
        XCTAssertThrowsError(try ShardEnvironment.resolve(shard: nil, shards: nil, environment: ["JOB_COMPLETION_INDEX": "0"])) { error in
            XCTAssertTrue("\(error)".contains("F5TTS_SHARDS"), "\(error)")
        }
        XCTAssertThrowsError(try ShardEnvironment.resolve(shard: nil, shards: 2, environment: ["JOB_COMPLETION_INDEX": "2"])) { error in
            XCTAssertTrue("\(error)".contains("must be 0 to 1"), "\(error)")
        }
        XCTAssertThrowsError(try ShardEnvironment.resolve(shard: nil, shards: 2, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("needs JOB_COMPLETION_INDEX"), "\(error)")
        }
        XCTAssertEqual(try ShardEnvironment.resolve(shard: nil, shards: nil, environment: [:]).shard, Shard.all)
    }
}
