#!/usr/bin/env bash
# The container image with podman: built by deploy/container/build-image.sh from the release tarball (no
# registry), then
#  1. its configuration (non-root user, volumes, port, command, health check); its size is printed;
#  2. the default command, `serve --host 0.0.0.0`, with the tiny fixture model mounted where `f5tts download`
#     would put the release (/models/f5tts-4bit-distill): the image's HEALTHCHECK passes, /health, one
#     speech request answered with a 24 kHz WAV over a published loopback port;
#  3. `batch` over a mounted folder of 3 jobs: 3 outputs written there, the summary says 3 ok;
#  4. SIGTERM while a request is in flight (/health says busy): the request completes with the whole clip,
#     then the container exits 0.
# podman runs with runc and a CONTAINERS_CONF without default ulimits (crun fails on hybrid cgroups, and
# the default ulimits can exceed the hard limits). podman and runc are installed with apt when absent.
# Prints one PASS/FAIL/SKIP line (SKIP without root, apt or Debian's mirror); exits non-zero on failure.
#
#   bash Tests/Release/container-test.sh [dist/f5tts-VERSION-linux-x86_64.tar.gz]   # default: the newest in dist/
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
skip() { echo "SKIP container test: $*"; exit 0; }
work=""
fail() {
  echo "--- container test failed: $* ---" >&2
  [ -n "$work" ] && for f in "$work"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 20 "$f" >&2; }; done
  echo "FAIL container test: $*"
  exit 1
}
started=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

tarball=${1:-$(ls -t dist/f5tts-*-linux-x86_64.tar.gz 2>/dev/null | head -n 1)}
[ -f "$tarball" ] || fail "no release tarball in dist/: run bash .ci/release first"
[ "$(id -u)" = 0 ] || skip "importing an image and running it with runc here needs root"
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  command -v apt-get >/dev/null || skip "podman and runc are not installed and there is no apt-get"
  { timeout 180 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 \
      apt-get install -y -qq --no-install-recommends podman runc; } >/tmp/f5tts-podman-apt.log 2>&1 \
    || skip "apt-get install podman runc failed (no network or mirror?): $(tail -n 1 /tmp/f5tts-podman-apt.log)"
fi

work=$(mktemp -d /tmp/f5tts-container.XXXXXX)
chmod 755 "$work"
containers=()
cleanup() {
  local status=$?
  for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  if [ "$status" = 0 ]; then rm -rf --one-file-system "$work"; else echo "(files kept in $work)" >&2; fi
}
trap cleanup EXIT
export CONTAINERS_CONF=$work/containers.conf
printf '[containers]\ndefault_ulimits = []\n' >"$CONTAINERS_CONF"
pod() { podman --runtime runc "$@"; }

# 1. The image and its configuration.
t=$(date +%s.%N)
build_status=0
image=$(bash deploy/container/build-image.sh "$tarball" 2>"$work/build.log" | tail -n 1) || build_status=$?
[ "$build_status" = 3 ] && skip "no Debian 12 root filesystem: $(tail -n 1 "$work/build.log")"
[ "$build_status" = 0 ] || fail "build-image.sh failed: $(tail -n 5 "$work/build.log")"
build_seconds=$(elapsed "$t")
# The size is reported, not checked: the issue's 200 MB is not met (Debian 12 minbase ~80 MB, OpenBLAS
# 46 MB, libcurl4 and what it needs 14 MB, f5tts 84 MB of which 34 MB are ICU's data).
megabytes=$(( $(pod image inspect --format '{{.Size}}' "$image") / 1000000 ))
config() { pod image inspect --format "$1" "$image"; }
[ "$(config '{{.Config.User}}')" = f5tts ] || fail "user: $(config '{{.Config.User}}')"
[ "$(config '{{json .Config.Cmd}}')" = '["serve","--host","0.0.0.0","--port","8000","--voices-dir","/voices"]' ] || fail "cmd: $(config '{{json .Config.Cmd}}')"
[ "$(config '{{json .Config.Entrypoint}}')" = '["f5tts"]' ] || fail "entrypoint: $(config '{{json .Config.Entrypoint}}')"
for volume in /models /voices /data; do config '{{json .Config.Volumes}}' | grep -q "\"$volume\"" || fail "no volume $volume"; done
config '{{json .Config.ExposedPorts}}' | grep -q '"8000/tcp"' || fail "port 8000 not exposed"
config '{{json .Config.Env}}' | grep -q '"F5TTS_CACHE=/models"' || fail "F5TTS_CACHE is not /models"
health=$(config '{{json .Config.Healthcheck.Test}}')
[ -n "$health" ] && [ "$health" != null ] || fail "no HEALTHCHECK"

# Host folders for the volumes, writable by the image's user (uid 1000).
mkdir -p "$work/models" "$work/voices" "$work/data"
cp -R Tests/Fixtures/speak/models "$work/models/f5tts-4bit-distill"
cp Tests/Fixtures/speak/ref.wav "$work/data/ref.wav"
cat >"$work/data/jobs.jsonl" <<'EOF'
{"id": "one", "text": "The first sentence of the container test.", "ref_audio": "ref.wav", "ref_text": "The quick brown fox jumps"}
{"id": "two", "text": "And the second one.", "ref_audio": "ref.wav", "ref_text": "The quick brown fox jumps"}
{"id": "three", "text": "The third and last one.", "ref_audio": "ref.wav", "ref_text": "The quick brown fox jumps"}
EOF
chown -R 1000:1000 "$work/models" "$work/voices" "$work/data"
volumes=(-v "$work/models:/models:ro" -v "$work/voices:/voices" -v "$work/data:/data")

