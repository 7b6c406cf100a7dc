/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpudecode's decoders as plain functions (elements/gpudecode/
 * gstgpudecoders.h) on synthetic tensors with known boxes: SSD anchors
 * (split and concatenated outputs), YOLOv5, YOLOv8, plain boxes, top-k,
 * activations, NMS (per class, agnostic, max detections, weighted) and the
 * mapping back to the frame (stretch, letterbox, clipping).
 */
#include <gst/check/gstcheck.h>
#include <math.h>

#include "elements/gpudecode/gstgpudecoders.h"

#define EPS 1e-5f

static gfloat
sigmoidf (gfloat v)
{
  return 1.0f / (1.0f + expf (-v));
}

static GArray *
new_dets (void)
{
  return g_array_new (FALSE, FALSE, sizeof (GstGpuDetection));
}

static GstGpuDetection *
det (GArray *dets, guint i)
{
  return &g_array_index (dets, GstGpuDetection, i);
}

static void
check_box (const GstGpuDetection *d, gfloat x1, gfloat y1, gfloat x2, gfloat y2)
{
  fail_unless (fabsf (d->x1 - x1) < EPS && fabsf (d->y1 - y1) < EPS
                   && fabsf (d->x2 - x2) < EPS && fabsf (d->y2 - y2) < EPS,
      "box (%g, %g, %g, %g), expected (%g, %g, %g, %g)", d->x1, d->y1, d->x2,
      d->y2, x1, y1, x2, y2);
}

static GstGpuDetection
box (gfloat x1, gfloat y1, gfloat x2, gfloat y2, gfloat score, gint cls)
{
  GstGpuDetection d = {
    .x1 = x1, .y1 = y1, .x2 = x2, .y2 = y2, .score = score, .class_id = cls
  };

  return d;
}

/* 16x16 input, stride 8 (2x2 cells, 1 anchor each) and stride 16 (1 cell,
 * 2 anchors): 6 anchors */
static const guint strides[] = { 8, 16 };
static const guint per_cell[] = { 1, 2 };

GST_START_TEST (test_ssd_anchors_grid)
{
  GArray *anchors = g_array_new (FALSE, FALSE, sizeof (GstGpuAnchor));
  static const gfloat want[6][2] = { { 0.25f, 0.25f }, { 0.75f, 0.25f },
    { 0.25f, 0.75f }, { 0.75f, 0.75f }, { 0.5f, 0.5f }, { 0.5f, 0.5f } };
  guint i;

  gst_gpu_decode_ssd_anchors (16, 16, strides, per_cell, 2, 0.5f, anchors);
  fail_unless_equals_int (anchors->len, 6);
  for (i = 0; i < 6; i++) {
    GstGpuAnchor *a = &g_array_index (anchors, GstGpuAnchor, i);

    fail_unless (a->cx == want[i][0] && a->cy == want[i][1] && a->w == 1.0f
                     && a->h == 1.0f,
        "anchor %u at (%g, %g) size %gx%g", i, a->cx, a->cy, a->w, a->h);
  }
  /* BlazeFace front: 16x16x2 + 8x8x6 = 896 */
  gst_gpu_decode_ssd_anchors (128, 128, (const guint[]){ 8, 16 },
      (const guint[]){ 2, 6 }, 2, 0.5f, anchors);
  fail_unless_equals_int (anchors->len, 896);
  fail_unless_equals_uint64 (
      gst_gpu_decode_ssd_anchor_count (
          128, 128, (const guint[]){ 8, 16 }, (const guint[]){ 2, 6 }, 2),
      896);
  /* counted, not made: 65535^3 anchors would not fit in memory */
  fail_unless_equals_uint64 (
      gst_gpu_decode_ssd_anchor_count (
          65535, 65535, (const guint[]){ 1 }, (const guint[]){ 65535 }, 1),
      G_GUINT64_CONSTANT (65535) * 65535 * 65535);
  fail_unless_equals_uint64 (
      gst_gpu_decode_ssd_anchor_count (16, 16, strides, per_cell, 2), 6);
  g_array_unref (anchors);
}

GST_END_TEST;

/* scores (logits) and regressors (dx, dy, w, h, one keypoint) of the 6
 * anchors above: only anchor 3 (centre 12, 12) and anchor 5 (8, 8) score
 * above 0.5 after the sigmoid */
