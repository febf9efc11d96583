import Foundation

/// Writes a bundle exactly as the published exporter does: tensors streamed in the order given,
/// Q4 by the exporter's rule (`scale = max(max|row|, 1e-8)/7` in fp32, `q = clip(rint(w/scale), -8, 7)`,
/// fp16 scales right after each tensor's packed nibbles), everything else fp16; then both indexes,
/// the manifest, the export summary and `checksums.sha256`.
/// Files go to a staging folder beside the destination that replaces it in one step
/// (`AtomicFile.commitFolder`) only when everything succeeded: a killed run leaves the old bundle or the new.
public final class BundleWriter {
    public let folder: String
    public let rule: QuantizationRule
    private let staging: String
    private let q4File: FileHandle
    private let denseFile: FileHandle
    private var q4Index: [(String, PythonJSON)] = []
    private var denseIndex: [(String, PythonJSON)] = []
    private var q4Bytes = 0, denseBytes = 0
    public private(set) var q4ParameterCount = 0
    public private(set) var denseParameterCount = 0

    public static let files = BundleFiles(dense: "tensors.fp16.bin", denseIndex: "tensor_fp16_index.json",
                                          q4: "tensors.q4.bin", q4Index: "tensor_q4_index.json")

    public init(folder: String, rule: QuantizationRule = .published) throws {
        self.folder = folder
        self.rule = rule
        let staging = folder + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        self.staging = staging
        let fm = FileManager.default
        try? fm.removeItem(atPath: staging)
        do { try fm.createDirectory(atPath: staging, withIntermediateDirectories: true) } catch {
            throw BundleError.cannotWrite(file: folder, reason: error.localizedDescription)
        }
        func create(_ name: String) throws -> FileHandle {
            let path = (staging as NSString).appendingPathComponent(name)
            guard fm.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw BundleError.cannotWrite(file: path, reason: "cannot create file")
            }
            return h
        }
        q4File = try create(BundleWriter.files.q4!)
        denseFile = try create(BundleWriter.files.dense)
    }

    deinit {
        try? q4File.close(); try? denseFile.close()
        try? FileManager.default.removeItem(atPath: staging)
    }

    /// Adds one tensor (fp32 values in C order). Q4 or fp16 by the quantization rule.
    public func add(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) throws {
        let numel = shape.reduce(1, *)
        precondition(values.count == numel, "tensor \(name): \(values.count) values for shape \(shape)")
        let shapeJSON = PythonJSON.array(shape.map { .int($0) })
        if rule.quantizes(name: name, rank: shape.count) {
            let (packed, scales) = BundleWriter.quantize(values, rows: shape[0])
            let offset = q4Bytes
            try write(packed, to: q4File, name: name)
            try write(scales, to: q4File, name: name)
            q4Bytes += packed.count + scales.count
            q4Index.append((name, .object([
                ("dtype", .string(BundleFormat.q4Scheme)), ("shape", shapeJSON), ("offset", .int(offset)),
                ("nbytes", .int(packed.count)), ("scale_offset", .int(offset + packed.count)),
                ("scale_nbytes", .int(scales.count)), ("row_count", .int(shape[0])), ("values_per_byte", .int(2)),
            ])))
            q4ParameterCount += numel
        } else {
            let data = Half.bytes(values)
            try write(data, to: denseFile, name: name)
            denseIndex.append((name, .object([
                ("dtype", .string("float16")), ("shape", shapeJSON), ("offset", .int(denseBytes)), ("nbytes", .int(data.count)),
            ])))
            denseBytes += data.count
            denseParameterCount += numel
        }
    }

    /// Rowwise int4 quantization and packing of a `[rows, numel/rows]` tensor: (packed bytes, fp16 scales LE).
    public static func quantize(_ values: UnsafeBufferPointer<Float>, rows: Int) -> (packed: [UInt8], scales: [UInt8]) {
        let cols = values.count / rows
        var packed = [UInt8](repeating: 0, count: (values.count + 1) / 2)
        var scales = [UInt8](repeating: 0, count: 2 * rows)
        packed.withUnsafeMutableBytes { p in
            scales.withUnsafeMutableBytes { s in
                for r in 0..<rows {
                    Q4Codec.quantizeRow(UnsafeBufferPointer(rebasing: values[(r * cols)..<((r + 1) * cols)]), row: r,
                                        packed: p.baseAddress!, scales: s.baseAddress!)
                }
            }
        }
        return (packed, scales)
    }

    private func write(_ bytes: [UInt8], to handle: FileHandle, name: String) throws {
        do { try handle.write(contentsOf: bytes) } catch {
            throw BundleError.cannotWrite(file: folder, reason: "tensor '\(name)': \(error.localizedDescription)")
        }
    }

    /// Writes indexes, manifest (`head` fields first, then `quantization` and `files`), export summary and
    /// checksums, then moves the bundle into place.
    public func finish(format: String, head: [(String, PythonJSON)]) throws {
        try q4File.close(); try denseFile.close()
        let files = BundleWriter.files
        let quantization: [(String, PythonJSON)] = format == BundleFormat.f5 ? [
            ("scheme", .string(BundleFormat.q4Scheme)),
            ("packed_values", .string("signed int4 two values per byte, low nibble first")),
            ("dense_dtype", .string("float16")), ("include", .array([])),
            ("exclude", .array(rule.exclude.map { .string($0) })),
            ("q4_parameter_count", .int(q4ParameterCount)), ("dense_parameter_count", .int(denseParameterCount)),
        ] : [
            ("scheme", .string(BundleFormat.q4Scheme)),
            ("q4_parameter_count", .int(q4ParameterCount)), ("dense_parameter_count", .int(denseParameterCount)),
        ]
        let manifest = PythonJSON.object([("format", .string(format))] + head + [
            ("quantization", .object(quantization)),
            ("files", .object([("dense", .string(files.dense)), ("dense_index", .string(files.denseIndex)),
                               ("q4", .string(files.q4!)), ("q4_index", .string(files.q4Index!))])),
        ])
        let total = q4Bytes + denseBytes
        let summary = PythonJSON.object([
            ("dry_run", .bool(false)), ("manifest_path", .string((folder as NSString).appendingPathComponent("manifest.json"))),
            ("dense_tensors", .int(denseIndex.count)), ("q4_tensors", .int(q4Index.count)),
            ("dense_parameter_count", .int(denseParameterCount)), ("q4_parameter_count", .int(q4ParameterCount)),
            ("dense_bytes", .int(denseBytes)), ("q4_bytes", .int(q4Bytes)), ("total_tensor_bytes", .int(total)),
            ("total_tensor_human", .string(BundleWriter.humanBytes(total))),
        ])
        let texts: [(String, PythonJSON)] = [
            ("manifest.json", manifest), (files.q4Index!, .object(q4Index)), (files.denseIndex, .object(denseIndex)),
            ("export_summary.json", summary),
        ]
        for (name, json) in texts {
            let path = (staging as NSString).appendingPathComponent(name)
            do { try json.serialized().write(toFile: path, atomically: false, encoding: .utf8) } catch {
                throw BundleError.cannotWrite(file: path, reason: error.localizedDescription)
            }
        }
        try Checksums.write(folder: staging, files: texts.map(\.0) + [files.q4!, files.dense])
        let fm = FileManager.default
        if fm.fileExists(atPath: folder) {
            // Replace an earlier bundle or an empty folder, never anything else.
            let contents = (try? fm.contentsOfDirectory(atPath: folder)) ?? ["?"]
            guard contents.isEmpty || contents.contains("manifest.json") else {
                throw BundleError.cannotWrite(file: folder, reason: "the folder exists and does not hold a bundle")
            }
        }
        do { try AtomicFile.commitFolder(staging, to: folder) } catch {
            throw BundleError.cannotWrite(file: error.file, reason: error.reason)
        }
    }

    /// The exporter's `human_bytes`: two decimals in the largest binary unit below 1024.
    public static func humanBytes(_ n: Int) -> String {
        var value = Double(n)
        for unit in ["B", "KiB", "MiB", "GiB"] {
            if value < 1024 || unit == "GiB" { return String(format: "%.2f", value) + " " + unit }
            value /= 1024
        }
        return ""
    }
}
