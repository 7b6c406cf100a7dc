/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpudecode the element, on hand-made batches: classify top-k with
 * labels, detection mapped through the batch meta's letterbox and stretch
 * geometry, SSD outputs split over four tensors, skipped slots (failed,
 * dropped, padding), a second decoder after a first, a shared batch
 * (its memory is not copied), and what it refuses
 * (labels file, tensor shapes, dtype, a meta that disagrees with the
 * caps, an SSD without input size).
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpuresultsmeta.h"
#include "tests/check/common/elementcheck.h"

#define EPS 1e-4f

/* Sends stream-start, caps (with the caps feature @feature, nullable)
 * for one @dtype tensor per entry of @dims (comma-separated) and a
 * segment. Returns whether the element took the caps. */
static gboolean
push_caps_full (
    GstHarness *h, const gchar *feature, const gchar *dims, const gchar *dtype)
{
  gchar **parts = g_strsplit (dims, ",", -1);
  guint n = g_strv_length (parts), i;
  GString *types = g_string_new (NULL);
  gchar *str;
  GstCaps *caps, *current;
  GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");
  GstSegment segment;
  gboolean ret;

  for (i = 0; i < n; i++)
    g_string_append_printf (types, "%s%s", i ? "," : "", dtype);
  str = g_strdup_printf ("other/tensors%s%s%s, format=(string)static, "
                         "num_tensors=(int)%u, dimensions=(string)\"%s\", "
                         "types=(string)\"%s\", framerate=(fraction)0/1",
      feature ? "(" : "", feature ? feature : "", feature ? ")" : "", n, dims,
      types->str);
  caps = gst_caps_from_string (str);
  fail_unless (caps != NULL, "bad caps %s", str);
  fail_unless (
      gst_harness_push_event (h, gst_event_new_stream_start ("decode-test")));
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));

  current = gst_pad_get_current_caps (sinkpad);
  ret = current != NULL && gst_caps_is_equal (current, caps);
  gst_clear_caps (&current);
  gst_caps_unref (caps);
  gst_object_unref (sinkpad);
  g_string_free (types, TRUE);
  g_free (str);
  g_strfreev (parts);
  return ret;
}

static gboolean
push_caps (GstHarness *h, const gchar *dims, const gchar *dtype)
{
  return push_caps_full (h, NULL, dims, dtype);
}

/* gpudecode with the given properties (NULL-terminated name/value list),
 * playing, with a bus of its own */
static GstHarness *
setup (GstBus **bus, const gchar *first_property, ...)
{
  GstElement *e = gst_element_factory_make ("gpudecode", NULL);
  GstHarness *h;
  va_list args;

  fail_unless (e != NULL);
  if (first_property) {
    va_start (args, first_property);
    g_object_set_valist (G_OBJECT (e), first_property, args);
    va_end (args);
  }
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  gst_harness_play (h);
  return h;
}

static void
teardown (GstHarness *h, GstBus *bus)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

/* A batch of @n floats with a meta of @n_slots slots, @n_valid valid, all
 * ok, frames of 640x480, slot i from source i. */
static GstBuffer *
new_batch (const gfloat *data, gsize n, guint n_slots, guint n_valid,
    GstGpuBatchMeta **meta)
{
  GstBuffer *buf = gst_buffer_new_memdup (data, n * sizeof (gfloat));
  GstGpuBatchMeta *m = gst_buffer_add_gpu_batch_meta (buf, n_slots);
  guint i;

  m->n_valid = n_valid;
  for (i = 0; i < n_valid; i++) {
    m->slots[i].pad_index = i;
    m->slots[i].status = GST_GPU_SLOT_STATUS_OK;
    m->slots[i].width = 640;
    m->slots[i].height = 480;
  }
  *meta = m;
  return buf;
}

static const GstGpuResult *
result (GstBuffer *buf, guint i)
{
  GstGpuResultsMeta *meta = gst_buffer_get_gpu_results_meta (buf);

  fail_unless (meta != NULL);
  fail_unless (i < meta->results->len);
  return &g_array_index (meta->results, GstGpuResult, i);
}

