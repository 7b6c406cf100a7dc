/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuunbatch output=frames behind a real model: videotestsrc x2 ->
 * gpubatch keep-frames=true -> gpuinfer (mobilenet_v3_small.onnx) ->
 * gpudecode mode=classify -> gpuunbatch output=frames -> sinks. Every
 * frame comes back, unchanged, with its top-k classes as standard
 * GstVideoRegionOfInterestMeta read with GstVideo's API only.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/video/video.h>

#include "gpuunbatchtest.h"

#define MODEL_SOURCES 2
#define MODEL_FRAMES 4
#define TOP_K 3

static const guint model_width[MODEL_SOURCES] = { 160, 96 };

typedef struct
{
  GMutex lock;
  guint n[MODEL_SOURCES];
  guint bad_caps[MODEL_SOURCES];
  guint bad_roi[MODEL_SOURCES];
  guint rois[MODEL_SOURCES];
} ModelSeen;

/* A classification of the whole frame: the frame's rectangle, roi_type
 * "class-N" matching its class-id, a confidence in [0, 1]. */
static gboolean
roi_is_class (GstVideoRegionOfInterestMeta *roi, guint width, guint height)
{
  GstStructure *s
      = gst_video_region_of_interest_meta_get_param (roi, "classification");
  gdouble confidence = -1.0;
  gint class_id = -1;
  gchar *type;
  gboolean ok;

  if (s == NULL || !gst_structure_get_double (s, "confidence", &confidence)
      || !gst_structure_get_int (s, "class-id", &class_id))
    return FALSE;
  type = g_strdup_printf ("class-%d", class_id);
  ok = roi->x == 0 && roi->y == 0 && roi->w == width && roi->h == height
       && g_strcmp0 (g_quark_to_string (roi->roi_type), type) == 0
       && confidence >= 0.0 && confidence <= 1.0;
  g_free (type);
  return ok;
}

static void
on_model_handoff (
    GstElement *sink, GstBuffer *buffer, GstPad *pad, ModelSeen *seen)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo info;
  gpointer state = NULL;
  GstMeta *meta;
  guint src = 0, n = 0, bad = 0;

  if (sscanf (GST_OBJECT_NAME (sink), "sink%u", &src) != 1
      || src >= MODEL_SOURCES || caps == NULL
      || !gst_video_info_from_caps (&info, caps)) {
    gst_clear_caps (&caps);
    return;
  }
  while ((meta = gst_buffer_iterate_meta_filtered (
              buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    n++;
    bad += !roi_is_class ((GstVideoRegionOfInterestMeta *)meta,
        GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
  }
  g_mutex_lock (&seen->lock);
  seen->n[src]++;
  seen->bad_caps[src]
      += (guint)GST_VIDEO_INFO_WIDTH (&info) != model_width[src];
  seen->bad_roi[src] += bad + (n != TOP_K);
  seen->rois[src] += n;
  g_mutex_unlock (&seen->lock);
  gst_caps_unref (caps);
}

GST_START_TEST (test_frames_carry_classes_of_a_real_model)
{
  gchar *model
      = g_build_filename (GPUINFER_MODELS_DIR, "mobilenet_v3_small.onnx", NULL);
  GString *desc = g_string_new (NULL);
  GstElement *pipeline;
  ModelSeen seen;
  guint s;

  memset (&seen, 0, sizeof (seen));
  g_mutex_init (&seen.lock);
  for (s = 0; s < MODEL_SOURCES; s++)
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=ball ! video/x-raw, "
        "format=RGB, width=%u, height=%u, framerate=30/1 ! b.sink_%u ",
        MODEL_FRAMES, model_width[s], model_width[s] * 3 / 4, s);
  g_string_append_printf (desc,
      "gpubatch name=b max-batch-size=2 width=224 height=224 adaptive=false "
      "keep-frames=true ! gpuinfer model=%s ! gpudecode mode=classify "
      "top-k=%d score-threshold=0 ! gpuunbatch name=u output=frames",
      model, TOP_K);
  pipeline = parse_with_sinks (desc, MODEL_SOURCES);
  connect_handoffs (
      pipeline, MODEL_SOURCES, G_CALLBACK (on_model_handoff), &seen);

  run_to_eos (pipeline);

  for (s = 0; s < MODEL_SOURCES; s++) {
    fail_unless_equals_int (seen.n[s], MODEL_FRAMES);
    fail_unless_equals_int (seen.bad_caps[s], 0);
    fail_unless_equals_int (seen.bad_roi[s], 0);
    fail_unless_equals_int (seen.rois[s], MODEL_FRAMES * TOP_K);
  }

  gst_object_unref (pipeline);
  g_mutex_clear (&seen.lock);
  g_free (model);
}

GST_END_TEST;

static Suite *
gpuunbatchmodel_suite (void)
{
  Suite *s = suite_create ("gpuunbatch-model");
  TCase *tc = tcase_create ("model");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frames_carry_classes_of_a_real_model);
  return s;
}

GST_CHECK_MAIN (gpuunbatchmodel);
