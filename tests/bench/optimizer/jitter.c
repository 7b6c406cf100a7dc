/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark: arrival jitter of a 10 ms audio stream at a synchronised sink
 * while a CPU-heavy video branch and a CPU hog thread run, with and without
 * gpuoptbin's priorities. Target (issue 5): p99 at least 50% lower.
 *
 * Jitter of a buffer = the clock time its handoff runs minus the clock time
 * it was due (base time + running time).
 *
 * With OPTBENCH_SAMPLES=FILE, each run also appends one line to FILE: the
 * gpuoptbin properties of the run ("-" without gpuoptbin), a tab, and every
 * buffer's jitter in microseconds, sorted (scripts/bench-report.py draws
 * histograms from them). The printed text is the same either way.
 */
#include "optbench.h"
#include "tests/bench/bench-sideout.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct
{
  GstElement *pipeline;
  GstClockTime *jitter;
  guint n, max;
} Jitter;

static gint hog_stop;

static gpointer
hog (gpointer data)
{
  volatile guint64 x = 0;

  while (!g_atomic_int_get (&hog_stop))
    x++;
  return NULL;
}

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, Jitter *j)
{
  GstClock *clock = gst_element_get_clock (sink);
  GstSegment *segment;
  GstEvent *ev;
  GstClockTime now, due, rt;

  if (clock == NULL || j->n >= j->max)
    goto out;
  ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (ev == NULL)
    goto out;
  gst_event_parse_segment (ev, (const GstSegment **)&segment);
  rt = gst_segment_to_running_time (
      segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  gst_event_unref (ev);
  now = gst_clock_get_time (clock);
  due = gst_element_get_base_time (sink) + rt;
  j->jitter[j->n++] = now > due ? now - due : 0;
  if (j->n == j->max)
    gst_element_post_message (
        sink, gst_message_new_application (
                  GST_OBJECT (sink), gst_structure_new_empty ("done")));
out:
  gst_clear_object (&clock);
}

static int
cmp (const void *a, const void *b)
{
  GstClockTime x = *(const GstClockTime *)a, y = *(const GstClockTime *)b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  gdouble p50_us, p99_us, max_us;
  guint n;
} Result;

static gboolean
run_once (const gchar *desc, const gchar *props, guint buffers, Result *r,
    gchar **applied)
{
  Jitter j = {
    0,
  };
  GstElement *asink;
  OptBenchRun run;
  gboolean ok;

  j.pipeline = optbench_pipeline (desc, props != NULL, props);
  if (j.pipeline == NULL)
    return FALSE;
  j.max = buffers;
  j.jitter = g_new0 (GstClockTime, buffers);
  asink = gst_bin_get_by_name_recurse_up (GST_BIN (j.pipeline), "asink");
  if (asink == NULL) {
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (j.pipeline));
    GValue v = G_VALUE_INIT;

    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      if (g_str_equal (GST_OBJECT_NAME (g_value_get_object (&v)), "asink"))
        asink = g_value_dup_object (&v);
      g_value_reset (&v);
    }
    g_value_unset (&v);
    gst_iterator_free (it);
  }
  g_signal_connect (asink, "handoff", G_CALLBACK (on_handoff), &j);
  ok = optbench_run (j.pipeline, 60 * GST_SECOND, &run);
  if (props != NULL && applied) {
    GstElement *opt = gst_bin_get_by_name (GST_BIN (j.pipeline), "opt");
    GstStructure *plan = NULL;

    g_object_get (opt, "plan", &plan, NULL);
    if (plan) {
      const GValue *threads = gst_structure_get_value (plan, "threads");
      GString *s = g_string_new (NULL);
      guint i;

      for (i = 0; i < gst_value_array_get_size (threads); i++) {
        const GstStructure *t
            = gst_value_get_structure (gst_value_array_get_value (threads, i));
        gint value = 0;

        gst_structure_get_int (t, "applied-value", &value);
        g_string_append_printf (s, "%s%s=%s:%s(%d)", i ? ", " : "",
            gst_structure_get_string (t, "owner"),
            gst_structure_get_string (t, "class"),
            gst_structure_get_string (t, "applied"), value);
      }
      g_free (*applied);
      *applied = g_string_free (s, FALSE);
      gst_structure_free (plan);
    }
    gst_object_unref (opt);
  }
  qsort (j.jitter, j.n, sizeof (GstClockTime), cmp);
  r->n = j.n;
  if (g_getenv ("OPTBENCH_SAMPLES")) {
    GString *line = g_string_new (props ? props : "-");
    guint i;

    for (i = 0; i < j.n; i++)
      g_string_append_printf (
          line, "%c%.1f", i ? ' ' : '\t', j.jitter[i] / 1000.0);
    bench_sideout_append ("OPTBENCH_SAMPLES", line->str);
    g_string_free (line, TRUE);
  }
  if (g_getenv ("OPTBENCH_DEBUG"))
    g_printerr ("%s: %u buffers, first %" G_GUINT64_FORMAT
                " last %" G_GUINT64_FORMAT "\n",
        props ? props : "(none)", j.n, j.jitter[0],
        j.jitter[j.n ? j.n - 1 : 0]);
  if (j.n > 0) {
    r->p50_us = j.jitter[j.n / 2] / 1000.0;
    r->p99_us = j.jitter[MIN (j.n - 1, (guint)ceil (j.n * 0.99) - 1)] / 1000.0;
    r->max_us = j.jitter[j.n - 1] / 1000.0;
  }
  g_free (j.jitter);
  gst_object_unref (asink);
  gst_object_unref (j.pipeline);
  return ok && j.n > 0;
}

