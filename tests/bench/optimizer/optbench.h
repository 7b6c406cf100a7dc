/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpuoptbin benchmarks: process CPU time, context
 * switches, thread count, and running a pipeline to EOS while sampling.
 */
#pragma once

#include <gst/gst.h>

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

G_BEGIN_DECLS

typedef struct
{
  gdouble cpu_s; /* user + system */
  gdouble wall_s;
  glong ctx_switches;      /* voluntary + involuntary */
  guint max_threads;       /* process threads, peak */
  guint max_streaming;     /* streaming threads alive at once, peak */
  guint streaming_started; /* STREAM_STATUS ENTER seen */
} OptBenchRun;

typedef struct
{
  gint alive;
  gint peak;
  gint started;
} OptBenchThreads;

/* Any streaming thread; atomics only. */
static inline GstBusSyncReply
optbench_count_threads (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  OptBenchThreads *t = user_data;
  GstStreamStatusType type;
  GstElement *owner;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_STREAM_STATUS) {
    gst_message_parse_stream_status (msg, &type, &owner);
    if (type == GST_STREAM_STATUS_TYPE_ENTER) {
      gint now = g_atomic_int_add (&t->alive, 1) + 1;
      gint peak;

      g_atomic_int_inc (&t->started);
      do {
        peak = g_atomic_int_get (&t->peak);
      } while (now > peak
               && !g_atomic_int_compare_and_exchange (&t->peak, peak, now));
    } else if (type == GST_STREAM_STATUS_TYPE_LEAVE) {
      g_atomic_int_add (&t->alive, -1);
    }
  }
  return GST_BUS_PASS;
}

static inline guint
optbench_threads (void)
{
  FILE *f = fopen ("/proc/self/status", "r");
  gchar line[256];
  guint n = 0;

  if (f == NULL)
    return 0;
  while (fgets (line, sizeof (line), f) != NULL) {
    if (sscanf (line, "Threads: %u", &n) == 1)
      break;
  }
  fclose (f);
  return n;
}

static inline gdouble
optbench_tv (struct timeval tv)
{
  return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Runs @pipeline to EOS, an application message ("done") or @timeout,
 * filling @run; FALSE on error or timeout. */
static inline gboolean
optbench_run (GstElement *pipeline, GstClockTime timeout, OptBenchRun *run)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  struct rusage r0, r1;
  gint64 t0, deadline;
  gboolean ok = FALSE;

  OptBenchThreads threads = {
    0,
  };

  memset (run, 0, sizeof (*run));
  /* idle task-pool threads of an earlier run would count as ours */
  g_thread_pool_set_max_unused_threads (0);
  g_thread_pool_stop_unused_threads ();
  g_thread_pool_set_max_unused_threads (2);
  gst_bus_set_sync_handler (bus, optbench_count_threads, &threads, NULL);
  getrusage (RUSAGE_SELF, &r0);
  t0 = g_get_monotonic_time ();
  deadline = t0 + timeout / 1000;
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    goto out;
  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 50 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_APPLICATION);

    run->max_threads = MAX (run->max_threads, optbench_threads ());
    if (msg == NULL)
      continue;
    ok = GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR;
    if (!ok) {
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("error: %s\n", err->message);
      g_clear_error (&err);
    }
    gst_message_unref (msg);
    break;
  }
  run->wall_s = (g_get_monotonic_time () - t0) / 1e6;
  getrusage (RUSAGE_SELF, &r1);
  run->cpu_s = optbench_tv (r1.ru_utime) - optbench_tv (r0.ru_utime)
               + optbench_tv (r1.ru_stime) - optbench_tv (r0.ru_stime);
  run->ctx_switches
      = (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw);
out:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  run->max_streaming = g_atomic_int_get (&threads.peak);
  run->streaming_started = g_atomic_int_get (&threads.started);
  gst_object_unref (bus);
  return ok;
}

/* A plain bin or a gpuoptbin around @description. */
static inline GstElement *
optbench_pipeline (
    const gchar *description, gboolean optimize, const gchar *opt_props)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *bin;
  GError *error = NULL;

  if (optimize) {
    bin = gst_element_factory_make ("gpuoptbin", "opt");
    if (bin == NULL) {
      g_printerr ("gpuoptbin not found (GST_PLUGIN_PATH?)\n");
      gst_object_unref (pipeline);
      return NULL;
    }
    if (opt_props != NULL) {
      gchar **kv = g_strsplit (opt_props, " ", -1), **p;

      for (p = kv; *p != NULL; p++) {
        gchar **pair = g_strsplit (*p, "=", 2);

        if (pair[0] && pair[1])
          gst_util_set_object_arg (G_OBJECT (bin), pair[0], pair[1]);
        g_strfreev (pair);
      }
      g_strfreev (kv);
    }
    g_object_set (bin, "description", description, NULL);
  } else {
    bin = gst_parse_bin_from_description (description, FALSE, &error);
    if (bin == NULL) {
      g_printerr ("bad description: %s\n", error->message);
      g_clear_error (&error);
      gst_object_unref (pipeline);
      return NULL;
    }
  }
  gst_bin_add (GST_BIN (pipeline), bin);
  return pipeline;
}

G_END_DECLS
