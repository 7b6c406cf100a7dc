/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuinfer against references computed by python3-torch at build time
 * (tests/models/gen_models.py): outputs within 1e-4 for batches of 1, 3 of
 * 8 and 8, for a one-input model and a two-input/two-output model; slot
 * skipping; batch meta carried over; every failure path.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <gst/app/gstappsrc.h>

#include "gst/gstgpubatchmeta.h"
#include "gpuinfertest.h"
#include "tests/check/common/elementcheck.h"

#define TOLERANCE 1e-4f
#define GARBAGE 1.0e30f
#define REF_BATCH 8

#define SINGLE_IN 16
#define SINGLE_OUT 4
#define TWO_A 6
#define TWO_B 6
#define TWO_Y 5
#define TWO_Z 6

/* reference data written by gen_models.py: float32, [8, ...] */
static gfloat *
load_raw (const gchar *name, gsize n_floats)
{
  gchar *path = model_path (name);
  gchar *data = NULL;
  gsize len = 0;

  fail_unless (
      g_file_get_contents (path, &data, &len, NULL), "cannot read %s", path);
  fail_unless_equals_uint64 (len, n_floats * sizeof (gfloat));
  g_free (path);
  return (gfloat *)data;
}

/* harness around a started gpuinfer with negotiated input caps; takes
 * @e's reference (the harness keeps its own) */
static GstHarness *
setup_harness (GstElement *e, const gchar *caps)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");

  gst_object_unref (e);

  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* Field @field of @h's negotiated output caps reads @expected. */
static void
check_output_field (GstHarness *h, const gchar *field, const gchar *expected)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  fail_unless (caps != NULL);
  fail_unless_equals_string (
      gst_structure_get_string (gst_caps_get_structure (caps, 0), field),
      expected);
  gst_caps_unref (caps);
}

/* A batch of @n_slots built from the reference items; slots at or past
 * @n_valid (and cache hits) hold garbage the model must never see. */
static GstBuffer *
make_batch (guint n_slots, guint n_valid, const gfloat **refs,
    const gsize *item_floats, guint n_tensors, gboolean one_memory_each,
    const GstGpuSlotStatus *status)
{
  GstBuffer *buf = gst_buffer_new ();
  GstGpuBatchMeta *meta;
  guint t, s;
  gsize i;

  for (t = 0; t < n_tensors; t++) {
    gsize item = item_floats[t];
    gfloat *data = g_new (gfloat, item * n_slots);

    for (s = 0; s < n_slots; s++) {
      gboolean live
          = s < n_valid && (!status || status[s] == GST_GPU_SLOT_STATUS_OK);
      for (i = 0; i < item; i++)
        data[s * item + i] = live ? refs[t][s * item + i] : GARBAGE;
    }
    gst_buffer_append_memory (
        buf, gst_memory_new_wrapped (0, data, item * n_slots * sizeof (gfloat),
                 0, item * n_slots * sizeof (gfloat), data, g_free));
  }
  if (!one_memory_each && n_tensors > 1) {
    GstMemory *merged = gst_buffer_get_all_memory (buf);
    gst_buffer_remove_all_memory (buf);
    gst_buffer_append_memory (buf, merged);
  }

  meta = gst_buffer_add_gpu_batch_meta (buf, n_slots);
  meta->n_valid = n_valid;
  for (s = 0; s < n_slots; s++) {
    meta->slots[s].pad_index = s % 3;
    meta->slots[s].pts = s * GST_MSECOND;
    if (status && s < n_valid)
      meta->slots[s].status = status[s];
  }
  GST_BUFFER_PTS (buf) = 0;
  return buf;
}

/* Checks the output tensors (back to back in @out) slot by slot: computed
 * slots against the reference, every other slot zero. */
static void
check_outputs (GstBuffer *out, guint n_slots, guint n_valid,
    const gfloat **refs, const gsize *item_floats, guint n_tensors,
    const GstGpuSlotStatus *status)
{
  GstMapInfo map;
  const gfloat *p;
  gsize expected = 0, i;
  guint t, s;

  for (t = 0; t < n_tensors; t++)
    expected += item_floats[t] * n_slots * sizeof (gfloat);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, expected);
  p = (const gfloat *)map.data;
  for (t = 0; t < n_tensors; t++) {
    gsize item = item_floats[t];
    for (s = 0; s < n_slots; s++) {
      gboolean computed
          = s < n_valid && (!status || status[s] == GST_GPU_SLOT_STATUS_OK);
      for (i = 0; i < item; i++) {
        gfloat got = p[s * item + i];
        gfloat want = computed ? refs[t][s * item + i] : 0.0f;
        fail_unless (fabsf (got - want) <= TOLERANCE,
            "tensor %u slot %u element %" G_GSIZE_FORMAT ": got %g, "
            "reference %g",
            t, s, i, got, want);
      }
    }
    p += item * n_slots;
  }
  gst_buffer_unmap (out, &map);
}