static guint
n_results (GstBuffer *buf)
{
  GstGpuResultsMeta *meta = gst_buffer_get_gpu_results_meta (buf);

  return meta ? meta->results->len : 0;
}

static void
check_box (const GstGpuResult *r, gfloat x, gfloat y, gfloat w, gfloat h)
{
  fail_unless_equals_int (r->kind, GST_GPU_RESULT_BOX);
  fail_unless (fabsf (r->x - x) < EPS && fabsf (r->y - y) < EPS
                   && fabsf (r->width - w) < EPS && fabsf (r->height - h) < EPS,
      "box (%g, %g) %gx%g, expected (%g, %g) %gx%g", r->x, r->y, r->width,
      r->height, x, y, w, h);
}

static void
check_label (const GstGpuResult *r, const gchar *want)
{
  gchar *label = gst_gpu_result_dup_label (r);

  fail_unless_equals_string (label, want);
  g_free (label);
}

/* Pops the error on @bus; its message must contain @message and its
 * debug text @debug (either may be NULL). Returns the error's domain. */
static GQuark
check_error (GstBus *bus, const gchar *message, const gchar *debug)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *dbg = NULL;
  GQuark domain;

  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, &dbg);
  GST_INFO ("error: %s (%s)", err->message, dbg);
  if (message)
    fail_unless (strstr (err->message, message) != NULL,
        "'%s' not in error '%s'", message, err->message);
  if (debug)
    fail_unless (dbg != NULL && strstr (dbg, debug) != NULL,
        "'%s' not in debug '%s'", debug, GST_STR_NULL (dbg));
  domain = err->domain;
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  return domain;
}

static guint64
stats_value (const GstStructure *s, const gchar *field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  return v;
}

