/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Real pipelines of sources -> gpubatch -> gpuunbatch -> queue ! fakesink
 * per source (the topology docs/gpuunbatch.md recommends).
 *
 * Many non-live sources: every sink must preroll and the pipeline must
 * reach EOS with every item delivered, however the source threads are
 * scheduled. Fair slot sharing in gpubatch and gpuunbatch holding back fed
 * branches while others still wait for their first buffer make this pass.
 *
 * Counters: in = out + dropped + failed + held for both elements, and what
 * gpubatch counts out is what gpuunbatch counts in, at EOS, after a
 * flushing seek and after an error.
 *
 * GST_GPUSTREAM_PREROLL_RUNS=N repeats each case N times (default 2; the
 * stress command in docs/gpubatch.md uses 20).
 */
#include <stdlib.h>

#include "gpubatchtest.h"

#define FRAMES_PER_SOURCE 100

typedef struct
{
  GMutex lock;
  guint *n; /* buffers seen per sink */
} Counts;

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  Counts *counts = data;
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sink), "i"));

  g_mutex_lock (&counts->lock);
  counts->n[index]++;
  g_mutex_unlock (&counts->lock);
}

/* in = out + dropped + failed + held, from one snapshot of @e's stats;
 * returns out. */
static guint64
check_balance (GstElement *e)
{
  GstStructure *s = NULL;
  guint64 in, out;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  in = stat_field_u64 (s, "items-in");
  out = stat_field_u64 (s, "items-out");
  fail_unless_equals_uint64 (in, out + stat_field_u64 (s, "items-dropped")
                                     + stat_field_u64 (s, "items-failed")
                                     + stat_field_u64 (s, "items-held"));
  gst_structure_free (s);
  return out;
}

/* Builds, runs to EOS (or fails after 60 s) and checks the counts: every
 * item accepted is delivered or counted as dropped; with @lossless, every
 * frame reaches its sink. */
static void
run_sources (guint n_sources, const gchar *batch_props, gboolean lossless)
{
  GString *desc = g_string_new (NULL);
  GstElement *pipeline, *batch, *unbatch;
  GstMessage *msg;
  GstBus *bus;
  Counts counts;
  guint64 total = n_sources * FRAMES_PER_SOURCE, delivered = 0;
  guint s;

  g_mutex_init (&counts.lock);
  counts.n = g_new0 (guint, n_sources);
  g_string_append_printf (
      desc, "gpubatch name=b device=cpu %s ! gpuunbatch name=u", batch_props);
  for (s = 0; s < n_sources; s++)
    g_string_append_printf (desc,
        " videotestsrc num-buffers=%d pattern=%u ! "
        "video/x-raw,format=RGB,width=8,height=6 ! b.sink_%u"
        " u.src_%u ! queue ! fakesink name=sink%u signal-handoffs=true",
        FRAMES_PER_SOURCE, s % 20, s, s, s);
  pipeline = gst_parse_launch (desc->str, NULL);
  fail_unless (pipeline != NULL);
  g_string_free (desc, TRUE);

  for (s = 0; s < n_sources; s++) {
    gchar *name = g_strdup_printf ("sink%u", s);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);

    g_object_set_data (G_OBJECT (sink), "i", GUINT_TO_POINTER (s));
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &counts);
    gst_object_unref (sink);
    g_free (name);
  }

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (
      msg != NULL, "%u sources: no EOS within 60 s (deadlock)", n_sources);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  for (s = 0; s < n_sources; s++) {
    if (lossless)
      fail_unless_equals_int (counts.n[s], FRAMES_PER_SOURCE);
    delivered += counts.n[s];
  }
  batch = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  unbatch = gst_bin_get_by_name (GST_BIN (pipeline), "u");
  fail_unless_equals_uint64 (
      check_balance (batch), stat_u64 (unbatch, "items-in"));
  check_balance (unbatch);
  fail_unless_equals_uint64 (stat_u64 (batch, "items-in"), total);
  fail_unless_equals_uint64 (
      stat_u64 (batch, "items-out") + stat_u64 (batch, "items-dropped"), total);
  fail_unless_equals_uint64 (stat_u64 (batch, "items-out"), delivered);
  fail_unless_equals_uint64 (stat_u64 (unbatch, "items-out"), delivered);
  gst_object_unref (batch);
  gst_object_unref (unbatch);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (counts.n);
  g_mutex_clear (&counts.lock);
}

