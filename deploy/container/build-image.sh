#!/usr/bin/env bash
# Builds the image of deploy/container/Containerfile without any registry (no debian:12-slim to pull):
#  1. the Debian 12 root filesystem of debian-rootfs.sh (minbase + the Containerfile's apt packages);
#  2. the release tarball unpacked into /opt, then the Containerfile's set-up RUN step run in that root;
#  3. `podman import` of the root, then the Containerfile's configuration lines (USER, ENV, WORKDIR, VOLUME,
#     EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD) applied as they are written by a `podman build` that runs
#     nothing (docker format, which keeps HEALTHCHECK).
# Prints the image name, localhost/f5tts:VERSION, last. Needs root and podman. Exit status 3: the root
# filesystem could not be had (no root or no Debian mirror).
#
#   bash deploy/container/build-image.sh [dist/f5tts-VERSION-linux-x86_64.tar.gz]   # default: the newest in dist/
#   podman push localhost/f5tts:0.2.0 registry.example.com/f5tts:0.2.0
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
containerfile=$here/Containerfile
tarball=${1:-$(ls -t "$repo"/dist/f5tts-*-linux-x86_64.tar.gz 2>/dev/null | head -n 1)}
[ -f "$tarball" ] || { echo "build-image: no release tarball in dist/: run bash .ci/release first" >&2; exit 1; }
name=$(basename "$tarball" .tar.gz)
version=${name#f5tts-}; version=${version%-linux-x86_64}
command -v podman >/dev/null || { echo "build-image: podman is not installed (apt-get install podman)" >&2; exit 1; }
rootfs=$(bash "$here/debian-rootfs.sh")  # its exit status 3 passes through set -e

work=$(mktemp -d /tmp/f5tts-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir "$root"
tar -xf "$rootfs" -C "$root"
tar -xzf "$tarball" -C "$root/opt"
# The set-up step: every RUN but the apt one (its packages are in the root filesystem already), with the
# Containerfile's ARG VERSION in the environment as a build would have it.
grep -E '^RUN ' "$containerfile" | grep -v 'apt-get install' | sed 's/^RUN //' | while IFS= read -r step; do
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin VERSION="$version" sh -c "$step"
done
chroot "$root" test -x /usr/local/bin/f5tts || { echo "build-image: the set-up step left no /usr/local/bin/f5tts" >&2; exit 1; }

base=localhost/f5tts-rootfs:$version
previous=$(podman image inspect --format '{{.Id}}' "localhost/f5tts:$version" 2>/dev/null || true)
tar -C "$root" --numeric-owner -c . | podman import --quiet - "$base" >/dev/null
{
  echo "FROM $base"
  grep -E '^(USER|ENV|WORKDIR|VOLUME|EXPOSE|HEALTHCHECK|ENTRYPOINT|CMD|LABEL) ' "$containerfile"
} >"$work/Containerfile"
mkdir "$work/context"
podman build --quiet --pull=never --layers=false --format docker -t "localhost/f5tts:$version" -f "$work/Containerfile" "$work/context" >/dev/null
podman untag "$base" >/dev/null 2>&1 || true
# The image this one replaces, with its root filesystem layer, unless a container still uses it.
[ -z "$previous" ] || podman rmi "$previous" >/dev/null 2>&1 || true
echo "localhost/f5tts:$version"
