"""Regenerates the F5Audio fixtures from the reference stack (see README.md in this folder).

Reference audio: espeak-ng speech written at several rates/channel counts/depths, run through F5-TTS's
own `preprocess_ref_audio_text` (pydub) and the mono/RMS/resample lines of `infer_batch_process`
(torchaudio), then `get_vocos_mel_spectrogram`. pydub needs ffmpeg for non-WAV input; where ffmpeg is
absent, `AudioSegment.from_file` is patched to build the segment ffmpeg would hand over (16-bit PCM as is,
24-bit as full-scale 32-bit). Vocos: a random-weight tiny bundle written with q4export.write_bundle and
the `vocos` package run on the same (dequantized / fp16-rounded) weights.
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import q4export  # noqa: E402

from pydub import AudioSegment, silence  # noqa: E402
from f5_tts.infer import utils_infer  # noqa: E402
from f5_tts.model.modules import get_vocos_mel_spectrogram  # noqa: E402

torch.manual_seed(0)
RNG = np.random.default_rng(1234)


def from_file_like_ffmpeg(path, *args, **kwargs):
    if path.lower().endswith(".wav"):
        return ORIGINAL_FROM_FILE(path, *args, **kwargs)
    info = sf.info(path)
    data = sf.read(path, dtype="int32", always_2d=True)[0]  # left-justified 32-bit
    if info.subtype == "PCM_16":
        raw, width = (data >> 16).astype("<i2").tobytes(), 2
    else:
        raw, width = data.astype("<i4").tobytes(), 4
    return AudioSegment(data=raw, sample_width=width, frame_rate=info.samplerate, channels=info.channels)


ORIGINAL_FROM_FILE = AudioSegment.from_file
AudioSegment.from_file = from_file_like_ffmpeg

# Record what remove_silence_edges trims (leading, then trailing on the reversed audio).
LEADING_CALLS = []
_detect_leading = silence.detect_leading_silence


def recording_detect_leading(sound, *args, **kwargs):
    value = _detect_leading(sound, *args, **kwargs)
    LEADING_CALLS.append(value)
    return value


utils_infer.silence.detect_leading_silence = recording_detect_leading


def speech(text, rate):
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = os.path.join(tmp, "s.wav"), os.path.join(tmp, "r.wav")
        subprocess.run(["espeak-ng", "-s", "170", "-w", raw, text], check=True)
        subprocess.run(["sox", raw, "-r", str(rate), out], check=True)
        x, _ = sf.read(out, dtype="float64")
    return x / np.abs(x).max()


def noise(n, amplitude):
    return RNG.uniform(-amplitude, amplitude, n)


def make_clip(text, rate, peak, lead, trail, floor, stereo=False, gap=None):
    s = speech(text, rate) * peak
    parts = [noise(int(lead * rate), floor), s]
    if gap is not None:
        parts += [noise(int(gap * rate), floor), speech("Goodbye.", rate) * peak]
    parts.append(noise(int(trail * rate), floor))
    x = np.concatenate(parts)
    if stereo:
        x = np.stack([x, 0.6 * np.roll(x, 7) + noise(len(x), floor)], axis=1)
    return np.clip(x, -0.99, 0.99)


SPEECH_CASES = [
    # name, rate, peak, lead s, trail s, noise floor, stereo, gap, subtype
    ("speech_16k_mono_quiet.wav", 16000, 0.08, 0.35, 0.25, 1e-4, False, None, "PCM_16"),
    ("speech_22k_stereo_loud.wav", 22050, 0.9, 0.2, 0.3, 3e-3, True, None, "PCM_16"),
    ("speech_44k_mono_24bit.flac", 44100, 0.5, 0.15, 0.2, 2e-3, False, None, "PCM_24"),
    ("speech_48k_stereo.flac", 48000, 0.4, 0.1, 0.15, 5e-4, True, None, "PCM_16"),
    ("speech_24k_gap.flac", 24000, 0.7, 0.1, 0.1, 1e-4, False, 2.4, "PCM_16"),
]


def reference_pipeline(path):
    """F5-TTS's reference preparation up to the mel, returning every intermediate we test."""
    LEADING_CALLS.clear()
    processed, _ = utils_infer.preprocess_ref_audio_text(path, "Some text.", show_info=lambda *a: None)
    leading, trailing = LEADING_CALLS
    ints, sr = sf.read(processed, dtype="int32", always_2d=True)
    audio, _ = sf.read(processed, dtype="float32", always_2d=True)
    audio = torch.from_numpy(audio.T.copy())  # what torchaudio.load returns: [channels, frames]
    # infer_batch_process, verbatim:
    if audio.shape[0] > 1:
        audio = torch.mean(audio, dim=0, keepdim=True)
    rms = torch.sqrt(torch.mean(torch.square(audio)))
    if rms < 0.1:
        audio = audio * 0.1 / rms
    boosted = audio
    if sr != 24000:
        resampler = torchaudio.transforms.Resample(sr, 24000)
        audio = resampler(audio)
    mel = get_vocos_mel_spectrogram(audio)  # [1, 100, T]
    # The same chain in float64 (float32 resampling kernel, as torchaudio stores it): the reference's own
    # float32 rounding shows up in bands ~80 dB below a frame's peak, where log() magnifies it.
    audio64 = resampler.double()(boosted.double()) if sr != 24000 else boosted.double()
    mel64 = torchaudio.transforms.MelSpectrogram(
        sample_rate=24000, n_fft=1024, win_length=1024, hop_length=256, n_mels=100, power=1, center=True,
        normalized=False, norm=None).double()(audio64).clamp(min=1e-5).log()
    info = {
        "processed_rate": sr, "processed_frames": int(ints.shape[0]), "processed_channels": int(ints.shape[1]),
        "leading_ms": int(leading), "trailing_ms": int(trailing), "rms": float(rms),
        "int_sum": int((ints.astype(np.int64) >> 16).sum()) if sf.info(processed).subtype == "PCM_16" else int((ints.astype(np.int64)).sum()),
        "resampled_count": int(audio.shape[-1]), "mel_frames": int(mel.shape[-1]),
        "mel_fp32_vs_fp64": float((mel.double() - mel64).abs().max()),
    }
    return (info, np.ascontiguousarray(audio[0].numpy(), np.float32), np.ascontiguousarray(mel[0].numpy(), np.float32),
            np.ascontiguousarray(mel64[0].numpy(), np.float32))


