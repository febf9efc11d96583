#!/usr/bin/env bash
# f5tts batch against f5tts speak on the same texts: the real-time factor of batch (model loaded once,
# each voice prepared once) next to speak's with its load and reference preparation left out.
# Run from the repository's root. Usage: bench/batch-vs-speak.sh [F5TTS_BINARY] [MODEL] [JOBS] [STEPS]
set -euo pipefail
f5tts=${1:-.build/release/f5tts}
model=${2:-$HOME/.cache/f5tts/synthetic-base-seed0}
count=${3:-64}
steps=${4:-8}
every=${5:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sentences=("The morning train was late again." "A small dog watched the pigeons in the park."
           "When the doors opened, the crowd moved in." "The city slowly woke up under a grey sky.")
for i in $(seq 0 $((count - 1))); do
  printf '{"id": "job-%03d", "text": "%s", "voice": "clip", "seed": %d}\n' "$i" "${sentences[$((i % 4))]}" "$i"
done > "$work/jobs.jsonl"
mkdir -p "$work/voices"
# One stored voice, read by both commands: the test suite's reference clip.
cp Tests/Fixtures/speak/ref.wav "$work/voices/clip.wav"
echo "The quick brown fox jumps" > "$work/voices/clip.txt"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; steps $steps; $count jobs"
SECONDS=0
"$f5tts" batch "$work/jobs.jsonl" --out "$work/out" --voices-dir "$work/voices" --model "$model" --steps "$steps" 2>"$work/batch.log" \
  || { cat "$work/batch.log"; exit 1; }
echo "batch wall time: ${SECONDS} s (model load included)"
python3 - "$work" "$f5tts" "$model" "$steps" "$every" <<'PY'
import json, re, subprocess, sys, glob
work, f5tts, model, steps, every = sys.argv[1:6]
records = {r["id"]: r for r in (json.load(open(p)) for p in glob.glob(f"{work}/out/.f5tts-batch/records/*.json"))}
jobs = [json.loads(l) for l in open(f"{work}/jobs.jsonl")][::int(every)]
all_rtf = sum(r["seconds"] for r in records.values()) / sum(r["audio_seconds"] for r in records.values())
batch_seconds = sum(records[j["id"]]["seconds"] for j in jobs); audio = sum(records[j["id"]]["audio_seconds"] for j in jobs)
spent = spoken = 0.0
for job in jobs:
    run = subprocess.run([f5tts, "speak", "--model", model, "--ref-audio", f"{work}/voices/clip.wav",
                          "--ref-text", open(f"{work}/voices/clip.txt").read().strip(), "--text", job["text"],
                          "--seed", str(job["seed"]), "--steps", steps, "--output", f"{work}/speak.wav", "--verbose"],
                         capture_output=True, text=True, check=True)
    line = re.search(r"text ([0-9.]+) s, reference ([0-9.]+) s, preparation ([0-9.]+) s, (\d+) steps at ([0-9.]+) s, vocoder ([0-9.]+) s, total ([0-9.]+) s for ([0-9.]+) s of audio", run.stderr)
    load = float(re.search(r"load ([0-9.]+) s", run.stderr).group(1))
    reference, total, seconds = float(line.group(2)), float(line.group(7)), float(line.group(8))
    spent += total - load - reference; spoken += seconds
print(f"batch: all {len(records)} jobs RTF {all_rtf:.3f}; the {len(jobs)} also spoken: {audio:.1f} s of audio in {batch_seconds:.1f} s: RTF {batch_seconds / audio:.3f}")
print(f"speak: {len(jobs)} runs, {spoken:.1f} s of audio in {spent:.1f} s without load and reference: RTF {spent / spoken:.3f}")
print(f"batch / speak RTF: {(batch_seconds / audio) / (spent / spoken):.3f}")
PY
