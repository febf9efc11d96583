#!/usr/bin/env bash
# The Debian 12 root filesystem f5tts's release runs on: the minbase variant (what debian:12-slim is)
# plus the packages the Containerfile's apt-get line installs (libopenblas0, libsndfile1, and libcurl4
# with ca-certificates for `f5tts download`), nothing else: no Swift, no compiler, no curl program.
# Built with mmdebstrap from Debian's mirrors (installed with apt-get when absent) into a tarball that
# is cached, keyed by this file and that package list, in
# $F5TTS_ROOTFS_CACHE (default /var/cache/f5tts-rootfs); a new machine builds it.
# Prints the tarball's path on stdout. Needs root. Exit status 3: mmdebstrap or a mirror could not be
# had (callers print SKIP); anything else non-zero is a failure.
#
#   bash deploy/container/debian-rootfs.sh          # -> /var/cache/f5tts-rootfs/debian12-f5tts-<hash>.tar
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${F5TTS_ROOTFS_CACHE:-/var/cache/f5tts-rootfs}
packages=$(sed -nE 's/^RUN apt-get update && apt-get install -y --no-install-recommends ([a-z0-9 .+-]+) &&.*/\1/p' "$here/Containerfile" | xargs)
[ -n "$packages" ] || { echo "debian-rootfs: no apt-get install line in $here/Containerfile" >&2; exit 1; }
key=$({ cat "$here/debian-rootfs.sh"; echo "$packages"; } | sha256sum | cut -c1-12)
tarball=$cache/debian12-f5tts-$key.tar
if [ -s "$tarball" ]; then echo "$tarball"; exit 0; fi

unavailable() { echo "debian-rootfs: $*" >&2; exit 3; }
[ "$(id -u)" = 0 ] || unavailable "building the root filesystem needs root"
if ! command -v mmdebstrap >/dev/null; then
  command -v apt-get >/dev/null || unavailable "no mmdebstrap and no apt-get to install it"
  { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 \
      apt-get install -y -qq --no-install-recommends mmdebstrap; } >&2 || unavailable "apt-get install mmdebstrap failed"
fi
mkdir -p "$cache"
log=$cache/mmdebstrap-$key.log
# /usr merged by mmdebstrap's hook, not by the usrmerge package (which would bring perl). Documentation,
# manuals and translations left out as in debian:12-slim; the packages' copyright files kept.
if ! timeout 900 mmdebstrap --variant=minbase --format=tar --include="${packages// /,}" \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    bookworm "$tarball.part" >"$log" 2>&1; then
  rm -f "$tarball.part"
  # No mirror (no network) is a machine that cannot run this, not a failure of the release.
  if grep -q -E "Could not resolve|Failed to fetch|Temporary failure|Network is unreachable|Connection (timed out|refused)" "$log"; then
    unavailable "Debian's mirror cannot be reached: $(grep -m1 -E "Could not resolve|Failed to fetch|Temporary failure|unreachable|timed out|refused" "$log")"
  fi
  echo "debian-rootfs: mmdebstrap failed (log: $log):" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
mv "$tarball.part" "$tarball"
echo "$tarball"