# 2. The default command: serve on 0.0.0.0:8000 inside, published on a free loopback port.
t=$(date +%s.%N)
port=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 20000))
  (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null || { port=$candidate; break; }
done
[ -n "$port" ] || fail "no free port"
serve=f5tts-test-serve-$$
containers+=("$serve")
pod run -d --name "$serve" -p "127.0.0.1:$port:8000" "${volumes[@]}" "$image" >"$work/run.log" 2>&1 \
  || fail "podman run: $(tail -n 3 "$work/run.log")"
ready=""
for _ in $(seq 300); do
  if curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/health"; then ready=yes; break; fi
  [ "$(pod inspect --format '{{.State.Running}}' "$serve")" = true ] || fail "the container stopped: $(pod logs "$serve" 2>&1 | tail -n 5)"
  sleep 0.2
done
[ -n "$ready" ] || fail "no answer on port $port in 60 s: $(pod logs "$serve" 2>&1 | tail -n 5)"
pod healthcheck run "$serve" >"$work/healthcheck.log" 2>&1 || fail "the image's HEALTHCHECK failed: $(cat "$work/healthcheck.log")"
status=$(curl -s --max-time 10 -o "$work/health.json" -w '%{http_code}' "http://127.0.0.1:$port/health")
[ "$status" = 200 ] && grep -q '"status":"ok"' "$work/health.json" || fail "/health: HTTP $status $(cat "$work/health.json")"
speech() {  # speech FILE NFE_STEP TEXT: the HTTP status
  curl -s --max-time 300 -o "$1" -D "$1.headers" -w '%{http_code}' "http://127.0.0.1:$port/v1/audio/speech" \
    -H "Content-Type: application/json" \
    -d "{\"model\": \"tts-1\", \"input\": \"$3\", \"voice\": \"alloy\", \"response_format\": \"wav\", \"nfe_step\": $2}"
}
status=$(speech "$work/speech.wav" 2 "Hello from the container.") || fail "the speech request failed"
[ "$status" = 200 ] || fail "speech: HTTP $status: $(head -c 300 "$work/speech.wav")"
[ "$(head -c 4 "$work/speech.wav")" = RIFF ] || fail "the speech reply is not a WAV file"
[ "$(od -An -tu4 -j24 -N4 "$work/speech.wav" | tr -d ' ')" = 24000 ] || fail "the speech reply is not 24 kHz"
serve_seconds=$(elapsed "$t")

# 3. A batch of 3 jobs over the mounted folder.
t=$(date +%s.%N)
batch=f5tts-test-batch-$$
containers+=("$batch")
pod run --name "$batch" "${volumes[@]}" "$image" batch /data/jobs.jsonl --out /data/out --steps 2 >"$work/batch.log" 2>&1 \
  || fail "batch in the container: $(tail -n 5 "$work/batch.log")"
for id in one two three; do [ "$(head -c 4 "$work/data/out/$id.wav" 2>/dev/null)" = RIFF ] || fail "batch wrote no out/$id.wav"; done
summary=$(pod run --rm "${volumes[@]}" "$image" batch --summary /data/out 2>&1) || fail "batch --summary: $summary"
grep -q '^3 job(s): 3 ok, 0 failed' <<<"$summary" || fail "summary: $(head -n 1 <<<"$summary")"
batch_seconds=$(elapsed "$t")

# 4. SIGTERM with a request in flight: it completes, then the container exits 0.
t=$(date +%s.%N)
long="A longer paragraph, so that the synthesis is still running when the container is told to stop. It goes on for a while, sentence after sentence, until the server has had time to receive the signal."
speech "$work/long.wav" 32 "$long" >"$work/long.status" 2>&1 &
client=$!
busy=""
for _ in $(seq 300); do
  grep -q '"busy":true' <(curl -s --max-time 2 "http://127.0.0.1:$port/health") && { busy=yes; break; }
  sleep 0.1
done
[ -n "$busy" ] || fail "the long request never showed as busy on /health"
pod kill --signal TERM "$serve" >/dev/null
wait "$client" || fail "the request in flight failed after SIGTERM"
[ "$(cat "$work/long.status")" = 200 ] || fail "the request in flight got HTTP $(cat "$work/long.status") after SIGTERM"
planned=$(sed -nE 's/^x-f5-planned-seconds: *([0-9.]+).*/\1/ip' "$work/long.wav.headers" | tr -d '\r')
# The clip's length from its fmt and data chunks.
seconds=$(python3 - "$work/long.wav" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
at, rate, width, length = 12, 0, 0, 0
while at + 8 <= len(data):
    kind, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
    if kind == b"fmt ":
        channels, rate = struct.unpack("<HI", data[at + 10:at + 16])
        width = channels * struct.unpack("<H", data[at + 22:at + 24])[0] // 8
    if kind == b"data":
        length = min(size, len(data) - at - 8)
    at += 8 + size + size % 2
print(length / width / rate if rate and width else 0)
EOF
)
awk -v s="$seconds" -v p="$planned" 'BEGIN { exit !(p > 0 && (s - p) ^ 2 < 0.05 ^ 2) }' \
  || fail "the request in flight returned ${seconds} s of audio for a planned ${planned} s"
exit_code=$(timeout 90 podman --runtime runc wait "$serve") || fail "the container did not stop within 90 s of SIGTERM"
[ "$exit_code" = 0 ] || fail "the container exited $exit_code after SIGTERM: $(pod logs "$serve" 2>&1 | tail -n 5)"
drain_seconds=$(elapsed "$t")

echo "PASS container test: $image ($megabytes MB) built in ${build_seconds} s; /health, healthcheck and speech in ${serve_seconds} s;" \
  "batch of 3 in ${batch_seconds} s; SIGTERM drained a ${planned} s request and exited 0 in ${drain_seconds} s; $(elapsed "$started") s in all"
