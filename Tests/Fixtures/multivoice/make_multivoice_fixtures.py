"""Writes the multi-voice fixtures by running F5-TTS's own `f5-tts_infer-cli` flow (run with the reference virtualenv
made as in bench/reference/README.md, from the repository root; needs espeak-ng, sox and ffmpeg on PATH):

    venv/bin/python Tests/Fixtures/multivoice/make_multivoice_fixtures.py

What it does:
- main.flac, town.flac, country.flac: espeak-ng speech (three different espeak voices), mono PCM16 FLAC
  (main and country at 24 kHz, town at 16 kHz), each under 3 s; their transcripts are CLIPS below.
- story.toml / story.txt: shaped like F5's f5_tts/infer/examples/multi/story.toml and story.txt (same keys, same
  tag layout: untagged text first, then [town], [main], [country] "short quote", [main], [country]) with our clips,
  ref_text filled in (F5's are empty and transcribed with Whisper) and one unknown tag [nobody].
  story_bare_tag.txt: leading whitespace before the first tag, and tags followed by nothing ("[town] [main]" and a
  trailing "[country]"); infer_cli still calls infer_process for those, gets None and fails when concatenating.
  basic.toml: shaped like F5's f5_tts/infer/examples/basic/basic.toml, single voice, text long enough for two chunks.
  ref_audio / gen_file paths are relative to this folder: infer_cli resolves them against the working directory
  (only paths containing "infer/examples/" are redirected into the package), so the runs chdir here.
- Each run sets sys.argv as a user types it (f5-tts_infer-cli -c story.toml --output_dir OUT ...), imports
  f5_tts.infer.infer_cli afresh (it parses arguments and reads the TOML at import time) and calls its main(), the
  function the f5-tts_infer-cli entry point runs. Nothing of infer_cli is reimplemented; patched around it:
  cached_path (records the checkpoint URL, downloads nothing), load_vocoder / load_model (record their arguments,
  return a fake vocoder and a fake model), and recorders around preprocess_ref_audio_text, infer_process,
  chunk_text, remove_silence_for_generated_wav and soundfile.write, which all call the real functions.
  infer_process and infer_batch_process run for real (in-order executor, soundfile for torchaudio.load): the real
  chunk_text with the real reference-length rule, the real duration rule, cross-fades and loudness restore.
  Only model.sample and vocoder.decode are fake: sample(duration=D) returns D zero mel frames; decode of n frames
  returns (n - 1) * 256 samples (Vocos' length): 0.5 * sin(2 pi 440 k / 24000) for k < 6000, then zeros.
- multivoice.json records, per run: argv, the voices as preprocessed, the tag messages infer_cli printed, each
  segment (voice, clip, ref_text, gen_text, speed and the other settings infer_process got, max_chars, the chunks
  with the frames the model was asked for), the chunk files written by --save_chunk, the output file, or the error.

Versions used: f5-tts 1.1.22, torch 2.15.0, torchaudio 2.11.1, vocos 0.1.0, pydub 0.25.1, soundfile 0.14.0,
unidecode 1.4.0, tomli 2.5.0, numpy 2.4.6 (Python 3.11), espeak-ng 1.51, sox 14.4.2, ffmpeg 5.1.
"""
import contextlib
import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "speak"))
sys.path.insert(0, os.path.dirname(HERE))
import make_speak_fixtures  # noqa: E402,F401  (swaps torchaudio.load for soundfile)
from reference_helpers import SyncExecutor  # noqa: E402

import cached_path  # noqa: E402
import f5_tts.infer.utils_infer as U  # noqa: E402

U.ThreadPoolExecutor = SyncExecutor

CLIPS = {
    "main": dict(file="main.flac", text="Two mice lived far apart.", voice="en-us", speed=165, rate=24000),
    "town": dict(file="town.flac", text="I live in the busy town.", voice="en-us+f3", speed=180, rate=16000),
    "country": dict(file="country.flac", text="I like my quiet fields.", voice="en-gb-scotland", speed=150,
                    rate=24000),
}

STORY_TOML = f'''# F5TTS_v1_Base | E2TTS_Base
model = "F5TTS_v1_Base"
ref_audio = "main.flac"
# If an empty "", transcribes the reference audio automatically.
ref_text = "{CLIPS["main"]["text"]}"
gen_text = ""
# File with text to generate. Ignores the text above.
gen_file = "story.txt"
remove_silence = true
output_dir = "tests"
output_file = "infer_cli_story.wav"

[voices.town]
ref_audio = "town.flac"
ref_text = "{CLIPS["town"]["text"]}"
speed = 0.8  # will ignore global speed

[voices.country]
ref_audio = "country.flac"
ref_text = "{CLIPS["country"]["text"]}"
'''

