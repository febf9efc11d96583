"""Writes the committed fixture bundles under python-bundles/ with the independent numpy exporter.

Regenerate with: python3 Tests/Fixtures/make_python_bundles.py   (needs numpy only)

Weights come from an integer hash so the Swift tests can recompute the very same fp32 values and check
that the Swift writer produces byte-identical tensor files and indexes. The F5 model is a tiny
F5TTS_Base-shaped DiT (odd-K dwconv rows included); the vocabulary is cut to 100 tokens to stay small.
"""
import json
import os

import numpy as np

from q4export import dequantize, write_bundle

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "python-bundles")

F5 = dict(dim=64, depth=2, heads=4, dim_head=16, ff_mult=2, text_dim=32, conv_layers=2, mel_dim=100, vocab=100)
VOCOS = dict(input_channels=100, dim=64, intermediate_dim=192, num_layers=2, n_fft=1024, hop_length=256)


def hashed(name, shape):
    """fp32 values in [-0.5, 0.5) from a 32-bit multiplicative hash of (tensor name, flat index)."""
    seed = 0
    for byte in name.encode():
        seed = (seed * 31 + byte) & 0xFFFFFFFF
    i = np.arange(int(np.prod(shape)), dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64(seed)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(2246822519)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(13)
    values = (h >> np.uint64(8)).astype(np.float32) * np.float32(2.0 ** -24) - np.float32(0.5)
    return values.reshape(shape)


def f5_tensors(c):
    d, td, inner = c["dim"], c["text_dim"], c["heads"] * c["dim_head"]
    t = "transformer."
    out = []

    def linear(name, o, i):
        out.extend([(name + ".weight", (o, i)), (name + ".bias", (o,))])

    linear(t + "time_embed.time_mlp.0", d, 256)
    linear(t + "time_embed.time_mlp.2", d, d)
    out.append((t + "text_embed.text_embed.weight", (c["vocab"] + 1, td)))
    for b in range(c["conv_layers"]):
        p = f"{t}text_embed.text_blocks.{b}."
        out += [(p + "dwconv.weight", (td, 1, 7)), (p + "dwconv.bias", (td,)), (p + "norm.weight", (td,)), (p + "norm.bias", (td,))]
        linear(p + "pwconv1", 2 * td, td)
        out += [(p + "grn.gamma", (1, 1, 2 * td)), (p + "grn.beta", (1, 1, 2 * td))]
        linear(p + "pwconv2", td, 2 * td)
    linear(t + "input_embed.proj", d, 2 * c["mel_dim"] + td)
    for k in (0, 2):
        out += [(f"{t}input_embed.conv_pos_embed.conv1d.{k}.weight", (d, d // 16, 31)), (f"{t}input_embed.conv_pos_embed.conv1d.{k}.bias", (d,))]
    out.append((t + "rotary_embed.inv_freq", (c["dim_head"] // 2,)))
    for b in range(c["depth"]):
        p = f"{t}transformer_blocks.{b}."
        linear(p + "attn_norm.linear", 6 * d, d)
        for n in ("to_q", "to_k", "to_v"):
            linear(p + "attn." + n, inner, d)
        linear(p + "attn.to_out.0", d, inner)
        linear(p + "ff.ff.0.0", d * c["ff_mult"], d)
        linear(p + "ff.ff.2", d, d * c["ff_mult"])
    linear(t + "norm_out.linear", 2 * d, d)
    linear(t + "proj_out", c["mel_dim"], d)
    return out


def vocos_tensors(c):
    d, i = c["dim"], c["intermediate_dim"]
    out = [("backbone.embed.weight", (d, c["input_channels"], 7)), ("backbone.embed.bias", (d,)),
           ("backbone.norm.weight", (d,)), ("backbone.norm.bias", (d,))]
    for b in range(c["num_layers"]):
        p = f"backbone.convnext.{b}."
        out += [(p + "gamma", (d,)), (p + "dwconv.weight", (d, 1, 7)), (p + "dwconv.bias", (d,)), (p + "norm.weight", (d,)),
                (p + "norm.bias", (d,)), (p + "pwconv1.weight", (i, d)), (p + "pwconv1.bias", (i,)),
                (p + "pwconv2.weight", (d, i)), (p + "pwconv2.bias", (d,))]
    out += [("backbone.final_layer_norm.weight", (d,)), ("backbone.final_layer_norm.bias", (d,)),
            ("head.out.weight", (c["n_fft"] + 2, d)), ("head.out.bias", (c["n_fft"] + 2,))]
    return out


def main():
    f5 = [(n, hashed(n, s)) for n, s in f5_tensors(F5)]
    arch = {k: F5[k] for k in ("dim", "depth", "heads", "ff_mult", "text_dim", "conv_layers", "mel_dim")}
    # Written like the published v0 export: no pe_attn_head / text_mask_padding fields.
    head = {"format": "f5tts-q4-bundle-v0", "model_id": "python-fixture", "source_checkpoint": "hashed", "state_key": "model_state_dict",
            "architecture": dict(name="F5TTS CFM DiT", **arch, sample_rate=24000, dim_head=F5["dim_head"])}
    write_bundle(os.path.join(OUT, "f5tts"), f5, head)
    vocos = [(n, hashed(n, s)) for n, s in vocos_tensors(VOCOS)]
    head = {"format": "vocos-mel-24khz-q4-bundle-v0", "model_id": "python-fixture-vocos", "source_snapshot": "hashed",
            "architecture": dict(**VOCOS, padding="center", sample_rate=24000)}
    write_bundle(os.path.join(OUT, "vocos"), vocos, head)
    # Expected fp32 values of a few Q4 tensors (odd-K rows included), raw little-endian float32.
    expected = {}
    for name, w in f5:
        if name.endswith(("text_blocks.0.dwconv.weight", "time_mlp.0.weight", "conv1d.0.weight")):
            file_name = name.replace("transformer.", "") + ".f32"
            dequantize(w).astype("<f4").tofile(os.path.join(OUT, file_name))
            expected[name] = {"file": file_name, "shape": list(w.shape)}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)


if __name__ == "__main__":
    main()
