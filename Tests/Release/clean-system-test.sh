#!/usr/bin/env bash
# The release tarball on a clean Debian 12: the root filesystem of deploy/container/debian-rootfs.sh (minbase,
# libopenblas0 and libsndfile1, no Swift, no compiler), the tarball unpacked into "/opt/f5tts release" (a
# path with a space) and mounted read-only, `f5tts` on PATH as a symlink from /usr/local/bin. Through chroot,
# in a mount namespace of its own (so nothing stays mounted):
#  1. `f5tts --version` by the path with spaces and by the symlink; ldd finds every library;
#  2. `f5tts make-synthetic --preset tiny` and `f5tts demo` on it (no download): demo.wav and report.md;
#  3. `f5tts serve` on a free loopback port: the web page (the F5Server bundle), one speech request
#     answered with a 24 kHz WAV, then SIGTERM and exit status 0;
#  4. `f5tts batch` on 3 jobs (one in Chinese: the jieba and pypinyin data of the F5Text bundle): 3 outputs,
#     the summary says 3 ok.
# The build folder's resources are not inside the root, so every lookup is the tarball's own. Prints one
# PASS/FAIL/SKIP line (SKIP without root, unshare or Debian's mirror); exits non-zero on failure.
#
#   bash Tests/Release/clean-system-test.sh [dist/f5tts-VERSION-linux-x86_64.tar.gz]   # default: the newest in dist/
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
skip() { echo "SKIP clean-system test: $*"; exit 0; }
fail() { echo "FAIL clean-system test: $*"; exit 1; }
started=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

