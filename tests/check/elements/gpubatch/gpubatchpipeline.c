/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Many non-live sources through gpubatch -> gpuunbatch with a default queue
 * on every branch (the topology docs/gpuunbatch.md recommends): every sink
 * must preroll and the pipeline must reach EOS with every item delivered,
 * however the source threads are scheduled. Fair slot sharing in gpubatch
 * and gpuunbatch holding back fed branches while others still wait for
 * their first buffer are what make this pass.
 *
 * GST_GPUSTREAM_PREROLL_RUNS=N repeats each case N times (default 2; the
 * stress command in docs/gpubatch.md uses 20).
 */
#include <stdlib.h>

#include <gst/check/gstcheck.h>

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

static guint64
stats_get (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v = 0;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
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
  fail_unless_equals_uint64 (stats_get (batch, "items-in"), total);
  fail_unless_equals_uint64 (
      stats_get (batch, "items-out") + stats_get (batch, "items-dropped"),
      total);
  fail_unless_equals_uint64 (stats_get (batch, "items-out"), delivered);
  fail_unless_equals_uint64 (stats_get (unbatch, "items-out"), delivered);
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

static Suite *
gpubatchpreroll_suite (void)
{
  Suite *s = suite_create ("gpubatchpreroll");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_non_live_sources_preroll_and_finish, 0,
      G_N_ELEMENTS (source_counts));
  tcase_add_test (tc, test_non_live_sources_finish_with_drop_oldest);
  return s;
}

GST_CHECK_MAIN (gpubatchpreroll);