int
main (int argc, char **argv)
{
  guint buffers = argc > 1 ? (guint)atoi (argv[1]) : 300;
  gchar *desc, *applied = NULL;
  GThread *hogs[2];
  Result base[2], opt[2], rt_only[2], nice_only[2];
  gdouble base_p99 = 0, opt_p99 = 0, rt_p99 = 0, nice_p99 = 0;
  guint round, i;
  gint ret = 1;

  gst_init (&argc, &argv);
  desc = g_strdup_printf (
      "audiotestsrc num-buffers=%u samplesperbuffer=441 "
      "! audio/x-raw,rate=44100,channels=1 ! fakesink name=asink sync=true "
      "signal-handoffs=true  videotestsrc name=heavy pattern=snow "
      "! video/x-raw,format=I420,width=640,height=480 ! videoconvert ! "
      "video/x-raw,format=RGBA ! fakesink name=heavysink sync=false",
      buffers);
  for (i = 0; i < G_N_ELEMENTS (hogs); i++)
    hogs[i] = g_thread_new ("hog", hog, NULL);

  printf ("gpuoptbin jitter: %u x 10 ms audio buffers at fakesink "
          "sync=true; load: videotestsrc snow 640x480 -> videoconvert RGBA "
          "(background) + %u spinning threads, %u cores\n",
      buffers, (guint)G_N_ELEMENTS (hogs), g_get_num_processors ());
  for (round = 0; round < 2; round++) {
    if (!run_once (desc, NULL, buffers, &base[round], NULL)
        || !run_once (desc, "background=<heavy,heavysink>", buffers,
            &opt[round], &applied)
        || !run_once (
            desc, "enable-fusion=true", buffers, &rt_only[round], NULL)
        || !run_once (desc, "realtime-priority=0 background=<heavy,heavysink>",
            buffers, &nice_only[round], NULL))
      goto out;
    printf ("  round %u: without: p50 %.0f us p99 %.0f us max %.0f us | "
            "with: p50 %.0f us p99 %.0f us max %.0f us | with, video not "
            "marked background: p50 %.0f us p99 %.0f us max %.0f us\n",
        round, base[round].p50_us, base[round].p99_us, base[round].max_us,
        opt[round].p50_us, opt[round].p99_us, opt[round].max_us,
        rt_only[round].p50_us, rt_only[round].p99_us, rt_only[round].max_us);
    base_p99 += base[round].p99_us / 2;
    opt_p99 += opt[round].p99_us / 2;
    rt_p99 += rt_only[round].p99_us / 2;
    nice_p99 += nice_only[round].p99_us / 2;
    printf ("           with, nice fallback only (realtime-priority=0): p50 "
            "%.0f us p99 %.0f us max %.0f us\n",
        nice_only[round].p50_us, nice_only[round].p99_us,
        nice_only[round].max_us);
  }
  printf ("  threads with gpuoptbin: %s\n", applied ? applied : "?");
  printf ("RESULT p99 jitter: without %.0f us, with %.0f us: %.1f%% lower "
          "(target >= 50%%)\n",
      base_p99, opt_p99, 100.0 * (1.0 - opt_p99 / base_p99));
  printf ("RESULT p99 jitter, video branch not marked background: %.0f us: "
          "%.1f%% lower\n",
      rt_p99, 100.0 * (1.0 - rt_p99 / base_p99));
  printf ("RESULT p99 jitter, nice fallback instead of SCHED_FIFO: %.0f us: "
          "%.1f%% lower\n",
      nice_p99, 100.0 * (1.0 - nice_p99 / base_p99));
  ret = 0;
out:
  g_atomic_int_set (&hog_stop, 1);
  for (i = 0; i < G_N_ELEMENTS (hogs); i++)
    g_thread_join (hogs[i]);
  g_free (applied);
  g_free (desc);
  return ret;
}
