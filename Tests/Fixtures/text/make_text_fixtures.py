"""Writes the F5Text fixtures from the real f5-tts code (run with the reference virtualenv):

    venv/bin/python Tests/Fixtures/text/make_text_fixtures.py

- tokens.json: convert_char_to_pinyin + list_str_to_idx on tricky and random Latin-script strings.
- plans.json: what infer_process / infer_batch_process hand to CFM.sample for each case (chunk texts, token
  ids, total frame count), recorded by running the reference pipeline with a stand-in transformer and
  vocoder, so the reference computes max_chars, the chunks, the duration rule and CFM.sample's frame rule itself.
- crossfade.json: the final wave infer_batch_process assembles from given chunk waves.
"""
import json
import os
import random
import tempfile
import sys
import wave

import numpy as np
import torch
import torchaudio

import f5_tts.infer.utils_infer as U
from f5_tts.model import CFM
from f5_tts.model.utils import convert_char_to_pinyin, get_tokenizer, list_str_to_idx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from reference_helpers import SyncExecutor  # noqa: E402

# The vocabulary the package ships (a copy of f5_tts/infer/examples/vocab.txt).
VOCAB, _ = get_tokenizer(os.path.join(HERE, "..", "..", "..", "Sources", "F5Text", "Resources", "vocab.txt"), "custom")


class StandInTransformer(torch.nn.Module):
    """Records the frame count and token ids CFM.sample feeds the DiT; predicts a zero flow."""

    def __init__(self):
        super().__init__()
        self.dim = 8
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.seen = None

    def forward(self, x, cond, text, time, mask=None, cfg_infer=False, **kwargs):
        if self.seen is None:
            self.seen = {"frames": x.shape[1], "token_ids": text[0].tolist()}
        return torch.zeros(2 * x.shape[0] if cfg_infer else x.shape[0], *x.shape[1:])

    def clear_cache(self):
        pass


class RecordingCFM(CFM):
    def __init__(self):
        super().__init__(
            transformer=StandInTransformer(),
            mel_spec_kwargs=dict(n_fft=1024, hop_length=256, win_length=1024, n_mel_channels=100,
                                 target_sample_rate=24000, mel_spec_type="vocos"),
            vocab_char_map=VOCAB,
        )
        self.calls = []

    def sample(self, cond, text, duration, **kwargs):
        self.transformer.seen = None
        out = super().sample(cond, text, duration, **kwargs)
        self.calls.append({
            "ref_samples": cond.shape[-1],
            "ref_frames": self.mel_spec(cond).shape[-1],
            "duration": duration,
            **self.transformer.seen,
        })
        return out


class QueueVocoder:
    """Returns prepared waves in order (for the cross-fade cases) or silence of the mel's length."""

    def __init__(self, waves=None):
        self.waves = list(waves or [])

    def decode(self, mel):
        if self.waves:
            return torch.from_numpy(self.waves.pop(0)).unsqueeze(0)
        return torch.zeros(1, mel.shape[-1] * 256)


U.ThreadPoolExecutor = SyncExecutor


def noise(samples, seed):
    """Reference audio loud enough (rms > 0.1) that infer_batch_process leaves it as it is."""
    return torch.from_numpy(np.random.default_rng(seed).uniform(-0.5, 0.5, (1, samples)).astype(np.float32))