static void
run_single (guint n_slots, guint n_valid)
{
  gfloat *in = load_raw ("single-in.raw", REF_BATCH * SINGLE_IN);
  gfloat *ref = load_raw ("single-out.raw", REF_BATCH * SINGLE_OUT);
  const gfloat *ins[] = { in };
  const gfloat *refs[] = { ref };
  const gsize in_items[] = { SINGLE_IN };
  const gsize out_items[] = { SINGLE_OUT };
  gchar *dims = g_strdup_printf ("16:%u", n_slots);
  gchar *caps = tensors_caps (1, dims, "float32");
  GstHarness *h = setup_harness (make_infer ("single.pt", NULL), caps);
  GstBuffer *out;

  fail_unless_equals_int (
      gst_harness_push (
          h, make_batch (n_slots, n_valid, ins, in_items, 1, TRUE, NULL)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  check_outputs (out, n_slots, n_valid, refs, out_items, 1, NULL);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (caps);
  g_free (dims);
  g_free (in);
  g_free (ref);
}

GST_START_TEST (test_single_batch_1_matches_reference)
{
  run_single (1, 1);
}

GST_END_TEST;

GST_START_TEST (test_single_batch_3_of_8_matches_reference)
{
  run_single (8, 3);
}

GST_END_TEST;

GST_START_TEST (test_single_batch_8_matches_reference)
{
  run_single (8, 8);
}

GST_END_TEST;

/* Input and output are mapped as a whole for the engine: every map must be
 * undone with the call that gives its memory reference back, or each batch
 * leaks one (the pools' memory then outlives the pipeline). */
GST_START_TEST (test_chain_returns_every_memory_reference)
{
  gfloat *in = load_raw ("single-in.raw", REF_BATCH * SINGLE_IN);
  const gfloat *ins[] = { in };
  const gsize in_items[] = { SINGLE_IN };
  gchar *caps = tensors_caps (1, "16:8", "float32");
  GstHarness *h = setup_harness (make_infer ("single.pt", NULL), caps);
  GstBuffer *batch = make_batch (8, 8, ins, in_items, 1, TRUE, NULL);
  GstBuffer *out;

  fail_unless_equals_int (gst_buffer_n_memory (batch), 1);
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_ref (batch)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (gst_buffer_n_memory (out), 1);
  fail_unless_equals_int (
      GST_MINI_OBJECT_REFCOUNT_VALUE (gst_buffer_peek_memory (batch, 0)), 1);
  fail_unless_equals_int (
      GST_MINI_OBJECT_REFCOUNT_VALUE (gst_buffer_peek_memory (out, 0)), 1);

  gst_buffer_unref (out);
  gst_buffer_unref (batch);
  gst_harness_teardown (h);
  g_free (caps);
  g_free (in);
}

GST_END_TEST;

/* two-input/two-output model: caps tensor 0 is a [N,6], tensor 1 b [N,2,3];
 * outputs y [N,5] then z [N,2,3] */
static void
run_two (guint n_slots, guint n_valid, gboolean one_memory_each,
    const GstGpuSlotStatus *status, GstHarness **keep)
{
  gfloat *a = load_raw ("two-in-a.raw", REF_BATCH * TWO_A);
  gfloat *b = load_raw ("two-in-b.raw", REF_BATCH * TWO_B);
  gfloat *y = load_raw ("two-out-y.raw", REF_BATCH * TWO_Y);
  gfloat *z = load_raw ("two-out-z.raw", REF_BATCH * TWO_Z);
  const gfloat *ins[] = { a, b };
  const gfloat *refs[] = { y, z };
  const gsize in_items[] = { TWO_A, TWO_B };
  const gsize out_items[] = { TWO_Y, TWO_Z };
  gchar *dims = g_strdup_printf ("6:%u,3:2:%u", n_slots, n_slots);
  gchar *caps = tensors_caps (2, dims, "float32,float32");
  GstHarness *h = setup_harness (make_infer ("two.pt", NULL), caps);
  GstBuffer *out;

  fail_unless_equals_int (
      gst_harness_push (h, make_batch (n_slots, n_valid, ins, in_items, 2,
                               one_memory_each, status)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  check_outputs (out, n_slots, n_valid, refs, out_items, 2, status);

  gst_buffer_unref (out);
  if (keep)
    *keep = h;
  else
    gst_harness_teardown (h);
  g_free (caps);
  g_free (dims);
  g_free (a);
  g_free (b);
  g_free (y);
  g_free (z);
}

GST_START_TEST (test_two_io_batch_1_matches_reference)
{
  run_two (1, 1, TRUE, NULL, NULL);
}

GST_END_TEST;

GST_START_TEST (test_two_io_batch_3_of_8_matches_reference)
{
  run_two (8, 3, FALSE, NULL, NULL);
}

GST_END_TEST;

GST_START_TEST (test_two_io_batch_8_matches_reference)
{
  run_two (8, 8, TRUE, NULL, NULL);
}

GST_END_TEST;

GST_START_TEST (test_two_io_output_caps_from_description)
{
  GstHarness *h = NULL;

  run_two (8, 8, TRUE, NULL, &h);
  check_output_field (h, "dimensions", "5:8,3:2:8");
  check_output_field (h, "types", "float32,float32");
  gst_harness_teardown (h);
}

GST_END_TEST;

/* input-names / output-names: feed b as caps tensor 0, push z first */
GST_START_TEST (test_names_map_tensors_to_model_io)
{
  gfloat *a = load_raw ("two-in-a.raw", REF_BATCH * TWO_A);
  gfloat *b = load_raw ("two-in-b.raw", REF_BATCH * TWO_B);
  gfloat *y = load_raw ("two-out-y.raw", REF_BATCH * TWO_Y);
  gfloat *z = load_raw ("two-out-z.raw", REF_BATCH * TWO_Z);
  const gfloat *ins[] = { b, a };
  const gfloat *refs[] = { z, y };
  const gsize in_items[] = { TWO_B, TWO_A };
  const gsize out_items[] = { TWO_Z, TWO_Y };
  gchar *caps = tensors_caps (2, "3:2:8,6:8", "float32,float32");
  GstElement *e = make_infer ("two.pt", NULL);
  GstHarness *h;
  GstBuffer *out;

  GValue names = G_VALUE_INIT, v = G_VALUE_INIT;

  /* an application's GstValueArray, and gst-launch syntax */
  g_value_init (&names, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, "b");
  gst_value_array_append_value (&names, &v);
  g_value_set_string (&v, "a");
  gst_value_array_append_value (&names, &v);
  g_object_set_property (G_OBJECT (e), "input-names", &names);
  g_value_unset (&v);
  g_value_unset (&names);
  gst_util_set_object_arg (G_OBJECT (e), "output-names", "<z, y>");
  h = setup_harness (e, caps);
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (8, 8, ins, in_items, 2, TRUE, NULL)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  check_outputs (out, 8, 8, refs, out_items, 2, NULL);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (caps);
  g_free (a);
  g_free (b);
  g_free (y);
  g_free (z);
}

GST_END_TEST;

/* Cache-hit slots are not forwarded through the engine: compacted,
 * computed, scattered back; their outputs stay zero for the cache's store
 * side to fill. */
GST_START_TEST (test_cache_hit_slots_are_skipped)
{
  const GstGpuSlotStatus status[8] = {
    GST_GPU_SLOT_STATUS_OK,
    GST_GPU_SLOT_STATUS_CACHE_HIT,
    GST_GPU_SLOT_STATUS_OK,
    GST_GPU_SLOT_STATUS_OK,
    GST_GPU_SLOT_STATUS_CACHE_HIT,
    GST_GPU_SLOT_STATUS_OK,
    GST_GPU_SLOT_STATUS_CACHE_HIT,
    GST_GPU_SLOT_STATUS_OK,
  };
  GstHarness *h = NULL;

  run_two (8, 8, TRUE, status, &h);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-computed"), 5);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-cached"), 3);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-in"), 8);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_partial_batch_computes_valid_slots_only)
{
  GstHarness *h = NULL;

  run_two (8, 3, TRUE, NULL, &h);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-computed"), 3);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "batches"), 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_batch_meta_is_carried_over)
{
  gfloat *in = load_raw ("single-in.raw", REF_BATCH * SINGLE_IN);
  const gfloat *ins[] = { in };
  const gsize in_items[] = { SINGLE_IN };
  const GstGpuSlotStatus status[8] = {
    GST_GPU_SLOT_STATUS_OK,
    GST_GPU_SLOT_STATUS_CACHE_HIT,
    GST_GPU_SLOT_STATUS_OK,
    GST_GPU_SLOT_STATUS_DROPPED,
    GST_GPU_SLOT_STATUS_OK,
  };
  gchar *caps = tensors_caps (1, "16:8", "float32");
  GstHarness *h = setup_harness (make_infer ("single.pt", NULL), caps);
  GstGpuBatchMeta *meta;
  GstBuffer *out;
  guint s;

  fail_unless_equals_int (
      gst_harness_push (h, make_batch (8, 5, ins, in_items, 1, TRUE, status)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_gpu_batch_meta (out);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->n_slots, 8);
  fail_unless_equals_int (meta->n_valid, 5);
  for (s = 0; s < 5; s++) {
    fail_unless_equals_int (meta->slots[s].status, status[s]);
    fail_unless_equals_int (meta->slots[s].pad_index, s % 3);
    fail_unless_equals_uint64 (meta->slots[s].pts, s * GST_MSECOND);
  }
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-computed"), 3);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (caps);
  g_free (in);
}

GST_END_TEST;

/* No description in the file: the output shape comes from a probe pass. */
GST_START_TEST (test_undescribed_model_outputs_found_by_probe)
{
  gfloat *in = load_raw ("single-in.raw", REF_BATCH * SINGLE_IN);
  gfloat *ref = load_raw ("single-out.raw", REF_BATCH * SINGLE_OUT);
  const gfloat *ins[] = { in };
  const gfloat *refs[] = { ref };
  const gsize in_items[] = { SINGLE_IN };
  const gsize out_items[] = { SINGLE_OUT };
  gchar *caps = tensors_caps (1, "16:8", "float32");
  GstHarness *h = setup_harness (make_infer ("single-nodesc.pt", NULL), caps);
  GstBuffer *out;

  check_output_field (h, "dimensions", "4:8");

  /* same weights as single.pt: same seed, same construction order */
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (8, 8, ins, in_items, 1, TRUE, NULL)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  check_outputs (out, 8, 8, refs, out_items, 1, NULL);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (caps);
  g_free (in);
  g_free (ref);
}

GST_END_TEST;

/* Outputs returned as a dict are named by its keys; output-names picks
 * one of them. */
GST_START_TEST (test_dict_outputs_selected_by_name)
{
  const gfloat x[8] = { 1, 2, 3, 4, -1, 0.5f, 0.25f, 8 };
  gchar *caps = tensors_caps (1, "4:2", "float32");
  GstElement *e = make_infer ("dict.pt", NULL);
  GstHarness *h;
  GstBuffer *out;
  GstMapInfo map;
  const gfloat *sum;

  gst_util_set_object_arg (G_OBJECT (e), "output-names", "<sum>");
  h = setup_harness (e, caps);
  check_output_field (h, "dimensions", "1:2");

  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_memdup (x, sizeof (x))), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, 2 * sizeof (gfloat));
  sum = (const gfloat *)map.data;
  fail_unless (fabsf (sum[0] - 10.0f) <= TOLERANCE, "got %g", sum[0]);
  fail_unless (fabsf (sum[1] - 7.75f) <= TOLERANCE, "got %g", sum[1]);
  gst_buffer_unmap (out, &map);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (caps);
}

GST_END_TEST;

/* A plain tensor stream one rank short of the model, no batch meta: a
 * batch of one. */
GST_START_TEST (test_stream_without_meta_is_batch_of_one)
{
  gfloat *in = load_raw ("single-in.raw", REF_BATCH * SINGLE_IN);
  gfloat *ref = load_raw ("single-out.raw", REF_BATCH * SINGLE_OUT);
  const gfloat *refs[] = { ref };
  const gsize out_items[] = { SINGLE_OUT };
  gchar *caps = tensors_caps (1, "16", "float32");
  GstHarness *h = setup_harness (make_infer ("single.pt", NULL), caps);
  GstBuffer *buf, *out;

  buf = gst_buffer_new_memdup (in, SINGLE_IN * sizeof (gfloat));
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  check_outputs (out, 1, 1, refs, out_items, 1, NULL);
  fail_unless (gst_buffer_get_gpu_batch_meta (out) == NULL);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (caps);
  g_free (in);
  g_free (ref);
}

GST_END_TEST;

GST_START_TEST (test_stats_report_batches_and_device)
{
  GstHarness *h = NULL;
  GstStructure *s = NULL;
  gdouble avg = 0, p50 = -1, frac = -1;

  run_two (8, 3, TRUE, NULL, &h);
  g_object_get (h->element, "stats", &s, NULL);
  fail_unless (gst_structure_get_double (s, "average-batch", &avg));
  fail_unless (fabs (avg - 3.0) < 1e-9);
  fail_unless (gst_structure_get_double (s, "latency-p50-us", &p50));
  fail_unless (p50 > 0);
  fail_unless (gst_structure_get_double (s, "engine-fraction", &frac));
  fail_unless (frac > 0 && frac <= 1.0);
  fail_unless_equals_string (gst_structure_get_string (s, "device"), "cpu");
  fail_unless_equals_string (gst_structure_get_string (s, "engine"), "torch");
  gst_structure_free (s);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* --- optimisation, warm-up ---------------------------------------------- */

/* Runs @model_name on one batch (no meta: every slot an item) and returns
 * a copy of the output buffer's bytes. */
static GBytes *
run_once (const gchar *model_name, gboolean optimize, const gchar *caps,
    const gfloat *input, gsize n_floats)
{
  GstElement *e = make_infer (model_name, NULL);
  GstHarness *h;
  GBytes *bytes;

  g_object_set (e, "optimize", optimize, NULL);
  h = setup_harness (e, caps);
  bytes = push_and_pull_bytes (h, input, n_floats);
  gst_harness_teardown (h);
  return bytes;
}

/* The frozen, optimised model computes what the model as saved computes,
 * within 1e-4, on a random batch whose outputs reach at least 100 times
 * that (so that the bound can fail). */
static void
check_optimized_matches (
    const gchar *model_name, const gchar *dims, guint n_tensors, gsize n_floats)
{
  const gchar *types = n_tensors == 1 ? "float32" : "float32,float32";
  gchar *caps = tensors_caps (n_tensors, dims, types);
  gfloat *input = g_new (gfloat, n_floats);
  GRand *rand = g_rand_new_with_seed (1234);
  GBytes *opt, *plain;
  const gfloat *a, *b;
  gfloat largest = 0;
  gsize i, n, size;

  for (i = 0; i < n_floats; i++)
    input[i] = (gfloat)g_rand_double_range (rand, -2.0, 2.0);
  opt = run_once (model_name, TRUE, caps, input, n_floats);
  plain = run_once (model_name, FALSE, caps, input, n_floats);
  fail_unless_equals_uint64 (g_bytes_get_size (opt), g_bytes_get_size (plain));
  a = g_bytes_get_data (opt, &size);
  b = g_bytes_get_data (plain, NULL);
  n = size / sizeof (gfloat);
  for (i = 0; i < n; i++) {
    fail_unless (fabsf (a[i] - b[i]) <= TOLERANCE,
        "%s: output %" G_GSIZE_FORMAT " optimised %g, as saved %g", model_name,
        i, a[i], b[i]);
    largest = MAX (largest, fabsf (b[i]));
  }
  fail_unless (largest >= 100 * TOLERANCE,
      "%s: outputs of at most %g cannot test a tolerance of %g", model_name,
      largest, TOLERANCE);
  GST_INFO ("%s: %" G_GSIZE_FORMAT " outputs agree", model_name, n);
  g_bytes_unref (opt);
  g_bytes_unref (plain);
  g_rand_free (rand);
  g_free (input);
  g_free (caps);
}

GST_START_TEST (test_optimized_matches_unoptimized_test_models)
{
  check_optimized_matches ("single.pt", "16:4", 1, 16 * 4);
  check_optimized_matches ("single-nodesc.pt", "16:4", 1, 16 * 4);
  check_optimized_matches ("two.pt", "6:4,3:2:4", 2, (6 + 6) * 4);
  check_optimized_matches ("dict.pt", "4:4", 1, 4 * 4);
  check_optimized_matches ("raising.pt", "4:4", 1, 4 * 4);
  check_optimized_matches ("unfreezable.pt", "4:4", 1, 4 * 4);
}

GST_END_TEST;

#ifdef GPUINFER_HAVE_CLASSIFY_MODELS
GST_START_TEST (test_optimized_matches_unoptimized_classifiers)
{
  check_optimized_matches (
      "mobilenet_v3_small.pt", "224:224:3:2", 1, 224 * 224 * 3 * 2);
  check_optimized_matches ("resnet18.pt", "224:224:3:2", 1, 224 * 224 * 3 * 2);
}

GST_END_TEST;
#endif

/* Pops every WARNING on @bus; returns how many name each of @needles. */
static guint
count_warnings (GstBus *bus, const gchar *const *needles)
{
  GstMessage *msg;
  guint n = 0, i;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gchar *dbg = NULL, *all;
    gboolean all_found = TRUE;

    gst_message_parse_warning (msg, &err, &dbg);
    all = g_strdup_printf ("%s | %s", err->message, GST_STR_NULL (dbg));
    for (i = 0; needles[i]; i++)
      all_found = all_found && strstr (all, needles[i]) != NULL;
    fail_unless (all_found, "warning '%s' lacks a needle", all);
    n++;
    g_free (all);
    g_free (dbg);
    g_error_free (err);
    gst_message_unref (msg);
  }
  return n;
}

GST_START_TEST (test_unfreezable_model_loads_with_one_warning)
{
  const gchar *needles[]
      = { "unfreezable.pt", "unoptimised", "ModuleContainerIndex", NULL };
  const gfloat in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  gboolean optimize[] = { TRUE, FALSE };
  guint k, i;

  for (k = 0; k < G_N_ELEMENTS (optimize); k++) {
    GstBus *bus = gst_bus_new ();
    GstElement *e = make_infer ("unfreezable.pt", bus);
    gchar *caps = tensors_caps (1, "4:2", "float32");
    GstHarness *h;
    GstBuffer *out;
    GstMapInfo map;

    g_object_set (e, "optimize", optimize[k], NULL);
    h = setup_harness (e, caps);
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_new_memdup (in, sizeof (in))),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
    for (i = 0; i < 8; i++)
      fail_unless_equals_float (((const gfloat *)map.data)[i], 2.0f * in[i]);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    /* one warning when asked to optimise, none when not */
    fail_unless_equals_int (count_warnings (bus, needles), optimize[k] ? 1 : 0);

    gst_harness_teardown (h);
    drop_bus (bus);
    g_free (caps);
  }
}

GST_END_TEST;

GST_START_TEST (test_warmup_runs_at_caps_and_is_reported)
{
  gchar *caps = tensors_caps (1, "16:8", "float32");
  GstHarness *h = setup_harness (make_infer ("single.pt", NULL), caps);
  GstStructure *s = NULL;
  gdouble warmup = 0;
  guint64 batches = 1;

  /* caps alone: the warm-up has run, no batch has */
  g_object_get (h->element, "stats", &s, NULL);
  fail_unless (gst_structure_get_double (s, "warmup-us", &warmup));
  fail_unless (gst_structure_get_uint64 (s, "batches", &batches));
  fail_unless (warmup > 0, "warmup-us %g", warmup);
  fail_unless_equals_uint64 (batches, 0);
  gst_structure_free (s);

  gst_harness_teardown (h);
  g_free (caps);
}

GST_END_TEST;

/* Collects GStreamer log lines that mention the test model's warning. */
static void
collect_warning_log (GstDebugCategory *category, GstDebugLevel level,
    const gchar *file, const gchar *function, gint line, GObject *object,
    GstDebugMessage *message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  if (text && strstr (text, "gst-gpustream test warning"))
    g_atomic_int_inc ((gint *)user_data);
}

/* A warning libtorch raises inside the model (warning.pt warns at every
 * forward pass; the optimised mobilenet warns about resized outputs at
 * every new batch size) goes to GStreamer's log, not to stderr. */
GST_START_TEST (test_model_warnings_go_to_the_log_not_stderr)
{
  gchar *caps = tensors_caps (1, "4:2", "float32");
  const gfloat in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  gchar *err_path = NULL, *err_text = NULL;
  gint logged = 0, err_fd, saved;
  GstHarness *h;

  gst_debug_set_threshold_for_name ("default", GST_LEVEL_DEBUG);
  gst_debug_add_log_function (collect_warning_log, &logged, NULL);
  err_fd = g_file_open_tmp ("gpuinfer-stderr-XXXXXX", &err_path, NULL);
  fail_unless (err_fd >= 0);
  fflush (stderr);
  saved = dup (STDERR_FILENO);
  fail_unless (dup2 (err_fd, STDERR_FILENO) >= 0);

  h = setup_harness (make_infer ("warning.pt", NULL), caps);
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_memdup (in, sizeof (in))),
      GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  gst_harness_teardown (h);

  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  close (err_fd);
  gst_debug_remove_log_function (collect_warning_log);
  fail_unless (g_file_get_contents (err_path, &err_text, NULL, NULL));
  /* libtorch's own handler prints "Warning: <message> (function ...)";
   * GStreamer's log, also on stderr here, words it differently */
  fail_if (strstr (err_text, "Warning: gst-gpustream test warning") != NULL,
      "libtorch printed the model's warning to stderr");
  /* warm-up and the batch: at least three forward passes warned */
  fail_unless (g_atomic_int_get (&logged) >= 3, "%d warnings logged", logged);

  g_unlink (err_path);
  g_free (err_path);
  g_free (err_text);
  g_free (caps);
}

GST_END_TEST;

/* --- failures at READY->PAUSED ------------------------------------------ */

GST_START_TEST (test_corrupt_model_fails_at_start)
{
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_infer (NULL, bus);
  gchar *path
      = g_build_filename (g_get_tmp_dir (), "gpuinfer-corrupt-XXXXXX", NULL);
  gchar *pt;
  const gchar *needles[] = { NULL, "cannot load", NULL };
  gint fd = g_mkstemp (path);

  fail_unless (fd >= 0);
  close (fd);
  pt = g_strconcat (path, ".pt", NULL);
  fail_unless (
      g_file_set_contents (pt, "PK\003\004 this is not a model", -1, NULL));
  needles[0] = pt;
  g_object_set (e, "model", pt, NULL);
  expect_start_fails (e, bus, needles);
  g_unlink (pt);
  g_unlink (path);
  g_free (pt);
  g_free (path);
  drop_bus (bus);
}

GST_END_TEST;

/* Start failures set up by a model and at most one property. */
static const struct
{
  const gchar *model;
  const gchar *property, *value;
  const gchar *needles[4];
} start_failures[] = {
  { "does-not-exist.pt", NULL, NULL,
      { "does-not-exist.pt", "does not exist" } },
  { NULL, NULL, NULL, { "model" } },
  { "single.pt", "engine", "tensorrt", { "tensorrt", "single.pt", "torch" } },
  { "single-in.raw", NULL, NULL, { "single-in.raw", "engine" } },
  /* no GPU here, and Debian's libtorch is CPU-only: either the device
   * layer or the engine refuses */
  { "single.pt", "device", "cuda", { "single.pt" } },
};

GST_START_TEST (test_fails_at_start)
{
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_infer (start_failures[__i__].model, bus);

  if (start_failures[__i__].property)
    gst_util_set_object_arg (G_OBJECT (e), start_failures[__i__].property,
        start_failures[__i__].value);
  expect_start_fails (e, bus, start_failures[__i__].needles);
  drop_bus (bus);
}

GST_END_TEST;

/* --- failures at caps ----------------------------------------------------- */

static void
expect_caps_fail (const gchar *model, const gchar *caps_str,
    const gchar *input_names, const gchar *const *needles)
{
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_infer (model, bus);
  GstSegment segment;
  GstCaps *caps;
  GstHarness *h;

  if (input_names)
    gst_util_set_object_arg (G_OBJECT (e), "input-names", input_names);
  h = gst_harness_new_with_element (e, "sink", "src");
  /* a sticky event's push result does not tell; the error and the next
   * buffer do */
  caps = gst_caps_from_string (caps_str);
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  expect_error (bus, needles);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_allocate (NULL, 64, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  gst_harness_teardown (h);
  gst_object_unref (e);
  drop_bus (bus);
}

/* Caps the model refuses: n tensors of these dimensions and types. */
static const struct
{
  const gchar *model;
  guint n;
  const gchar *dims, *types;
  const gchar *input_names;
  const gchar *needles[4];
} caps_failures[] = {
  { "single.pt", 1, "8:4", "float32", NULL,
      { "single.pt", "x=float32 16:N", "x=float32 8:4" } },
  { "single.pt", 1, "16:4", "int32", NULL,
      { "single.pt", "float32 16:N", "int32 16:4" } },
  { "single.pt", 2, "16:4,16:4", "float32,float32", NULL,
      { "single.pt", "takes 1 input", "carry 2" } },
  /* without a description the model's own exception in the probe pass
   * names the shapes */
  { "single-nodesc.pt", 1, "8:4", "float32", NULL,
      { "single-nodesc.pt", "rejected", "x=float32 8:4" } },
  { "two.pt", 2, "6:4,3:2:4", "float32,float32", "<a, c>",
      { "input-names", "'b'" } },
};

GST_START_TEST (test_fails_at_caps)
{
  gchar *caps = tensors_caps (caps_failures[__i__].n, caps_failures[__i__].dims,
      caps_failures[__i__].types);

  expect_caps_fail (caps_failures[__i__].model, caps,
      caps_failures[__i__].input_names, caps_failures[__i__].needles);
  g_free (caps);
}

GST_END_TEST;

/* --- failures while streaming -------------------------------------------- */

/* items-in = items-out + items-dropped + items-failed */
static void
check_counters_balance (GstElement *e, guint64 want_in, guint64 want_failed)
{
  GstStructure *s = NULL;
  guint64 in = 0, out = 0, dropped = 0, failed = 0;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, "items-in", &in));
  fail_unless (gst_structure_get_uint64 (s, "items-out", &out));
  fail_unless (gst_structure_get_uint64 (s, "items-dropped", &dropped));
  fail_unless (gst_structure_get_uint64 (s, "items-failed", &failed));
  fail_unless_equals_uint64 (in, want_in);
  fail_unless_equals_uint64 (failed, want_failed);
  fail_unless_equals_uint64 (in, out + dropped + failed);
  gst_structure_free (s);
}

