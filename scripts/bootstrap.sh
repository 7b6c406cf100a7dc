#!/usr/bin/env bash
# gst-gpustream set-up: installs what is missing (Debian 12), builds, and
# either runs the demo (main job) or the whole test suite.
#
#   scripts/bootstrap.sh demo   install, build, run the demo pipeline
#   scripts/bootstrap.sh face-demo
#                               install, build, run the face detection demo
#                               (BlazeFace from npm on skimage's photographs)
#   scripts/bootstrap.sh test   install, build (CUDA enabled when nvcc is
#                               present), run the suite, then run it again
#                               in an ASan+UBSan build
#
# Environment: BUILD_DIR (default build), ASAN_BUILD_DIR (build-asan).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

PACKAGES=(
  meson ninja-build pkg-config gcc g++ clang-format
  libglib2.0-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad
  liborc-0.4-dev liborc-0.4-dev-bin
  libxxhash-dev libhiredis-dev redis-server
  libtorch-dev python3-torch
  python3-torchvision
  libopencv-imgproc-dev
  libopencv-dnn-dev python3-onnx python3-opencv
  libcairo2-dev libpango1.0-dev libjson-glib-dev libsoup-3.0-dev
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3-skimage python3-matplotlib prometheus chromium
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
  local missing=()
  local p
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  # npm fetches the pretrained face model; a Node.js from elsewhere may
  # already bring its own npm
  if ! command -v npm >/dev/null; then
    missing+=(npm)
  fi
  if [ ${#missing[@]} -eq 0 ]; then
    return
  fi
  echo "== installing: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
}

cuda_option() {
  if [ -x /usr/local/cuda/bin/nvcc ]; then echo enabled; else echo auto; fi
}

# setup_build DIR [meson options...]: configure (or reconfigure) and compile.
setup_build() {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
  ninja -C "$dir"
}

# build_for_run: configures and builds the plain build, sets $abs to its
# directory and points GStreamer at its plugin and engine modules.
build_for_run() {
  local dir=${BUILD_DIR:-build}
  setup_build "$dir" -Dcuda="$(cuda_option)"
  abs=$(cd "$dir" && pwd)
  export GST_PLUGIN_PATH_1_0="$abs/gst/plugin"
  export GST_GPUSTREAM_ENGINE_PATH="$abs/elements/gpuinfer"
}

run_demo() {
  local abs
  build_for_run
  "$abs/examples/gpustream-demo"
}

run_face_demo() {
  local abs
  build_for_run
  /usr/bin/python3 examples/face_demo.py --models "$abs/tests/models" \
    --out "$abs/face-demo"
}

run_tests() {
  local dir=${BUILD_DIR:-build}
  local asan_dir=${ASAN_BUILD_DIR:-build-asan}
  setup_build "$dir" -Dcuda="$(cuda_option)" -Dtests=enabled
  meson test -C "$dir" --print-errorlogs --num-processes 2

  # libtorch and GLib keep allocations alive until exit by design; leak
  # checking is left to GstCheck's own leak tracer.
  setup_build "$asan_dir" -Dcuda="$(cuda_option)" -Dtests=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson test -C "$asan_dir" --print-errorlogs --num-processes 2 \
    --timeout-multiplier 3 --no-suite format

  # meson stops the script on any failure, so reaching here means none
  local passed
  passed=$(cat "$dir/meson-logs/testlog.json" \
    "$asan_dir/meson-logs/testlog.json" | grep -c '"result": "OK"')
  echo "tests: $passed passed, 0 failed"
}

case "${1:-}" in
  demo) install_missing; run_demo ;;
  face-demo) install_missing; run_face_demo ;;
  test) install_missing; run_tests ;;
  *) echo "usage: $0 demo|face-demo|test" >&2; exit 2 ;;
esac
