/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpudecode on a real model in a real pipeline: videotestsrc -> gpubatch
 * -> gpuinfer (mobilenet_v3_small.onnx, engine auto) -> gpudecode
 * mode=classify with a labels file -> appsink. Each item's top-k must be
 * the arg-sorted logits of the same batch, read from the tensors the
 * results came with, the confidences their softmax, and the labels the
 * lines of the file for those classes.
 */
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpuresultsmeta.h"

#define N_CLASSES 1000
#define TOP_K 5

static const gfloat *sort_logits;

/* best first, equal logits by index */
static gint
by_logit (gconstpointer pa, gconstpointer pb)
{
  guint a = *(const guint *)pa, b = *(const guint *)pb;

  if (sort_logits[a] != sort_logits[b])
    return sort_logits[a] > sort_logits[b] ? -1 : 1;
  return a < b ? -1 : 1;
}

/* Checks the results of @slot against its logits; returns how many
 * results the slot had. */
static guint
check_slot (GstGpuResultsMeta *results, guint slot, const gfloat *logits)
{
  guint order[N_CLASSES], i, n;
  const GstGpuResult *r = gst_gpu_results_meta_get_slot (results, slot, &n);
  gdouble max = -INFINITY, sum = 0.0;
  gchar *label;

  for (i = 0; i < N_CLASSES; i++) {
    order[i] = i;
    max = MAX (max, logits[i]);
  }
  for (i = 0; i < N_CLASSES; i++)
    sum += exp (logits[i] - max);
  sort_logits = logits;
  qsort (order, N_CLASSES, sizeof (guint), by_logit);

  fail_unless_equals_int (n, TOP_K);
  for (i = 0; i < n; i++) {
    gdouble want = exp (logits[order[i]] - max) / sum;

    fail_unless_equals_int (r[i].kind, GST_GPU_RESULT_CLASS);
    fail_unless_equals_int (r[i].class_id, (gint)order[i]);
    label = g_strdup_printf ("label %u", order[i]);
    fail_unless_equals_string (g_quark_to_string (r[i].label), label);
    g_free (label);
    fail_unless (fabs (r[i].confidence - want) <= 1e-6 * want,
        "slot %u rank %u: confidence %g, softmax %g", slot, i, r[i].confidence,
        want);
  }
  GST_INFO ("slot %u: top class %u, logit %g, confidence %g", slot, order[0],
      logits[order[0]], r[0].confidence);
  return n;
}

GST_START_TEST (test_classify_mobilenet_matches_logits)
{
  gchar *model
      = g_build_filename (GPUINFER_MODELS_DIR, "mobilenet_v3_small.onnx", NULL);
  gchar *labels_path = NULL, *desc;
  GString *labels = g_string_new (NULL);
  GstElement *pipeline, *sink;
  GstSample *sample;
  guint items = 0, slot, i;
  gint fd;

  for (i = 0; i < N_CLASSES; i++)
    g_string_append_printf (labels, "label %u\n", i);
  fd = g_file_open_tmp ("gpudecode-labels-XXXXXX.txt", &labels_path, NULL);
  fail_unless (fd >= 0);
  close (fd);
  fail_unless (
      g_file_set_contents (labels_path, labels->str, labels->len, NULL));
  desc = g_strdup_printf (
      "videotestsrc num-buffers=6 pattern=ball ! "
      "video/x-raw,width=160,height=120 ! "
      "gpubatch max-batch-size=4 width=224 height=224 adaptive=false ! "
      "gpuinfer model=%s ! gpudecode mode=classify top-k=%d labels=\"%s\" "
      "score-threshold=0 ! appsink name=sink sync=false",
      model, TOP_K, labels_path);
  pipeline = gst_parse_launch (desc, NULL);

  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);

  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);
    GstGpuResultsMeta *results = gst_buffer_get_gpu_results_meta (buf);
    GstMapInfo map;

    fail_unless (meta != NULL && results != NULL);
    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    fail_unless_equals_uint64 (
        map.size, (guint64)meta->n_slots * N_CLASSES * sizeof (gfloat));
    for (slot = 0; slot < meta->n_valid; slot++)
      check_slot (
          results, slot, (const gfloat *)map.data + (gsize)slot * N_CLASSES);
    fail_unless_equals_int (results->results->len, meta->n_valid * TOP_K);
    items += meta->n_valid;
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  fail_unless_equals_int (items, 6);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_unlink (labels_path);
  g_free (labels_path);
  g_string_free (labels, TRUE);
  g_free (desc);
  g_free (model);
}

GST_END_TEST;

static Suite *
gpudecodemodel_suite (void)
{
  Suite *s = suite_create ("gpudecodemodel");
  TCase *tc = tcase_create ("model");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_classify_mobilenet_matches_logits);
  return s;
}

GST_CHECK_MAIN (gpudecodemodel);
