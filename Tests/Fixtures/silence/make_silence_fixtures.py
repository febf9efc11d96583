"""Writes the fixtures for GeneratedAudio.removingSilence (Tests/F5AudioTests/GeneratedSilenceTests.swift).

F5-TTS's `infer_cli.py --remove_silence` (f5-tts 1.1.22) writes the generated float wave with
`sf.write(f.name, final_wave, final_sample_rate)` (WAV, soundfile's default subtype PCM_16) and then calls
`remove_silence_for_generated_wav(f.name)` (`f5_tts/infer/utils_infer.py`): pydub `AudioSegment.from_file`,
`silence.split_on_silence(aseg, min_silence_len=1000, silence_thresh=-50, keep_silence=500, seek_step=10)`,
the pieces appended to `AudioSegment.silent(duration=0)`, `export(filename, format="wav")`.

This script runs that function's own source, taken from the installed f5-tts 1.1.22 (its module imports
torch and more, so only the function definition is compiled, with pydub's AudioSegment and silence), after
checking the call sites and parameters above. It needs no ffmpeg: the file ends in `.wav`, which pydub
0.25.1 reads and writes itself.

Setup and run (Python 3.11 or 3.12: pydub 0.25.1 needs the `audioop` module, removed in 3.13):

    python3 -m venv /tmp/silvenv
    /tmp/silvenv/bin/pip install pydub==0.25.1 soundfile==0.14.0 numpy
    /tmp/silvenv/bin/pip install --no-deps f5-tts==1.1.22
    /tmp/silvenv/bin/python Tests/Fixtures/silence/make_silence_fixtures.py

soundfile 0.14.0 bundles libsndfile 1.2.2, whose float -> PCM16 conversion F5's file goes through.

Inputs are float32 waves: `<case>.in.flac` (24-bit FLAC; every sample is an exact int24 / 2^23, so
the float32 wave is what reads back) or `<case>.in.npy` (float32, for values no 24-bit file holds:
NaN, infinities, out-of-range and sub-LSB values). Outputs: `<case>.out.flac`, the int16 samples of the
file F5 leaves behind, losslessly (absent when that file has no samples). `expected.json` has each case's
input rate, the output's rate and frame count, and pydub's non-silent ranges (ms).
"""
import ast
import importlib.metadata
import json
import os
import tempfile

import numpy as np
import soundfile as sf
from pydub import AudioSegment, silence

HERE = os.path.dirname(os.path.abspath(__file__))
F5_VERSION = "1.1.22"
F5_PARAMETERS = {"min_silence_len": 1000, "silence_thresh": -50, "keep_silence": 500, "seek_step": 10}


def f5_source(relative):
    dist = importlib.metadata.distribution("f5-tts")
    assert dist.version == F5_VERSION, f"f5-tts {dist.version} installed, fixtures pin {F5_VERSION}"
    with open(dist.locate_file(relative), encoding="utf-8") as f:
        return f.read()


def load_remove_silence():
    """`remove_silence_for_generated_wav` compiled from f5-tts's own source, its parameters checked."""
    cli = f5_source("f5_tts/infer/infer_cli.py")
    assert "sf.write(f.name, final_wave, final_sample_rate)" in cli
    assert "remove_silence_for_generated_wav(f.name)" in cli
    source = f5_source("f5_tts/infer/utils_infer.py")
    tree = ast.parse(source)
    [func] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "remove_silence_for_generated_wav"]
    calls = [n for n in ast.walk(func) if isinstance(n, ast.Call) and ast.unparse(n.func) == "silence.split_on_silence"]
    assert len(calls) == 1
    assert {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords} == F5_PARAMETERS
    assert "AudioSegment.silent(duration=0)" in ast.unparse(func)
    assert 'export(filename, format="wav")' in ast.get_source_segment(source, func)
    namespace = {"AudioSegment": AudioSegment, "silence": silence}
    exec(compile(ast.Module(body=[func], type_ignores=[]), "utils_infer.py", "exec"), namespace)
    return namespace["remove_silence_for_generated_wav"]


REMOVE_SILENCE = load_remove_silence()

# ---------------------------------------------------------------------------------------------
# Test waves, built as int24 values (x = int24 / 2^23 is then exact in float32).