static gchar *
write_labels (const gchar *contents)
{
  GError *error = NULL;
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("gpudecode-labels-XXXXXX.txt", &path, &error);

  fail_unless (fd >= 0, "%s", error ? error->message : "");
  close (fd);
  fail_unless (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

/* 4 classes, batch of 4: slot 1 failed, slot 3 padding */
GST_START_TEST (test_classify_top_k_labels)
{
  static const gfloat logits[] = {
    0.1f, 0.4f, 0.3f, 0.2f, /* slot 0: 1, 2, 3 */
    9.0f, 9.0f, 9.0f, 9.0f, /* slot 1: failed */
    1.0f, 2.0f, 3.0f, 4.0f, /* slot 2: 3 (empty line), 2, 1 */
    5.0f, 6.0f, 7.0f, 8.0f, /* slot 3: padding */
  };
  gchar *labels = write_labels ("cat\ndog\r\nbird\n\nfish\n");
  GstBus *bus;
  GstHarness *h = setup (&bus, "mode", 0, "top-k", 3, "score-threshold", 0.0,
      "labels", labels, NULL);
  GstGpuBatchMeta *meta;
  GstBuffer *in = new_batch (logits, 16, 4, 3, &meta), *out;
  gdouble sum = 0.0;
  guint i;

  meta->slots[1].status = GST_GPU_SLOT_STATUS_FAILED;
  fail_unless (push_caps (h, "4:4", "float32"));
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  fail_unless_equals_int (n_results (out), 6);

  for (i = 0; i < 4; i++)
    sum += exp (logits[i]);
  for (i = 0; i < 3; i++) {
    const GstGpuResult *r = result (out, i);

    fail_unless_equals_int (r->slot, 0);
    fail_unless_equals_int (r->kind, GST_GPU_RESULT_CLASS);
    fail_unless_equals_int (r->class_id, (gint)(1 + i));
    fail_unless (fabs (r->confidence - exp (logits[1 + i]) / sum) < 1e-6,
        "softmax of class %u: %g", 1 + i, r->confidence);
    /* a class result covers the whole frame */
    fail_unless (r->x == 0 && r->y == 0 && r->width == 640 && r->height == 480);
  }
  check_label (result (out, 0), "dog");
  check_label (result (out, 1), "bird");
  check_label (result (out, 2), "class-3");
  for (i = 3; i < 6; i++) {
    fail_unless_equals_int (result (out, i)->slot, 2);
    fail_unless_equals_int (result (out, i)->class_id, (gint)(6 - i));
  }
  check_label (result (out, 4), "bird");
  check_label (result (out, 5), "dog");
  fail_unless_equals_int (stats_uint64 (h->element, "items-in"), 3);
  fail_unless_equals_int (stats_uint64 (h->element, "items-decoded"), 2);
  fail_unless_equals_int (stats_uint64 (h->element, "results"), 6);

  /* the tensors are left as they were */
  fail_unless (gst_buffer_memcmp (out, 0, logits, sizeof (logits)) == 0);
  gst_buffer_unref (out);
  teardown (h, bus);
  g_unlink (labels);
  g_free (labels);
}

GST_END_TEST;

/* Without a batch meta every slot is an item; the threshold applies to
 * the confidence (activation none: the values as they are). */
GST_START_TEST (test_classify_threshold_without_meta)
{
  static const gfloat scores[] = { 0.1f, 0.6f, 0.3f, 0.35f, 0.05f, 0.2f };
  GstBus *bus;
  GstHarness *h = setup (&bus, "top-k", 3, "score-threshold", 0.3, "activation",
      1 /* none */, NULL);
  GstBuffer *out;

  fail_unless (push_caps (h, "3:2", "float32"));
  out = gst_harness_push_and_pull (
      h, gst_buffer_new_memdup (scores, sizeof (scores)));
  fail_unless_equals_int (n_results (out), 3);
  fail_unless (result (out, 0)->slot == 0 && result (out, 0)->class_id == 1);
  fail_unless (result (out, 1)->slot == 0 && result (out, 1)->class_id == 2);
  fail_unless (result (out, 2)->slot == 1 && result (out, 2)->class_id == 0);
  fail_unless_equals_float (result (out, 2)->confidence, 0.35f);
  /* no frame size known */
  fail_unless_equals_float (result (out, 0)->width, 0.0f);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

/* YOLOv8 [2, 4 + 2, 2]: a 640x480 frame letterboxed into a 128x128 slot
 * (128x96 at y 16); slot 1 dropped */
GST_START_TEST (test_detect_letterbox_mapping)
{
  static const gfloat data[] = {
    /* slot 0: box 0 (32, 40)-(64, 80) class 1; box 1 too weak */
    48,
    10,
    60,
    10,
    32,
    4,
    40,
    4,
    0.1f,
    0.2f,
    0.9f,
    0.3f,
    /* slot 1: a strong box, but the slot was dropped */
    48,
    10,
    60,
    10,
    32,
    4,
    40,
    4,
    0.9f,
    0.2f,
    0.9f,
    0.3f,
  };
  GstBus *bus;
  GstHarness *h = setup (&bus, "mode", 1, "decoder", 2 /* yolov8 */, NULL);
  GstGpuBatchMeta *meta;
  GstBuffer *in = new_batch (data, G_N_ELEMENTS (data), 2, 2, &meta), *out;

  meta->slot_width = meta->slot_height = 128;
  meta->slots[0].y = 16;
  meta->slots[0].scaled_width = 128;
  meta->slots[0].scaled_height = 96;
  meta->slots[1].status = GST_GPU_SLOT_STATUS_DROPPED;
  fail_unless (push_caps (h, "2:6:2", "float32"));
  out = gst_harness_push_and_pull (h, in);
  fail_unless_equals_int (n_results (out), 1);
  fail_unless_equals_int (result (out, 0)->slot, 0);
  fail_unless_equals_int (result (out, 0)->class_id, 1);
  fail_unless (fabsf (result (out, 0)->confidence - 0.9f) < EPS);
  check_box (result (out, 0), 160, 120, 160, 200);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

/* plain boxes, normalised, on a 100x50 slot stretched from 200x200 */
GST_START_TEST (test_detect_stretch_mapping)
{
  static const gfloat data[] = { 0.1f, 0.1f, 0.5f, 0.5f, 0.8f, 2 };
  GstBus *bus;
  GstHarness *h = setup (&bus, "mode", 1, "decoder", 3 /* boxes */,
      "coordinates", 1 /* normalized */, NULL);
  GstGpuBatchMeta *meta;
  GstBuffer *in = new_batch (data, G_N_ELEMENTS (data), 1, 1, &meta), *out;

  meta->slot_width = 100;
  meta->slot_height = 50;
  meta->slots[0].width = meta->slots[0].height = 200;
  fail_unless (push_caps (h, "6:1:1", "float32"));
  out = gst_harness_push_and_pull (h, in);
  fail_unless_equals_int (n_results (out), 1);
  check_box (result (out, 0), 20, 20, 80, 80);
  fail_unless_equals_int (result (out, 0)->class_id, 2);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

/* BlazeFace's layout: scores and regressors each split by feature map
 * into two tensors; a 16x16 input (strides 8 and 16, 1 and 2 anchors a
 * cell: 4 + 2 anchors) stretched from a 32x32 frame */
GST_START_TEST (test_ssd_split_tensors)
{
  static const gfloat data[] = {
    -5,
    -5,
    -5,
    2, /* scores, stride 8 */
    -5,
    1, /* scores, stride 16 */
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    -2,
    4,
    6,
    2,
    3,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    8,
    8,
    -4,
    4,
  };
  GstBus *bus;
  GstHarness *h = setup (&bus, "mode", 1, "decoder", 0 /* ssd-anchors */,
      "anchor-strides", "8,16", "anchors-per-cell", "1,2", NULL);
  GstGpuBatchMeta *meta;
  GstBuffer *in = new_batch (data, G_N_ELEMENTS (data), 1, 1, &meta), *out;
  const GstGpuResult *r;

  meta->slot_width = meta->slot_height = 16;
  meta->slots[0].width = meta->slots[0].height = 32;
  fail_unless (push_caps (h, "1:4:1,1:2:1,6:4:1,6:2:1", "float32"));
  out = gst_harness_push_and_pull (h, in);
  fail_unless_equals_int (n_results (out), 2);
  r = result (out, 0);
  /* (11, 7)-(15, 13) in the input, keypoint (14, 15); twice that */
  check_box (r, 22, 14, 8, 12);
  fail_unless (fabsf (r->confidence - 1.0f / (1.0f + expf (-2.0f))) < EPS);
  fail_unless_equals_int (r->n_keypoints, 1);
  fail_unless_equals_float (r->keypoints[0], 28);
  fail_unless_equals_float (r->keypoints[1], 30);
  check_box (result (out, 1), 8, 8, 16, 16);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

/* A classifier after a detector: its results go after each slot's
 * detections, so the meta stays in slot order. */
GST_START_TEST (test_second_decoder_keeps_slot_order)
{
  static const gfloat logits[] = { 1, 0, 0, 1, 1, 0 };
  GstBus *bus;
  GstHarness *h = setup (&bus, "top-k", 1, "score-threshold", 0.0, NULL);
  GstGpuBatchMeta *meta;
  GstBuffer *in = new_batch (logits, 6, 3, 3, &meta), *out;
  GstGpuResultsMeta *rmeta = gst_buffer_add_gpu_results_meta (in);
  GstGpuResult box = { .kind = GST_GPU_RESULT_BOX, .class_id = 7 };
  guint i;

  box.slot = 0;
  gst_gpu_results_meta_add (rmeta, &box);
  box.slot = 2;
  gst_gpu_results_meta_add (rmeta, &box);
  fail_unless (push_caps (h, "2:3", "float32"));
  out = gst_harness_push_and_pull (h, in);
  fail_unless_equals_int (n_results (out), 5);
  for (i = 1; i < 5; i++)
    fail_unless (result (out, i - 1)->slot <= result (out, i)->slot,
        "result %u of slot %u after one of slot %u", i, result (out, i)->slot,
        result (out, i - 1)->slot);
  fail_unless_equals_int (result (out, 0)->class_id, 7);
  fail_unless_equals_int (result (out, 1)->kind, GST_GPU_RESULT_CLASS);
  fail_unless_equals_int (result (out, 2)->slot, 1);
  fail_unless_equals_int (result (out, 3)->class_id, 7);
  fail_unless_equals_int (result (out, 4)->kind, GST_GPU_RESULT_CLASS);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

/* A batch others still hold is made writable by a copy of the buffer,
 * not of its memory: the results are added to the copy only. */
GST_START_TEST (test_shared_batch_memory_not_copied)
{
  static const gfloat logits[] = { 0.0f, 1.0f, 2.0f, 0.5f };
  GstBus *bus;
  GstHarness *h = setup (&bus, "score-threshold", 0.0, NULL);
  GstGpuBatchMeta *meta;
  GstBuffer *in = new_batch (logits, 4, 2, 2, &meta), *out;

  fail_unless (push_caps (h, "2:2", "float32"));
  gst_buffer_ref (in);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != in);
  fail_unless (
      gst_buffer_peek_memory (out, 0) == gst_buffer_peek_memory (in, 0));
  fail_unless_equals_int (n_results (out), 4);
  fail_unless (gst_buffer_get_gpu_results_meta (in) == NULL);
  fail_unless (gst_buffer_get_gpu_batch_meta (out) != NULL);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  teardown (h, bus);
}

GST_END_TEST;

/* Device batches (memory:GpuTensor) are read through a plain read map,
 * which tensor memory serves from host staging; the caps are accepted and
 * passed on as they are. */
GST_START_TEST (test_device_memory_caps_accepted)
{
  static const gfloat logits[] = { 0.0f, 3.0f, 1.0f };
  GstBus *bus;
  GstHarness *h = setup (&bus, "top-k", 1, NULL);
  GstBuffer *out;
  GstCaps *caps;

  fail_unless (push_caps_full (h, "memory:GpuTensor", "3:1", "float32"));
  out = gst_harness_push_and_pull (
      h, gst_buffer_new_memdup (logits, sizeof (logits)));
  fail_unless_equals_int (n_results (out), 1);
  fail_unless_equals_int (result (out, 0)->class_id, 1);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_features_contains (
      gst_caps_get_features (caps, 0), "memory:GpuTensor"));
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  teardown (h, bus);
}

GST_END_TEST;

/* Any shape, any values (NaN, infinities, huge), any geometry: refused or
 * decoded, never a crash (run under ASan/UBSan in CI). */
GST_START_TEST (test_random_shapes_never_crash)
{
  static const gfloat specials[]
      = { NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 0.0f };
  GRand *rand = g_rand_new_with_seed (42);
  guint round, accepted = 0;

  for (round = 0; round < 120; round++) {
    gint mode = round % 5 == 4 ? 0 : 1, decoder = round % 4;
    guint size = g_rand_boolean (rand) ? 0 : g_rand_int_range (rand, 1, 64);
    guint n_tensors = g_rand_int_range (rand, 1, 4), batch, t, d, i;
    GString *dims = g_string_new (NULL);
    gsize n_floats = 0;
    GstBus *bus;
    GstHarness *h
        = setup (&bus, "mode", mode, "decoder", decoder, "input-width", size,
            "input-height", size, "score-threshold", g_rand_double (rand),
            "anchor-strides", "8,16", "anchors-per-cell", "1,2", NULL);

    batch = g_rand_int_range (rand, 1, 4);
    for (t = 0; t < n_tensors; t++) {
      guint rank = g_rand_int_range (rand, 1, 4);
      gsize n = batch;

      g_string_append (dims, t ? "," : "");
      for (d = 0; d + 1 < rank; d++) {
        guint v = g_rand_int_range (rand, 1, 12);

        g_string_append_printf (dims, "%u:", v);
        n *= v;
      }
      g_string_append_printf (dims, "%u", batch);
      n_floats += n;
    }
    if (push_caps (h, dims->str, "float32")) {
      gfloat *data = g_new (gfloat, n_floats);
      GstGpuBatchMeta *meta;
      GstBuffer *in;
      GstFlowReturn ret;

      for (i = 0; i < n_floats; i++)
        data[i] = g_rand_int_range (rand, 0, 8) == 0
                      ? specials[g_rand_int_range (rand, 0, 6)]
                      : (gfloat)g_rand_double_range (rand, -200, 200);
      in = new_batch (
          data, n_floats, batch, g_rand_int_range (rand, 0, batch + 1), &meta);
      meta->slot_width = g_rand_int_range (rand, 0, 3) * 32;
      meta->slot_height = g_rand_int_range (rand, 0, 3) * 32;
      for (i = 0; i < meta->n_valid; i++) {
        meta->slots[i].x = g_rand_int_range (rand, 0, 40);
        meta->slots[i].scaled_width = g_rand_int_range (rand, 0, 3) * 16;
        meta->slots[i].scaled_height = g_rand_int_range (rand, 0, 3) * 16;
        meta->slots[i].width = g_rand_int_range (rand, 0, 2000);
        meta->slots[i].status = g_rand_int_range (rand, 0, 4);
      }
      ret = gst_harness_push (h, in);
      fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_ERROR, "%s: flow %s",
          dims->str, gst_flow_get_name (ret));
      if (ret == GST_FLOW_OK)
        gst_buffer_unref (gst_harness_pull (h));
      accepted++;
      g_free (data);
    }
    g_string_free (dims, TRUE);
    teardown (h, bus);
  }
  GST_INFO ("%u of 120 random shapes taken", accepted);
  /* the shapes are random, not all refused */
  fail_unless (accepted > 10, "only %u shapes taken", accepted);
  g_rand_free (rand);
}

GST_END_TEST;

/* stats: counters and decoding time; posted every stats-interval */
GST_START_TEST (test_stats_posted)
{
  static const gfloat logits[] = { 0.0f, 3.0f, 1.0f };
  GstBus *bus;
  GstHarness *h
      = setup (&bus, "stats-interval", (guint64)(10 * GST_MSECOND), NULL);
  GstMessage *msg;
  const GstStructure *s;
  gdouble p50 = -1;

  fail_unless (push_caps (h, "3:1", "float32"));
  gst_buffer_unref (gst_harness_push_and_pull (
      h, gst_buffer_new_memdup (logits, sizeof (logits))));
  fail_unless_equals_int (stats_uint64 (h->element, "batches"), 1);
  do {
    msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL, "no gpudecode-stats message");
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "gpudecode-stats")
        && stats_value (s, "batches") == 1)
      break;
    gst_message_unref (msg);
  } while (TRUE);
  fail_unless (gst_structure_get_double (s, "latency-p50-us", &p50));
  fail_unless (p50 > 0.0, "decoding took %g us", p50);
  fail_unless (gst_structure_has_field (s, "throughput"));
  gst_message_unref (msg);
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_missing_labels_file_fails)
{
  GstElement *e = gst_element_factory_make ("gpudecode", NULL);
  GstBus *bus = gst_bus_new ();
  const gchar *path = "/nonexistent/gpudecode/labels.txt";

  g_object_set (e, "labels", path, NULL);
  gst_element_set_bus (e, bus);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  fail_unless (check_error (bus, path, "No such file") == GST_RESOURCE_ERROR);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

typedef struct
{
  const gchar *props; /* "mode decoder [input size]" */
  gint mode;
  gint decoder;
  guint input_size;
  const gchar *dims;
  const gchar *dtype;
  const gchar *debug; /* expected in the error's debug text */
} BadShape;

static const BadShape bad_shapes[] = {
  { "yolov5, no class", 1, 1, 0, "5:10:2", "float32", "5:10:2" },
  { "yolov5, rank 2", 1, 1, 0, "85:2", "float32", "[N, boxes, 5 + classes]" },
  { "yolov8, no class", 1, 2, 0, "10:4:2", "float32", "10:4:2" },
  { "boxes, 5 values", 1, 3, 0, "5:3:2", "float32", "[N, boxes, 6]" },
  { "ssd, bad row", 1, 0, 0, "1:4:2,3:4:2", "float32",
      "tensor 1: float32 3:4:2" },
  { "ssd, scores only", 1, 0, 0, "1:4:2", "float32", "at least one score" },
  { "ssd, counts differ", 1, 0, 0, "1:4:2,6:3:2", "float32",
      "different numbers of anchors" },
  { "ssd, anchors differ", 1, 0, 16, "1:5:2,6:5:2", "float32",
      "the outputs hold 5 anchors" },
  { "classify, rank 1", 0, 0, 0, "4", "float32", "[N, classes]" },
  { "classify, uint8", 0, 0, 0, "4:2", "uint8", "float32" },
  { "batch differs", 0, 0, 0, "4:2,4:3", "float32", "batch" },
};

GST_START_TEST (test_bad_shapes_rejected)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad_shapes); i++) {
    const BadShape *c = &bad_shapes[i];
    GstBus *bus;
    GstHarness *h = setup (&bus, "mode", c->mode, "decoder", c->decoder,
        "input-width", c->input_size, "input-height", c->input_size, NULL);
    gfloat zeros[64] = { 0 };

    GST_INFO ("case %s", c->props);
    fail_if (push_caps (h, c->dims, c->dtype), "%s: caps taken", c->props);
    check_error (bus, "Could not decode", c->debug);
    /* and a buffer after that is refused, not decoded */
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_new_memdup (zeros, sizeof (zeros))),
        GST_FLOW_NOT_NEGOTIATED);
    teardown (h, bus);
  }
}

