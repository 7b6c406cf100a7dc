/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache: input and settings it refuses (caps a mode cannot work with,
 * sizes that differ on one cache-name, bad backing-store URLs, a device
 * that is not there) and the property texts gst-inspect shows.
 */
#include "tests/check/elements/gpukvcache/kvcachecheck.h"

#include <string.h>

#include "gpu/device/gstgpudevice.h"

/* Caps a mode cannot work with: an error naming @needle, and (when
 * @push_size) data after them is not-negotiated. */
typedef struct
{
  guint mode;
  guint value_size;
  guint n_tensors;
  const gchar *dims, *types;
  const gchar *needle;
  gsize push_size;
} RejectedCaps;

static const RejectedCaps rejected_caps[] = {
  /* get: float keys */
  { 2, 8, 1, "1:4", "float32", "Key tensor is float32", 16 },
  /* put: 4 value bytes per key, value-size 8 */
  { 3, 8, 2, "1:4,4:4", "uint64,uint8", "value-size is 8", 0 },
};

GST_START_TEST (test_rejects_caps)
{
  const RejectedCaps *c = &rejected_caps[__i__];
  GstBus *bus = gst_bus_new ();
  gchar *caps = tensors_caps (c->n_tensors, c->dims, c->types);
  GstElement *e = kv_element (c->mode, NULL);
  GstHarness *h;

  g_object_set (e, "value-size", c->value_size, NULL);
  h = kv_harness_full (e, caps, bus);
  expect_message (bus, GST_MESSAGE_ERROR, c->needle);
  if (c->push_size)
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (
                                                     NULL, c->push_size, NULL)),
        GST_FLOW_NOT_NEGOTIATED);
  g_free (caps);
  kv_harness_teardown_bus (h, bus);
}

GST_END_TEST;

/* the sink template takes other/tensors only: video caps are refused at
 * negotiation and data after them is not-negotiated */
