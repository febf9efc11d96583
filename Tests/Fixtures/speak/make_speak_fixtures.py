"""Writes the `f5tts speak` end-to-end fixtures with the real reference pipeline (run with the reference virtualenv):

    venv/bin/python Tests/Fixtures/speak/make_speak_fixtures.py

What it does:
- models/f5tts: a tiny random-weight F5 DiT (v0 conventions: pe_attn_head=1, text_mask_padding=False) with the
  real 2545-token vocabulary (f5_tts/infer/examples/vocab.txt, which the runtime ships: models/ has no copy),
  models/vocos: a tiny random-weight Vocos. Both bundles are written with the independent numpy exporter (../q4export.py)
  and the torch modules are then loaded with exactly what a faithful runtime reads from the bundles (Q4 tensors
  dequantized, dense tensors fp16-rounded), so both sides use identical weights.
- ref.wav: espeak-ng speech, 16 kHz mono PCM16, quiet (rms < 0.1, so the reference boosts it and restores the
  loudness of the output) with leading and trailing near-silence (trimmed by remove_silence_edges).
- For each case: F5-TTS's own `preprocess_ref_audio_text` + `infer_process` (mel_spec_type "vocos"), with
  torch.randn patched inside CFM.sample to record each chunk's initial noise, and the ThreadPoolExecutor of
  infer_batch_process replaced by an in-order executor (deterministic noise and chunk order).
  Saved per case (see speak.json): the planned chunks (text, token ids, frames), ref_frames, and for the
  single-chunk case the noise (float32 [frames, 100]), the final float32 waveform, the combined spectrogram
  (float32 [100, T]) and the reference mel CFM.sample conditions on (float32 [100, T_ref]).
  The multi-chunk case only records the plan and summary numbers (its arrays would be too large to commit).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from q4export import dequantize, is_q4, write_bundle  # noqa: E402
from reference_helpers import SyncExecutor, randomize_dit  # noqa: E402

import f5_tts.infer.utils_infer as U  # noqa: E402
from f5_tts.model import CFM, DiT  # noqa: E402
from f5_tts.model.utils import get_tokenizer  # noqa: E402
from vocos.feature_extractors import MelSpectrogramFeatures  # noqa: E402
from vocos.heads import ISTFTHead  # noqa: E402
from vocos.models import VocosBackbone  # noqa: E402
from vocos.pretrained import Vocos  # noqa: E402

F5_CONFIG = dict(dim=64, depth=2, heads=4, dim_head=16, ff_mult=2, text_dim=32, conv_layers=2, mel_dim=100)
V0 = dict(pe_attn_head=1, text_mask_padding=False)
VOCOS_ARCH = {"input_channels": 100, "dim": 64, "intermediate_dim": 192, "num_layers": 2, "n_fft": 1024,
              "hop_length": 256, "padding": "center", "sample_rate": 24000}
SETTINGS = dict(mel_spec_type="vocos", target_rms=0.1, cross_fade_duration=0.15, nfe_step=4, cfg_strength=2.0,
                sway_sampling_coef=-1.0, speed=1.0, fix_duration=None)
REF_SPOKEN = "The quick brown fox jumps."
REF_TEXT = "The quick brown fox jumps"  # the reference appends ". " itself
CASES = {
    "single": dict(text="Nice to meet you, friend.", seed=1234, save_arrays=True),
    "multi": dict(text=("Some call me nature, others call me mother nature. I have been here for over four and a half "
                        "billion years, twenty two thousand five hundred times longer than you. I don't really need "
                        "people, but people need me. Yes, your future depends on me. When I thrive, you thrive. When "
                        "I falter, you falter, or worse. I have been here for ages, and I will be here long after "
                        "you are gone. Take care of me, and choose wisely what you do next."),
                  seed=99, save_arrays=False),
}
VOCAB_SOURCE = os.path.join(os.path.dirname(U.__file__), "examples", "vocab.txt")


# --- soundfile in place of torchaudio.load (torchaudio 2.11 needs torchcodec); same float32 scaling -------------
def soundfile_load(path, *args, **kwargs):
    data, rate = sf.read(path, dtype="float32", always_2d=True)
    return torch.from_numpy(np.ascontiguousarray(data.T)), rate


torchaudio.load = soundfile_load


U.ThreadPoolExecutor = SyncExecutor


class RecordingCFM(CFM):
    """CFM whose sample() records the noise it draws, the reference mel, the frames and the token ids."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def sample(self, cond, text, duration, **kwargs):
        real_randn = torch.randn
        drawn = []

        def recording_randn(*shape, **kw):
            y = real_randn(*shape, **kw)
            drawn.append(y.detach().clone())
            return y

        seen = {}
        real_forward = self.transformer.forward

        def recording_forward(*args, **kw):
            if not seen:
                seen["token_ids"] = kw["text"][0].tolist()
                seen["frames"] = kw["x"].shape[1]
            return real_forward(*args, **kw)

        self.transformer.forward = recording_forward
        torch.randn = recording_randn
        try:
            out = super().sample(cond, text, duration, **kwargs)
        finally:
            torch.randn = real_randn
            del self.transformer.forward
        assert len(drawn) == 1 and drawn[0].shape == (seen["frames"], 100), [d.shape for d in drawn]
        self.calls.append(dict(noise=drawn[0].float().numpy(), ref_mel=self.mel_spec(cond)[0].float().numpy(),
                               ref_samples=int(cond.shape[-1]), duration=int(duration), **seen))
        return out


