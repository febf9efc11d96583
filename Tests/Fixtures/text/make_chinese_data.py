"""Converts the MIT-licensed Chinese data F5-TTS reads through into the files F5Text ships under
Sources/F5Text/Resources/zh (run with the reference virtualenv):

    pip install jieba==0.42.1 pypinyin==0.55.0     # plus rjieba==0.2.2 and f5-tts==1.1.22 for the fixtures
    venv/bin/python Tests/Fixtures/text/make_chinese_data.py

F5-TTS 1.1.22 segments with rjieba 0.2.2 (jieba-rs 0.11.0), whose dictionary is jieba 0.42.1's dict.txt and
whose HMM is jieba's finalseg model with the emission log-probabilities written to 6 decimals
(jieba-rs jieba-macros/src/hmm.model); readings come from pypinyin 0.55.0.

- jieba_dict.txt      word TAB frequency, sorted by UTF-8 bytes; a word listed twice keeps its last
                      frequency (jieba-rs load_dict replaces it), POS tags dropped.
- jieba_hmm.txt       line 1: start log-probabilities of B E M S; lines 2-5: transitions from B E M S to
                      B E M S; then one line per character: char TAB emission for B E M S ("-3.14e+100" absent).
- pinyin_chars.txt    char TAB first reading in TONE3 (pypinyin PINYIN_DICT), BMP code points only: F5
                      never asks pypinyin about a 4-byte character.
- pinyin_phrases.txt  phrase TAB first readings in TONE3 separated by spaces (PHRASES_DICT), sorted by bytes.
"""
import glob
import json
import os
import pickle

import jieba
import pypinyin
from pypinyin import Style, lazy_pinyin
from pypinyin.contrib.tone_convert import to_tone3

assert jieba.__version__ == "0.42.1", jieba.__version__
assert pypinyin.__version__ == "0.55.0", pypinyin.__version__

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "..", "Sources", "F5Text", "Resources", "zh")
JIEBA = os.path.dirname(jieba.__file__)
PYPINYIN = os.path.dirname(pypinyin.__file__)
MIN_FLOAT = -3.14e100
STATES = "BEMS"


def utf8_sorted(items):
    return sorted(items, key=lambda kv: kv[0].encode("utf-8"))


def write_lines(name, lines):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in lines)


def jieba_dict():
    freq = {}
    with open(os.path.join(JIEBA, "dict.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts:
                freq[parts[0]] = int(parts[1])
    write_lines("jieba_dict.txt", [f"{w}\t{n}" for w, n in utf8_sorted(freq.items())])


def jieba_hmm():
    load = lambda name: pickle.load(open(os.path.join(JIEBA, "finalseg", name), "rb"))
    start, trans, emit = load("prob_start.p"), load("prob_trans.p"), load("prob_emit.p")
    lines = [" ".join(repr(start[s]) for s in STATES)]
    lines += [" ".join(repr(trans[a].get(b, MIN_FLOAT)) for b in STATES) for a in STATES]
    chars = sorted(set().union(*(emit[s] for s in STATES)))
    # jieba-rs stores emissions with 6 decimals ("%f"); rjieba's Viterbi runs on those values.
    for c in chars:
        values = [repr(float("%f" % emit[s][c])) if c in emit[s] else repr(MIN_FLOAT) for s in STATES]
        lines.append(c + "\t" + " ".join(values))
    write_lines("jieba_hmm.txt", lines)


def pinyin_chars():
    table = json.load(open(os.path.join(PYPINYIN, "pinyin_dict.json"), encoding="utf-8"))
    lines = []
    for code in sorted(int(k) for k in table):
        if code > 0xFFFF:
            continue
        reading = to_tone3(table[str(code)].split(",")[0])
        # The conversion must be what lazy_pinyin does to a lone character (no single-character phrases exist).
        assert [reading] == lazy_pinyin(chr(code), style=Style.TONE3), (hex(code), reading)
        lines.append(f"{chr(code)}\t{reading}")
    write_lines("pinyin_chars.txt", lines)


def pinyin_phrases():
    table = json.load(open(os.path.join(PYPINYIN, "phrases_dict.json"), encoding="utf-8"))
    rows = []
    for phrase, readings in table.items():
        assert len(phrase) > 1 and len(readings) == len(phrase), phrase
        rows.append((phrase, " ".join(to_tone3(r[0]) for r in readings)))
    write_lines("pinyin_phrases.txt", [f"{p}\t{r}" for p, r in utf8_sorted(rows)])


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    jieba_dict()
    jieba_hmm()
    pinyin_chars()
    pinyin_phrases()
