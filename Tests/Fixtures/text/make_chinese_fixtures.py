"""Writes the Chinese F5Text fixtures from the real packages (run with the reference virtualenv):

    pip install f5-tts==1.1.22 rjieba==0.2.2 pypinyin==0.55.0 jieba==0.42.1
    venv/bin/python Tests/Fixtures/text/make_chinese_fixtures.py

- chinese_tokens.tsv: text TAB its convert_char_to_pinyin tokens joined by "|" (texts hold no tab, newline
  or "|"), for jieba 0.42.1's test sentences (test/test.py of its sdist) and generated sentences: dictionary
  words, traditional characters, full-width ASCII, digits, rare characters, mixed Chinese/English.
- jieba_units.json: rjieba.cut segments; the DAG and route of jieba 0.42.1 (`get_DAG`, `calc`) with the
  total jieba-rs uses (a word listed twice counts once); finalseg's Viterbi labels with the emissions rounded
  to 6 decimals as jieba-rs stores them.
- pinyin_units.json: lazy_pinyin(word, TONE3) with and without tone_sandhi for sandhi cases.
- chinese_plans.json: infer_process plans (chunks, ids, frames) for Chinese texts, as plans.json.
"""
import glob
import json
import math
import os
import random
import re
import subprocess
import sys
import tarfile
import tempfile

import jieba
import jieba.finalseg as finalseg
import pypinyin
import rjieba
from importlib.metadata import version
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from f5_tts.model.utils import convert_char_to_pinyin

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_text_fixtures import plan  # noqa: E402  (the reference pipeline with a recording model)

for package, pinned in [("f5-tts", "1.1.22"), ("rjieba", "0.2.2"), ("pypinyin", "0.55.0"), ("jieba", "0.42.1")]:
    assert version(package) == pinned, (package, version(package))

rng = random.Random(15)
jieba.setLogLevel(60)
jieba.initialize()
WORDS = [line.split()[0] for line in open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8")]
FREQ = {}
for line in open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8"):
    w, f = line.split()[:2]
    FREQ[w] = int(f)
COMMON = sorted(FREQ, key=lambda w: -FREQ[w])[:20000]
HMM_CHARS = sorted(set().union(*finalseg.emit_P.values()))
PUNCT = list("，。！？、；：“”‘’（）《》—…·") + [",", ".", "!", "?", ";", ":", " ", "  "]
ENGLISH = ["Hello", "world", "iPhone", "Python", "C++", "C#", "AT&T", "COVID-19", "e-mail", "3D", "MP3", "T", "B",
           "IP", "x86", "v1.2-beta", "U.S.A", "OK", "Wi-Fi", "GPU", "AI", "NBA", "USB", "A", "KTV", "vs", "50%"]
MIXED_WORDS = [w for w in WORDS if re.search(r"[A-Za-z0-9]", w)]


def jieba_test_sentences():
    """The sentences jieba's own test/test.py cuts (the sdist is the only place they ship)."""
    folder = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                    "-d", folder, "jieba==0.42.1"], check=True)
    with tarfile.open(glob.glob(os.path.join(folder, "jieba-*.tar.gz"))[0]) as tar:
        source = tar.extractfile("jieba-0.42.1/test/test.py").read().decode("utf-8")
    return [eval(s) for s in re.findall(r'cuttest\(("(?:[^"\\]|\\.)*")\)', source)]


def sentence(pick, words=(3, 9)):
    out = ""
    for _ in range(rng.randint(*words)):
        out += pick()
        if rng.random() < 0.25:
            out += rng.choice(PUNCT)
    return out + rng.choice(["。", "！", "？", "", "."])


def is_traditional(c):
    try:
        c.encode("gb2312")
        return False
    except UnicodeEncodeError:
        try:
            c.encode("big5")
            return True
        except UnicodeEncodeError:
            return False


TRAD_WORDS = [w for w in WORDS if any(is_traditional(c) for c in w)]
TRAD_CHARS = sorted({c for w in TRAD_WORDS for c in w if is_traditional(c)})
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
RARE = ([chr(c) for c in range(0x3400, 0x4DC0, 7)] + [chr(c) for c in range(0x9FD0, 0xA000)]
        + [chr(c) for c in range(0xF900, 0xFB00, 5)] + [chr(c) for c in range(0x20000, 0x20200, 9)]
        + ["〇", "\ue815", "\ue830", "ㄅ", "ㄆ", "㈠", "䷀", "ぁ", "カ", "한", "　", "〃", "々", "〆", "゛"])