def normalised_ref_text(ref_text):
    """The reference's own ref-text normalisation (preprocess_ref_audio_text), on a throwaway clip."""
    path = os.path.join(tempfile.mkdtemp(), "clip.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(24000)
        w.writeframes((np.random.default_rng(0).integers(-8000, 8000, 24000, dtype=np.int16)).tobytes())
    return U.preprocess_ref_audio_text(path, ref_text, show_info=lambda *_: None)[1]


def plan(ref_text, gen_text, source_samples, source_rate, speed, fix_duration):
    model = RecordingCFM()
    chunks = []
    real_chunk_text, real_load = U.chunk_text, torchaudio.load

    def recording_chunk_text(text, max_chars):
        chunks.extend(real_chunk_text(text, max_chars))
        return list(chunks)

    U.chunk_text = recording_chunk_text
    torchaudio.load = lambda _: (noise(source_samples, source_samples), source_rate)
    try:
        U.infer_process("ref.wav", normalised_ref_text(ref_text), gen_text, model, QueueVocoder(),
                        show_info=lambda *_: None, progress=None, nfe_step=2, speed=speed,
                        fix_duration=fix_duration, device="cpu")
    finally:
        U.chunk_text, torchaudio.load = real_chunk_text, real_load
    assert len(model.calls) == len(chunks)
    return {
        "ref_samples": model.calls[0]["ref_samples"] if chunks else None,
        "ref_frames": model.calls[0]["ref_frames"] if chunks else None,
        "chunks": [{"text": text, "token_ids": call["token_ids"], "frames": call["frames"],
                    "duration": call["duration"]} for text, call in zip(chunks, model.calls)],
    }


GEN_TEXTS = [
    "Hello, world!",
    "Hi.",
    "OK",
    "Yes! No. Maybe? Fine, go; stop: now.",
    "Don't stop \u2014 it's 3.14 and 1,000 people; \u201cquoted\u201d and \u2018single\u2019 text.",
    "Email me at john.doe@example.com or visit https://x.org/a?b=1&c=2 today.",
    "The na\u00efve caf\u00e9 owner said: Stra\u00dfe, \u00fcber, r\u00e9sum\u00e9, e\u0301te.",
    "I love it \U0001F600\U0001F44D\U0001F3FD so much!!! Wait... what?",
    "State-of-the-art, well-known re-entry -- and C++ or C# at AT&T (really).",
    "In 2024, 50% of 3D MP3 x86 users paid $4.99 at 10:30, v1.2-beta_3 too.",
    "Line one.\nLine two.\tTabbed; semi.\r\nWindows line. Spaces   everywhere.   Really!  ",
    "End.\u00a0Next sentence.\u3000And another, hello\u3002World\uff01Done",
    "Things we like: apples, pears, plums. Things we don't: mud, rain, noise. Things nobody likes: "
    "taxes, traffic, and waiting in line at the post office on a Monday morning.",
    "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How vexingly "
    "quick daft zebras jump! Sphinx of black quartz, judge my vow. The five boxing wizards jump quickly. "
    "Jackdaws love my big sphinx of quartz. Mr. Jock, TV quiz PhD, bags few lynx. When the sun rose over "
    "the hills, the village woke slowly; dogs barked, bells rang, and somebody somewhere burned the toast "
    "again, as they did every single morning without fail.",
]

REFS = [
    ("Some call me nature, others call me mother nature.", 120000, 24000),
    ("Hi there.", 223200, 24000),
    ("It's \u201cquoted\u201d and ends without punctuation", 223200, 24000),
    ("Already ends with a space. ", 120000, 24000),
    ("Recorded at a different rate", 410130, 44100),
]


def plan_cases():
    cases = []
    for (ref_text, samples, rate) in REFS[:2]:
        for gen_text in GEN_TEXTS:
            for speed in (1.0, 1.15):
                cases.append((ref_text, gen_text, samples, rate, speed, None))
    for (ref_text, samples, rate) in REFS[2:]:
        for gen_text in (GEN_TEXTS[3], GEN_TEXTS[-1]):
            cases.append((ref_text, gen_text, samples, rate, 1.0, None))
    # max_chars 0: every sentence is a chunk, and the trailing whitespace one becomes an empty chunk.
    cases.append(("Hi.", "One\u3002 Two\u3002 ", 480000, 24000, 1.0, None))
    for fix in (7.5, 30.0, 2.0):
        cases.append((REFS[0][0], GEN_TEXTS[-1], REFS[0][1], REFS[0][2], 1.0, fix))
        cases.append((REFS[0][0], GEN_TEXTS[0], REFS[0][1], REFS[0][2], 1.0, fix))
    out = []
    for (ref_text, gen_text, samples, rate, speed, fix) in cases:
        out.append({
            "ref_text": ref_text, "gen_text": gen_text, "source_samples": samples, "source_rate": rate,
            "speed": speed, "fix_duration": fix,
            "expected": plan(ref_text, gen_text, samples, rate, speed, fix),
        })
    return out


TRICKY = [
    "Hello, world!", "I am", "don't stop", 'He said: "yes"', "\u201cHi,\u201d she said", "x;y",
    "It's 3.14 and 1,000.", "v1.2-beta_3", "U.S.A.", "a_b a-b a.b", "a+b a#b a&b a@b", "50% 50%% x%y",
    "a-b%c", "-a a- .5 5.", "a--b a...b", "Wait... what", "foo@bar.com", "https://x.org/a?b=1&c=2", "10:30",
    "(hello)", "C++ and C# at AT&T", "music#1 abc++ WHAT&THE", "at&t", "a  b", "a\nbc", "\tab", "a\r\nb",
    "a\rb", "caf\u00e9 \u00fcber", "na\u00efve", "e\u0301te", "a\u2014b", "a \u2014 b", "wait\u2026what",
    "ok\U0001F600ok", "\U0001F44D\U0001F3FDx", "\uff28\uff45\uff4c\uff4c\uff4f ab", "ab\u00a0cd", "x \u3007 y",
    "\u3105ab", "", " ", "  lead and trail  ", "\x00\x01ab\x7f\x1bcd", "a\u2028b\u2029c", "\ufeffBOM",
    "AT&TAT&T", "C++C++", "c#c#", "x-", "-", "%", "a%%", "_a_", "a._b", "1.2.3.4", "\U0001F469\u200D\U0001F4BB hi",
    "\U0001F1EB\U0001F1F7 flag", "\u02bcx\u02bcyz", "\u00bfQu\u00e9?",
]

ALPHABET = (list("abcXYZ019 +#&._%-,;:'\"!?@/()=*") + ["AT&T", "C++", "c#", "\r\n", "\t", "\n", "\r"]
            + list("\u201c\u201d\u2018\u2019\u00e9\u00ef\u00df\u2014\u2026\u00a0\u3000\u3007\u3105\uff48\u0301\x01\x7f\u2028")
            + ["\U0001F600", "\U0001F3FD", "\u200D", "\uFE0F"])
WORDS = ["the", "state-of-the-art", "don't", "3.14", "1,000", "e-mail", "foo@bar.com", "C++", "naïve",
         "U.S.A.", "50%", "x86", "re-entry", "...", "--", "(hi)", "\u201cok\u201d", "AT&T", "caf\u00e9"]


def random_strings(seed, count):
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if i % 2:
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30))))
        else:
            seps = [" ", ", ", "; ", "-", "", "\n", ": ", "/", " \u2014 "]
            out.append("".join(rng.choice(WORDS) + rng.choice(seps) for _ in range(rng.randint(1, 8))))
    return out


