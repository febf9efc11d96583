"""Independent numpy-only writer of `f5tts-q4-bundle-v0` / `vocos-mel-24khz-q4-bundle-v0` bundles.

It follows the published exporter's rules (bundle-format spec, sections 1-4, 8) without sharing any
code with the Swift writer, so the Swift loader is tested against a second implementation:
  scale = max(max|row|, 1e-8) / 7 in fp32, q = clip(rint(w / scale), -8, 7), fp16 scales,
  nibbles `v & 0xF`, low nibble = even flat index, scales right after each tensor's packed bytes.
"""
import hashlib
import json
import os

import numpy as np

EXCLUDE = ["text_embed.text_embed", "mel_spec"]


def is_q4(name, array):
    return array.ndim >= 2 and name.endswith(".weight") and not any(p in name for p in EXCLUDE)


def quantize_rows(w):
    rows = w.reshape(w.shape[0], -1).astype(np.float32)
    scale = np.maximum(np.abs(rows).max(axis=1), np.float32(1e-8)) / np.float32(7.0)
    q = np.clip(np.rint(rows / scale[:, None]), -8, 7).astype(np.int8)
    return q, scale.astype(np.float16)


def pack_int4(q):
    nib = (q.reshape(-1).astype(np.int16) & 0x0F).astype(np.uint8)
    if nib.size % 2:
        nib = np.concatenate([nib, np.zeros(1, np.uint8)])
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)


def dequantize(w):
    """What a faithful runtime computes from the stored Q4 tensor: code * fp16 scale, in fp32."""
    q, scale = quantize_rows(w)
    return (q.astype(np.float32) * scale.astype(np.float32)[:, None]).reshape(w.shape)


def write_bundle(out_dir, tensors, manifest_head):
    """tensors: list of (name, float32 array) in state_dict order. Returns the manifest dict."""
    os.makedirs(out_dir, exist_ok=True)
    q4_index, dense_index = {}, {}
    q4_blob, dense_blob = bytearray(), bytearray()
    q4_params = dense_params = 0
    for name, w in tensors:
        w = np.asarray(w, dtype=np.float32)
        if is_q4(name, w):
            q, scale = quantize_rows(w)
            packed = pack_int4(q).tobytes()
            offset = len(q4_blob)
            q4_blob += packed
            q4_blob += scale.astype("<f2").tobytes()
            q4_index[name] = {
                "dtype": "q4_symmetric_row_scale_f16", "shape": list(w.shape), "offset": offset,
                "nbytes": len(packed), "scale_offset": offset + len(packed), "scale_nbytes": 2 * w.shape[0],
                "row_count": w.shape[0], "values_per_byte": 2,
            }
            q4_params += w.size
        else:
            data = w.astype("<f2").tobytes()
            dense_index[name] = {"dtype": "float16", "shape": list(w.shape), "offset": len(dense_blob), "nbytes": len(data)}
            dense_blob += data
            dense_params += w.size
    files = {"dense": "tensors.fp16.bin", "dense_index": "tensor_fp16_index.json",
             "q4": "tensors.q4.bin", "q4_index": "tensor_q4_index.json"}
    manifest = dict(manifest_head)
    manifest["quantization"] = {
        "scheme": "q4_symmetric_row_scale_f16", "packed_values": "signed int4 two values per byte, low nibble first",
        "dense_dtype": "float16", "include": [], "exclude": EXCLUDE,
        "q4_parameter_count": q4_params, "dense_parameter_count": dense_params,
    }
    manifest["files"] = files
    contents = {
        "manifest.json": json.dumps(manifest, indent=2).encode(),
        files["q4_index"]: json.dumps(q4_index, indent=2).encode(),
        files["dense_index"]: json.dumps(dense_index, indent=2).encode(),
        files["q4"]: bytes(q4_blob),
        files["dense"]: bytes(dense_blob),
    }
    for file_name, data in contents.items():
        with open(os.path.join(out_dir, file_name), "wb") as f:
            f.write(data)
    with open(os.path.join(out_dir, "checksums.sha256"), "w") as f:
        for file_name in sorted(contents):
            f.write(f"{hashlib.sha256(contents[file_name]).hexdigest()}  {file_name}\n")
    return manifest
