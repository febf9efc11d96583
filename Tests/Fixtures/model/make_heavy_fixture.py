"""Writes the heavy-tailed F5Model fixture with the real PyPI f5-tts package: PyTorch fp32 and fp16 samples.

Regenerate with:  venv/bin/python Tests/Fixtures/model/make_heavy_fixture.py
(needs torch, f5-tts 1.1.x, x-transformers, torchdiffeq, numpy).

Trained networks have heavy-tailed weights and a few input channels far larger than the rest, which is what
per-row int8 activations handle worst. This small DiT (v1 convention) gets Student-t (3 degrees of freedom)
weights with three input channels of every weight matrix scaled up 6x, is written as a Q4 bundle with the
numpy exporter, and the torch module is loaded with what the runtime reads from it (as make_model_fixtures.py
does). Then CFM.sample runs on the same noise twice: in fp32 (the reference) and with the module and its
inputs in fp16 (how F5-TTS runs on GPUs), giving the fidelity bar the direct path is held to.
Outputs in heavy/ (float32 .npy, [frames, 100]): cond, noise, final_fp32_<run>, final_fp16_<run>; meta.json.
"""
import copy
import json
import os

import numpy as np
import torch

from make_model_fixtures import CONVENTIONS, HERE, REF_FRAMES, TEXT, export_and_load, save
from reference_helpers import randomize_dit
from f5_tts.model import CFM, DiT

CONFIG = dict(dim=128, depth=4, heads=4, dim_head=32, ff_mult=2, text_dim=64, conv_layers=2, mel_dim=100)
VOCAB = 50
DURATION = 96
RUNS = {"euler8": (8, 2.0, -1.0, "euler"), "midpoint4": (4, 2.0, -1.0, "midpoint")}
OUTLIER_CHANNELS, OUTLIER_SCALE, DEGREES_OF_FREEDOM = 3, 6.0, 3.0


def heavy_tailed_matrix(p, gen):
    """Student-t weights (std ~1/sqrt(fan_in)) with a few input channels of each matrix scaled up."""
    fan_in = p[0].numel()
    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=gen)))
    w = torch.distributions.StudentT(DEGREES_OF_FREEDOM).sample(p.shape) / (3 ** 0.5) / fan_in ** 0.5
    if p.ndim == 2:
        columns = torch.randperm(p.shape[1], generator=gen)[:OUTLIER_CHANNELS]
        w[:, columns] *= OUTLIER_SCALE
    return w


def sample(cfm, cond, text, noise, steps, cfg, sway, method, dtype, duration=DURATION):
    real_randn = torch.randn

    def fixed_randn(*shape, **kw):
        return noise[0].clone().to(kw.get("dtype", noise.dtype))

    model = copy.deepcopy(cfm).to(dtype)  # a copy: casting the module itself would round its fp32 weights
    model.odeint_kwargs = dict(method=method)
    torch.randn = fixed_randn
    try:
        mel, _ = model.sample(cond=cond.to(dtype), text=text, duration=duration, steps=steps, cfg_strength=cfg,
                              sway_sampling_coef=sway)
    finally:
        torch.randn = real_randn
    return mel[0].float()


def sample_runs(out, cfm, cond, text, noise, ref_frames, duration, runs):
    """Each run in fp32 and fp16, both saved (final_fp32_<run>, final_fp16_<run>); returns meta.json's "runs",
    with fp16's SNR against fp32 over the generated frames."""
    meta = {}
    with torch.inference_mode():
        for name, (steps, cfg, sway, method) in runs.items():
            fp32 = sample(cfm, cond, text, noise, steps, cfg, sway, method, torch.float32, duration)
            fp16 = sample(cfm, cond, text, noise, steps, cfg, sway, method, torch.float16, duration)
            save(out, "final_fp32_" + name, fp32)
            save(out, "final_fp16_" + name, fp16)
            part = slice(ref_frames, None)
            err = (fp16[part] - fp32[part]).double()
            snr = 10 * np.log10(float((fp32[part].double() ** 2).sum() / (err ** 2).sum()))
            meta[name] = dict(steps=steps, cfg=cfg, sway=sway, method=method, fp16_snr_db=snr)
            print(f"{name}: fp16 against fp32 {snr:.1f} dB (generated frames)")
    return meta


def main():
    torch.set_num_threads(1)
    out = os.path.join(HERE, "heavy")
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(30)
    dit = DiT(**CONFIG, text_num_embeds=VOCAB, **CONVENTIONS["v1"])
    randomize_dit(dit, gen, matrix=heavy_tailed_matrix)
    cfm = CFM(transformer=dit, num_channels=CONFIG["mel_dim"]).eval()
    export_and_load(cfm, os.path.join(out, "bundle"), dict(name="F5TTS CFM DiT", **CONFIG, sample_rate=24000, **CONVENTIONS["v1"]),
                    model_id="model-fixture-heavy", source="random (Student-t)")

    data = torch.Generator().manual_seed(31)
    cond = torch.randn(1, REF_FRAMES, 100, generator=data) * 2 - 4
    text = torch.tensor([TEXT])
    n = max(max(len(TEXT), REF_FRAMES) + 1, DURATION)
    noise = torch.randn(1, n, 100, generator=data)
    save(out, "cond", cond[0])
    save(out, "noise", noise[0])
    runs = sample_runs(out, cfm, cond, text, noise, REF_FRAMES, DURATION, RUNS)
    meta = dict(convention="v1", config=CONFIG, text_num_embeds=VOCAB, **CONVENTIONS["v1"], text=TEXT,
                ref_frames=REF_FRAMES, duration=DURATION, frames=n, runs=runs, torch=torch.__version__,
                outliers=dict(channels=OUTLIER_CHANNELS, scale=OUTLIER_SCALE, student_t_df=DEGREES_OF_FREEDOM))
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
