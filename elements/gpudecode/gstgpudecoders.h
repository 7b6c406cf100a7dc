/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The decoders of gpudecode as plain functions over float arrays (GLib
 * only, no GStreamer), so each can be tested on synthetic tensors:
 * classification top-k, SSD anchors with box regression and keypoints
 * (BlazeFace family), YOLOv5, YOLOv8 and plain boxes, non-maximum
 * suppression, and the mapping of boxes from the network's input back to
 * the original frame. See docs/gpudecode.md for the tensor layouts.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* keypoints a detection can carry (GST_GPU_RESULT_MAX_KEYPOINTS) */
#define GST_GPU_DECODE_MAX_KEYPOINTS 17

typedef enum {
  GST_GPU_DECODE_ACTIVATION_NONE,
  GST_GPU_DECODE_ACTIVATION_SIGMOID,
  GST_GPU_DECODE_ACTIVATION_SOFTMAX,
} GstGpuDecodeActivation;

/**
 * GstGpuDetection:
 * @x1, @y1, @x2, @y2: corners, in pixels of the network input until
 *   gst_gpu_decode_map_detection() maps them to the frame
 * @score: confidence in [0, 1] (after the activation)
 * @class_id: class index
 * @n_keypoints: (x, y) pairs used in @keypoints, same space as the box
 */
typedef struct
{
  gfloat x1;
  gfloat y1;
  gfloat x2;
  gfloat y2;
  gfloat score;
  gint class_id;
  guint n_keypoints;
  gfloat keypoints[2 * GST_GPU_DECODE_MAX_KEYPOINTS];
} GstGpuDetection;

/**
 * GstGpuAnchor:
 * @cx, @cy: centre, normalised to the network input ([0, 1])
 * @w, @h: size, normalised (1 with MediaPipe's fixed_anchor_size)
 */
typedef struct
{
  gfloat cx;
  gfloat cy;
  gfloat w;
  gfloat h;
} GstGpuAnchor;

/* One piece of an SSD output split over several tensors: @n_anchors rows
 * of @row values each, anchors in order. */
typedef struct
{
  const gfloat *data;
  guint n_anchors;
} GstGpuDecodePart;

/* Applies @activation to @n scores in place (softmax over all @n). */
void gst_gpu_decode_activate (
    gfloat *scores, guint n, GstGpuDecodeActivation activation);

/**
 * gst_gpu_decode_top_k:
 * @scores: @n class scores, higher is better (raw or activated: the
 *   activations keep the order); NaN counts as no score
 * @k: classes wanted at most
 * @threshold: classes scoring below it are left out (-INFINITY: none)
 * @classes: (out caller-allocates) (array length=k): class indexes, best
 *   first; equal scores keep the lower index first
 *
 * Returns: the number of classes written, at most @k.
 */
guint gst_gpu_decode_top_k (
    const gfloat *scores, guint n, guint k, gfloat threshold, guint *classes);

/* Number of anchors gst_gpu_decode_ssd_anchors() makes, computed without
 * making them (so absurd options cost nothing). */
guint64 gst_gpu_decode_ssd_anchor_count (guint input_width, guint input_height,
    const guint *strides, const guint *anchors_per_cell, guint n_layers);

/**
 * gst_gpu_decode_ssd_anchors:
 * @input_width, @input_height: network input, pixels
 * @strides, @anchors_per_cell: (array length=n_layers): one feature map per
 *   stride (grid of ceil(input / stride) cells), that many anchors per cell
 * @offset: anchor centre within its cell (0.5: the middle)
 * @anchors: (element-type GstGpuAnchor): emptied, then filled in the order
 *   the model's outputs use (layer, row, column, anchor)
 *
 * Anchors with fixed size 1 (MediaPipe's fixed_anchor_size), as BlazeFace
 * uses them.
 */
void gst_gpu_decode_ssd_anchors (guint input_width, guint input_height,
    const guint *strides, const guint *anchors_per_cell, guint n_layers,
    gfloat offset, GArray *anchors);

/**
 * gst_gpu_decode_ssd:
 * @scores, @n_score_parts: one score per anchor (innermost dimension 1),
 *   possibly split over several tensors, concatenated in order
 * @regressors, @n_regressor_parts: @row values per anchor: dx, dy, w, h,
 *   then (@row - 4) / 2 keypoints x, y, all in input pixels relative to
 *   the anchor (MediaPipe's box coder, scales = the input size)
 * @anchors: (element-type GstGpuAnchor): as many as the parts hold
 * @input_width, @input_height: network input, pixels
 * @activation: applied to each score (sigmoid for BlazeFace's logits)
 * @threshold: minimum score kept
 * @out: (element-type GstGpuDetection): detections are appended (class 0)
 *
 * Returns: FALSE when the parts do not hold one score and one regressor
 * row per anchor (nothing is appended then).
 */
