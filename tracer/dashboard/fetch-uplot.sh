#!/bin/sh
# Fetches uPlot from the npm registry for the tracer's dashboard and checks
# the tarball's sha256.
#   fetch-uplot.sh OUTDIR VERSION SHA256
# On any failure it writes placeholders instead (the build goes on; the
# dashboard then says that its chart library is missing) and says why.
out=$1
version=$2
sha256=$3
work="$out/uplot-fetch"

placeholder () {
  echo "fetch-uplot: $1; the dashboard will have no charts" >&2
  printf '/* uPlot %s was not fetched at build time: %s */\n' \
    "$version" "$1" > "$out/uPlot.iife.min.js"
  printf '/* uPlot %s was not fetched at build time */\n' "$version" \
    > "$out/uPlot.min.css"
  rm -rf "$work"
  exit 0
}

rm -rf "$work"
mkdir -p "$work" || placeholder "cannot create $work"
command -v npm > /dev/null || placeholder "npm is not installed"
(cd "$work" && timeout 180 npm pack --loglevel=error "uplot@$version" \
  > npm.log 2>&1) \
  || placeholder "npm pack uplot@$version failed: $(grep -m 1 . "$work/npm.log")"
tarball="$work/uplot-$version.tgz"
[ -f "$tarball" ] || placeholder "npm pack wrote no $tarball"
echo "$sha256  $tarball" | sha256sum -c --status 2> /dev/null \
  || placeholder "uplot-$version.tgz does not have sha256 $sha256"
tar -xzf "$tarball" -C "$work" package/dist/uPlot.iife.min.js \
  package/dist/uPlot.min.css || placeholder "cannot unpack $tarball"
cp "$work/package/dist/uPlot.iife.min.js" "$work/package/dist/uPlot.min.css" \
  "$out/"
rm -rf "$work"
