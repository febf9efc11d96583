"""Writes corpus_plans.json: how F5-TTS 1.1.22's infer_process plans each sentence of corpus.jsonl (real-world
English sentences from package READMEs and docs, picked by make_corpus.py: markdown links, bracketed words
such as [sswg] or [mdznr], runs of dashes), with the reference clip's length and transcript below.

The planning is the real reference code, taken from the installed package without importing its heavy
modules (torch, torchaudio, vocos, transformers): the source of `infer_process` and `chunk_text`
(f5_tts/infer/utils_infer.py) and of `convert_char_to_pinyin` (f5_tts/model/utils.py) is compiled on its own
and run with rjieba and pypinyin. `torchaudio.load` is replaced by the clip's length and
`infer_batch_process` by a recorder of the text batches it is handed; for each batch the recorder does
what infer_batch_process does to the text (another space after a transcript ending in a one-byte character,
`convert_char_to_pinyin([ref_text + gen_text])`) and maps tokens to ids as `list_str_to_idx` does.
Frame counts are not recorded here: plans.json checks the duration rule against the real CFM.sample.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install --no-deps f5-tts==1.1.22 rjieba==0.2.2 pypinyin==0.55.0
    /tmp/venv/bin/python Tests/Fixtures/text/make_corpus_plans.py
"""
import ast
import json
import os
import re
import sys
import importlib.util

import rjieba
from pypinyin import Style, lazy_pinyin

HERE = os.path.dirname(os.path.abspath(__file__))
REF_TEXT = "Some call me nature, others call me mother nature."
REF_SAMPLES = 120000  # 5 s at 24 kHz: max_chars = int(51 / 5 * 17) = 173, so long sentences make two chunks
SAMPLE_RATE = 24000


def functions(module, names, namespace):
    """Compiles the named top-level functions of an installed f5_tts module into `namespace`."""
    path = importlib.util.find_spec("f5_tts").submodule_search_locations[0]
    source = open(os.path.join(path, *module.split("/")) + ".py", encoding="utf-8").read()
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            # Keyword defaults name module globals (model settings, the device); planning uses none of them.
            node.args.defaults = [ast.copy_location(ast.Constant(None), d) for d in node.args.defaults]
            exec(compile(ast.Module([node], []), module, "exec"), namespace)


class Audio:
    shape = (1, REF_SAMPLES)


def main():
    vocab = {line.rstrip("\n"): i for i, line in enumerate(
        open(os.path.join(HERE, "..", "..", "..", "Sources", "F5Text", "Resources", "vocab.txt"), encoding="utf-8"))}
    namespace = {"re": re, "rjieba": rjieba, "lazy_pinyin": lazy_pinyin, "Style": Style, "print": lambda *a: None}
    functions("model/utils", {"convert_char_to_pinyin"}, namespace)
    functions("infer/utils_infer", {"chunk_text", "infer_process"}, namespace)
    recorded = []

    def infer_batch_process(ref_audio, ref_text, gen_text_batches, *args, **kwargs):
        if len(ref_text[-1].encode("utf-8")) == 1:
            ref_text = ref_text + " "
        chunks = []
        for gen_text in gen_text_batches:
            tokens = namespace["convert_char_to_pinyin"]([ref_text + gen_text])[0]
            chunks.append({"text": gen_text, "token_ids": [vocab.get(c, 0) for c in tokens]})
        recorded.append(chunks)
        yield None

    namespace["infer_batch_process"] = infer_batch_process
    namespace["torchaudio"] = type("torchaudio", (), {"load": staticmethod(lambda path: (Audio(), SAMPLE_RATE))})
    cases = []
    for line in open(os.path.join(HERE, "corpus.jsonl"), encoding="utf-8"):
        entry = json.loads(line)
        recorded.clear()
        # The transcript as preprocess_ref_audio_text hands it on (its sentence-end rule: a final "." gets a
        # space); the rest of that function is audio work.
        namespace["infer_process"]("ref.wav", REF_TEXT + " ", entry["text"], None, None, show_info=lambda *a: None, speed=1.0)
        cases.append({"text": entry["text"], "chunks": recorded[0]})
    header = json.dumps({"ref_text": REF_TEXT, "ref_samples": REF_SAMPLES, "sample_rate": SAMPLE_RATE}, ensure_ascii=False)
    with open(os.path.join(HERE, "corpus_plans.json"), "w", encoding="utf-8") as f:
        # One case per line, so a diff shows which sentence changed.
        f.write(header[:-1] + ', "cases": [\n' + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]}\n")
    print(f"{len(cases)} sentences, {sum(len(c['chunks']) for c in cases)} chunks")


if __name__ == "__main__":
    sys.exit(main())