static const gfloat ssd_scores[6] = { -5, -5, -5, 2, -5, 1 };
static const gfloat ssd_regs[6][6] = {
  { 0 },
  { 0 },
  { 0 },
  { 1, -2, 4, 6, 2, 3 },
  { 0 },
  { 0, 0, 8, 8, -4, 4 },
};

static void
check_ssd_result (GArray *dets)
{
  fail_unless_equals_int (dets->len, 2);
  /* anchor 3: centre (12 + 1, 12 - 2), 4x6; keypoint (12 + 2, 12 + 3) */
  check_box (det (dets, 0), 11, 7, 15, 13);
  fail_unless (fabsf (det (dets, 0)->score - sigmoidf (2)) < EPS);
  fail_unless_equals_int (det (dets, 0)->n_keypoints, 1);
  fail_unless_equals_float (det (dets, 0)->keypoints[0], 14);
  fail_unless_equals_float (det (dets, 0)->keypoints[1], 15);
  fail_unless_equals_int (det (dets, 0)->class_id, 0);
  /* anchor 5: centre (8, 8), 8x8; keypoint (4, 12) */
  check_box (det (dets, 1), 4, 4, 12, 12);
  fail_unless_equals_float (det (dets, 1)->keypoints[0], 4);
  fail_unless_equals_float (det (dets, 1)->keypoints[1], 12);
}

/* Decodes the parts on the 6 anchors above (sigmoid, threshold 0.5).
 * Returns whether the decoder took them. */
static gboolean
run_ssd (const GstGpuDecodePart *scores, guint n_scores,
    const GstGpuDecodePart *regs, guint n_regs, guint row, GArray *dets)
{
  GArray *anchors = g_array_new (FALSE, FALSE, sizeof (GstGpuAnchor));
  gboolean ok;

  gst_gpu_decode_ssd_anchors (16, 16, strides, per_cell, 2, 0.5f, anchors);
  ok = gst_gpu_decode_ssd (scores, n_scores, regs, n_regs, row, anchors, 16, 16,
      GST_GPU_DECODE_ACTIVATION_SIGMOID, 0.5f, dets);
  g_array_unref (anchors);
  return ok;
}

GST_START_TEST (test_ssd_concatenated)
{
  GArray *dets = new_dets ();
  GstGpuDecodePart s = { ssd_scores, 6 }, r = { &ssd_regs[0][0], 6 };

  fail_unless (run_ssd (&s, 1, &r, 1, 6, dets));
  check_ssd_result (dets);
  g_array_unref (dets);
}

GST_END_TEST;

/* The real BlazeFace file splits both outputs by feature map: stride 8
 * anchors in one tensor, stride 16 in another. */
GST_START_TEST (test_ssd_split)
{
  GArray *dets = new_dets ();
  GstGpuDecodePart s[2] = { { ssd_scores, 4 }, { ssd_scores + 4, 2 } };
  GstGpuDecodePart r[2] = { { &ssd_regs[0][0], 4 }, { &ssd_regs[4][0], 2 } };
  /* the regressors split differently from the scores */
  GstGpuDecodePart r3[3] = { { &ssd_regs[0][0], 1 }, { &ssd_regs[1][0], 4 },
    { &ssd_regs[5][0], 1 } };

  fail_unless (run_ssd (s, 2, r, 2, 6, dets));
  check_ssd_result (dets);
  g_array_set_size (dets, 0);
  fail_unless (run_ssd (s, 2, r3, 3, 6, dets));
  check_ssd_result (dets);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_ssd_fails_on_anchor_count)
{
  GArray *dets = new_dets ();
  GstGpuDecodePart s = { ssd_scores, 5 }, r = { &ssd_regs[0][0], 6 };

  /* 5 scores for 6 anchors */
  fail_if (run_ssd (&s, 1, &r, 1, 6, dets));
  /* rows shorter than dx, dy, w, h */
  s.n_anchors = 6;
  fail_if (run_ssd (&s, 1, &r, 1, 3, dets));
  fail_unless_equals_int (dets->len, 0);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_yolov5)
{
  /* cx, cy, w, h, objectness, class 0, class 1 */
  static const gfloat data[] = {
    50, 40, 20, 10, 0.9f, 0.2f, 0.8f, /* class 1, 0.72 */
    30, 30, 10, 10, 0.3f, 0.9f, 0.1f, /* objectness too low */
    10, 10, 4, 4, 1.0f, 0.6f, 0.1f,   /* class 0, 0.6 */
    10, 10, 4, 4, 0.9f, 0.5f, 0.5f,   /* 0.45, below the threshold */
  };
  GArray *dets = new_dets ();

  gst_gpu_decode_yolov5 (
      data, 4, 2, GST_GPU_DECODE_ACTIVATION_NONE, 0.5f, dets);
  fail_unless_equals_int (dets->len, 2);
  check_box (det (dets, 0), 40, 35, 60, 45);
  fail_unless_equals_int (det (dets, 0)->class_id, 1);
  fail_unless (fabsf (det (dets, 0)->score - 0.72f) < EPS);
  check_box (det (dets, 1), 8, 8, 12, 12);
  fail_unless_equals_int (det (dets, 1)->class_id, 0);
  fail_unless (fabsf (det (dets, 1)->score - 0.6f) < EPS);
  fail_unless_equals_int (det (dets, 1)->n_keypoints, 0);
  g_array_unref (dets);
}

