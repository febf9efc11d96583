"""Times the reference PyTorch F5-TTS sampler and Vocos on this machine, for `f5tts bench`.

F5TTS_Base (v0) and Vocos are built from their configurations with random weights: speed does not
depend on weight values. The workload matches `f5tts bench`: N total mel frames (reference included),
`steps` Euler steps with sway sampling, CFG as one batch of 2, then Vocos on the generated frames.
Prints one JSON object: {"seconds_per_step", "sample_seconds", "vocoder_seconds", "threads", "torch", "f5_tts"}.

Python dependencies (not needed by CI): torch, torchaudio, f5-tts (with x-transformers, torchdiffeq,
its training imports), vocos, numpy. See README.md beside this file.
"""
import argparse
import json
import time
from importlib.metadata import version

import torch
from f5_tts.model import CFM, DiT
from vocos import Vocos
from vocos.feature_extractors import MelSpectrogramFeatures
from vocos.heads import ISTFTHead
from vocos.models import VocosBackbone


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=1212)
    parser.add_argument("--ref-frames", type=int, default=400)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--cfg", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    vocab = 2545
    transformer = DiT(dim=1024, depth=22, heads=16, ff_mult=2, text_dim=512, conv_layers=4,
                      pe_attn_head=1, text_mask_padding=False, text_num_embeds=vocab, mel_dim=100)
    mel_kwargs = dict(n_fft=1024, hop_length=256, win_length=1024, n_mel_channels=100,
                      target_sample_rate=24000, mel_spec_type="vocos")
    model = CFM(transformer=transformer, mel_spec_kwargs=mel_kwargs, vocab_char_map=None).eval()
    vocoder = Vocos(MelSpectrogramFeatures(), VocosBackbone(100, 512, 1536, 8), ISTFTHead(512, 1024, 256)).eval()

    ref_samples = args.ref_frames * 256
    audio = torch.randn(1, ref_samples) * 0.1
    text = torch.randint(0, vocab, (1, args.frames // 3))
    samples, vocoder_times = [], []
    with torch.inference_mode():
        for _ in range(args.repeats):
            start = time.perf_counter()
            out, _ = model.sample(cond=audio, text=text, duration=args.frames, steps=args.steps,
                                  cfg_strength=args.cfg, sway_sampling_coef=-1.0)
            samples.append(time.perf_counter() - start)
            mel = out[:, args.ref_frames:, :].permute(0, 2, 1)
            start = time.perf_counter()
            vocoder.decode(mel)
            vocoder_times.append(time.perf_counter() - start)
    sample = sorted(samples)[len(samples) // 2]
    print(json.dumps({
        "seconds_per_step": sample / args.steps, "sample_seconds": sample,
        "vocoder_seconds": sorted(vocoder_times)[len(vocoder_times) // 2], "threads": args.threads,
        "frames": args.frames, "steps": args.steps, "torch": torch.__version__, "f5_tts": version("f5-tts"),
    }))


if __name__ == "__main__":
    main()
