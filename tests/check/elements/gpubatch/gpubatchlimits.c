/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpubatch refusing what cannot work, with one clear error: property
 * values that could never run (thresholds that cannot resume, partial
 * per-channel arrays, zero sizes), batches too large for a buffer pool,
 * and batch buffers the machine cannot allocate.
 */
#include <sys/resource.h>

#include "gpubatchtest.h"

/* Pops every message of @type on @bus; returns how many, and the text of
 * the first in @first. */
static guint
count_messages (GstBus *bus, GstMessageType type, gchar **first)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, type))) {
    if (n++ == 0 && first) {
      GError *err = NULL;

      if (type == GST_MESSAGE_ERROR)
        gst_message_parse_error (msg, &err, NULL);
      else
        gst_message_parse_warning (msg, &err, NULL);
      *first = g_strdup (err->message);
      g_error_free (err);
    }
    gst_message_unref (msg);
  }
  return n;
}

typedef struct
{
  const gchar *props;
  const gchar *names; /* what the error message must name */
} BadSettings;

static const BadSettings bad_settings[] = {
  { "resume-threshold=0", "resume-threshold" },
  { "pause-threshold=0.3 resume-threshold=0.5", "pause-threshold" },
  { "min-batch-size=9 max-batch-size=8", "min-batch-size" },
  { "max-batch-size=0", "max-batch-size" },
  { "window-samples=0", "window-samples" },
  { "memory-target=0", "memory-target" },
  { "mean=<0.1,0.2>", "mean has 2 values" },
  { "std=<0>", "std value 0 is 0" },
  { "scale=<1,2>", "scale has 2 values" },
  { "offset=<1,2,3,4>", "offset has 4 values" },
  { "color=gray mean=<0.1,0.2,0.3>", "(1 for this color)" },
};

GST_START_TEST (test_settings_rejects_values_that_cannot_run)
{
  const BadSettings *bad = &bad_settings[__i__];
  GstElement *e = make_batch (bad->props);
  GstBus *bus = gst_bus_new ();
  gchar *text = NULL;

  gst_element_set_bus (e, bus);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_ERROR, &text), 1);
  fail_unless (
      strstr (text, bad->names) != NULL, "'%s' for %s", text, bad->props);
  g_free (text);

  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_settings_accepts_per_channel_arrays)
{
  GstElement *e = make_batch ("mean=<0.485,0.456,0.406> "
                              "std=<0.229,0.224,0.225> min-batch-size=8 "
                              "pause-threshold=0.5 resume-threshold=0.5");

  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_threshold_change_while_running_refused)
{
  GstElement *e = make_batch ("");
  GstHarness *h = gst_harness_new_with_element (e, "sink_%u", "src");
  GstBus *bus = gst_bus_new ();
  gdouble resume = 0.0;
  gchar *text = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_play (h);
  g_object_set (h->element, "resume-threshold", 0.0, NULL);
  g_object_get (h->element, "resume-threshold", &resume, NULL);
  fail_unless_equals_float (resume, 0.5);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING, &text), 1);
  fail_unless (strstr (text, "resume-threshold") != NULL, "%s", text);
  g_free (text);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* GRAY8 8192x8192 in the default batch of 8 float32 slots: 6 GiB, over
 * what a buffer pool can hold. Upstream retries the caps with every
 * buffer; the error is posted once and names the limit. */
GST_START_TEST (test_oversized_batch_fails_once)
{
  GstElement *e = make_batch ("");
  GstHarness *h = gst_harness_new_with_element (e, "sink_%u", "src");
  GstBus *bus = gst_bus_new ();
  gchar *text = NULL;
  guint i;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=8192,height=8192,framerate=30/1");
  for (i = 0; i < 3; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_new_allocate (NULL, 8192 * 8192, NULL)),
        GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_ERROR, &text), 1);
  fail_unless (strstr (text, "6442450944 bytes") != NULL, "%s", text);
  fail_unless (strstr (text, "buffer pool") != NULL, "%s", text);
  g_free (text);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Current address-space size of this process, in bytes. */
static guint64
vm_size (void)
{
  gchar *status = NULL, *line;
  guint64 kb = 0;

  fail_unless (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmSize:");
  fail_unless (line != NULL);
  kb = g_ascii_strtoull (line + strlen ("VmSize:"), NULL, 10);
  g_free (status);
  return kb * 1024;
}

/* A batch buffer that cannot be allocated is an element error, not an
 * abort. Batches of 4096 RGB 64x64 float32 slots take 192 MiB; the
 * address space is capped 500 MiB above what the process uses, less than
 * the 5 buffers gpubatch may hold. Runs in a forked child (the
 * cap stays there); AddressSanitizer reserves address space of its own,
 * so the sanitizer build skips it. */
GST_START_TEST (test_allocation_failure_is_an_error)
{
#if defined(__SANITIZE_ADDRESS__)
  GST_INFO ("skipped under AddressSanitizer");
#else
  GstElement *pipeline;
  GstMessage *msg;
  GstBus *bus;
  GError *err = NULL;
  gchar *debug = NULL;
  struct rlimit limit;

  pipeline = gst_parse_launch (
      "videotestsrc num-buffers=20 ! video/x-raw,width=64,height=64 ! "
      "gpubatch device=cpu max-batch-size=4096 adaptive=true ! fakesink",
      NULL);
  fail_unless (pipeline != NULL);
  limit.rlim_cur = limit.rlim_max = vm_size () + 500 * 1024 * 1024;
  fail_unless (setrlimit (RLIMIT_AS, &limit) == 0);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  fail_unless (g_str_has_prefix (GST_OBJECT_NAME (msg->src), "gpubatch"));
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (
      strstr (err->message, "max-batch-size") != NULL, "%s", err->message);
  /* the pool's first buffer (at negotiation) or a later one (while
   * batching) fails, depending on what else took address space */
  fail_unless (strstr (err->message, "201326592 bytes") != NULL
                   || strstr (debug, "201326592 bytes") != NULL,
      "%s / %s", err->message, debug);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
#endif
}

GST_END_TEST;

static Suite *
gpubatchlimits_suite (void)
{
  Suite *s = suite_create ("gpubatchlimits");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_settings_rejects_values_that_cannot_run, 0,
      G_N_ELEMENTS (bad_settings));
  tcase_add_test (tc, test_settings_accepts_per_channel_arrays);
  tcase_add_test (tc, test_threshold_change_while_running_refused);
  tcase_add_test (tc, test_oversized_batch_fails_once);
  tcase_add_test (tc, test_allocation_failure_is_an_error);
  return s;
}

GST_CHECK_MAIN (gpubatchlimits);