tarball=${1:-$(ls -t dist/f5tts-*-linux-x86_64.tar.gz 2>/dev/null | head -n 1)}
[ -f "$tarball" ] || fail "no release tarball in dist/: run bash .ci/release first"
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
name=$(basename "$tarball" .tar.gz)
version=${name#f5tts-}; version=${version%-linux-x86_64}
[ "$(id -u)" = 0 ] || skip "chroot and mounts need root"
command -v unshare >/dev/null || skip "no unshare (util-linux)"

# The test runs in a private mount namespace: its mounts are never seen outside it and end with it, so
# the folder is removed from out here, where it holds no mount (never /dev, /proc or the install).
if [ -z "${F5TTS_CLEAN_SYSTEM_WORK:-}" ]; then
  rootfs_status=0
  rootfs=$(bash deploy/container/debian-rootfs.sh) || rootfs_status=$?
  [ "$rootfs_status" = 3 ] && skip "no Debian 12 root filesystem (see deploy/container/debian-rootfs.sh's message above)"
  [ "$rootfs_status" = 0 ] || fail "deploy/container/debian-rootfs.sh failed"
  unshare --mount true 2>/dev/null || skip "unshare --mount is not allowed here"
  work=$(mktemp -d /tmp/f5tts-clean.XXXXXX)
  status=0
  F5TTS_CLEAN_SYSTEM_WORK=$work F5TTS_CLEAN_SYSTEM_ROOTFS=$rootfs unshare --mount --propagation private bash "$0" "$tarball" || status=$?
  if [ "$status" = 0 ]; then rm -rf --one-file-system "$work"; else echo "(root kept in $work)" >&2; fi
  exit "$status"
fi
work=$F5TTS_CLEAN_SYSTEM_WORK
rootfs=$F5TTS_CLEAN_SYSTEM_ROOTFS
server=""
# The server, if a check failed while it ran.
trap '[ -z "$server" ] || kill -9 "$server" 2>/dev/null || true' EXIT

root=$work/root
mkdir "$root"
tar -xf "$rootfs" -C "$root"
for tool in swift swiftc gcc cc curl; do
  [ ! -e "$root/usr/bin/$tool" ] || fail "the clean root has $tool"
done
install="/opt/f5tts release"
mkdir -p "$root$install"
tar -xzf "$tarball" -C "$root$install"
binary="$install/$name/bin/f5tts"
[ -x "$root$binary" ] || fail "no bin/f5tts in $name"
ln -s "$binary" "$root/usr/local/bin/f5tts"
mount --bind "$root$install" "$root$install"
mount -o remount,bind,ro "$root$install"
touch "$root$install/probe" 2>/dev/null && fail "the install folder is not read-only"
mount -t proc proc "$root/proc"  # Bundle.main is found from /proc/self/exe; /dev is the root's own
[ -c "$root/dev/null" ] && [ -c "$root/dev/urandom" ] || fail "the root filesystem has no /dev/null or /dev/urandom"
mkdir -p "$root/work"
cp Tests/Fixtures/speak/ref.wav "$root/work/ref.wav"

# A command inside the clean root, with a bare environment and the model cache in /work (an array, not a
# function, so that a command started in the background is the process itself).
inroot=(chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root F5TTS_CACHE=/work/cache)

# 1. The binary starts, by either path, and every library it needs is there.
[ "$("${inroot[@]}" "$binary" --version)" = "$version" ] || fail "$binary --version: $("${inroot[@]}" "$binary" --version 2>&1)"
[ "$("${inroot[@]}" f5tts --version)" = "$version" ] || fail "f5tts --version through the symlink: $("${inroot[@]}" f5tts --version 2>&1)"
"${inroot[@]}" ldd /usr/local/bin/f5tts >"$work/ldd.txt" 2>&1 || fail "ldd: $(cat "$work/ldd.txt")"
! grep -q "not found" "$work/ldd.txt" || fail "missing libraries: $(grep "not found" "$work/ldd.txt")"

# 2. The tiny synthetic model and the demo on it.
t=$(date +%s.%N)
timeout 120 "${inroot[@]}" f5tts make-synthetic --preset tiny --out /work/tiny >"$work/make.log" 2>&1 \
  || fail "make-synthetic: $(tail -n 5 "$work/make.log")"
timeout 300 "${inroot[@]}" f5tts demo --model /work/tiny --steps 2 --out /work/demo >"$work/demo.log" 2>&1 \
  || fail "demo: $(tail -n 5 "$work/demo.log")"
for file in demo.wav report.md report.json; do [ -s "$root/work/demo/$file" ] || fail "demo wrote no $file"; done
[ "$(head -c 4 "$root/work/demo/demo.wav")" = RIFF ] || fail "demo.wav is not a WAV file"
demo_seconds=$(elapsed "$t")

# 3. The server: the page, one speech request, SIGTERM.
t=$(date +%s.%N)
mkdir -p "$root/work/voices"
"${inroot[@]}" f5tts serve --model /work/tiny --port 0 --voices-dir /work/voices >"$work/serve.log" 2>&1 &
server=$!
port=""
for _ in $(seq 600); do
  port=$(sed -nE 's#.*listening on http://127\.0\.0\.1:([0-9]+).*#\1#p' "$work/serve.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || fail "serve exited: $(tail -n 5 "$work/serve.log")"
  sleep 0.1
done
[ -n "$port" ] || fail "serve printed no ready line in 60 s: $(tail -n 5 "$work/serve.log")"
page=$(curl -s --max-time 30 "http://127.0.0.1:$port/") || fail "GET / failed"
grep -q "<html" <<<"$page" || fail "GET / is not the web page: ${page:0:200}"
status=$(curl -s --max-time 120 -o "$work/speech.wav" -w '%{http_code}' "http://127.0.0.1:$port/v1/audio/speech" \
  -H "Content-Type: application/json" \
  -d '{"model": "tts-1", "input": "Hello from a clean system.", "voice": "alloy", "response_format": "wav", "nfe_step": 2}') \
  || fail "the speech request failed"
[ "$status" = 200 ] || fail "speech: HTTP $status: $(head -c 300 "$work/speech.wav")"
[ "$(head -c 4 "$work/speech.wav")" = RIFF ] || fail "the speech reply is not a WAV file"
rate=$(od -An -tu4 -j24 -N4 "$work/speech.wav" | tr -d ' ')
[ "$rate" = 24000 ] || fail "speech sample rate $rate, not 24000"
kill -TERM "$server"
serve_status=0
timeout 60 tail --pid="$server" -f /dev/null || fail "serve did not stop within 60 s of SIGTERM"
wait "$server" || serve_status=$?
server=""
[ "$serve_status" = 0 ] || fail "serve exited $serve_status after SIGTERM: $(tail -n 5 "$work/serve.log")"
serve_seconds=$(elapsed "$t")

# 4. A batch of 3 jobs.
t=$(date +%s.%N)
cat >"$root/work/jobs.jsonl" <<'EOF'
{"id": "one", "text": "The first sentence of the clean system test.", "ref_audio": "ref.wav", "ref_text": "The quick brown fox jumps"}
{"id": "two", "text": "And the second one.", "ref_audio": "ref.wav", "ref_text": "The quick brown fox jumps"}
{"id": "three", "text": "你好，世界。今天天气很好。", "ref_audio": "ref.wav", "ref_text": "The quick brown fox jumps"}
EOF
timeout 300 "${inroot[@]}" f5tts batch /work/jobs.jsonl --out /work/out --model /work/tiny --steps 2 >"$work/batch.log" 2>&1 \
  || fail "batch: $(tail -n 5 "$work/batch.log")"
for id in one two three; do [ "$(head -c 4 "$root/work/out/$id.wav" 2>/dev/null)" = RIFF ] || fail "batch wrote no $id.wav"; done
summary=$("${inroot[@]}" f5tts batch --summary /work/out) || fail "batch --summary: $summary"
grep -q '^3 job(s): 3 ok, 0 failed' <<<"$summary" || fail "summary: $(head -n 1 <<<"$summary")"
batch_seconds=$(elapsed "$t")

echo "PASS clean-system test: f5tts $version from \"$install\" (read-only, through a symlink) on Debian 12 with" \
  "$(grep -c '=>' "$work/ldd.txt") libraries, no Swift, in $(elapsed "$started") s" \
  "(demo ${demo_seconds} s, serve ${serve_seconds} s, batch of 3 ${batch_seconds} s)"