def lcg_samples(count, seed, pattern=None, rate=None):
    """Deterministic integer noise (same formula in the Swift tests); zeros in the silent part of `pattern`."""
    x = seed
    out = np.zeros(count, np.int16)
    for i in range(count):
        x = (x * 1103515245 + 12345) % 2147483648
        if pattern is not None:
            on, off = pattern
            if (i % int((on + off) * rate)) >= int(on * rate):
                continue
        out[i] = (x >> 16) % 6001 - 3000
    return out


SYNTHETIC_CASES = [
    # name, rate, seconds, seed, (burst s, silence s) or None
    ("lcg_8k_bursts", 8000, 14, 7, (1.8, 1.3)),
    ("lcg_16k_continuous", 16000, 13, 11, None),
]


def speech_fixtures(summary):
    for name, rate, peak, lead, trail, floor, stereo, gap, subtype in SPEECH_CASES:
        x = make_clip("Hello world." if gap is None else "Hello.", rate, peak, lead, trail, floor, stereo, gap)
        path = os.path.join(HERE, name)
        sf.write(path, x, rate, subtype=subtype)
        info, resampled, mel, mel64 = reference_pipeline(path)
        stem = os.path.splitext(name)[0]
        if rate != 24000:  # at 24 kHz there is nothing to resample
            np.save(os.path.join(HERE, stem + ".resampled.npy"), resampled)
        np.save(os.path.join(HERE, stem + ".mel.npy"), mel)
        np.save(os.path.join(HERE, stem + ".mel64.npy"), mel64)
        summary[name] = info