gboolean gst_gpu_decode_ssd (const GstGpuDecodePart *scores,
    guint n_score_parts, const GstGpuDecodePart *regressors,
    guint n_regressor_parts, guint row, const GArray *anchors,
    guint input_width, guint input_height, GstGpuDecodeActivation activation,
    gfloat threshold, GArray *out);

/**
 * gst_gpu_decode_yolov5:
 * @data: @n_boxes rows of 5 + @n_classes values: cx, cy, w, h (input
 *   pixels), objectness, class scores
 * @activation: applied to objectness and class scores (softmax: to the
 *   class scores only, sigmoid to objectness)
 *
 * Appends to @out each box whose objectness × best class score reaches
 * @threshold, with that best class.
 */
void gst_gpu_decode_yolov5 (const gfloat *data, guint n_boxes, guint n_classes,
    GstGpuDecodeActivation activation, gfloat threshold, GArray *out);

/**
 * gst_gpu_decode_yolov8:
 * @data: 4 + @n_classes rows of @n_boxes values (transposed: row 0 holds
 *   every box's cx, row 1 cy, then w, h, then one row per class)
 *
 * Appends to @out each box whose best class score (after @activation)
 * reaches @threshold.
 */
void gst_gpu_decode_yolov8 (const gfloat *data, guint n_boxes, guint n_classes,
    GstGpuDecodeActivation activation, gfloat threshold, GArray *out);

/**
 * gst_gpu_decode_boxes:
 * @data: @n_boxes rows of x1, y1, x2, y2, score, class
 * @scale_x, @scale_y: multiply the coordinates (the input size when they
 *   are normalised, 1 when they are pixels)
 *
 * Appends to @out each box whose score (after @activation) reaches
 * @threshold; a class that is not a finite value in [0, G_MAXINT] becomes 0.
 */
void gst_gpu_decode_boxes (const gfloat *data, guint n_boxes, gfloat scale_x,
    gfloat scale_y, GstGpuDecodeActivation activation, gfloat threshold,
    GArray *out);

/* Intersection over union of two boxes; 0 when either is empty. */
gfloat gst_gpu_decode_iou (const GstGpuDetection *a, const GstGpuDetection *b);

/**
 * gst_gpu_decode_nms:
 * @dets: (element-type GstGpuDetection): sorted by score, best first, and
 *   reduced to the kept detections in place
 * @iou_threshold: a detection overlapping a kept one by more than this is
 *   suppressed
 * @class_agnostic: suppress across classes too (else only within a class)
 * @weighted: instead of dropping the suppressed detections, blend each
 *   kept box and its keypoints with them, weighted by score (MediaPipe's
 *   weighted NMS); the kept score stays
 * @max_detections: keep at most this many, 0 for no limit
 */
void gst_gpu_decode_nms (GArray *dets, gfloat iou_threshold,
    gboolean class_agnostic, gboolean weighted, guint max_detections);

/**
 * GstGpuDecodeGeometry:
 * @input_width, @input_height: the network input (the slot), pixels
 * @x, @y, @scaled_width, @scaled_height: where the frame went in the slot;
 *   @scaled_width 0 means the whole slot
 * @frame_width, @frame_height: the original frame, pixels
 */
typedef struct
{
  guint input_width;
  guint input_height;
  guint x;
  guint y;
  guint scaled_width;
  guint scaled_height;
  guint frame_width;
  guint frame_height;
} GstGpuDecodeGeometry;

/* Maps @det (box and keypoints) from network-input pixels to pixels of
 * the original frame, undoing the scaling and letterboxing described by
 * @geometry; the box is clipped to the frame. A geometry with a zero
 * size leaves @det as it is. */
void gst_gpu_decode_map_detection (
    GstGpuDetection *det, const GstGpuDecodeGeometry *geometry);

/**
 * gst_gpu_decode_parse_uint_list:
 * @str: comma-separated positive integers, e.g. "8,16"
 * @values: (out caller-allocates) (array length=max): the values
 *
 * Returns: how many were read, 0 when @str is empty, malformed, holds a 0
 * or more than @max values.
 */
guint gst_gpu_decode_parse_uint_list (
    const gchar *str, guint *values, guint max);

G_END_DECLS