STORY_TXT = ('A Town Mouse and a Country Mouse were friends, and one day the Country Mouse invited his friend to his '
             'home in the fields. They sat down to a dinner of roots and barleycorns, which had an earthy flavour, and '
             'presently the guest broke out with [town] "My poor dear friend, you live here no better than the ants! '
             'Come to my café in town." [main] So they went to town, to a larder full of figs and honey. [nobody] But '
             'someone opened the door, and the two mice ran off to hide. [country] "Bye," [main] said he, [country] '
             '"I\'m off. I prefer my simple dinner in peace."')

STORY_BARE_TAG_TXT = "  [main] The two mice met again. [town] [main] Nobody spoke. [country]"

BASIC_TOML = f'''# F5TTS_v1_Base | E2TTS_Base
model = "F5TTS_v1_Base"
ref_audio = "main.flac"
# If an empty "", transcribes the reference audio automatically.
ref_text = "{CLIPS["main"]["text"]}"
gen_text = "I don't really care what you call me. I've been a silent spectator, watching species evolve, empires rise and fall. But always remember, I am mighty and enduring. Respect me and I'll nurture you; ignore me and you shall face the consequences. I have been here for ages, and I will be here long after you are gone, watching the rivers carve the valleys and the mountains wear down to sand."
# File with text to generate. Ignores the text above.
gen_file = ""
remove_silence = false
output_dir = "tests"
output_file = "infer_cli_basic.wav"
'''

RUNS = {
    "story": dict(argv=["f5-tts_infer-cli", "-c", "story.toml", "--output_dir", "OUT", "--save_chunk"]),
    "story_bare_tag": dict(argv=["f5-tts_infer-cli", "-c", "story.toml", "-f", "story_bare_tag.txt",
                                 "--output_dir", "OUT", "-w", "infer_cli_bare_tag.wav"]),
    "basic": dict(argv=["f5-tts_infer-cli", "-c", "basic.toml", "--output_dir", "OUT"]),
}

TAG_MESSAGE = re.compile(r"^(No voice tag found, using main\.|Voice \w+ not found, using main\.|Voice: \w+|Warning to "
                         r"--save_chunk.*|Generating audio in \d+ batches\.\.\.|No text batches to generate\.)$")
FAKE_TONE_SAMPLES, HOP = 6000, 256


def make_clips():
    for name, clip in CLIPS.items():
        with tempfile.TemporaryDirectory() as tmp:
            raw, out = os.path.join(tmp, "s.wav"), os.path.join(tmp, "r.wav")
            subprocess.run(["espeak-ng", "-v", clip["voice"], "-s", str(clip["speed"]), "-w", raw, clip["text"]],
                           check=True)
            subprocess.run(["sox", "-D", raw, "-r", str(clip["rate"]), out], check=True)
            x, rate = sf.read(out, dtype="float64")
        x = 0.3 * x / np.abs(x).max()
        assert rate == clip["rate"] and len(x) < 3 * rate, (name, len(x), rate)
        sf.write(os.path.join(HERE, clip["file"]), x, rate, format="FLAC", subtype="PCM_16")


class FakeModel:
    """Stands in for the loaded CFM: sample() records what it was asked and returns `duration` zero frames."""

    def __init__(self, log):
        self.log = log

    def sample(self, cond, text, duration, **kwargs):
        self.log.append(dict(cond_samples=int(cond.shape[-1]), ref_audio_len=int(cond.shape[-1]) // HOP,
                             duration=int(duration), model_text="".join(text[0]),
                             **{k: kwargs[k] for k in ("steps", "cfg_strength", "sway_sampling_coef")}))
        return torch.zeros(1, int(duration), 100), None


class FakeVocoder:
    """decode(mel [1, 100, n]) -> (n - 1) * 256 samples: a 440 Hz tone for the first 6000 samples, then zeros."""

    def decode(self, mel):
        n = max(int(mel.shape[-1]) - 1, 0) * HOP
        k = torch.arange(n, dtype=torch.float64)
        wave = torch.where(k < FAKE_TONE_SAMPLES, 0.5 * torch.sin(2 * torch.pi * 440 * k / 24000), 0.0)
        return wave.float().unsqueeze(0)


