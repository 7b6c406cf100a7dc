/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuResultsMeta: what a decoder read out of a batch's output tensors,
 * per slot: boxes (with keypoints) and whole-frame classes, in the pixels
 * of each slot's original frame. gpuunbatch turns them into standard
 * GstVideoRegionOfInterestMeta on the frames it pushes.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  GST_GPU_RESULT_BOX,
  GST_GPU_RESULT_CLASS,
} GstGpuResultKind;

#define GST_GPU_RESULT_MAX_KEYPOINTS 17

/**
 * GstGpuResult:
 * @slot: batch slot the result belongs to
 * @kind: a box, or a class of the whole frame
 * @class_id: index of the class in the model's output
 * @label: the class's name from the labels file, 0 without one
 * @confidence: score in [0, 1]
 * @x, @y, @width, @height: box, in pixels of the original frame (kind BOX;
 *   for kind CLASS the whole frame)
 * @n_keypoints: number of (x, y) pairs in @keypoints
 * @keypoints: points in pixels of the original frame
 */
typedef struct
{
  guint slot;
  GstGpuResultKind kind;
  gint class_id;
  GQuark label;
  gfloat confidence;
  gfloat x;
  gfloat y;
  gfloat width;
  gfloat height;
  guint n_keypoints;
  gfloat keypoints[2 * GST_GPU_RESULT_MAX_KEYPOINTS];
} GstGpuResult;

/**
 * GstGpuResultsMeta:
 * @results: (element-type GstGpuResult): every result of the batch, in
 *   slot order
 */
typedef struct
{
  GstMeta meta;
  GArray *results;
} GstGpuResultsMeta;

GType gst_gpu_results_meta_api_get_type (void);
#define GST_GPU_RESULTS_META_API_TYPE (gst_gpu_results_meta_api_get_type ())
const GstMetaInfo *gst_gpu_results_meta_get_info (void);
#define GST_GPU_RESULTS_META_INFO (gst_gpu_results_meta_get_info ())

#define gst_buffer_get_gpu_results_meta(b)                                     \
  ((GstGpuResultsMeta *)gst_buffer_get_meta (                                  \
      (b), GST_GPU_RESULTS_META_API_TYPE))

/* Returns: (transfer none): the buffer's results meta, added empty when it
 * had none. */
GstGpuResultsMeta *gst_buffer_add_gpu_results_meta (GstBuffer *buffer);

/* Appends a copy of @result; results must be added in slot order. */
void gst_gpu_results_meta_add (
    GstGpuResultsMeta *meta, const GstGpuResult *result);

/* Returns: (transfer none): the results of @slot, @n_results of them
 * (NULL and 0 when the slot has none). */
const GstGpuResult *gst_gpu_results_meta_get_slot (
    const GstGpuResultsMeta *meta, guint slot, guint *n_results);

/* Name of the GstStructure a result becomes in the params of its
 * GstVideoRegionOfInterestMeta: "detection" for a box, "classification"
 * for a class of the whole frame. */
#define GST_GPU_RESULT_DETECTION_NAME "detection"
#define GST_GPU_RESULT_CLASSIFICATION_NAME "classification"

/**
 * gst_gpu_result_to_roi_meta:
 * @result: a result of the slot @buffer was in
 * @buffer: the writable original frame
 *
 * Adds one GstVideoRegionOfInterestMeta to @buffer: the box (clamped to
 * the frame of @frame_width x @frame_height; the whole frame for a class),
 * roi_type the label (or "class-N" without labels), id its index among
 * the frame's region-of-interest metas (0, 1, ..., so that
 * gst_buffer_get_video_region_of_interest_meta_id () finds each), and one param
 * structure, "detection" or "classification", with fields `confidence`
 * (double), `class-id` (int), `label` (string) and, for boxes with
 * keypoints, `keypoints` (GstValueArray of x, y, x, y, ... doubles in frame
 * pixels).
 *
 * Returns: FALSE when the meta could not be added.
 */
gboolean gst_gpu_result_to_roi_meta (const GstGpuResult *result,
    GstBuffer *buffer, guint frame_width, guint frame_height);

/* The label of @result: its label quark's string, or "class-N". Returns
 * (transfer full). */
gchar *gst_gpu_result_dup_label (const GstGpuResult *result);

G_END_DECLS