GST_START_TEST (test_engine_exception_fails_only_its_item)
{
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_infer ("raising.pt", bus);
  gchar *caps = tensors_caps (1, "4:2", "float32");
  const gfloat bad[8] = { 1, 2, 3, 4, 5, 6, 7.0e7f, 8 };
  GstHarness *h = setup_harness (e, caps);
  GstGpuBatchMeta *meta;
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;
  GstMapInfo map;
  GstBuffer *out;
  guint i;

  /* slot 1 makes the model raise: slot 0 is still computed and pushed */
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_memdup (bad, sizeof (bad))),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  meta = gst_buffer_get_gpu_batch_meta (out);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->n_valid, 2);
  fail_unless_equals_int (meta->slots[0].status, GST_GPU_SLOT_STATUS_OK);
  fail_unless_equals_int (meta->slots[1].status, GST_GPU_SLOT_STATUS_FAILED);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  for (i = 0; i < 8; i++) {
    gfloat want = i < 4 ? 2.0f * bad[i] : 0.0f;
    fail_unless_equals_float (((const gfloat *)map.data)[i], want);
  }
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);

  /* a warning, not an error, naming the model and the model's message */
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no warning posted");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_WARNING);
  gst_message_parse_warning (msg, &err, &dbg);
  fail_unless (strstr (err->message, "raising.pt") != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "1 of 2") != NULL, "%s", err->message);
  fail_unless (strstr (dbg, "out of range") != NULL, "%s", dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  check_counters_balance (h->element, 2, 1);

  gst_harness_teardown (h);
  drop_bus (bus);
  g_free (caps);
}