GST_END_TEST;

/* logits: sigmoid on objectness and class scores */
GST_START_TEST (test_yolov5_sigmoid)
{
  static const gfloat data[] = { 8, 8, 4, 4, 3.0f, -1.0f, 2.0f };
  GArray *dets = new_dets ();

  gst_gpu_decode_yolov5 (
      data, 1, 2, GST_GPU_DECODE_ACTIVATION_SIGMOID, 0.5f, dets);
  fail_unless_equals_int (dets->len, 1);
  fail_unless_equals_int (det (dets, 0)->class_id, 1);
  fail_unless (
      fabsf (det (dets, 0)->score - sigmoidf (3) * sigmoidf (2)) < EPS);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_yolov8)
{
  /* 3 boxes, 3 classes, transposed: one row per value */
  static const gfloat data[] = {
    50, 10, 100,      /* cx */
    40, 10, 100,      /* cy */
    20, 4, 8,         /* w */
    10, 4, 8,         /* h */
    0.1f, 0.2f, 0.3f, /* class 0 */
    0.7f, 0.1f, 0.2f, /* class 1 */
    0.2f, 0.9f, 0.1f, /* class 2 */
  };
  GArray *dets = new_dets ();

  gst_gpu_decode_yolov8 (
      data, 3, 3, GST_GPU_DECODE_ACTIVATION_NONE, 0.5f, dets);
  fail_unless_equals_int (dets->len, 2);
  check_box (det (dets, 0), 40, 35, 60, 45);
  fail_unless_equals_int (det (dets, 0)->class_id, 1);
  fail_unless (fabsf (det (dets, 0)->score - 0.7f) < EPS);
  check_box (det (dets, 1), 8, 8, 12, 12);
  fail_unless_equals_int (det (dets, 1)->class_id, 2);
  g_array_unref (dets);
}

GST_END_TEST;

/* softmax over the class rows: logits 0, ln 3 -> 0.25, 0.75 */
GST_START_TEST (test_yolov8_softmax)
{
  const gfloat data[] = { 8, 8, 4, 4, 0.0f, logf (3.0f) };
  GArray *dets = new_dets ();

  gst_gpu_decode_yolov8 (
      data, 1, 2, GST_GPU_DECODE_ACTIVATION_SOFTMAX, 0.5f, dets);
  fail_unless_equals_int (dets->len, 1);
  fail_unless_equals_int (det (dets, 0)->class_id, 1);
  fail_unless (fabsf (det (dets, 0)->score - 0.75f) < EPS);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_boxes)
{
  static const gfloat pixels[] = {
    10, 20, 30, 60, 0.9f, 3, /* kept, class 3 */
    0, 0, 5, 5, 0.2f, 1,     /* below the threshold */
    1, 2, 3, 4, 0.6f, NAN,   /* a class that is not a number: 0 */
  };
  static const gfloat normalised[] = { 0.25f, 0.5f, 0.75f, 1.0f, 0.8f, 2 };
  GArray *dets = new_dets ();

  gst_gpu_decode_boxes (
      pixels, 3, 1, 1, GST_GPU_DECODE_ACTIVATION_NONE, 0.5f, dets);
  fail_unless_equals_int (dets->len, 2);
  check_box (det (dets, 0), 10, 20, 30, 60);
  fail_unless_equals_int (det (dets, 0)->class_id, 3);
  fail_unless_equals_float (det (dets, 0)->score, 0.9f);
  check_box (det (dets, 1), 1, 2, 3, 4);
  fail_unless_equals_int (det (dets, 1)->class_id, 0);

  g_array_set_size (dets, 0);
  gst_gpu_decode_boxes (
      normalised, 1, 64, 32, GST_GPU_DECODE_ACTIVATION_NONE, 0.5f, dets);
  fail_unless_equals_int (dets->len, 1);
  check_box (det (dets, 0), 16, 16, 48, 32);
  g_array_unref (dets);
}