GST_END_TEST;

GST_START_TEST (test_meta_disagreeing_with_caps_fails)
{
  static const gfloat logits[12] = { 0 };
  GstBus *bus;
  GstHarness *h = setup (&bus, NULL);
  GstGpuBatchMeta *meta;

  fail_unless (push_caps (h, "3:4", "float32"));
  fail_unless_equals_int (
      gst_harness_push (h, new_batch (logits, 12, 3, 3, &meta)),
      GST_FLOW_ERROR);
  check_error (bus, "meta disagrees", "3 slots");
  teardown (h, bus);
}

GST_END_TEST;

/* ssd-anchors with neither input-width/height nor a slot size */
GST_START_TEST (test_ssd_without_input_size_fails)
{
  static const gfloat data[30] = { 0 };
  GstBus *bus;
  GstHarness *h = setup (&bus, "mode", 1, "decoder", 0, NULL);
  GstGpuBatchMeta *meta;

  fail_unless (push_caps (h, "1:6:1,4:6:1", "float32"));
  fail_unless_equals_int (
      gst_harness_push (h, new_batch (data, 30, 1, 1, &meta)), GST_FLOW_ERROR);
  check_error (bus, "input-width", "no slot size");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_softmax_with_boxes_fails)
{
  GstElement *e = gst_element_factory_make ("gpudecode", NULL);
  GstBus *bus = gst_bus_new ();

  g_object_set (e, "mode", 1, "decoder", 3, "activation", 3, NULL);
  gst_element_set_bus (e, bus);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  check_error (bus, "activation", NULL);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
gpudecode_suite (void)
{
  Suite *s = suite_create ("gpudecode");
  TCase *tc = tcase_create ("element");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_classify_top_k_labels);
  tcase_add_test (tc, test_classify_threshold_without_meta);
  tcase_add_test (tc, test_detect_letterbox_mapping);
  tcase_add_test (tc, test_detect_stretch_mapping);
  tcase_add_test (tc, test_ssd_split_tensors);
  tcase_add_test (tc, test_second_decoder_keeps_slot_order);
  tcase_add_test (tc, test_shared_batch_memory_not_copied);
  tcase_add_test (tc, test_device_memory_caps_accepted);
  tcase_add_test (tc, test_random_shapes_never_crash);
  tcase_add_test (tc, test_stats_posted);
  tcase_add_test (tc, test_missing_labels_file_fails);
  tcase_add_test (tc, test_bad_shapes_rejected);
  tcase_add_test (tc, test_meta_disagreeing_with_caps_fails);
  tcase_add_test (tc, test_ssd_without_input_size_fails);
  tcase_add_test (tc, test_softmax_with_boxes_fails);
  return s;
}

GST_CHECK_MAIN (gpudecode);