GST_END_TEST;

static void
count_delivered (GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer data)
{
  g_atomic_int_inc ((gint *)data);
}

/* 40 items through gpubatch -> gpuinfer -> gpuunbatch, item 9 makes the
 * model raise: 39 arrive, one is counted failed, the stream ends in EOS. */
GST_START_TEST (test_raising_item_does_not_stop_the_stream)
{
  GstElement *pipe = gst_parse_launch (
      "appsrc name=src format=time caps=\"other/tensors, "
      "format=(string)static, num_tensors=(int)1, dimensions=(string)4, "
      "types=(string)float32, framerate=(fraction)30/1\" "
      "! gpubatch max-batch-size=8 adaptive=false ! gpuinfer name=infer "
      "! gpuunbatch name=u u.src_0 ! fakesink name=sink signal-handoffs=true "
      "sync=false",
      NULL);
  GstElement *src, *sink, *infer;
  gchar *model = model_path ("raising.pt");
  GstMessage *msg;
  gint delivered = 0;
  guint i;

  fail_unless (pipe != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  infer = gst_bin_get_by_name (GST_BIN (pipe), "infer");
  g_object_set (infer, "model", model, NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (count_delivered), &delivered);

  for (i = 0; i < 40; i++) {
    gfloat v = i == 9 ? 5.0e7f : (gfloat)i;
    gfloat item[4] = { v, v, v, v };
    GstBuffer *buf = gst_buffer_new_memdup (item, sizeof (item));

    GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    fail_unless_equals_int (
        gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  fail_unless_equals_int (g_atomic_int_get (&delivered), 39);
  check_counters_balance (infer, 40, 1);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (infer);
  gst_object_unref (src);
  gst_object_unref (pipe);
  g_free (model);
}

GST_END_TEST;

/* Batches the caps (16:8 float32, one item of 512 bytes) do not describe:
 * a buffer of @size bytes, with a batch meta of @n_slots slots unless 0. */
static const struct
{
  gsize size;
  guint n_slots;
  const gchar *needles[3];
} buffer_failures[] = {
  { 16 * 8 * 4, 4, { "4 slots", "8" } },
  { 100, 0, { "512", "100" } },
};

GST_START_TEST (test_fails_on_buffer)
{
  GstBus *bus = gst_bus_new ();
  GstElement *e = make_infer ("single.pt", bus);
  gchar *caps = tensors_caps (1, "16:8", "float32");
  GstHarness *h = setup_harness (e, caps);
  GstBuffer *buf
      = gst_buffer_new_allocate (NULL, buffer_failures[__i__].size, NULL);
  guint n_slots = buffer_failures[__i__].n_slots;

  if (n_slots > 0)
    gst_buffer_add_gpu_batch_meta (buf, n_slots)->n_valid = n_slots;
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  expect_error (bus, buffer_failures[__i__].needles);
  /* a batch that is not pushed has its items counted dropped */
  if (n_slots > 0)
    check_counters_balance (h->element, n_slots, 0);

  gst_harness_teardown (h);
  drop_bus (bus);
  g_free (caps);
}

GST_END_TEST;

static Suite *
gpuinfer_suite (void)
{
  Suite *s = suite_create ("gpuinfer");
  TCase *tc = tcase_create ("reference");
  TCase *neg = tcase_create ("failures");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_single_batch_1_matches_reference);
  tcase_add_test (tc, test_single_batch_3_of_8_matches_reference);
  tcase_add_test (tc, test_single_batch_8_matches_reference);
  tcase_add_test (tc, test_chain_returns_every_memory_reference);
  tcase_add_test (tc, test_two_io_batch_1_matches_reference);
  tcase_add_test (tc, test_two_io_batch_3_of_8_matches_reference);
  tcase_add_test (tc, test_two_io_batch_8_matches_reference);
  tcase_add_test (tc, test_two_io_output_caps_from_description);
  tcase_add_test (tc, test_names_map_tensors_to_model_io);
  tcase_add_test (tc, test_cache_hit_slots_are_skipped);
  tcase_add_test (tc, test_partial_batch_computes_valid_slots_only);
  tcase_add_test (tc, test_batch_meta_is_carried_over);
  tcase_add_test (tc, test_undescribed_model_outputs_found_by_probe);
  tcase_add_test (tc, test_dict_outputs_selected_by_name);
  tcase_add_test (tc, test_stream_without_meta_is_batch_of_one);
  tcase_add_test (tc, test_stats_report_batches_and_device);
  tcase_add_test (tc, test_optimized_matches_unoptimized_test_models);
#ifdef GPUINFER_HAVE_CLASSIFY_MODELS
  tcase_add_test (tc, test_optimized_matches_unoptimized_classifiers);
#endif
  tcase_add_test (tc, test_unfreezable_model_loads_with_one_warning);
  tcase_add_test (tc, test_warmup_runs_at_caps_and_is_reported);
  tcase_add_test (tc, test_model_warnings_go_to_the_log_not_stderr);

  suite_add_tcase (s, neg);
  tcase_add_loop_test (
      neg, test_fails_at_start, 0, G_N_ELEMENTS (start_failures));
  tcase_add_test (neg, test_corrupt_model_fails_at_start);
  tcase_add_loop_test (
      neg, test_fails_at_caps, 0, G_N_ELEMENTS (caps_failures));
  tcase_add_test (neg, test_engine_exception_fails_only_its_item);
  tcase_add_test (neg, test_raising_item_does_not_stop_the_stream);
  tcase_add_loop_test (
      neg, test_fails_on_buffer, 0, G_N_ELEMENTS (buffer_failures));
  return s;
}

GST_CHECK_MAIN (gpuinfer);
