"""Writes the speech-editing fixtures with the real reference pipeline (run with the reference virtualenv made as in
bench/reference/README.md, from the repository root):

    venv/bin/python Tests/Fixtures/edit/make_edit_fixtures.py

What it does:
- Loads the tiny random-weight F5 model (vocabulary: f5_tts/infer/examples/vocab.txt) and Vocos exactly as
  make_speak_fixtures.py does (its own make_f5 / make_vocos, run into a temporary folder; the bundles they write
  are checked byte for byte against ../speak/models, so the torch modules hold what the runtime reads from those
  committed bundles).
- Edits ../speak/ref.wav (16 kHz mono, "The quick brown fox jumps.") by mirroring, step by step, the script-level
  code of F5-TTS's f5_tts/infer/speech_edit.py (f5-tts 1.1.22, which is a script, not a function):
  lines 138-146 (load, mean over channels, RMS boost to target_rms when quieter, resample to 24 kHz),
  150-153 (mel of the whole clean clip, permuted to [1, frames, 100]),
  157-195 (frame-level splice: round(seconds * 24000 / 256) for start, end and the part duration, kept mel frames
  + zero frames, edit_mask True for kept / False for edited frames, tail padded with True),
  198-204 (target text through convert_char_to_pinyin: the "pinyin" tokenizer branch of the script's default
  F5TTS_v1_Base config), 207 (duration = mel_cond frames),
  210-220 (the real CFM.sample with cond=mel_cond, edit_mask, steps, cfg_strength, sway_sampling_coef, seed),
  224-232 (float32, permute, vocoder.decode of the whole mel, loudness restored).
  The checkpoint / vocoder loading (lines 113-135) is replaced by the tiny bundles; saving png / wav is skipped.
  torchaudio.load is soundfile (as in make_speak_fixtures.py).
- Inside CFM.sample, torch.randn is recorded (the initial noise) and the first transformer forward records the
  token ids and frame count the model saw.
- Two cases: "replace" (one part, no fix_duration: the part keeps its own length) and "fixed" (two parts with
  fix_duration values that differ from the original part lengths). Per case edit.json holds the plan and numbers
  and three float32 .npy arrays: noise [frames, 100], final waveform [samples], generated mel [100, frames].

Versions used: f5-tts 1.1.22, torch 2.15.0, torchaudio 2.11.1, vocos 0.1.0, pydub 0.25.1, soundfile 0.14.0,
numpy 2.4.6 (Python 3.11).
"""
import filecmp
import hashlib
import json
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
SPEAK = os.path.join(FIXTURES, "speak")
sys.path.insert(0, SPEAK)
import make_speak_fixtures as speak  # noqa: E402  (also swaps torchaudio.load for soundfile)

from f5_tts.model import CFM  # noqa: E402
from f5_tts.model.utils import convert_char_to_pinyin, get_tokenizer  # noqa: E402

# speech_edit.py's settings, with the fixture's small step count and a fixed seed
NFE_STEP, CFG_STRENGTH, SWAY_SAMPLING_COEF, TARGET_RMS = 4, 2.0, -1.0, 0.1
TARGET_SAMPLE_RATE, HOP_LENGTH, N_MEL_CHANNELS = 24000, 256, 100
TOKENIZER = "pinyin"
AUDIO_TO_EDIT = "ref.wav"  # in ../speak
ORIGIN_TEXT = "The quick brown fox jumps."
CASES = {
    # "brown" -> "red"; 0.94 s -> frame 88 (88.125), 1.18 s -> frame 111 (110.625), while the part duration
    # 1.18 - 0.94 = 0.24 s -> 22.5 frames rounds to 22 (half to even): 23 frames out, 22 zero frames in.
    "replace": dict(target_text="The quick red fox jumps.", parts=[[0.94, 1.18]], fix_duration=None, seed=4242),
    # "quick" -> "slow" (0.24 s -> 0.4 s = 37.5 frames -> 38), "fox" -> "wolf" (0.32 s -> 0.88 s = 82.5 frames -> 82)
    "fixed": dict(target_text="The slow brown wolf jumps.", parts=[[0.6, 0.84], [1.24, 1.56]],
                  fix_duration=[0.4, 0.88], seed=777),
}


