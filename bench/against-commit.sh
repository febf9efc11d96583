#!/usr/bin/env bash
# Per-step time and whole `speak` process time of two f5tts builds, run alternately in one session so
# that both see the same machine load: typically a build of an earlier commit against the current one.
#
#   bench/against-commit.sh OLD_F5TTS NEW_F5TTS [MODEL] [ROUNDS] [FRAMES] [STEPS]
#
# MODEL defaults to the full-size synthetic model (`f5tts bench` creates it in ~/.cache/f5tts); each
# round runs `f5tts bench --backends direct` (N = FRAMES, STEPS steps, CFG 2) and one whole `f5tts speak`
# process (a paragraph of ~10 s after the repository's 2.65 s test clip) with each binary. Prints the
# medians and new / old. Run it from the repository's root.
set -euo pipefail
old=${1:?old f5tts binary}; new=${2:?new f5tts binary}
model=${3:-$HOME/.cache/f5tts/synthetic-base-seed0}; rounds=${4:-2}; frames=${5:-1212}; steps=${6:-8}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
text="The quick brown fox jumps over the lazy dog, and then it runs far away into the forest where nobody can find it again."
ref=Tests/Fixtures/speak/ref.wav ref_text="The quick brown fox jumps"
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for round in $(seq "$rounds"); do
  for which in old new; do
    bin=${!which}
    "$bin" bench --model "$model" --backends direct --frames "$frames" --steps "$steps" --repeats 1 --out "$work/$which" > /dev/null
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['medianStepSeconds'])" "$work/$which/report.json" >> "$work/$which.step"
    start=$(date +%s.%N)
    "$bin" speak --model "$model" --ref-audio "$ref" --ref-text "$ref_text" --backend direct --steps "$steps" --seed 1 \
      --text "$text" --output "$work/$which.wav" 2> /dev/null
    python3 -c "import sys; print(float(sys.argv[1]) - float(sys.argv[2]))" "$(date +%s.%N)" "$start" >> "$work/$which.speak"
    echo "round $round $which: $(tail -1 "$work/$which.step") s/step, speak $(tail -1 "$work/$which.speak") s" >&2
  done
done
old_step=$(median < "$work/old.step"); new_step=$(median < "$work/new.step")
old_speak=$(median < "$work/old.speak"); new_speak=$(median < "$work/new.speak")
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "$1" "$2"; }
echo "per step (N = $frames, $steps steps, direct): old $old_step s, new $new_step s, new / old $(ratio "$new_step" "$old_step")"
echo "speak process: old $old_speak s, new $new_speak s, new / old $(ratio "$new_speak" "$old_speak")"