static guint
n_runs (void)
{
  const gchar *env = g_getenv ("GST_GPUSTREAM_PREROLL_RUNS");

  return env ? MAX (1, atoi (env)) : 2;
}

static const guint source_counts[] = { 3, 16, 64 };

GST_START_TEST (test_non_live_sources_preroll_and_finish)
{
  guint r, runs = n_runs ();

  for (r = 0; r < runs; r++)
    run_sources (source_counts[__i__], "", TRUE);
}

GST_END_TEST;

/* drop-oldest with no deadline was seen to hang with three sources */
GST_START_TEST (test_non_live_sources_finish_with_drop_oldest)
{
  guint r, runs = n_runs ();

  for (r = 0; r < runs; r++)
    run_sources (3, "overflow=drop-oldest max-latency=0", FALSE);
}

GST_END_TEST;

/* Four sources paced by their sinks, one-buffer queues so that pushes are
 * blocked when the flushing seek (back to the start, after half a second)
 * comes: what was in flight is dropped, and counted so. gpubatch used to
 * count the batch the flush refused as out, and gpuunbatch left the rest
 * of an interrupted batch uncounted. */
GST_START_TEST (test_counters_balance_after_flushing_seek)
{
  GstElement *pipeline, *batch, *unbatch;
  GstMessage *msg;
  GstBus *bus;

  pipeline = gst_parse_launch (
      "gpubatch name=b device=cpu max-batch-size=4 ! gpuunbatch name=u "
      "videotestsrc num-buffers=45 ! video/x-raw,width=8,height=6 ! b.sink_0 "
      "videotestsrc num-buffers=45 ! video/x-raw,width=8,height=6 ! b.sink_1 "
      "videotestsrc num-buffers=45 ! video/x-raw,width=8,height=6 ! b.sink_2 "
      "videotestsrc num-buffers=45 ! video/x-raw,width=8,height=6 ! b.sink_3 "
      "u.src_0 ! queue max-size-buffers=1 ! fakesink "
      "u.src_1 ! queue max-size-buffers=1 ! fakesink "
      "u.src_2 ! queue max-size-buffers=1 ! fakesink "
      "u.src_3 ! queue max-size-buffers=1 ! fakesink",
      NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (
      gst_element_get_state (pipeline, NULL, NULL, 30 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  g_usleep (500 * 1000);
  fail_unless (gst_element_seek_simple (
      pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0));
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  batch = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  unbatch = gst_bin_get_by_name (GST_BIN (pipeline), "u");
  /* a batch gpuunbatch took in but could not finish pushing comes back
   * as FLUSHING, and gpubatch cannot tell it from one the pad refused: it
   * counts it dropped, so gpuunbatch may count more in than gpubatch out */
  fail_unless (check_balance (batch) <= stat_u64 (unbatch, "items-in"));
  check_balance (unbatch);
  fail_unless_equals_uint64 (stat_u64 (batch, "items-held"), 0);
  fail_unless_equals_uint64 (stat_u64 (unbatch, "items-held"), 0);
  gst_object_unref (batch);
  gst_object_unref (unbatch);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A second source whose caps cannot join the batch stops the pipeline;
 * what gpubatch had accepted by then is out, dropped or held, not lost. */
GST_START_TEST (test_counters_balance_after_negotiation_error)
{
  GstElement *pipeline, *batch;
  GstMessage *msg;
  GstBus *bus;

  pipeline = gst_parse_launch (
      "gpubatch name=b device=cpu max-batch-size=8 ! gpuunbatch name=u "
      "videotestsrc num-buffers=40 ! video/x-raw,width=8,height=6 ! b.sink_0 "
      "audiotestsrc num-buffers=40 ! audio/x-raw,format=F32LE ! b.sink_1 "
      "u.src_0 ! queue ! fakesink u.src_1 ! queue ! fakesink",
      NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_unref (msg);

  batch = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  check_balance (batch);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (batch);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
gpubatchpipeline_suite (void)
{
  Suite *s = suite_create ("gpubatchpipeline");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_non_live_sources_preroll_and_finish, 0,
      G_N_ELEMENTS (source_counts));
  tcase_add_test (tc, test_non_live_sources_finish_with_drop_oldest);
  tcase_add_test (tc, test_counters_balance_after_flushing_seek);
  tcase_add_test (tc, test_counters_balance_after_negotiation_error);
  return s;
}

GST_CHECK_MAIN (gpubatchpipeline);