class EditRecordingCFM(CFM):
    """CFM whose sample() records the noise it draws and what the first transformer forward sees."""

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
                seen["step_cond_zero_frames"] = int((kw["cond"][0].abs().sum(-1) == 0).sum())
            return real_forward(*args, **kw)

        self.transformer.forward = recording_forward
        torch.randn = recording_randn
        try:
            out = super().sample(cond, text, duration, **kwargs)
        finally:
            torch.randn = real_randn
            del self.transformer.forward
        assert len(drawn) == 1 and drawn[0].shape == (seen["frames"], N_MEL_CHANNELS), [d.shape for d in drawn]
        self.calls.append(dict(noise=drawn[0].float().numpy(), **seen))
        return out


def load_models():
    models = os.path.join(SPEAK, "models")
    vocab_char_map, _ = get_tokenizer(speak.VOCAB_SOURCE, "custom")
    with tempfile.TemporaryDirectory() as tmp:
        cfm = speak.make_f5(tmp, vocab_char_map)
        vocoder = speak.make_vocos(tmp)
        for bundle in ("f5tts", "vocos"):
            names = sorted(os.listdir(os.path.join(models, bundle)))
            assert names == sorted(os.listdir(os.path.join(tmp, bundle))), bundle
            match, mismatch, errors = filecmp.cmpfiles(os.path.join(models, bundle), os.path.join(tmp, bundle),
                                                       names, shallow=False)
            assert not mismatch and not errors, (bundle, mismatch, errors)
    cfm.__class__ = EditRecordingCFM
    cfm.calls = []
    return cfm, vocoder


def runs(mask):
    """[[value (0/1), count], ...] of a 1-D boolean sequence."""
    out = []
    for v in (int(b) for b in mask):
        if out and out[-1][0] == v:
            out[-1][1] += 1
        else:
            out.append([v, 1])
    return out


def save(path, array):
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def edit(model, vocoder, case):
    parts_to_edit, fix_duration = case["parts"], case["fix_duration"]
    target_text, seed = case["target_text"], case["seed"]
    record = {}

    # speech_edit.py lines 138-146
    audio, sr = torchaudio.load(os.path.join(SPEAK, AUDIO_TO_EDIT))
    record["input_channels"], record["input_samples"], record["input_rate"] = audio.shape[0], audio.shape[-1], sr
    if audio.shape[0] > 1:
        audio = torch.mean(audio, dim=0, keepdim=True)
    rms = torch.sqrt(torch.mean(torch.square(audio)))
    if rms < TARGET_RMS:
        audio = audio * TARGET_RMS / rms
    if sr != TARGET_SAMPLE_RATE:
        resampler = torchaudio.transforms.Resample(sr, TARGET_SAMPLE_RATE)
        audio = resampler(audio)
    record["input_rms"], record["boosted"] = float(rms), bool(rms < TARGET_RMS)
    record["audio_samples_24k"] = int(audio.shape[-1])

    # lines 150-153
    with torch.inference_mode():
        original_mel = model.mel_spec(audio)
        original_mel = original_mel.permute(0, 2, 1)
    record["original_mel_frames"] = int(original_mel.shape[1])

    # lines 157-195
    offset_frame = 0
    mel_cond = torch.zeros(1, 0, N_MEL_CHANNELS)
    edit_mask = torch.zeros(1, 0, dtype=torch.bool)
    fix_dur_list = fix_duration.copy() if fix_duration is not None else None
    record["part_frames"] = []
    for part in parts_to_edit:
        start, end = part
        part_dur_sec = end - start if fix_dur_list is None else fix_dur_list.pop(0)
        start_frame = round(start * TARGET_SAMPLE_RATE / HOP_LENGTH)
        end_frame = round(end * TARGET_SAMPLE_RATE / HOP_LENGTH)
        part_dur_frames = round(part_dur_sec * TARGET_SAMPLE_RATE / HOP_LENGTH)
        keep_frames = start_frame - offset_frame
        mel_cond = torch.cat((mel_cond, original_mel[:, offset_frame:start_frame, :],
                              torch.zeros(1, part_dur_frames, N_MEL_CHANNELS)), dim=1)
        edit_mask = torch.cat((edit_mask, torch.ones(1, keep_frames, dtype=torch.bool),
                               torch.zeros(1, part_dur_frames, dtype=torch.bool)), dim=-1)
        record["part_frames"].append(dict(start=start, end=end, part_dur_sec=part_dur_sec, start_frame=start_frame,
                                          end_frame=end_frame, part_dur_frames=part_dur_frames,
                                          keep_frames=keep_frames))
        offset_frame = end_frame
    mel_cond = torch.cat((mel_cond, original_mel[:, offset_frame:, :]), dim=1)
    edit_mask = F.pad(edit_mask, (0, mel_cond.shape[1] - edit_mask.shape[-1]), value=True)
    record["tail_frames"] = int(original_mel.shape[1] - offset_frame)

    # lines 198-204
    text_list = [target_text]
    if TOKENIZER == "pinyin":
        final_text_list = convert_char_to_pinyin(text_list)
    else:
        final_text_list = [text_list]

    # line 207
    duration = mel_cond.shape[1]

    # lines 210-232
    model.calls = []
    with torch.inference_mode():
        generated, trajectory = model.sample(cond=mel_cond, text=final_text_list, duration=duration, steps=NFE_STEP,
                                             cfg_strength=CFG_STRENGTH, sway_sampling_coef=SWAY_SAMPLING_COEF,
                                             seed=seed, edit_mask=edit_mask)
        generated = generated.to(torch.float32)
        gen_mel_spec = generated.permute(0, 2, 1)
        generated_wave = vocoder.decode(gen_mel_spec).cpu()
        if rms < TARGET_RMS:
            generated_wave = generated_wave * rms / TARGET_RMS

    (call,) = model.calls
    mask = edit_mask[0].tolist()
    assert torch.equal(generated[0, : len(mask)][edit_mask[0]], mel_cond[0][edit_mask[0]])  # kept frames are exact
    record.update(
        final_text=final_text_list[0], cond_frames=int(mel_cond.shape[1]), duration_argument=int(duration),
        edit_mask_runs=runs(mask), edit_mask_frames=len(mask), token_ids=call["token_ids"], frames=call["frames"],
        step_cond_zero_frames=call["step_cond_zero_frames"], noise_sum=float(call["noise"].astype(np.float64).sum()),
        mel_frames=int(gen_mel_spec.shape[-1]), samples=int(generated_wave.shape[-1]),
    )
    return record, call["noise"], generated_wave[0].numpy().astype(np.float32), gen_mel_spec[0].numpy()


