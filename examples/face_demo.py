#!/usr/bin/python3
"""Face detection on real photographs, from Python, with none of our headers.

Several streams made from photographs shipped by python3-skimage (the
astronaut with one face moved, scaled and mirrored; a cup of coffee and a
cat without faces) go through

  gpubatch keep-frames=true -> gpuinfer (BlazeFace, ONNX) ->
  gpudecode (anchors + NMS) -> gpupublish (JSON lines) ->
  gpuunbatch output=frames -> gpuoverlay -> PNG snapshots

and this program reads each frame's faces from the standard
GstVideoRegionOfInterestMeta with GstVideo's own bindings, then prints per
stream how many faces it found and where.

  GST_PLUGIN_PATH_1_0=build/gst/plugin \\
  GST_GPUSTREAM_ENGINE_PATH=build/elements/gpuinfer \\
  /usr/bin/python3 examples/face_demo.py --models build/tests/models

Needs python3-gi and python3-gst-1.0 (for structure values such as the
keypoint arrays).
"""
import argparse
import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstVideo  # noqa: E402

MODEL = "face_detection_front_128x128.onnx"
LABELS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "face-labels.txt")

# Each stream: a name, a photograph, and the transforms applied to it, as
# data so that a test can move the face's known box the same way.
#   ("flip",)                       mirror left-right
#   ("box", left, top, right, bottom) videobox: crop (>0) or add border (<0)
#   ("crop", left, top, right, bottom)
#   ("scale", width, height)
STREAMS = [
    ("original", "astronaut.png", []),
    ("mirrored", "astronaut.png", [("flip",)]),
    ("moved", "astronaut.png", [("box", 64, -48, -64, 48)]),
    ("zoomed", "astronaut.png",
     [("crop", 100, 0, 156, 256), ("scale", 384, 384)]),
    ("wide", "astronaut.png", [("scale", 640, 360)]),
    ("coffee", "coffee.png", []),
    ("chelsea", "chelsea.png", []),
]


def transform_launch(transform):
    """The gst-launch fragment of one transform."""
    kind = transform[0]
    if kind == "flip":
        return "videoflip video-direction=horiz"
    if kind == "box":
        return "videobox left=%d top=%d right=%d bottom=%d" % transform[1:]
    if kind == "crop":
        return "videocrop left=%d top=%d right=%d bottom=%d" % transform[1:]
    if kind == "scale":
        return "videoscale ! video/x-raw,width=%d,height=%d" % transform[1:]
    raise ValueError("unknown transform %r" % (kind,))


def pipeline_description(models, outdir, frames):
    """One gst-launch description for every stream."""
    model = os.path.join(models, MODEL)
    parts = [
        # BlazeFace takes 128x128 RGB, NHWC float in [-1, 1]
        "gpubatch name=b keep-frames=true width=128 height=128 layout=nhwc"
        " mean=<0.5> std=<0.5> max-batch-size=%d" % len(STREAMS),
        "! gpuinfer model=%s" % model,
        "! gpudecode mode=detect decoder=ssd-anchors weighted-nms=true"
        " score-threshold=0.6 labels=%s" % LABELS,
        "! gpupublish location=%s" % os.path.join(outdir, "faces.jsonl"),
        "! gpuunbatch name=u output=frames",
    ]
    for i, (name, photo, transforms) in enumerate(STREAMS):
        chain = ["filesrc location=%s" % os.path.join(models, photo),
                 "pngdec", "imagefreeze num-buffers=%d" % frames,
                 "videoconvert"]
        chain += [transform_launch(t) for t in transforms]
        chain += ["videoconvert", "video/x-raw,format=RGB", "b.sink_%d" % i]
        parts.append(" ! ".join(chain))
        parts.append(
            "u.src_%d ! queue ! gpuoverlay name=overlay_%d ! videoconvert ! pngenc"
            " ! multifilesink location=%s" %
            (i, i, os.path.join(outdir, name + "-%03d.png")))
    return " ".join(parts)


def read_faces(buffer):
    """The faces of one frame, from its GstVideoRegionOfInterestMeta."""
    faces = []
    roi_id = 0
    while True:
        roi = GstVideo.buffer_get_video_region_of_interest_meta_id(
            buffer, roi_id)
        if roi is None:
            return faces
        detection = roi.get_param("detection")
        faces.append({
            "box": (roi.x, roi.y, roi.w, roi.h),
            "confidence": detection.get_value("confidence"),
            "keypoints": list(detection.get_value("keypoints") or []),
        })
        roi_id += 1


def run(models, outdir, frames=3):
    """Runs the pipeline; returns {stream name: [faces of each frame]}."""
    Gst.init(None)
    os.makedirs(outdir, exist_ok=True)
    pipeline = Gst.parse_launch(pipeline_description(models, outdir, frames))
    seen = {name: [] for name, _, _ in STREAMS}

    def on_frame(pad, info, name):
        seen[name].append(read_faces(info.get_buffer()))
        return Gst.PadProbeReturn.OK

    for i, (name, _, _) in enumerate(STREAMS):
        pad = pipeline.get_by_name("overlay_%d" % i).get_static_pad("sink")
        pad.add_probe(Gst.PadProbeType.BUFFER, on_frame, name)

    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None:
        raise RuntimeError("the face pipeline did not finish within 60 s")
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        raise RuntimeError("%s (%s)" % (err.message, debug))
    return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", required=True,
                        help="folder with %s and the photographs" % MODEL)
    parser.add_argument("--out", default="face-demo-out",
                        help="folder for PNG snapshots and faces.jsonl")
    parser.add_argument("--frames", type=int, default=3,
                        help="frames per stream")
    args = parser.parse_args()

    try:
        seen = run(args.models, args.out, args.frames)
    except (RuntimeError, GLib.Error) as e:
        print("face demo failed: %s" % e, file=sys.stderr)
        return 1
    for name, frames in seen.items():
        faces = frames[-1] if frames else []
        where = ", ".join("(%d, %d) %dx%d at %.2f" % (f["box"] + (
            f["confidence"],)) for f in faces)
        print("%-9s %d frames, %d face%s%s%s" % (
            name, len(frames), len(faces), "" if len(faces) == 1 else "s",
            ": " if faces else "", where))
    print("snapshots and faces.jsonl in %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
