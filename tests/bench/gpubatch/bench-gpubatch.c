/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpubatch benchmark (CPU path), printed in one run:
 *  1. per-item overhead of gpubatch (adaptive=false, 8x8 GRAY8 frames, uint8
 *     slots) against `queue` on the same stream, both measured over the
 *     bare `src ! fakesink` pipeline;
 *  2. adaptive throughput as a ratio of the best fixed batch size, against a
 *     simulated consumer costing a + b*n per batch plus a penalty per item
 *     beyond a budget of k items.
 *
 * With BENCH_GPUBATCH_TIMELINE=FILE, each simulated-consumer run also appends
 * one line to FILE: gpubatch's properties, a tab, then "ms:n" per batch (ms
 * since PLAYING when the consumer was done with it, n its valid items), for
 * scripts/bench-report.py's plot over time. The printed text is the same.
 */
#include <gst/gst.h>

#include "gst/gstgpubatchmeta.h"
#include "tests/bench/bench-sideout.h"

#define N_ITEMS 20000
#define N_REPEAT 3

static gdouble
run_launch (const gchar *desc)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstBus *bus;
  GstMessage *msg;
  gint64 t0, t1;

  if (!pipeline) {
    g_printerr ("cannot build '%s': %s\n", desc, error->message);
    g_clear_error (&error);
    return -1;
  }
  bus = gst_element_get_bus (pipeline);
  t0 = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t1 = g_get_monotonic_time ();
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    g_printerr ("error running '%s'\n", desc);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return (t1 - t0) * 1000.0; /* ns */
}

/* Best of N_REPEAT, in ns per item. */
static gdouble
per_item (const gchar *middle)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=%d pattern=black "
      "! video/x-raw,format=GRAY8,width=8,height=8,framerate=1000/1 %s "
      "! fakesink",
      N_ITEMS, middle);
  gdouble best = G_MAXDOUBLE;
  gint i;

  for (i = 0; i < N_REPEAT; i++)
    best = MIN (best, run_launch (desc));
  g_free (desc);
  return best / N_ITEMS;
}

/* Simulated consumer: sleeps a + b*n, plus penalty*(n - k) beyond k. */
#define COST_A_US 8000
#define COST_B_US 800
#define COST_K 5
#define COST_PENALTY_US 16000

typedef struct
{
  gint64 t0;
  GString *line; /* NULL unless BENCH_GPUBATCH_TIMELINE is set */
} Timeline;

/* Streaming thread of the sink. */
static GstPadProbeReturn
consumer_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Timeline *timeline = user_data;
  GstGpuBatchMeta *meta
      = gst_buffer_get_gpu_batch_meta (GST_PAD_PROBE_INFO_BUFFER (info));
  guint n = meta ? meta->n_valid : 1;
  guint64 cost = COST_A_US + (guint64)COST_B_US * n;

  if (n > COST_K)
    cost += (guint64)COST_PENALTY_US * (n - COST_K);
  g_usleep (cost);
  if (timeline->line)
    g_string_append_printf (timeline->line, " %.1f:%u",
        (g_get_monotonic_time () - timeline->t0) / 1000.0, n);
  return GST_PAD_PROBE_OK;
}

/* Items per second through the simulated consumer. */
static gdouble
consumer_throughput (const gchar *batch_props, guint n_items, guint *target_out)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=%u pattern=black "
      "! video/x-raw,format=GRAY8,width=8,height=8 ! gpubatch name=b "
      "device=cpu color=gray dtype=uint8 max-latency=0 %s ! fakesink name=s",
      n_items, batch_props);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GstStructure *stats = NULL;
  Timeline timeline = { 0, NULL };
  gint64 t0, t1;

  if (g_getenv ("BENCH_GPUBATCH_TIMELINE")) {
    timeline.line = g_string_new (batch_props);
    g_string_append_c (timeline.line, '\t');
  }
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER, consumer_probe, &timeline, NULL);
  t0 = timeline.t0 = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t1 = g_get_monotonic_time ();
  gst_message_unref (msg);
  if (timeline.line) {
    bench_sideout_append ("BENCH_GPUBATCH_TIMELINE", timeline.line->str);
    g_string_free (timeline.line, TRUE);
  }
  g_object_get (b, "stats", &stats, NULL);
  if (target_out)
    gst_structure_get_uint (stats, "target-batch-size", target_out);
  gst_structure_free (stats);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (b);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  return n_items * 1e6 / (gdouble)(t1 - t0);
}

int
main (int argc, char **argv)
{
  gdouble direct, queue, batch, best = 0, adaptive;
  guint n, best_n = 0, target = 0;
  const guint n_items = 1500;

  gst_init (&argc, &argv);

  g_print (
      "gpubatch benchmark (CPU path, %u cores)\n", g_get_num_processors ());
  direct = per_item ("");
  queue = per_item ("! queue");
  batch = per_item ("! gpubatch device=cpu adaptive=false max-batch-size=8 "
                    "color=gray dtype=uint8");
  g_print (
      "per-item time, 8x8 GRAY8, %d items, best of %d:\n", N_ITEMS, N_REPEAT);
  g_print ("  src ! fakesink            %8.0f ns/item\n", direct);
  g_print ("  src ! queue ! fakesink    %8.0f ns/item (+%.0f ns)\n", queue,
      queue - direct);
  g_print ("  src ! gpubatch ! fakesink %8.0f ns/item (+%.0f ns)\n", batch,
      batch - direct);
  g_print ("  gpubatch overhead / queue overhead: %.2f\n",
      (batch - direct) / MAX (queue - direct, 1.0));

  g_print ("simulated consumer: %d us + %d us/item per batch, +%d us per "
           "item beyond %d (best size %d)\n",
      COST_A_US, COST_B_US, COST_PENALTY_US, COST_K, COST_K);
  for (n = 1; n <= 8; n++) {
    gchar *props = g_strdup_printf ("adaptive=false max-batch-size=%u", n);
    gdouble t = consumer_throughput (props, n_items, NULL);

    g_print ("  fixed batch size %u: %8.0f items/s\n", n, t);
    if (t > best) {
      best = t;
      best_n = n;
    }
    g_free (props);
  }
  adaptive = consumer_throughput ("adaptive=true min-batch-size=1 "
                                  "max-batch-size=8",
      n_items, &target);
  g_print ("  adaptive (1..8):   %8.0f items/s, final target %u\n", adaptive,
      target);
  g_print (
      "  adaptive / best fixed (size %u): %.2f\n", best_n, adaptive / best);
  return 0;
}
