#!/usr/bin/python3
"""The face demo end to end, on the real BlazeFace model and real photos.

Runs examples/face_demo.py's pipeline and checks that
- the face is found where it is in each stream of the astronaut photograph
  (IoU >= 0.5 with the expected box, derived from the transforms the
  stream applied to the face's box in the original photograph), and no
  face is found in the photographs without one;
- the JSON lines gpupublish wrote parse and agree with the
  GstVideoRegionOfInterestMeta the program read from the frames;
- each overlay snapshot differs from the frame without overlay only near
  the face it drew (and does differ there), and not at all where nothing
  was found.

Environment: GST_GPUSTREAM_SOURCE_ROOT, GST_GPUSTREAM_MODELS_DIR,
GST_GPUSTREAM_TEST_OUT, plus the plugin and engine paths.
"""
import json
import os
import sys
import unittest

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.environ["GST_GPUSTREAM_SOURCE_ROOT"],
                                "examples"))
import face_demo  # noqa: E402
from gi.repository import Gst  # noqa: E402

MODELS = os.environ["GST_GPUSTREAM_MODELS_DIR"]
OUT = os.environ["GST_GPUSTREAM_TEST_OUT"]
FRAMES = 2

# The face in skimage's astronaut photograph (512 x 512), x, y, w, h in
# pixels, marked by hand.
ASTRONAUT = (512, 512)
FACE = (180.0, 82.0, 92.0, 92.0)
# Pixels the overlay may change around a box: line width, keypoint dots
# and the label drawn above or inside the box.
MARGIN = 8
LABEL_HEIGHT = 40


def move_box(box, size, transforms):
    """Moves @box in a frame of @size through @transforms, as the stream's
    elements move the pixels. Returns the box and the final frame size."""
    x, y, w, h = box
    width, height = size
    for t in transforms:
        if t[0] == "flip":
            x = width - x - w
        elif t[0] in ("box", "crop"):
            left, top, right, bottom = t[1:]
            x, y = x - left, y - top
            width, height = width - left - right, height - top - bottom
        elif t[0] == "scale":
            sx, sy = t[1] / width, t[2] / height
            x, y, w, h = x * sx, y * sy, w * sx, h * sy
            width, height = t[1], t[2]
    return (x, y, w, h), (width, height)


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / (aw * ah + bw * bh - inter)


def plain_frame(photo, transforms):
    """The stream's frame without overlay, as RGB pixels."""
    desc = " ! ".join(
        ["filesrc location=%s" % os.path.join(MODELS, photo), "pngdec",
         "imagefreeze num-buffers=1", "videoconvert"]
        + [face_demo.transform_launch(t) for t in transforms]
        + ["videoconvert", "video/x-raw,format=RGB", "appsink name=sink"])
    pipeline = Gst.parse_launch(desc)
    pipeline.set_state(Gst.State.PLAYING)
    sample = pipeline.get_by_name("sink").emit("pull-sample")
    caps = sample.get_caps().get_structure(0)
    width, height = caps.get_value("width"), caps.get_value("height")
    ok, info = sample.get_buffer().map(Gst.MapFlags.READ)
    stride = (width * 3 + 3) & ~3
    rows = np.frombuffer(info.data, np.uint8)[:stride * height]
    pixels = rows.reshape(height, stride)[:, :width * 3].reshape(
        height, width, 3).copy()
    sample.get_buffer().unmap(info)
    pipeline.set_state(Gst.State.NULL)
    return pixels


class FaceDemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.seen = face_demo.run(MODELS, OUT, FRAMES)

    def test_face_found_where_it_is(self):
        for name, photo, transforms in face_demo.STREAMS:
            frames = self.seen[name]
            self.assertEqual(len(frames), FRAMES, name)
            for faces in frames:
                if photo != "astronaut.png":
                    self.assertEqual(faces, [], "%s: %r" % (name, faces))
                    continue
                expected, _ = move_box(FACE, ASTRONAUT, transforms)
                self.assertEqual(len(faces), 1, "%s: %r" % (name, faces))
                overlap = iou(faces[0]["box"], expected)
                self.assertGreaterEqual(
                    overlap, 0.5, "%s: found %r, expected %r" %
                    (name, faces[0]["box"], expected))
                # BlazeFace's six keypoints (eyes, nose, mouth, ears) lie
                # in or next to the face
                points = faces[0]["keypoints"]
                self.assertEqual(len(points), 12, name)
                ex, ey, ew, eh = expected
                for px, py in zip(points[0::2], points[1::2]):
                    self.assertTrue(ex - ew / 2 <= px <= ex + 1.5 * ew, name)
                    self.assertTrue(ey - eh / 2 <= py <= ey + 1.5 * eh, name)

    def test_json_lines_agree_with_metadata(self):
        names = [name for name, _, _ in face_demo.STREAMS]
        published = {name: [] for name in names}
        with open(os.path.join(OUT, "faces.jsonl")) as f:
            for line in f:
                item = json.loads(line)
                published[names[item["source"]]].append(item)
        for name in names:
            items = sorted(published[name], key=lambda item: item["pts"])
            self.assertEqual(len(items), FRAMES, name)
            for item, faces in zip(items, self.seen[name]):
                self.assertEqual(len(item["results"]), len(faces), name)
                for result, face in zip(item["results"], faces):
                    box = result["box"]
                    published_box = (box["x"], box["y"], box["width"],
                                     box["height"])
                    # the meta holds whole pixels, clamped to the frame
                    self.assertGreaterEqual(
                        iou(published_box, face["box"]), 0.9, name)
                    self.assertAlmostEqual(
                        result["confidence"], face["confidence"], places=4)

    def test_overlay_draws_only_near_results(self):
        for name, photo, transforms in face_demo.STREAMS:
            plain = plain_frame(photo, transforms)
            drawn = np.asarray(Image.open(
                os.path.join(OUT, "%s-000.png" % name)).convert("RGB"))
            self.assertEqual(drawn.shape, plain.shape, name)
            changed = np.any(drawn != plain, axis=2)
            faces = self.seen[name][0]
            allowed = np.zeros_like(changed)
            for face in faces:
                x, y, w, h = face["box"]
                allowed[max(0, y - MARGIN - LABEL_HEIGHT):y + h + MARGIN,
                        max(0, x - MARGIN):x + w + MARGIN] = True
                # something was drawn on the box's edges
                self.assertTrue(changed[y:y + h, x:x + MARGIN].any(), name)
                self.assertTrue(
                    changed[y:y + h, x + w - MARGIN:x + w].any(), name)
            outside = changed & ~allowed
            self.assertFalse(
                outside.any(), "%s: %d pixels changed away from the faces" %
                (name, outside.sum()))


if __name__ == "__main__":
    Gst.init(None)
    unittest.main(verbosity=2)
