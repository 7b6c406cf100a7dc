#!/usr/bin/env bash
# gst-gpustream
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The demo as one gst-launch-1.0 line, run from the build tree: four test
# sources -> gpubatch (224x224, ImageNet mean/std) -> gpuinfer
# (mobilenet_v3_small) -> gpuunbatch -> one fakesink per source. gst-launch
# cannot look into the logits, so this prints the elements' stats messages
# (-m, every second and at the end) instead of top-1 classes; the C
# application examples/gpustream-demo.c does that.
#
#   examples/demo.sh [BUILD_DIR]      (default: $BUILD_DIR or build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-${BUILD_DIR:-$here/build}}" && pwd)
model="$build/tests/models/mobilenet_v3_small.pt"
frames=${FRAMES:-60}

if [ ! -f "$model" ]; then
  echo "$model not found: build with libtorch and python3-torchvision" >&2
  exit 1
fi

export GST_PLUGIN_PATH_1_0="$build/gst/plugin"
export GST_GPUSTREAM_ENGINE_PATH="$build/elements/gpuinfer"

caps="video/x-raw,format=RGB,width=320,height=240,framerate=30/1"
set -x
gst-launch-1.0 -m \
  gpubatch name=b max-batch-size=8 width=224 height=224 \
    mean="<0.485,0.456,0.406>" std="<0.229,0.224,0.225>" \
    stats-interval=1000000000 \
  ! gpuinfer model="$model" stats-interval=1000000000 \
  ! gpuunbatch name=u stats-interval=1000000000 \
  videotestsrc num-buffers="$frames" pattern=smpte ! $caps ! b.sink_0 \
  videotestsrc num-buffers="$frames" pattern=ball ! $caps ! b.sink_1 \
  videotestsrc num-buffers="$frames" pattern=snow ! $caps ! b.sink_2 \
  videotestsrc num-buffers="$frames" pattern=checkers-8 ! $caps ! b.sink_3 \
  u.src_0 ! queue ! fakesink \
  u.src_1 ! queue ! fakesink \
  u.src_2 ! queue ! fakesink \
  u.src_3 ! queue ! fakesink
