#!/usr/bin/env bash
# A real single-node Slurm running deploy/slurm/f5tts-array.sbatch on the tiny fixture model:
#  1. an array of 4 tasks over 8 jobs: every job done once, each task on its own shard;
#  2. two outputs deleted and one record corrupted, the same array submitted again: exactly those 3
#     jobs are redone (the other 5 records stay byte for byte), the outputs come back identical.
# Slurm and munge are installed with apt when absent (skipped, with the reason, when apt cannot be
# reached); their state and logs live in a temporary folder, and the daemons this script started are
# stopped by their process ids at the end. Prints one PASS/FAIL/SKIP line; exits non-zero on failure.
#
#   bash Tests/Slurm/run-slurm-test.sh            # F5TTS=path/to/f5tts to test another binary
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
started=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
skip() { echo "SKIP slurm batch test: $*"; exit 0; }
state=""
fail() {
  echo "--- slurm batch test failed: $* ---" >&2
  if [ -n "$state" ]; then
    for f in "$state"/log/*; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  echo "FAIL slurm batch test: $*"
  exit 1
}

# The binary: $F5TTS, else the debug build of this checkout (built when missing).
if [ -z "${F5TTS:-}" ]; then
  F5TTS=$repo/.build/debug/f5tts
  [ -x "$F5TTS" ] || swift build --product f5tts >/dev/null
fi
[ -x "$F5TTS" ] || fail "no f5tts binary at $F5TTS"
F5TTS=$(cd "$(dirname "$F5TTS")" && pwd)/$(basename "$F5TTS")

# --- Slurm and munge --------------------------------------------------------------------------
install_seconds=0
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get"
  [ "$(id -u)" = 0 ] || skip "slurm-wlm and munge are not installed and installing them needs root"
  t=$(date +%s.%N)
  timeout 180 apt-get update -qq >/tmp/f5tts-slurm-apt.log 2>&1 \
    || skip "apt-get update failed (no network or mirror?): $(tail -n 1 /tmp/f5tts-slurm-apt.log)"
  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends slurm-wlm munge \
    >>/tmp/f5tts-slurm-apt.log 2>&1 || fail "apt-get install slurm-wlm munge failed: $(tail -n 3 /tmp/f5tts-slurm-apt.log)"
  install_seconds=$(elapsed "$t")
fi
[ "$(id -u)" = 0 ] || skip "starting slurmd needs root"

state=$(mktemp -d /tmp/f5tts-slurm.XXXXXX)
chmod 755 "$state"
mkdir -p "$state/run" "$state/key" "$state/log" "$state/spool" "$state/statesave" "$state/work"
chmod 700 "$state/key"
daemons=()
cleanup() {
  # Stop what this script started, by pid, newest first; then remove the state unless it failed.
  local status=$?
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    local pidfile=${daemons[i]}
    [ -f "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$status" = 0 ]; then rm -rf "$state"; else echo "(state and logs kept in $state)" >&2; fi
}
trap cleanup EXIT

t=$(date +%s.%N)
# A munged of our own (own key and socket), so a system munge is neither needed nor disturbed.
dd if=/dev/urandom of="$state/key/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$state/key/munge.key"
socket=$state/run/munge.socket
daemons+=("$state/run/munged.pid")
munged --socket="$socket" --key-file="$state/key/munge.key" --pid-file="$state/run/munged.pid" \
  --log-file="$state/log/munged.log" --seed-file="$state/key/munged.seed" || fail "munged did not start"
munge -S "$socket" -n | unmunge -S "$socket" >/dev/null || fail "munge round trip failed"

# Free ports for slurmctld and slurmd (a system Slurm may hold the defaults).
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  fail "no free port"
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))
cpus=$(nproc)
export SLURM_CONF=$state/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=f5ttstest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=600
StateSaveLocation=$state/statesave
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
daemons+=("$state/run/slurmctld.pid")
slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
daemons+=("$state/run/slurmd.pid")
slurmd -f "$SLURM_CONF" -N localhost || fail "slurmd did not start"
for _ in $(seq 150); do
  [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break
  sleep 0.2
done
[ "$(sinfo -h -o %t 2>/dev/null)" = idle ] || fail "the node did not become idle: $(sinfo 2>&1)"
daemon_seconds=$(elapsed "$t")

# --- The batch ----------------------------------------------------------------------------------
work=$state/work
cp Tests/Fixtures/speak/ref.wav "$work/ref.wav"
mkdir -p "$work/voices"
cp Tests/Fixtures/speak/ref.wav "$work/voices/fox.wav"
echo "The quick brown fox jumps" >"$work/voices/fox.txt"
jobs=$work/jobs.jsonl
: >"$jobs"
for i in 1 2 3 4 5 6 7 8; do
  if [ $((i % 2)) = 0 ]; then ref='"voice": "fox"'; else ref='"ref_audio": "ref.wav", "ref_text": "The quick brown fox jumps"'; fi
  echo "{\"id\": \"line-$i\", \"text\": \"This is sentence number $i of the slurm test.\", $ref}" >>"$jobs"
done
out=$work/out
ids=$(seq -f "line-%g" 1 8)

# Submits the shipped sbatch file as a 4-task array (its id in $array) and polls until it has left the
# queue (sbatch --wait returns up to ~30 s late on this set-up); every task must complete with exit 0.
array=""
submit() {
  local name=$1 line
  line=$(F5TTS=$F5TTS sbatch --parsable --array=0-3 --cpus-per-task=1 --chdir="$work" \
           --output="$state/log/$name-%A_%a.out" deploy/slurm/f5tts-array.sbatch "$jobs" "$out" \
           --model "$repo/Tests/Fixtures/speak/models" --voices-dir "$work/voices" --steps 2 --backend dequant) || fail "sbatch failed: $line"
  array=${line%%;*}
  for _ in $(seq 1500); do
    [ -z "$(squeue -h -j "$array" 2>/dev/null)" ] && break
    sleep 0.2
  done
  [ -z "$(squeue -h -j "$array" 2>/dev/null)" ] || fail "$name: array $array did not finish in 300 s"
  local tasks
  tasks=$(scontrol -o show job "$array" 2>/dev/null || true)
  [ "$(grep -c 'JobState=COMPLETED' <<<"$tasks")" = 4 ] || fail "$name: not 4 completed tasks: $(grep -o 'JobState=[A-Z_]*' <<<"$tasks" | sort | uniq -c | tr -s ' \n' ' ')"
  [ "$(grep -c 'ExitCode=0:0' <<<"$tasks")" = 4 ] || fail "$name: a task exited non-zero"
}
synthesised() { cat "$state"/log/"$1"-*.out | grep -Eo '[0-9]+ synthesised' | awk '{s += $1} END {print s + 0}'; }

t=$(date +%s.%N)
submit first
first=$array
first_seconds=$(elapsed "$t")
for k in 0 1 2 3; do
  grep -q "f5tts batch: shard $k/4 from Slurm array task $k (SLURM_ARRAY_TASK_MIN=0, _STEP=1, _COUNT=4)" "$state"/log/first-*_"$k".out \
    || fail "task $k did not run shard $k/4: $(cat "$state"/log/first-*_"$k".out)"
done
[ "$(synthesised first)" = 8 ] || fail "the first array synthesised $(synthesised first) jobs, not 8"
"$F5TTS" batch --summary "$out" --json >"$work/summary1.json" || fail "summary after the first array: $(cat "$work/summary1.json")"
grep -q '"ok" : 8' "$work/summary1.json" || fail "not 8 ok records: $(cat "$work/summary1.json")"
mkdir -p "$work/before"
for id in $ids; do
  cp "$out/.f5tts-batch/records/$id.json" "$work/before/$id.json"
  cp "$out/$id.wav" "$work/before/$id.wav"
done

# Damage: two outputs deleted, one record cut in half.
rm "$out/line-2.wav" "$out/line-5.wav"
head -c 40 "$work/before/line-7.json" >"$out/.f5tts-batch/records/line-7.json"
sleep 1  # so a redone record's finished_at differs from the first one's
t=$(date +%s.%N)
submit second
second=$array
second_seconds=$(elapsed "$t")

[ "$(synthesised second)" = 3 ] || fail "the second array synthesised $(synthesised second) jobs, not 3"
redone=()
for id in $ids; do
  cmp -s "$out/$id.wav" "$work/before/$id.wav" || fail "$id.wav differs from the first run's"
  if cmp -s "$out/.f5tts-batch/records/$id.json" "$work/before/$id.json"; then continue; fi
  redone+=("$id")
  grep -q '"status":"ok"' "$out/.f5tts-batch/records/$id.json" || fail "$id: redone record is not ok"
  [ "$(grep -o '"finished_at":"[^"]*"' "$out/.f5tts-batch/records/$id.json")" != \
    "$(grep -o '"finished_at":"[^"]*"' "$work/before/$id.json")" ] || fail "$id: finished_at unchanged"
done
[ "${redone[*]}" = "line-2 line-5 line-7" ] || fail "redone: ${redone[*]:-none}, expected line-2 line-5 line-7"
"$F5TTS" batch --summary "$out" >"$work/summary2.txt" || fail "summary after the second array: $(cat "$work/summary2.txt")"
grep -q '^8 job(s): 8 ok, 0 failed' "$work/summary2.txt" || fail "summary: $(head -n 1 "$work/summary2.txt")"
[ -z "$(ls -A "$out/.f5tts-batch/tmp")" ] || fail "temporary files left: $(ls "$out/.f5tts-batch/tmp")"

synthesis=$(grep -Eo '"seconds" : [0-9.]+' "$work/summary1.json" | awk '{printf "%.1f", $3}')
echo "PASS slurm batch test: 4-task arrays $first and $second (8 jobs, then exactly ${redone[*]} redone) in $(elapsed "$started") s" \
  "(install ${install_seconds} s, daemons ${daemon_seconds} s, first array ${first_seconds} s with ${synthesis} s of synthesis summed over its tasks, second ${second_seconds} s)"