FULL = 2 ** 23


def near_silence(rng, n, lsb=2):
    """A few 24-bit LSBs of noise: below any threshold, but its negative values floor to -1 in int16."""
    return rng.integers(-lsb, lsb + 1, n).astype(np.float64) / FULL


def hum(n, rate, rms_db, hz=50.0, end_db=None):
    """A sine at `rms_db` dBFS RMS (ramping linearly in dB to `end_db`)."""
    t = np.arange(n) / rate
    db = np.full(n, rms_db) if end_db is None else np.linspace(rms_db, end_db, n)
    return np.sqrt(2) * 10 ** (db / 20) * np.sin(2 * np.pi * hz * t)


def burst(rng, n, rate, peak):
    """Speech-like: a gliding harmonic tone with breath noise, syllable-modulated, faded in and out."""
    t = np.arange(n) / rate
    f0 = 140 + 35 * np.sin(2 * np.pi * 2.7 * t + rng.uniform(0, 6.3))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 8))
    noise = 0.25 * rng.standard_normal(n)
    envelope = np.sin(np.pi * (np.arange(n) + 0.5) / n) ** 0.6 * (0.65 + 0.35 * np.sin(2 * np.pi * 4.5 * t))
    wave = (voiced + noise) * envelope
    return peak * wave / np.max(np.abs(wave))