GST_END_TEST;

/* a NaN or infinite coordinate never becomes a box */
GST_START_TEST (test_non_finite_boxes_dropped)
{
  /* rows cx, cy, w, h, class 0 of two boxes; the first has cx NaN */
  static const gfloat v8[] = { NAN, 8, 4, 4, 4, 4, 2, 2, 0.9f, 0.9f };
  static const gfloat boxes[] = { 0, 0, INFINITY, 5, 0.9f, 0 };
  static const gfloat v5[] = { 8, 8, NAN, 4, 1, 1 };
  GArray *dets = new_dets ();

  gst_gpu_decode_yolov8 (v8, 2, 1, GST_GPU_DECODE_ACTIVATION_NONE, 0.5f, dets);
  gst_gpu_decode_boxes (
      boxes, 1, 1, 1, GST_GPU_DECODE_ACTIVATION_NONE, 0.5f, dets);
  gst_gpu_decode_yolov5 (v5, 1, 1, GST_GPU_DECODE_ACTIVATION_NONE, 0.5f, dets);
  /* only yolov8's second box (cx 8, cy 4, w 4, h 2) is finite */
  fail_unless_equals_int (dets->len, 1);
  fail_unless_equals_float (det (dets, 0)->x1, 6.0f);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_top_k_order)
{
  static const gfloat scores[] = { 0.1f, 0.5f, 0.3f, 0.5f, NAN, 0.2f };
  guint classes[6];

  /* equal scores keep the lower index first; NaN is never chosen */
  fail_unless_equals_int (
      gst_gpu_decode_top_k (scores, 6, 3, -INFINITY, classes), 3);
  fail_unless_equals_int (classes[0], 1);
  fail_unless_equals_int (classes[1], 3);
  fail_unless_equals_int (classes[2], 2);
  fail_unless_equals_int (
      gst_gpu_decode_top_k (scores, 6, 6, -INFINITY, classes), 5);
  fail_unless_equals_int (classes[3], 5);
  fail_unless_equals_int (classes[4], 0);
  fail_unless_equals_int (
      gst_gpu_decode_top_k (scores, 6, 5, 0.25f, classes), 3);
  fail_unless_equals_int (
      gst_gpu_decode_top_k (scores, 6, 1, 0.0f, classes), 1);
  fail_unless_equals_int (classes[0], 1);
  fail_unless_equals_int (
      gst_gpu_decode_top_k (scores, 6, 0, 0.0f, classes), 0);
}

GST_END_TEST;

GST_START_TEST (test_activations)
{
  gfloat v[3] = { 0.0f, logf (2.0f), logf (5.0f) };
  gfloat s[2] = { 0.0f, 200.0f };
  gfloat all_inf[2] = { -INFINITY, -INFINITY };

  gst_gpu_decode_activate (v, 3, GST_GPU_DECODE_ACTIVATION_SOFTMAX);
  fail_unless (fabsf (v[0] - 0.125f) < EPS && fabsf (v[1] - 0.25f) < EPS
               && fabsf (v[2] - 0.625f) < EPS);
  /* large logits neither overflow nor give NaN */
  gst_gpu_decode_activate (s, 2, GST_GPU_DECODE_ACTIVATION_SIGMOID);
  fail_unless_equals_float (s[0], 0.5f);
  fail_unless_equals_float (s[1], 1.0f);
  gst_gpu_decode_activate (all_inf, 2, GST_GPU_DECODE_ACTIVATION_SOFTMAX);
  fail_unless_equals_float (all_inf[0], 0.5f);
}

GST_END_TEST;

/* A (class 0), B overlapping A (class 0), C on B but class 1, D apart */
static GArray *
nms_input (void)
{
  GArray *dets = new_dets ();
  GstGpuDetection in[] = {
    box (50, 50, 60, 60, 0.6f, 0),
    box (1, 1, 11, 11, 0.8f, 0),
    box (0, 0, 10, 10, 0.9f, 0),
    box (1, 1, 11, 11, 0.7f, 1),
  };

  g_array_append_vals (dets, in, G_N_ELEMENTS (in));
  return dets;
}