def token_cases():
    cases = []
    for text in TRICKY + random_strings(20250, 1500):
        tokens = convert_char_to_pinyin([text])[0]
        ids = list_str_to_idx([tokens], VOCAB)[0].tolist() if tokens else []
        cases.append({"text": text, "tokens": tokens, "ids": ids})
    return cases


def crossfade_cases():
    rng = np.random.default_rng(7)
    cases = []
    # Short waves and short fades keep the file small; 0.15 s cases exercise the min() with the wave lengths.
    for lengths, duration in [((2, 2), 0.15), ((5, 3), 0.15), ((40, 40, 40), 0.001), ((50, 10, 30), 0.0005),
                              ((30, 20), 0.0), ((30, 20), -1.0), ((300, 400, 250), 0.01), ((3, 500, 2), 0.15)]:
        waves = [rng.uniform(-1, 1, n).astype(np.float32) for n in lengths]
        model = RecordingCFM()
        gen = U.infer_batch_process((noise(2048, 1), 24000), "Ref text.", ["chunk"] * len(waves), model,
                                    QueueVocoder(waves), progress=None, nfe_step=2,
                                    cross_fade_duration=duration, device="cpu")
        final = next(gen)[0]
        cases.append({"waves": [w.tolist() for w in waves], "duration": duration, "sample_rate": 24000,
                      "expected": final.tolist()})
    return cases


def write(name, cases):
    """A JSON array with one case per line, so regenerating shows reviewable diffs."""
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(case, ensure_ascii=False) for case in cases) + "\n]\n")


if __name__ == "__main__":
    write("tokens.json", token_cases())
    write("crossfade.json", crossfade_cases())
    write("plans.json", plan_cases())