def runtime_view(name, w):
    """What the Swift runtime reads back from a bundle tensor."""
    return dequantize(w) if is_q4(name, w) else w.astype(np.float16).astype(np.float32)


def make_f5(models, vocab_map):
    vocab_size = len(vocab_map)
    dit = DiT(**F5_CONFIG, text_num_embeds=vocab_size, **V0)
    randomize_dit(dit, torch.Generator().manual_seed(31))
    cfm = RecordingCFM(transformer=dit, num_channels=100, vocab_char_map=vocab_map,
                       mel_spec_kwargs=dict(n_fft=1024, hop_length=256, win_length=1024, n_mel_channels=100,
                                            target_sample_rate=24000, mel_spec_type="vocos"),
                       odeint_kwargs=dict(method="euler")).eval()
    state = [(k, v.float().numpy()) for k, v in cfm.state_dict().items() if k.startswith("transformer.")]
    arch = dict(name="F5TTS CFM DiT", **F5_CONFIG, sample_rate=24000, **V0)
    head = {"format": "f5tts-q4-bundle-v0", "model_id": "speak-fixture-tiny-v0", "source_checkpoint": "random",
            "state_key": "ema_model_state_dict", "architecture": arch}
    write_bundle(os.path.join(models, "f5tts"), state, head)
    loaded = {k: torch.from_numpy(runtime_view(k, v)) for k, v in state if not k.endswith("inv_freq")}
    result = cfm.load_state_dict(loaded, strict=False)
    assert all(k.endswith("inv_freq") for k in result.missing_keys) and not result.unexpected_keys, result
    return cfm


def make_vocos(models):
    backbone = VocosBackbone(VOCOS_ARCH["input_channels"], VOCOS_ARCH["dim"], VOCOS_ARCH["intermediate_dim"],
                             VOCOS_ARCH["num_layers"])
    head = ISTFTHead(VOCOS_ARCH["dim"], VOCOS_ARCH["n_fft"], VOCOS_ARCH["hop_length"], padding="center")
    g = np.random.default_rng(77)
    tensors = []
    for prefix, module in (("backbone.", backbone), ("head.", head)):
        for key, value in module.state_dict().items():
            name = prefix + key
            if name == "head.istft.window":
                continue  # a buffer the runtime does not read
            shape = tuple(value.shape)
            if name.endswith("gamma"):
                w = g.uniform(0.2, 0.8, shape)
            elif name == "head.out.weight":
                w = g.normal(0, 0.25, shape)
            elif name == "head.out.bias":
                w = g.normal(0, 0.5, shape)
            elif "norm" in name:
                w = (1.0 if name.endswith("weight") else 0.0) + g.normal(0, 0.1, shape)
            else:
                w = g.normal(0, 0.05, shape)
            tensors.append((name, w.astype(np.float32)))
    write_bundle(os.path.join(models, "vocos"), tensors,
                 {"format": "vocos-mel-24khz-q4-bundle-v0", "model_id": "speak-fixture-vocos-tiny", "architecture": VOCOS_ARCH})
    state = {name: torch.from_numpy(runtime_view(name, w)) for name, w in tensors}
    backbone.load_state_dict({k[len("backbone."):]: v for k, v in state.items() if k.startswith("backbone.")})
    head.load_state_dict({k[len("head."):]: v for k, v in state.items() if k.startswith("head.")}, strict=False)
    return Vocos(MelSpectrogramFeatures(sample_rate=24000, n_fft=1024, hop_length=256, n_mels=100, padding="center"),
                 backbone, head).eval()