GST_START_TEST (test_nms_per_class)
{
  GArray *dets = nms_input ();

  /* IoU(A, B) = 81 / 119 = 0.68 */
  gst_gpu_decode_nms (dets, 0.5f, FALSE, FALSE, 0);
  fail_unless_equals_int (dets->len, 3);
  check_box (det (dets, 0), 0, 0, 10, 10);
  fail_unless_equals_int (det (dets, 1)->class_id, 1);
  check_box (det (dets, 2), 50, 50, 60, 60);
  g_array_unref (dets);

  /* not overlapping enough: all kept, best first */
  dets = nms_input ();
  gst_gpu_decode_nms (dets, 0.7f, FALSE, FALSE, 0);
  fail_unless_equals_int (dets->len, 4);
  fail_unless_equals_float (det (dets, 1)->score, 0.8f);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_nms_class_agnostic)
{
  GArray *dets = nms_input ();

  gst_gpu_decode_nms (dets, 0.5f, TRUE, FALSE, 0);
  fail_unless_equals_int (dets->len, 2);
  check_box (det (dets, 0), 0, 0, 10, 10);
  check_box (det (dets, 1), 50, 50, 60, 60);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_nms_max_detections)
{
  GArray *dets = nms_input ();

  gst_gpu_decode_nms (dets, 0.5f, FALSE, FALSE, 2);
  fail_unless_equals_int (dets->len, 2);
  fail_unless_equals_float (det (dets, 0)->score, 0.9f);
  fail_unless_equals_float (det (dets, 1)->score, 0.7f);
  g_array_unref (dets);

  dets = new_dets ();
  gst_gpu_decode_nms (dets, 0.5f, FALSE, FALSE, 2);
  fail_unless_equals_int (dets->len, 0);
  g_array_unref (dets);
}

GST_END_TEST;

/* weighted: A absorbs B (same class), weights 0.9 and 0.8 */
GST_START_TEST (test_nms_weighted)
{
  GArray *dets = nms_input ();
  gfloat c = 0.8f / 1.7f;

  det (dets, 2)->n_keypoints = det (dets, 1)->n_keypoints = 1;
  det (dets, 2)->keypoints[0] = 0;
  det (dets, 2)->keypoints[1] = 0;
  det (dets, 1)->keypoints[0] = 17;
  det (dets, 1)->keypoints[1] = 34;
  gst_gpu_decode_nms (dets, 0.5f, FALSE, TRUE, 0);
  fail_unless_equals_int (dets->len, 3);
  check_box (det (dets, 0), c, c, 10 + c, 10 + c);
  fail_unless_equals_float (det (dets, 0)->score, 0.9f);
  fail_unless (fabsf (det (dets, 0)->keypoints[0] - 17 * c) < 1e-4f);
  fail_unless (fabsf (det (dets, 0)->keypoints[1] - 34 * c) < 1e-4f);
  /* C and D absorbed nothing */
  check_box (det (dets, 1), 1, 1, 11, 11);
  check_box (det (dets, 2), 50, 50, 60, 60);
  g_array_unref (dets);
}

GST_END_TEST;

GST_START_TEST (test_iou)
{
  GstGpuDetection a = box (0, 0, 10, 10, 1, 0), b = box (5, 0, 15, 10, 1, 0);
  GstGpuDetection empty = box (3, 3, 3, 8, 1, 0);

  fail_unless (fabsf (gst_gpu_decode_iou (&a, &b) - 50.0f / 150.0f) < EPS);
  fail_unless_equals_float (gst_gpu_decode_iou (&a, &a), 1.0f);
  fail_unless_equals_float (gst_gpu_decode_iou (&a, &empty), 0.0f);
}

GST_END_TEST;

/* stretched: a 100x50 input holding a whole 200x200 frame */
GST_START_TEST (test_map_stretch)
{
  GstGpuDecodeGeometry g = { .input_width = 100,
    .input_height = 50,
    .frame_width = 200,
    .frame_height = 200 };
  GstGpuDetection d = box (10, 5, 50, 25, 1, 0);

  d.n_keypoints = 1;
  d.keypoints[0] = 30;
  d.keypoints[1] = 10;
  gst_gpu_decode_map_detection (&d, &g);
  check_box (&d, 20, 20, 100, 100);
  fail_unless_equals_float (d.keypoints[0], 60);
  fail_unless_equals_float (d.keypoints[1], 40);

  /* the same with the rectangle given as the whole slot */
  g.scaled_width = 100;
  g.scaled_height = 50;
  d = box (10, 5, 50, 25, 1, 0);
  gst_gpu_decode_map_detection (&d, &g);
  check_box (&d, 20, 20, 100, 100);
}

