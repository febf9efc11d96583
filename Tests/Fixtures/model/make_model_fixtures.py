"""Writes the F5Model fidelity fixtures with the real PyPI f5-tts package (tiny random DiTs, v0 and v1).

Regenerate with:  venv/bin/python Tests/Fixtures/model/make_model_fixtures.py
(needs torch, f5-tts 1.1.x, x-transformers, torchdiffeq, numpy).

For each convention a tiny DiT gets random weights, is written as a Q4 bundle with the independent numpy
exporter (../q4export.py), and then the torch module is loaded with exactly what a faithful runtime reads
from that bundle (Q4 tensors dequantized, dense tensors fp16-rounded), so both sides share the same weights.
Outputs (float32 .npy, frame-major [.., frames, channels]):
  text_embed.npy [2, N, text_dim]   cond / dropped-text branch
  input_embed.npy [2, N, dim]       cond / uncond branch, x = noise
  block0.npy [2, N, dim]            first DiT block on input_embed at t = TIME
  velocity.npy [2, N, 100]          DiT output (pred, null_pred) at t = TIME
  noise.npy [N, 100], cond.npy [T_ref, 100]
  final_<run>.npy [N, 100]          CFM.sample results (see meta.json "runs")
plus randn fixtures (real torch.manual_seed(S); torch.randn(1, N, 100)) and time grids.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from q4export import dequantize, is_q4, write_bundle  # noqa: E402
from reference_helpers import randomize_dit  # noqa: E402

from f5_tts.model import CFM, DiT  # noqa: E402
from f5_tts.model.utils import get_epss_timesteps  # noqa: E402

CONFIG = dict(dim=64, depth=2, heads=4, dim_head=16, ff_mult=2, text_dim=32, conv_layers=2, mel_dim=100)
VOCAB = 50
CONVENTIONS = {"v0": dict(pe_attn_head=1, text_mask_padding=False), "v1": dict(pe_attn_head=None, text_mask_padding=True)}
REF_FRAMES, DURATION, TIME = 15, 48, 0.3
TEXT = [3, 0, 17, 41, 8, 8, 25, 0, 49, 1, 12, 30, 0, 44, 2, 19, 33, 7, 0, 28]
RUNS = {  # name: (steps, cfg, sway, method)
    "v0": {"euler4": (4, 2.0, -1.0, "euler"), "epss5": (5, 2.0, -1.0, "euler"), "cfg0": (4, 0.0, -1.0, "euler")},
    "v1": {"euler4": (4, 2.0, -1.0, "euler"), "midpoint4": (4, 2.0, -1.0, "midpoint")},
}


def save(out, name, tensor):
    np.save(os.path.join(out, name + ".npy"), np.ascontiguousarray(tensor.detach().float().numpy()).astype("<f4"))


def export_and_load(cfm, folder, architecture, model_id, source):
    """Writes the CFM's DiT as a Q4 bundle in `folder`, then loads into the module exactly what a faithful
    runtime reads from it (Q4 tensors dequantized, dense tensors fp16-rounded), so both sides share weights."""
    state = [(k, v.float().numpy()) for k, v in cfm.state_dict().items() if k.startswith("transformer.")]
    head = {"format": "f5tts-q4-bundle-v0", "model_id": model_id, "source_checkpoint": source,
            "state_key": "ema_model_state_dict", "architecture": architecture}
    write_bundle(folder, state, head)
    # What the runtime reads; inv_freq keeps its exact fp32 value, as in a real checkpoint.
    loaded = {k: torch.from_numpy(dequantize(v) if is_q4(k, v) else v.astype(np.float16).astype(np.float32))
              for k, v in state if not k.endswith("inv_freq")}
    missing = cfm.load_state_dict(loaded, strict=False)
    assert all(k.endswith("inv_freq") for k in missing.missing_keys) and not missing.unexpected_keys, missing


def make_convention(tag, seed):
    out = os.path.join(HERE, tag)
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    dit = DiT(**CONFIG, text_num_embeds=VOCAB, **CONVENTIONS[tag])
    randomize_dit(dit, gen)
    cfm = CFM(transformer=dit, num_channels=CONFIG["mel_dim"]).eval()

    export_and_load(cfm, os.path.join(out, "bundle"), dict(name="F5TTS CFM DiT", **CONFIG, sample_rate=24000, **CONVENTIONS[tag]),
                    model_id=f"model-fixture-{tag}", source="random")

    data = torch.Generator().manual_seed(seed + 1)
    cond = torch.randn(1, REF_FRAMES, 100, generator=data) * 2 - 4
    text = torch.tensor([TEXT])
    n = max(max(len(TEXT), REF_FRAMES) + 1, DURATION)
    noise = torch.randn(1, n, 100, generator=data)
    step_cond = torch.nn.functional.pad(cond, (0, 0, 0, n - REF_FRAMES))
    save(out, "cond", cond[0])
    save(out, "noise", noise[0])

    with torch.inference_mode():
        te = [dit.text_embed(text, seq_len=n, drop_text=d) for d in (False, True)]
        save(out, "text_embed", torch.cat(te))
        ie = [dit.input_embed(noise, step_cond, te[0], drop_audio_cond=False),
              dit.input_embed(noise, step_cond, te[1], drop_audio_cond=True)]
        save(out, "input_embed", torch.cat(ie))
        t = dit.time_embed(torch.tensor([TIME, TIME]))
        rope = dit.rotary_embed.forward_from_seq_len(n)
        save(out, "block0", dit.transformer_blocks[0](torch.cat(ie), t, mask=None, rope=rope))
        save(out, "velocity", dit(x=noise, cond=step_cond, text=text, time=torch.tensor(TIME), cfg_infer=True, cache=False))

        runs = {}
        real_randn = torch.randn
        for name, (steps, cfg, sway, method) in RUNS[tag].items():
            captured = []

            def fixed_randn(*shape, **kw):
                captured.append(shape)
                return noise[0].clone()

            cfm.odeint_kwargs = dict(method=method)
            torch.randn = fixed_randn
            try:
                mel, _ = cfm.sample(cond=cond, text=text, duration=DURATION, steps=steps, cfg_strength=cfg,
                                    sway_sampling_coef=sway)
            finally:
                torch.randn = real_randn
            assert captured == [(n, 100)], captured
            save(out, "final_" + name, mel[0])
            runs[name] = dict(steps=steps, cfg=cfg, sway=sway, method=method, file=f"final_{name}.npy")

    meta = dict(convention=tag, config=CONFIG, text_num_embeds=VOCAB, **CONVENTIONS[tag], text=TEXT,
                ref_frames=REF_FRAMES, duration=DURATION, frames=n, time=TIME, runs=runs)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


def make_shared():
    out = os.path.join(HERE, "shared")
    os.makedirs(out, exist_ok=True)
    randn = []
    for seed, frames in [(0, 1), (42, 7), (1234, 15), (7, 48), (2**32 + 5, 3), (99, 1212)]:
        torch.manual_seed(seed)
        y = torch.randn(1, frames, 100)[0].numpy().astype("<f4")
        entry = dict(seed=seed, frames=frames, sum=float(y.astype(np.float64).sum()),
                     head_bits=[int(b) for b in y.reshape(-1)[:32].view("<u4")],
                     tail_bits=[int(b) for b in y.reshape(-1)[-32:].view("<u4")])
        if frames <= 48:
            entry["file"] = f"randn_{seed}_{frames}.npy"
            np.save(os.path.join(out, entry["file"]), y)
        randn.append(entry)
    # Below 16 values torch takes its scalar double Box-Muller path.
    small = []
    for seed, count in [(5, 7), (11, 15), (3, 1)]:
        torch.manual_seed(seed)
        small.append(dict(seed=seed, count=count, bits=[int(b) for b in torch.randn(count).numpy().astype("<f4").view("<u4")]))
    grids = []
    for steps in [1, 2, 4, 5, 6, 7, 8, 10, 12, 16, 32]:
        for sway in [None, -1.0, 0.5]:
            t = get_epss_timesteps(steps, device="cpu", dtype=torch.float32)
            if sway is not None:
                t = t + sway * (torch.cos(torch.pi / 2 * t) - 1 + t)
            grids.append(dict(steps=steps, sway=sway, bits=[int(b) for b in t.numpy().astype("<f4").view("<u4")]))
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(dict(torch=torch.__version__, randn=randn, randn_small=small, time_grids=grids), f, indent=1)


if __name__ == "__main__":
    torch.set_num_threads(1)
    make_shared()
    make_convention("v0", 10)
    make_convention("v1", 20)