def assemble(rate, parts, seed):
    rng = np.random.default_rng(seed)
    pieces = []
    for kind, seconds, *args in parts:
        n = int(round(seconds * rate))
        if kind == "quiet":
            pieces.append(near_silence(rng, n))
        elif kind == "hum":
            pieces.append(hum(n, rate, *args) + near_silence(rng, n))
        elif kind == "burst":
            pieces.append(burst(rng, n, rate, *args))
        elif kind == "click":
            wave = near_silence(rng, n)
            wave[len(wave) // 2:len(wave) // 2 + int(0.004 * rate)] = args[0]
            pieces.append(wave)
    wave = np.concatenate(pieces) if pieces else np.zeros(0)
    return np.clip(np.round(wave * FULL), -FULL, FULL - 1).astype(np.int64)


def edge_wave(rng, n):
    """float32 values at the conversion's edges, then random values over several magnitudes."""
    lsb = 2.0 ** -15
    special = [np.nan, np.inf, -np.inf, 1.0, -1.0, 1.5, -1.5, 1.0000001, -1.0000001, np.float32(1) - 2 ** -24,
               -(np.float32(1) - 2 ** -24), 0.0, -0.0, 2 ** -32, -(2 ** -32), -3 * 2 ** -33, -(2 ** -31), -1e-10,
               1e-10, -1e-38, 1e-45, -1e-45, 32767 * lsb, -32767 * lsb, -32768 * lsb, 32767.5 * lsb, -32767.5 * lsb]
    for k in (0, 1, 2, 3, 100, 12345, -1, -2, -3, -101, -12346):
        special += [k * lsb, (k + 0.5) * lsb, (k + 0.25) * lsb, (k + 0.75) * lsb, (k + 1) * lsb - 2 ** -31]
    rest = n - len(special)
    magnitude = 10.0 ** rng.uniform(-9, 0.1, rest)
    values = rng.choice([-1.0, 1.0], rest) * magnitude
    return np.concatenate([np.array(special, dtype=np.float32), values.astype(np.float32)])


# name, rate, parts (or None: the edge wave), frames override
CASES = [
    # Gaps shorter (0.6 s, 0.995 s) and longer (1.25 s, 2.8 s with a click) than 1 s, noisy edges.
    ("gaps_24k", 24000, [("quiet", 1.3), ("burst", 0.4, 0.5), ("hum", 0.6, -59.0), ("burst", 0.3, 0.3),
                         ("quiet", 1.25), ("burst", 0.35, 0.7), ("quiet", 0.995), ("burst", 0.25, 0.4),
                         ("click", 2.8, 0.9), ("burst", 0.3, 0.95), ("quiet", 1.437)], None),
    # A hum whose 1 s windows cross -50 dBFS (rms 103.6 of 32768) as it rises.
    ("threshold_24k", 24000, [("quiet", 0.4), ("hum", 2.5, -52.0, 120.0, -48.5), ("burst", 0.2, 0.5),
                              ("quiet", 1.3)], None),
    # No 1 s of silence anywhere; 48011 frames is 2000.458 ms, so pydub's [0:len] slice drops 11 frames.
    ("continuous_24k", 24000, [("burst", 0.9, 0.6), ("hum", 0.5, -40.0, 180.0), ("burst", 0.600458, 0.8)], 48011),
    # Everything below -50 dBFS: no pieces, the file becomes empty at AudioSegment.silent's 11025 Hz.
    ("silent_24k", 24000, [("hum", 1.8, -62.0, 90.0)], None),
    # Long leading silence, speech up to the last sample.
    ("tail_24k", 24000, [("quiet", 2.2), ("burst", 0.6, 0.6)], None),
    # Below 11025 Hz: `silent(0) + piece` resamples each piece to 11025 Hz (audioop.ratecv).
    ("gaps_8k", 8000, [("quiet", 1.1), ("burst", 0.5, 0.6), ("quiet", 1.4), ("burst", 0.4, 0.5), ("quiet", 0.7),
                       ("burst", 0.3, 0.7), ("quiet", 1.2)], None),
    # 7236 frames = 301.5 ms, len() rounds to 302 and the [0:302] slice pads 12 zero frames.
    ("short_24k", 24000, None, 7236),
    ("empty_24k", 24000, [], 0),
]


def run_f5(wave, rate, workdir):
    """The `--remove_silence` path: soundfile write, then F5's function rewrites the file."""
    path = os.path.join(workdir, "infer_cli_out.wav")
    sf.write(path, wave, rate)
    assert sf.info(path).subtype == "PCM_16"
    REMOVE_SILENCE(path)
    info = sf.info(path)
    data, out_rate = sf.read(path, dtype="int16")
    assert info.subtype == "PCM_16" and info.channels == 1 and data.ndim == 1
    # The ranges split_on_silence worked from, for diagnostics.
    sf.write(path, wave, rate)
    ranges = silence.detect_nonsilent(AudioSegment.from_file(path), 1000, -50, 10)
    return data, out_rate, ranges


def main():
    expected = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name, rate, parts, frames in CASES:
            if parts is None:
                wave = edge_wave(np.random.default_rng(sum(map(ord, name))), frames)
                input_file = f"{name}.in.npy"
                np.save(os.path.join(HERE, input_file), wave)
            else:
                ints = assemble(rate, parts, sum(map(ord, name)))
                wave = (ints / FULL).astype(np.float32)
                assert np.array_equal(wave.astype(np.float64) * FULL, ints)
                if len(ints):
                    input_file = f"{name}.in.flac"
                    sf.write(os.path.join(HERE, input_file), (ints << 8).astype(np.int32), rate, subtype="PCM_24")
                    back = sf.read(os.path.join(HERE, input_file), dtype="float32")[0]
                    assert np.array_equal(back, wave)
                else:
                    input_file = None
            assert wave.dtype == np.float32 and (frames is None or len(wave) == frames)
            data, out_rate, ranges = run_f5(wave, rate, workdir)
            output_file = None
            if len(data):
                output_file = f"{name}.out.flac"
                sf.write(os.path.join(HERE, output_file), data, out_rate, subtype="PCM_16")
                assert np.array_equal(sf.read(os.path.join(HERE, output_file), dtype="int16")[0], data)
            expected[name] = {"input": input_file, "rate": rate, "frames": int(len(wave)), "output": output_file,
                              "output_rate": int(out_rate), "output_frames": int(len(data)),
                              "nonsilent_ms": [list(map(int, r)) for r in ranges]}
            print(f"{name}: {len(wave)} frames at {rate} Hz -> {len(data)} frames at {out_rate} Hz, "
                  f"non-silent {ranges}")
    cases = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in expected.items())
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        f.write(f'{{"f5_tts": "{F5_VERSION}", "parameters": {json.dumps(F5_PARAMETERS)},\n "cases": {{\n{cases}\n}}}}\n')


if __name__ == "__main__":
    main()