GST_END_TEST;

/* letterboxed: a 640x480 frame in a 128x128 slot, scaled to 128x96 at
 * y 16 */
GST_START_TEST (test_map_letterbox)
{
  GstGpuDecodeGeometry g = { .input_width = 128,
    .input_height = 128,
    .x = 0,
    .y = 16,
    .scaled_width = 128,
    .scaled_height = 96,
    .frame_width = 640,
    .frame_height = 480 };
  GstGpuDetection d = box (32, 40, 64, 80, 1, 0);
  GstGpuDetection out = box (-10, 0, 10, 200, 1, 0);

  d.n_keypoints = 1;
  d.keypoints[0] = 64;
  d.keypoints[1] = 56;
  gst_gpu_decode_map_detection (&d, &g);
  check_box (&d, 160, 120, 320, 320);
  fail_unless_equals_float (d.keypoints[0], 320);
  fail_unless_equals_float (d.keypoints[1], 200);

  /* parts in the bars are clipped to the frame */
  gst_gpu_decode_map_detection (&out, &g);
  check_box (&out, 0, 0, 50, 480);

  /* pillarbox: a 480x640 frame scaled to 96x128 at x 16 */
  g.x = 16;
  g.y = 0;
  g.scaled_width = 96;
  g.scaled_height = 128;
  g.frame_width = 480;
  g.frame_height = 640;
  d = box (16, 0, 112, 128, 1, 0);
  gst_gpu_decode_map_detection (&d, &g);
  check_box (&d, 0, 0, 480, 640);
}

GST_END_TEST;

GST_START_TEST (test_map_without_geometry)
{
  GstGpuDecodeGeometry g = { 0 };
  GstGpuDetection d = box (1, 2, 3, 4, 1, 0);

  gst_gpu_decode_map_detection (&d, &g);
  check_box (&d, 1, 2, 3, 4);
}

GST_END_TEST;

GST_START_TEST (test_parse_uint_list)
{
  guint v[2];

  fail_unless_equals_int (gst_gpu_decode_parse_uint_list ("8,16", v, 2), 2);
  fail_unless (v[0] == 8 && v[1] == 16);
  fail_unless_equals_int (gst_gpu_decode_parse_uint_list (" 8 , 16 ", v, 2), 2);
  fail_unless_equals_int (gst_gpu_decode_parse_uint_list ("", v, 2), 0);
  fail_unless_equals_int (gst_gpu_decode_parse_uint_list (NULL, v, 2), 0);
  fail_unless_equals_int (gst_gpu_decode_parse_uint_list ("8,,16", v, 2), 0);
  fail_unless_equals_int (gst_gpu_decode_parse_uint_list ("0", v, 2), 0);
  fail_unless_equals_int (gst_gpu_decode_parse_uint_list ("x", v, 2), 0);
  fail_unless_equals_int (gst_gpu_decode_parse_uint_list ("1,2,3", v, 2), 0);
}

GST_END_TEST;

static Suite *
gpudecoders_suite (void)
{
  Suite *s = suite_create ("gpudecoders");
  TCase *tc = tcase_create ("decoders");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ssd_anchors_grid);
  tcase_add_test (tc, test_ssd_concatenated);
  tcase_add_test (tc, test_ssd_split);
  tcase_add_test (tc, test_ssd_fails_on_anchor_count);
  tcase_add_test (tc, test_yolov5);
  tcase_add_test (tc, test_yolov5_sigmoid);
  tcase_add_test (tc, test_yolov8);
  tcase_add_test (tc, test_yolov8_softmax);
  tcase_add_test (tc, test_boxes);
  tcase_add_test (tc, test_non_finite_boxes_dropped);
  tcase_add_test (tc, test_top_k_order);
  tcase_add_test (tc, test_activations);
  tcase_add_test (tc, test_nms_per_class);
  tcase_add_test (tc, test_nms_class_agnostic);
  tcase_add_test (tc, test_nms_max_detections);
  tcase_add_test (tc, test_nms_weighted);
  tcase_add_test (tc, test_iou);
  tcase_add_test (tc, test_map_stretch);
  tcase_add_test (tc, test_map_letterbox);
  tcase_add_test (tc, test_map_without_geometry);
  tcase_add_test (tc, test_parse_uint_list);
  return s;
}

GST_CHECK_MAIN (gpudecoders);