def make_reference_wav(path):
    """espeak-ng speech at 16 kHz, quiet, with 0.45 s of leading and 0.3 s of trailing near-silence."""
    rate = 16000
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = os.path.join(tmp, "s.wav"), os.path.join(tmp, "r.wav")
        subprocess.run(["espeak-ng", "-s", "175", "-w", raw, REF_SPOKEN], check=True)
        subprocess.run(["sox", "-D", raw, "-r", str(rate), out], check=True)
        x, _ = sf.read(out, dtype="float64")
    x = 0.25 * x / np.abs(x).max()
    g = np.random.default_rng(5)
    x = np.concatenate([g.uniform(-2e-4, 2e-4, int(0.45 * rate)), x, g.uniform(-2e-4, 2e-4, int(0.3 * rate))])
    sf.write(path, np.clip(x, -0.99, 0.99), rate, subtype="PCM_16")


def save(path, array):
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def main():
    torch.set_num_threads(1)
    models = os.path.join(HERE, "models")
    shutil.rmtree(models, ignore_errors=True)
    os.makedirs(models)
    # No vocab.txt in models/: the runtime then uses the copy of VOCAB_SOURCE it ships.
    vocab_map, vocab_size = get_tokenizer(VOCAB_SOURCE, "custom")
    assert vocab_size == 2545, vocab_size
    cfm = make_f5(models, vocab_map)
    vocoder = make_vocos(models)

    ref_wav = os.path.join(HERE, "ref.wav")
    make_reference_wav(ref_wav)
    processed, ref_text = U.preprocess_ref_audio_text(ref_wav, REF_TEXT, show_info=lambda *_: None)
    processed_audio, processed_rate = soundfile_load(processed)

    meta = {
        "generator": "make_speak_fixtures.py", "torch": torch.__version__, "f5_tts": "1.1.22",
        "models": "models", "ref_audio": "ref.wav", "ref_text": REF_TEXT, "ref_text_normalised": ref_text,
        "processed_ref_samples": int(processed_audio.shape[-1]), "processed_ref_rate": processed_rate,
        "settings": SETTINGS, "f5": dict(F5_CONFIG, text_num_embeds=vocab_size, **V0), "vocos": VOCOS_ARCH,
        "cases": {},
    }
    for name, case in CASES.items():
        cfm.calls = []
        torch.manual_seed(case["seed"])
        with torch.inference_mode():
            wave, rate, spectrogram = U.infer_process(
                processed, ref_text, case["text"], cfm, vocoder, show_info=lambda *_: None, progress=None,
                device="cpu", **SETTINGS)
        assert rate == 24000
        wave = np.asarray(wave, dtype=np.float32)
        spectrogram = np.asarray(spectrogram, dtype=np.float32)
        calls = cfm.calls
        entry = {
            "text": case["text"], "seed": case["seed"],
            "ref_samples": calls[0]["ref_samples"], "ref_frames": int(calls[0]["ref_mel"].shape[-1]),
            "chunks": [{"token_ids": c["token_ids"], "frames": c["frames"], "duration": c["duration"],
                        "noise_sum": float(c["noise"].astype(np.float64).sum())} for c in calls],
            "samples": int(wave.shape[0]), "mel_frames": int(spectrogram.shape[-1]),
            "wave_rms": float(np.sqrt(np.mean(wave.astype(np.float64) ** 2))),
            "wave_max_abs": float(np.abs(wave).max()),
            "wave_sha256": hashlib.sha256(wave.astype("<f4").tobytes()).hexdigest(),
        }
        # The chunk texts as the reference split them (from the chunk count and infer_process's own splitter).
        max_chars = int(len(ref_text.encode("utf-8")) / (processed_audio.shape[-1] / processed_rate)
                        * (22 - processed_audio.shape[-1] / processed_rate) * SETTINGS["speed"])
        texts = U.chunk_text(case["text"], max_chars=max_chars)
        assert len(texts) == len(calls), (texts, len(calls))
        entry["max_chars"] = max_chars
        for chunk, text in zip(entry["chunks"], texts):
            chunk["text"] = text
        if case["save_arrays"]:
            assert len(calls) == 1
            files = {"noise": f"{name}.noise.npy", "wave": f"{name}.wave.npy", "mel": f"{name}.mel.npy",
                     "ref_mel": f"{name}.ref_mel.npy"}
            save(os.path.join(HERE, files["noise"]), calls[0]["noise"])
            save(os.path.join(HERE, files["wave"]), wave)
            save(os.path.join(HERE, files["mel"]), spectrogram)
            save(os.path.join(HERE, files["ref_mel"]), calls[0]["ref_mel"])
            entry["files"] = files
        meta["cases"][name] = entry
        print(name, len(calls), "chunk(s)", [c["frames"] for c in calls], "frames,", wave.shape[0], "samples, max |x|",
              entry["wave_max_abs"])
    with open(os.path.join(HERE, "speak.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