def main():
    torch.set_num_threads(1)
    model, vocoder = load_models()
    meta = {
        "generator": "make_edit_fixtures.py", "f5_tts": "1.1.22", "torch": torch.__version__,
        "torchaudio": torchaudio.__version__, "models": "../speak/models", "audio": "../speak/" + AUDIO_TO_EDIT,
        "origin_text": ORIGIN_TEXT,
        "settings": dict(nfe_step=NFE_STEP, cfg_strength=CFG_STRENGTH, sway_sampling_coef=SWAY_SAMPLING_COEF,
                         target_rms=TARGET_RMS, ode_method="euler", tokenizer=TOKENIZER,
                         target_sample_rate=TARGET_SAMPLE_RATE, hop_length=HOP_LENGTH),
        "cases": {},
    }
    for name, case in CASES.items():
        record, noise, wave, mel = edit(model, vocoder, case)
        files = {"noise": f"{name}.noise.npy", "wave": f"{name}.wave.npy", "mel": f"{name}.mel.npy"}
        save(os.path.join(HERE, files["noise"]), noise)
        save(os.path.join(HERE, files["wave"]), wave)
        save(os.path.join(HERE, files["mel"]), mel)
        entry = dict(target_text=case["target_text"], parts=case["parts"], fix_duration=case["fix_duration"],
                     seed=case["seed"], **record)
        entry.update(wave_rms=float(np.sqrt(np.mean(wave.astype(np.float64) ** 2))),
                     wave_max_abs=float(np.abs(wave).max()),
                     wave_sha256=hashlib.sha256(wave.astype("<f4").tobytes()).hexdigest(), files=files)
        meta["cases"][name] = entry
        print(name, "cond", record["cond_frames"], "frames", record["frames"], "mask", record["edit_mask_runs"],
              "samples", record["samples"], "max |x|", entry["wave_max_abs"])
    with open(os.path.join(HERE, "edit.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