def synthetic_fixtures(summary):
    with tempfile.TemporaryDirectory() as tmp:
        for name, rate, seconds, seed, pattern in SYNTHETIC_CASES:
            path = os.path.join(tmp, name + ".wav")
            sf.write(path, lcg_samples(rate * seconds, seed, pattern, rate), rate, subtype="PCM_16")
            info, resampled, _, _ = reference_pipeline(path)
            info["resampled_sum"] = float(resampled.astype(np.float64).sum())
            summary[name] = info


def vocos_fixture(summary):
    from vocos.heads import ISTFTHead
    from vocos.models import VocosBackbone

    arch = {"input_channels": 100, "dim": 64, "intermediate_dim": 192, "num_layers": 2, "n_fft": 1024,
            "hop_length": 256, "padding": "center", "sample_rate": 24000}
    backbone = VocosBackbone(arch["input_channels"], arch["dim"], arch["intermediate_dim"], arch["num_layers"])
    head = ISTFTHead(arch["dim"], arch["n_fft"], arch["hop_length"], padding="center")
    named = {}
    for prefix, module in (("backbone.", backbone), ("head.", head)):
        for key, value in module.state_dict().items():
            named[prefix + key] = value.detach().numpy().astype(np.float32)
    g = np.random.default_rng(99)
    tensors = []
    for name, w in named.items():
        if name == "head.istft.window":
            continue  # a buffer the runtime does not read
        if name.endswith("gamma"):
            w = g.uniform(0.2, 0.8, w.shape)
        elif name.startswith("head.out.weight"):
            w = g.normal(0, 0.25, w.shape)
        elif name == "head.out.bias":
            w = g.normal(0, 0.5, w.shape)
            w[200:210] = 5.0  # exp(5) > 100: exercises the magnitude clip
        elif "norm" in name:
            w = (1.0 if name.endswith("weight") else 0.0) + g.normal(0, 0.1, w.shape)
        elif name.endswith("bias"):
            w = g.normal(0, 0.05, w.shape)
        else:
            w = g.normal(0, 0.05, w.shape)
        tensors.append((name, w.astype(np.float32)))
    out_dir = os.path.join(HERE, "vocos_tiny_q4")
    q4export.write_bundle(out_dir, tensors, {"format": "vocos-mel-24khz-q4-bundle-v0",
                                             "model_id": "test/vocos-tiny-random", "architecture": arch})
    # The same weights the runtime sees: Q4 dequantized, dense fp16-rounded.
    state = {}
    for name, w in tensors:
        v = q4export.dequantize(w) if q4export.is_q4(name, w) else w.astype(np.float16).astype(np.float32)
        state[name] = torch.from_numpy(v)
    backbone.load_state_dict({k[len("backbone."):]: v for k, v in state.items() if k.startswith("backbone.")})
    head.load_state_dict({k[len("head."):]: v for k, v in state.items() if k.startswith("head.")}, strict=False)
    mel = np.ascontiguousarray(np.load(os.path.join(HERE, "speech_44k_mono_24bit.mel.npy"))[:, :48])
    with torch.inference_mode():
        audio = np.ascontiguousarray(head(backbone(torch.from_numpy(mel)[None]))[0].numpy(), np.float32)
    np.save(os.path.join(HERE, "vocos_tiny.mel.npy"), mel)
    np.save(os.path.join(HERE, "vocos_tiny.audio.npy"), audio)
    summary["vocos_tiny"] = {"frames": int(mel.shape[1]), "samples": int(audio.shape[0]),
                             "max_abs": float(np.abs(audio).max())}


def main():
    summary = {}
    speech_fixtures(summary)
    synthetic_fixtures(summary)
    vocos_fixture(summary)
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