class Recorder:
    """Patches around infer_cli's collaborators for one run; every wrapper calls the real function."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.lines = []
        self.checkpoint_urls, self.loads, self.voices, self.segments, self.writes = [], {}, [], [], []
        self.sample_log = []
        self.chunk_calls = []
        self.remove_silence = []
        self.processed = {}  # temp wav of a preprocessed clip -> voice clip file
        self.line_mark = None

    def rel(self, path):
        path = os.path.abspath(path)
        if path == self.out_dir:
            return "OUT"
        if path.startswith(self.out_dir + os.sep):
            return "OUT" + path[len(self.out_dir):]
        return os.path.relpath(path, HERE) if path.startswith(HERE + os.sep) else path

    def messages(self, start, end):
        return [line for line in self.lines[start:end] if TAG_MESSAGE.match(line)]

    @contextlib.contextmanager
    def patched(self):
        real = dict(cached_path=cached_path.cached_path, load_vocoder=U.load_vocoder, load_model=U.load_model,
                    preprocess=U.preprocess_ref_audio_text, infer_process=U.infer_process, chunk_text=U.chunk_text,
                    remove_silence=U.remove_silence_for_generated_wav, sf_write=sf.write)

        def fake_cached_path(url, *args, **kwargs):
            self.checkpoint_urls.append(str(url))
            return "CHECKPOINT"

        def fake_load_vocoder(*args, **kwargs):
            self.loads["load_vocoder"] = dict(args=list(args), **{k: v for k, v in kwargs.items() if k != "device"})
            return FakeVocoder()

        def fake_load_model(model_cls, model_cfg, ckpt_path, **kwargs):
            self.loads["load_model"] = dict(model_cls=model_cls.__name__, model_cfg=dict(model_cfg),
                                            ckpt_path=ckpt_path, **{k: v for k, v in kwargs.items() if k != "device"})
            return FakeModel(self.sample_log)

        def preprocess(ref_audio_orig, ref_text, *args, **kwargs):
            processed, processed_text = real["preprocess"](ref_audio_orig, ref_text, *args, **kwargs)
            self.processed[processed] = self.rel(ref_audio_orig)
            data, rate = sf.read(processed)
            voice = [line for line in self.lines if line.startswith("Voice: ")][-1][len("Voice: "):]
            self.voices.append(dict(name=voice, ref_audio=self.rel(ref_audio_orig), ref_text=ref_text,
                                    ref_text_processed=processed_text, processed_samples=int(data.shape[0]),
                                    processed_rate=int(rate)))
            return processed, processed_text

        def chunk_text(text, max_chars=135):
            chunks = real["chunk_text"](text, max_chars=max_chars)
            self.chunk_calls.append(dict(max_chars=max_chars, chunks=chunks))
            return chunks

        def infer_process(ref_audio, ref_text, gen_text, model_obj, vocoder, **kwargs):
            if self.line_mark is None:
                self.line_mark = max(i for i, line in enumerate(self.lines) if line.startswith("ref_audio_ ")) + 1
            start = self.line_mark
            calls, samples_before = len(self.chunk_calls), len(self.sample_log)
            wave, rate, spectrogram = real["infer_process"](ref_audio, ref_text, gen_text, model_obj, vocoder,
                                                            **kwargs)
            self.line_mark = len(self.lines)
            messages = self.messages(start, self.line_mark)
            voices = [m[len("Voice: "):] for m in messages if m.startswith("Voice: ")]
            (chunk_call,) = self.chunk_calls[calls:]
            samples = self.sample_log[samples_before:]
            assert len(samples) == len(chunk_call["chunks"])
            settings = {k: kwargs[k] for k in ("speed", "fix_duration", "cross_fade_duration", "nfe_step",
                                                "cfg_strength", "sway_sampling_coef", "target_rms", "mel_spec_type")}
            self.segments.append(dict(
                voice=voices[-1], messages=messages, ref_audio=self.processed[ref_audio], ref_text=ref_text,
                gen_text=gen_text, **settings, max_chars=chunk_call["max_chars"],
                chunks=[dict(text=t, **s) for t, s in zip(chunk_call["chunks"], samples)],
                samples=None if wave is None else int(len(wave)), sample_rate=rate,
                mel_frames=None if spectrogram is None else int(spectrogram.shape[-1])))
            return wave, rate, spectrogram

        def remove_silence(filename):
            before = sf.info(filename).frames
            real["remove_silence"](filename)
            self.remove_silence.append(dict(path=self.rel(filename), samples_before=int(before),
                                            samples_after=int(sf.info(filename).frames)))

        def sf_write(file, data, samplerate, *args, **kwargs):
            self.writes.append(dict(path=self.rel(file), samples=int(np.asarray(data).shape[0]),
                                    sample_rate=samplerate))
            return real["sf_write"](file, data, samplerate, *args, **kwargs)

        cached_path.cached_path = fake_cached_path
        U.load_vocoder, U.load_model = fake_load_vocoder, fake_load_model
        U.preprocess_ref_audio_text, U.infer_process, U.chunk_text = preprocess, infer_process, chunk_text
        U.remove_silence_for_generated_wav, sf.write = remove_silence, sf_write
        try:
            yield
        finally:
            cached_path.cached_path = real["cached_path"]
            U.load_vocoder, U.load_model = real["load_vocoder"], real["load_model"]
            U.preprocess_ref_audio_text, U.infer_process = real["preprocess"], real["infer_process"]
            U.chunk_text, U.remove_silence_for_generated_wav = real["chunk_text"], real["remove_silence"]
            sf.write = real["sf_write"]


class LineTee(io.TextIOBase):
    """stdout that keeps every printed line (and still prints it)."""

    def __init__(self, lines, echo):
        self.lines, self.echo, self.pending = lines, echo, ""

    def write(self, s):
        self.echo.write(s)
        self.pending += s
        *done, self.pending = self.pending.split("\n")
        self.lines.extend(done)
        return len(s)


def run(name, argv):
    out_dir = tempfile.mkdtemp(prefix=f"multivoice-{name}-")
    rec = Recorder(out_dir)
    U._ref_audio_cache.clear()
    U._ref_text_cache.clear()
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = [out_dir if a == "OUT" else a for a in argv]
    os.chdir(HERE)
    error = None
    try:
        with rec.patched(), contextlib.redirect_stdout(LineTee(rec.lines, sys.stdout)):
            sys.modules.pop("f5_tts.infer.infer_cli", None)
            cli = importlib.import_module("f5_tts.infer.infer_cli")
            settings = {k: getattr(cli, k) for k in (
                "model", "ref_audio", "ref_text", "gen_file", "output_file", "save_chunk", "use_legacy_text",
                "remove_silence", "vocoder_name", "target_rms", "cross_fade_duration", "nfe_step", "cfg_strength",
                "sway_sampling_coef", "speed", "fix_duration")}
            settings["output_dir"], settings["wave_path"] = rec.rel(cli.output_dir), rec.rel(str(cli.wave_path))
            try:
                cli.main()
            except Exception as e:  # recorded: what the real flow does with this input
                error = dict(type=type(e).__name__, message=str(e), after_segments=len(rec.segments))
        for voice in rec.voices:
            voice["speed"] = cli.config.get("voices", {}).get(voice["name"], {}).get("speed")
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    for processed in rec.processed:
        os.remove(processed)
    wave_path = os.path.join(out_dir, settings["output_file"])
    chunk_dir = os.path.join(out_dir, os.path.splitext(settings["output_file"])[0] + "_chunks")
    chunk_files = sorted(os.listdir(chunk_dir), key=lambda f: int(f.split("_")[0])) if os.path.isdir(chunk_dir) else []
    output = None
    if os.path.exists(wave_path):
        written = [w for w in rec.writes if w["path"] == rec.rel(wave_path)]
        output = dict(path=rec.rel(wave_path), concatenated_samples=written[-1]["samples"],
                      file_samples=int(sf.info(wave_path).frames), sample_rate=int(sf.info(wave_path).samplerate),
                      remove_silence=rec.remove_silence)
    all_messages = [m for m in rec.lines if TAG_MESSAGE.match(m)]
    shutil.rmtree(out_dir)
    return dict(argv=argv, config=settings, checkpoint_urls=rec.checkpoint_urls, **rec.loads, voices=rec.voices,
                messages=all_messages, segments=rec.segments,
                chunk_files=[dict(name=f, samples=w["samples"]) for f, w in zip(
                    chunk_files, [w for w in rec.writes if w["path"].startswith(rec.rel(chunk_dir) + os.sep)])],
                output=output, error=error)


def main():
    torch.set_num_threads(1)
    make_clips()
    for file_name, text in (("story.toml", STORY_TOML), ("story.txt", STORY_TXT),
                            ("story_bare_tag.txt", STORY_BARE_TAG_TXT), ("basic.toml", BASIC_TOML)):
        with open(os.path.join(HERE, file_name), "w", encoding="utf-8") as f:
            f.write(text)
    meta = {
        "generator": "make_multivoice_fixtures.py", "f5_tts": "1.1.22", "torch": torch.__version__,
        "clips": {name: dict(file=c["file"], text=c["text"], sample_rate=c["rate"],
                             samples=int(sf.info(os.path.join(HERE, c["file"])).frames)) for name, c in CLIPS.items()},
        "fake": dict(model="sample(duration=D) -> D zero mel frames",
                     vocoder="decode(n frames) -> (n - 1) * 256 samples, 0.5 * sin(2 pi 440 k / 24000) for k < 6000 "
                             "then 0 (then scaled by rms / target_rms by infer_batch_process when the reference is "
                             "quiet)"),
        "runs": {},
    }
    for name, spec in RUNS.items():
        meta["runs"][name] = run(name, spec["argv"])
        r = meta["runs"][name]
        print(f"== {name}: {len(r['segments'])} segments, error {r['error']}", file=sys.stderr)
    with open(os.path.join(HERE, "multivoice.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