def generated_sentences():
    out = []
    out += [sentence(lambda: rng.choice(COMMON)) for _ in range(1800)]
    out += [sentence(lambda: rng.choice(WORDS)) for _ in range(800)]
    out += [sentence(lambda: rng.choice(TRAD_WORDS) if rng.random() < 0.7 else rng.choice(TRAD_CHARS))
            for _ in range(500)]
    for _ in range(300):
        s = sentence(lambda: rng.choice(COMMON) if rng.random() < 0.6 else rng.choice(ENGLISH + ["2024", "5", "100"]))
        out.append("".join(FULL_WIDTH.get(c, c) if rng.random() < 0.8 else c for c in s))
    numbers = lambda: rng.choice([str(rng.randint(0, 99999)), f"{rng.randint(0, 99)}.{rng.randint(0, 99)}",
                                  f"{rng.randint(0, 100)}%", f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                                  f"{rng.randint(1900, 2030)}年", f"第{rng.randint(1, 9)}", "一二三", "〇",
                                  f"{rng.randint(0, 23)}:{rng.randint(10, 59)}", f"{rng.randint(1, 9)},000"])
    out += [sentence(lambda: numbers() if rng.random() < 0.4 else rng.choice(COMMON)) for _ in range(400)]
    out += [sentence(lambda: rng.choice(RARE) + (rng.choice(RARE) if rng.random() < 0.5 else "")
                     if rng.random() < 0.5 else rng.choice(COMMON)) for _ in range(500)]
    mixed = lambda: rng.choice(ENGLISH) + rng.choice(["", " "]) if rng.random() < 0.3 else (
        rng.choice(MIXED_WORDS) if rng.random() < 0.3 else rng.choice(COMMON))
    out += [sentence(mixed) for _ in range(600)]
    hmm = lambda: "".join(rng.choice(HMM_CHARS[:6000]) for _ in range(rng.randint(1, 6)))
    out += [sentence(hmm, (1, 5)) for _ in range(500)]
    sandhi = lambda: rng.choice(["一", "不", "一个", "不是", "一样", "不好", "我很好", "你好", "展览馆", "一一",
                                 "看一看", "一百一十一", "了不起", "对不对", "老鼠", "保管好", "小老虎"]) \
        if rng.random() < 0.4 else rng.choice(COMMON)
    out += [sentence(sandhi) for _ in range(400)]
    return out


def token_lines(texts):
    lines = []
    for text in texts:
        assert not re.search(r"[\t\n\r|]", text), repr(text)
        tokens = convert_char_to_pinyin([text])[0]
        assert all("|" not in t and "\t" not in t for t in tokens)
        lines.append(text + "\t" + "|".join(tokens))
    return lines


def jieba_rs_total():
    return sum(FREQ.values())


def unit_cases(texts):
    dt = jieba.dt
    dt.total = jieba_rs_total()
    logtotal = math.log(dt.total)
    cuts = [{"text": t, "segments": rjieba.cut(t)} for t in texts]
    routes = []
    for t in texts:
        for run in re.findall(r"[\u4e00-\u9fd5]{2,}", t)[:2]:
            dag = dt.get_DAG(run)
            route = {}
            dt.calc(run, dag, route)
            routes.append({"text": run, "dag": [[x + 1 for x in dag[i]] for i in range(len(run))],
                           "route": [[route[i][0], route[i][1] + 1] for i in range(len(run))]})
    emit = {s: {c: float("%f" % p) for c, p in table.items()} for s, table in finalseg.emit_P.items()}
    viterbi = []
    for t in texts:
        for run in re.findall(r"[\u4e00-\u9fd5]{2,}", t)[:2]:
            _, path = finalseg.viterbi(run, "BMES", finalseg.start_P, finalseg.trans_P, emit)
            viterbi.append({"text": run, "labels": "".join(path)})
    assert logtotal == math.log(dt.total)
    return {"cuts": cuts, "routes": routes, "viterbi": viterbi}


def pinyin_cases():
    words = ["一", "不", "一定", "一天", "一起", "一一", "看一看", "一共一百一十一个", "一些", "一会儿", "不对", "不是",
             "对不对", "不好", "不要", "了不起", "差不多", "你好", "很好", "我很好", "展览馆", "老鼠", "水果", "保管好",
             "小老虎", "好好", "所以", "洗脸", "一不小心", "一不做二不休", "不一样", "一本", "绿色", "女儿", "嗯", "呣",
             "〇", "你们好吗", "我也想买五把雨伞", "哪里", "厂长", "Ｆ５模型", "コンピュータ和电脑", "鿰", "\ue815"]
    phrases = sorted(PHRASES_DICT)
    words += rng.sample([p for p in phrases if "一" in p or "不" in p], 200)
    three = [p for p in phrases if sum("3" in s for s in lazy_pinyin(p, style=Style.TONE3)) >= 2]
    words += rng.sample(three, 200)
    return [{"text": w, "sandhi": lazy_pinyin(w, style=Style.TONE3, tone_sandhi=True),
             "plain": lazy_pinyin(w, style=Style.TONE3)} for w in words]


def plan_cases():
    gen_texts = [
        "你好，世界！",
        "这是一个很长的句子，我们用它来测试分块；每一块都不能太长。第二句话在这里：它也有标点！第三句呢？",
        "F5-TTS 是一个语音合成模型，它支持中文和English混合的文本，例如iPhone手机和C++语言。",
        "繁體中文的句子也應該被正確地處理，對不對？",
        "今天是2024年3月5日，气温25.5度，湿度60%。",
        "一二三四五，上山打老虎；老虎不在家，打到小松鼠。" * 4,
    ]
    refs = [("对，这就是我，万人敬仰的太乙真人。", 120000, 24000), ("Some call me nature, others call me mother nature.", 120000, 24000)]
    out = []
    for ref_text, samples, rate in refs:
        for gen_text in gen_texts:
            for speed, fix in ((1.0, None), (1.3, None), (1.0, 12.0)):
                out.append({"ref_text": ref_text, "gen_text": gen_text, "source_samples": samples,
                            "source_rate": rate, "speed": speed, "fix_duration": fix,
                            "expected": plan(ref_text, gen_text, samples, rate, speed, fix)})
    return out


def write_json(name, value):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    tests = jieba_test_sentences()
    texts = list(dict.fromkeys(tests + generated_sentences()))
    with open(os.path.join(HERE, "chinese_tokens.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in token_lines(texts))
    write_json("jieba_units.json", unit_cases(tests + texts[len(tests):len(tests) + 60]))
    write_json("pinyin_units.json", pinyin_cases())
    write_json("chinese_plans.json", plan_cases())