GST_START_TEST (test_rejects_non_tensor_caps)
{
  GstHarness *h = kv_harness (kv_element (2, NULL), NULL);
  GstCaps *video = gst_caps_from_string (
      "video/x-raw, format=RGB, width=2, height=2, framerate=0/1");

  fail_if (gst_pad_query_accept_caps (h->element->sinkpads->data, video));
  gst_harness_set_src_caps (h, video);
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_allocate (NULL, 12, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Sets @e to READY, expects failure and an error naming @needle. */
static void
expect_ready_fails (GstElement *e, const gchar *needle)
{
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (e, bus);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  expect_message (bus, GST_MESSAGE_ERROR, needle);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
}

GST_START_TEST (test_capacity_zero_fails)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (e, "capacity", (guint64)0, "value-size", 8, NULL);
  expect_ready_fails (e, "capacity");
  gst_object_unref (e);
}

GST_END_TEST;

/* Two elements on one cache-name whose @prop differs: the second fails
 * to start with an error naming @needle. */
typedef struct
{
  const gchar *cache_name, *prop, *first, *second;
  const gchar *needle;
} SharedMismatch;

static const SharedMismatch shared_mismatches[] = {
  { "mm-vs", "value-size", "8", "16",
      "value-size 16 of second differs from value-size 8" },
  { "mm-cap", "capacity", "1024", "2048", "capacity 2048" },
};

GST_START_TEST (test_shared_mismatch_fails)
{
  const SharedMismatch *m = &shared_mismatches[__i__];
  GstElement *a = gst_element_factory_make ("gpukvcache", "first");
  GstElement *b = gst_element_factory_make ("gpukvcache", "second");

  g_object_set (a, "cache-name", m->cache_name, NULL);
  g_object_set (b, "cache-name", m->cache_name, NULL);
  gst_util_set_object_arg (G_OBJECT (a), m->prop, m->first);
  gst_util_set_object_arg (G_OBJECT (b), m->prop, m->second);
  fail_unless_equals_int (
      gst_element_set_state (a, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  expect_ready_fails (b, m->needle);
  gst_element_set_state (a, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* the table is released with the last element: a new one may differ */
GST_START_TEST (test_shared_table_released_with_last_element)
{
  GstElement *a = gst_element_factory_make ("gpukvcache", NULL);
  GstElement *b = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (a, "cache-name", "rel", "value-size", 8, NULL);
  g_object_set (b, "cache-name", "rel", "value-size", 16, NULL);
  fail_unless_equals_int (
      gst_element_set_state (a, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (a, GST_STATE_NULL);
  fail_unless_equals_int (
      gst_element_set_state (b, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (b, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_device_cuda_fails_without_gpu)
{
  GstElement *e = kv_element (0, "on-cuda");

  if (gst_gpu_device_cuda_available ()) {
    GST_INFO ("a GPU is usable here: nothing to check");
    gst_object_unref (e);
    return;
  }
  g_object_set (e, "value-size", 8, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "device", "cuda");
  expect_ready_fails (e, "device");
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_stats_report_table_device)
{
  GstElement *e = kv_element (0, "on-auto");
  GstStructure *stats = NULL;

  g_object_set (e, "value-size", 8, NULL);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  g_object_get (e, "stats", &stats, NULL);
  /* device=auto: the GPU when one is usable, else the CPU */
  fail_unless_equals_string (gst_structure_get_string (stats, "device"),
      gst_gpu_device_cuda_available () ? "cuda" : "cpu");
  gst_structure_free (stats);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

GST_END_TEST;

/* backing-store URLs that fail to start, and what the error names */
static const gchar *malformed_urls[][2] = {
  { "http://:secret@host:1/0", "backing-store" },
  { "redis://:secret@host:1/notadb",
      "backing-store 'redis://***@host:1/notadb'" },
  /* issue 10 item 10: port 99999 said only "not a redis:// URL"; port 0
   * was taken as the default */
  { "redis://127.0.0.1:99999/0", "port is out of range" },
  { "redis://127.0.0.1:0/0", "port 0 is out of range" },
  { "unix:relative.sock", "absolute socket path" },
  { "unix:///tmp/r.sock?db=99", "database '99' is not a number 0-15" },
};

GST_START_TEST (test_malformed_url_fails)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (e, "backing-store", malformed_urls[__i__][0], NULL);
  expect_ready_fails (e, malformed_urls[__i__][1]);
  gst_object_unref (e);
}

GST_END_TEST;

/* The blurb of @factory's @prop holds every one of the NULL-terminated
 * @needles. */
static void
assert_blurb_says (const gchar *factory, const gchar *prop, ...)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GParamSpec *pspec
      = g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop);
  const gchar *blurb, *needle;
  va_list args;

  fail_unless (pspec != NULL, "%s has no %s", factory, prop);
  blurb = g_param_spec_get_blurb (pspec);
  va_start (args, prop);
  while ((needle = va_arg (args, const gchar *)) != NULL)
    fail_unless (strstr (blurb, needle) != NULL, "%s:%s '%s' does not say '%s'",
        factory, prop, blurb, needle);
  va_end (args);
  gst_object_unref (e);
}

/* Issue 10 item 15: the gst-inspect texts must let a user set a property
 * without the docs (units, defaults, ranges). */
GST_START_TEST (test_property_blurbs_say_units_and_defaults)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);
  GParamSpec **pspecs;
  guint n, i;

  /* every property of ours gives its default (or says it is read-only) */
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);
  for (i = 0; i < n; i++) {
    const gchar *blurb = g_param_spec_get_blurb (pspecs[i]);
    gchar *lower;

    if (pspecs[i]->owner_type != G_OBJECT_TYPE (e))
      continue;
    lower = g_ascii_strdown (blurb, -1);
    fail_unless (strstr (lower, "default") != NULL
                     || !(pspecs[i]->flags & G_PARAM_WRITABLE),
        "%s: '%s' gives no default", pspecs[i]->name, blurb);
    g_free (lower);
  }
  g_free (pspecs);
  gst_object_unref (e);

  assert_blurb_says ("gpukvcache", "device", "fails to start", NULL);
  assert_blurb_says ("gpukvcache", "mode", "lookup (", "store (", "get (",
      "put (", "erase (", "Default: lookup", NULL);
  assert_blurb_says ("gpukvcache", "stats", "items-in", "items-failed",
      "redis-errors", "hit-ratio", "device", NULL);
  assert_blurb_says ("gpukvcache", "backing-store", "6379", "0-15", "1-65535",
      "GST_GPUSTREAM_REDIS_PASSWORD", "unix:", NULL);
  assert_blurb_says ("gpukvcache", "capacity", "rounded up", NULL);
  assert_blurb_says ("gpukvcache", "max-bytes", "41 + value-size", NULL);
  assert_blurb_says ("gpukvcache", "stats-interval", "10 ms", NULL);
  assert_blurb_says (
      "gpuoptbin", "plan", "threads", "queues", "fused", "decisions", NULL);
  assert_blurb_says (
      "gpuoptbin", "profile", "mean-us", "elements", "avg-us", NULL);
}

GST_END_TEST;

static Suite *
gpukvcachesettings_suite (void)
{
  Suite *s = suite_create ("gpukvcache-settings");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_rejects_caps, 0, G_N_ELEMENTS (rejected_caps));
  tcase_add_test (tc, test_rejects_non_tensor_caps);
  tcase_add_test (tc, test_capacity_zero_fails);
  tcase_add_loop_test (
      tc, test_shared_mismatch_fails, 0, G_N_ELEMENTS (shared_mismatches));
  tcase_add_test (tc, test_shared_table_released_with_last_element);
  tcase_add_loop_test (
      tc, test_malformed_url_fails, 0, G_N_ELEMENTS (malformed_urls));
  tcase_add_test (tc, test_property_blurbs_say_units_and_defaults);
  tcase_add_test (tc, test_device_cuda_fails_without_gpu);
  tcase_add_test (tc, test_stats_report_table_device);
  return s;
}

GST_CHECK_MAIN (gpukvcachesettings);
