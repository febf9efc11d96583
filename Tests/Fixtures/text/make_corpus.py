"""Extends corpus.jsonl to 600 real English sentences from the READMEs and docs (*.md) of the Swift packages
mirrored under /opt/swift-packages (bare git repositories, read at HEAD; each line's source names the
repository, its commit and the file). The lines without a commit in their source were picked earlier from
package docs and /usr/share/doc and are kept as they are; the others are rewritten by this script.

Sentences that voice scripts can get wrong come first: markdown links, other bracketed words, runs of
dashes. Each repository gives a few (those, then plain ones) before the next, so that no single style of
writing dominates; repositories mirrored twice (owner spelled in two cases) count once.

    python3 Tests/Fixtures/text/make_corpus.py
    then make_corpus_plans.py (its docstring) for corpus_plans.json
"""
import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
MIRRORS = "/opt/swift-packages"
TARGET = 600
PER_FILE = 3


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def paragraphs(markdown):
    """Prose paragraphs: no code blocks, headings, tables, HTML, images or link definitions; list items
    are paragraphs of their own."""
    out, current, fenced = [], [], False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fenced = not fenced
            current and out.append(" ".join(current)); current = []
            continue
        skip = (fenced or not stripped or stripped.startswith(("#", "|", "<", "!", ">", "[!")) or line.startswith("    ")
                or re.match(r"^\[[^\]]+\]:\s", stripped) or re.fullmatch(r"[-=*_ ]+", stripped))
        item = re.match(r"^([-*+]|\d+\.)\s+", stripped)
        if skip or item:
            current and out.append(" ".join(current)); current = []
        if skip:
            continue
        current.append(stripped[item.end():] if item else stripped)
    current and out.append(" ".join(current))
    return out


def sentences(paragraph):
    for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\[\-])", paragraph):
        s = s.strip()
        if (40 <= len(s) <= 240 and re.match(r"[A-Z\[\-]", s) and s[-1] in ".!?" and len(s.split()) >= 6
                and not re.search(r"[{}|<>\\\t]|\*\*|__", s) and all(ord(c) < 0x3000 for c in s)
                and s.count("`") % 2 == 0 and s.count("[") == s.count("]") and s.count("(") == s.count(")")):
            yield s


def tricky(s):
    """A markdown link, another bracketed word, or a run of dashes."""
    return "[" in s or "--" in s or "\u2014" in s


def main():
    path = os.path.join(HERE, "corpus.jsonl")
    kept = [json.loads(line) for line in open(path, encoding="utf-8") if "@" not in json.loads(line)["source"]]
    seen = {entry["text"] for entry in kept}
    repos, commits = [], set()
    for owner in sorted(os.listdir(MIRRORS)):
        for name in sorted(os.listdir(os.path.join(MIRRORS, owner))):
            repo = os.path.join(MIRRORS, owner, name)
            commit = git(repo, "rev-parse", "HEAD").strip()
            if commit not in commits:
                commits.add(commit)
                repos.append((f"{owner}/{name[:-4]}", repo, commit))
    # Per repository: the candidates of each file, tricky ones first, at most PER_FILE a file.
    queues = []
    for label, repo, commit in repos:
        files = sorted(f for f in git(repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines() if f.lower().endswith(".md"))
        picked = []
        for name in files:
            text = git(repo, "show", f"HEAD:{name}")
            found = [s for p in paragraphs(text) for s in sentences(p)]
            found = sorted(dict.fromkeys(found), key=lambda s: not tricky(s))[:PER_FILE]
            picked += [{"text": s, "source": f"{label}@{commit[:8]}:{name}"} for s in found]
        queues.append(sorted(picked, key=lambda e: not tricky(e["text"])))
    added = []
    while len(kept) + len(added) < TARGET and any(queues):
        for queue in queues:
            while queue and len(kept) + len(added) < TARGET:
                entry = queue.pop(0)
                if entry["text"] not in seen:
                    seen.add(entry["text"])
                    added.append(entry)
                    break
    with open(path, "w", encoding="utf-8") as f:
        for entry in kept + added:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print(f"{len(kept)} kept, {len(added)} added, {sum(tricky(e['text']) for e in added)} with links, brackets or dashes")


if __name__ == "__main__":
    main()
