"""Writes the trained F5Model fixture with the real PyPI f5-tts package: PyTorch fp32 and fp16 samples.

Regenerate with:  venv/bin/python Tests/Fixtures/model/make_trained_fixture.py [TRAINED_BUNDLE]
(needs torch, torchaudio, f5-tts 1.1.x, x-transformers, torchdiffeq, numpy, espeak-ng).

Random weights, even heavy-tailed ones, are not shaped by training. This small DiT (dim 256, depth 6, v0
convention) was trained with f5-tts's CFM and DiT for 420 s on one GPU (936 AdamW steps, lr 3e-4, bf16
autocast) on 40 minutes of espeak-ng speech and exported as a Q4 bundle (TRAINED_BUNDLE). Its weights
are read from that bundle (default: the committed trained/bundle; re-exporting Q4 weights is exact), except
rotary inv_freq, which the module computes in fp32, and written again with the numpy exporter. The reference is espeak-ng speech of REF_TEXT as F5's log-mel; the
text is REF_TEXT + GEN_TEXT as F5-TTS's inference joins them, with its duration rule. CFM.sample runs on
the same noise in fp32 (the reference) and in fp16 (how F5-TTS runs on GPUs): the bar for each path.
Outputs in trained/ (float32 .npy, [frames, 100]): cond, noise, final_fp32_<run>, final_fp16_<run>; meta.json.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
import torch
import torchaudio

import f5_tts

from make_heavy_fixture import sample_runs
from make_model_fixtures import CONVENTIONS, HERE, export_and_load, save
from f5_tts.model import CFM, DiT
from f5_tts.model.modules import MelSpec

CONFIG = dict(dim=256, depth=6, heads=4, dim_head=64, ff_mult=2, text_dim=128, conv_layers=4, mel_dim=100)
REF_TEXT = "the software is provided as is. "
GEN_TEXT = "permission is hereby granted."
RUNS = {"euler8": (8, 2.0, -1.0, "euler"), "midpoint4": (4, 2.0, -1.0, "midpoint")}


def read_bundle(folder):
    """The tensors of an f5tts-q4-bundle-v0 folder as fp32 arrays (Q4: code * fp16 row scale)."""
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    files = manifest["files"]
    q4 = np.fromfile(os.path.join(folder, files["q4"]), np.uint8)
    dense = open(os.path.join(folder, files["dense"]), "rb").read()
    tensors = {}
    for name, e in json.load(open(os.path.join(folder, files["q4_index"]))).items():
        packed = q4[e["offset"]:e["offset"] + e["nbytes"]]
        codes = np.stack([packed & 0xF, packed >> 4], axis=1).reshape(-1).astype(np.int8)
        codes = np.where(codes > 7, codes - 16, codes)[:int(np.prod(e["shape"]))]
        scale = np.frombuffer(q4[e["scale_offset"]:e["scale_offset"] + e["scale_nbytes"]].tobytes(), "<f2")
        rows = codes.reshape(e["row_count"], -1).astype(np.float32) * scale.astype(np.float32)[:, None]
        tensors[name] = rows.reshape(e["shape"])
    for name, e in json.load(open(os.path.join(folder, files["dense_index"]))).items():
        raw = np.frombuffer(dense[e["offset"]:e["offset"] + e["nbytes"]], "<f2")
        tensors[name] = raw.astype(np.float32).reshape(e["shape"])
    return manifest, tensors


def espeak_mel(text):
    """F5's vocos log-mel [frames, 100] of espeak-ng speech, resampled and RMS-normalized as in training."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "ref.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "170", "-w", wav, text], check=True)
        audio, rate = sf.read(wav, dtype="float32")
    x = torchaudio.functional.resample(torch.tensor(audio)[None], rate, 24000)
    x = x * (0.1 / max(float(x.pow(2).mean().sqrt()), 1e-4))
    mel = MelSpec(n_fft=1024, hop_length=256, win_length=1024, n_mel_channels=100, target_sample_rate=24000,
                  mel_spec_type="vocos")
    return mel(x)[0].T


def main():
    torch.set_num_threads(1)
    out = os.path.join(HERE, "trained")
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(out, "bundle")
    manifest, weights = read_bundle(source)
    vocab_size = weights["transformer.text_embed.text_embed.weight"].shape[0] - 1
    dit = DiT(**CONFIG, text_num_embeds=vocab_size, **CONVENTIONS["v0"])
    cfm = CFM(transformer=dit, num_channels=CONFIG["mel_dim"]).eval()
    state = cfm.state_dict()
    # inv_freq keeps the module's exact fp32 value (the bundle holds it rounded to fp16), as F5-TTS loads it.
    trained = {k: torch.from_numpy(v) for k, v in weights.items() if k in state and not k.endswith("inv_freq")}
    missing = cfm.load_state_dict(trained, strict=False)
    assert all(k.endswith("inv_freq") for k in missing.missing_keys) and not missing.unexpected_keys, missing
    export_and_load(cfm, os.path.join(out, "bundle"), dict(name="F5TTS CFM DiT", **CONFIG, sample_rate=24000, **CONVENTIONS["v0"]),
                    model_id="model-fixture-trained", source=manifest.get("source_checkpoint", "espeak-trained-small"))

    vocab = {}
    with open(os.path.join(list(f5_tts.__path__)[0], "infer/examples/vocab.txt"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line[:-1]] = i
    ids = [vocab.get(c, 0) for c in REF_TEXT + GEN_TEXT]
    cond = espeak_mel(REF_TEXT)[None]
    ref_frames = cond.shape[1]
    duration = ref_frames + int(ref_frames / len(REF_TEXT.encode()) * len(GEN_TEXT.encode()))  # F5's infer rule
    n = max(max(len(ids), ref_frames) + 1, duration)  # CFM.sample's own rule
    noise = torch.randn(1, n, 100, generator=torch.Generator().manual_seed(41))
    save(out, "cond", cond[0])
    save(out, "noise", noise[0])
    runs = sample_runs(out, cfm, cond, torch.tensor([ids]), noise, ref_frames, duration, RUNS)
    meta = dict(convention="v0", config=CONFIG, text_num_embeds=vocab_size, **CONVENTIONS["v0"], text=ids,
                ref_text=REF_TEXT, gen_text=GEN_TEXT, ref_frames=ref_frames, duration=duration, frames=n, runs=runs,
                torch=torch.__version__)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
