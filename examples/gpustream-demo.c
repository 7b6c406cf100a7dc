/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The demo (the README's main job): several test sources with distinct
 * patterns are batched by gpubatch into 224x224 ImageNet-normalised NCHW
 * batches, classified by gpuinfer (mobilenet_v3_small, TorchScript through
 * libtorch), split back per source by gpuunbatch, and each source's sink
 * prints its top-1 class index at most once per second. On exit it prints
 * the `stats` of every element that has one, then the items per second it
 * ran at. The sinks do not sync to the clock: the sources run as fast as
 * the pipeline takes them.
 *
 * Without libtorch, or when the model cannot be loaded, it says so and runs
 * the batching part alone (gpubatch -> fakesink).
 *
 *   gpustream-demo [--sources N] [--frames N] [--batch N] [--model FILE]
 *                  [--live-stats]
 *
 * The model has random weights (generated at build time with a fixed seed,
 * nothing is downloaded), so the class indices are not meaningful labels;
 * they only show that each source gets its own, stable result.
 */
#include <string.h>

#include <gst/gst.h>

#ifndef GPUSTREAM_DEMO_MODEL
#define GPUSTREAM_DEMO_MODEL ""
#endif
#ifndef GPUSTREAM_DEMO_HAVE_TORCH
#define GPUSTREAM_DEMO_HAVE_TORCH 0
#endif

/* At most one printed result per source per this many microseconds. */
#define PRINT_INTERVAL_US G_USEC_PER_SEC

static const gchar *patterns[] = {
  "smpte",
  "ball",
  "snow",
  "checkers-8",
  "circular",
  "zone-plate",
  "gradient",
  "pinwheel",
};

/* Per source; only touched by that source's sink thread while playing. */
typedef struct
{
  guint index;
  guint64 results;
  gint64 first_us; /* monotonic time of the first and last result */
  gint64 last_us;
  gint64 last_print_us;
  gint last_class;
} SourceState;

static gchar *
build_infer_description (
    guint n_sources, guint n_frames, guint batch, const gchar *model)
{
  GString *desc = g_string_new (NULL);
  gchar *quoted = g_strescape (model, NULL);
  guint i;

  g_string_append_printf (desc,
      "gpubatch name=batch max-batch-size=%u width=224 height=224 "
      "mean=\"<0.485,0.456,0.406>\" std=\"<0.229,0.224,0.225>\" "
      "stats-interval=1000000000 "
      "! gpuinfer name=infer model=\"%s\" stats-interval=1000000000 "
      "! gpuunbatch name=unbatch ",
      batch, quoted);
  for (i = 0; i < n_sources; i++) {
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=%s ! "
        "video/x-raw,format=RGB,width=320,height=240,framerate=30/1 ! "
        "batch.sink_%u "
        "unbatch.src_%u ! queue ! fakesink name=sink_%u signal-handoffs=true "
        "sync=false ",
        n_frames, patterns[i % G_N_ELEMENTS (patterns)], i, i, i);
  }
  g_free (quoted);
  return g_string_free (desc, FALSE);
}

static gchar *
build_batch_description (guint n_sources, guint n_frames, guint batch)
{
  GString *desc = g_string_new (NULL);
  guint i;

  g_string_append_printf (desc,
      "gpubatch name=batch max-batch-size=%u width=224 height=224 "
      "stats-interval=1000000000 ! fakesink name=sink sync=false ",
      batch);
  for (i = 0; i < n_sources; i++) {
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=%s ! "
        "video/x-raw,format=RGB,width=320,height=240,framerate=30/1 ! "
        "batch.sink_%u ",
        n_frames, patterns[i % G_N_ELEMENTS (patterns)], i);
  }
  return g_string_free (desc, FALSE);
}

/* fakesink "handoff", called from the sink's streaming thread (the queue's
 * thread of that branch); takes no lock, the state is per source. */
static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  SourceState *state = data;
  GstMapInfo map;
  const gfloat *logits;
  gsize i, n;
  gint best = -1;
  gint64 now;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  logits = (const gfloat *)map.data;
  n = map.size / sizeof (gfloat);
  for (i = 0; i < n; i++) {
    if (best < 0 || logits[i] > logits[best])
      best = (gint)i;
  }
  gst_buffer_unmap (buffer, &map);

  state->results++;
  now = g_get_monotonic_time ();
  if (state->results == 1)
    state->first_us = now;
  state->last_us = now;
  if (state->results == 1 || now - state->last_print_us >= PRINT_INTERVAL_US) {
    g_print ("source %u (%s): pts %" GST_TIME_FORMAT
             "  top-1 class %d  (%" G_GUINT64_FORMAT " results)\n",
        state->index, patterns[state->index % G_N_ELEMENTS (patterns)],
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), best, state->results);
    state->last_print_us = now;
  }
  state->last_class = best;
}

static void
print_final_stats (GstBin *pipeline)
{
  GstIterator *it = gst_bin_iterate_recurse (pipeline);
  GValue item = G_VALUE_INIT;

  g_print ("\n== final stats\n");
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object (&item);
    GstStructure *stats = NULL;

    if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), "stats")) {
      g_object_get (element, "stats", &stats, NULL);
      if (stats) {
        gchar *text = gst_structure_to_string (stats);
        g_print ("%s: %s\n", GST_ELEMENT_NAME (element), text);
        g_free (text);
        gst_structure_free (stats);
      }
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

typedef enum {
  RUN_OK,
  RUN_FAILED,
  RUN_INFER_UNAVAILABLE, /* gpuinfer failed before producing any result */
} RunResult;

static guint64
total_results (SourceState *states, guint n_states)
{
  guint64 total = 0;
  guint i;

  for (i = 0; i < n_states; i++)
    total += states[i].results;
  return total;
}

/* Items per second over the whole run (from PLAYING: includes loading and
 * warming up the model) and between the first and the last result. */
static void
print_rate (SourceState *states, guint n_states, gint64 start_us, gint64 end_us)
{
  guint64 total = total_results (states, n_states);
  gint64 first = G_MAXINT64, last = 0;
  guint i;

  for (i = 0; i < n_states; i++) {
    if (states[i].results == 0)
      continue;
    first = MIN (first, states[i].first_us);
    last = MAX (last, states[i].last_us);
  }
  g_print ("\n%" G_GUINT64_FORMAT " items in %.2f s: %.1f items/s", total,
      (end_us - start_us) / 1e6, total * 1e6 / MAX (end_us - start_us, 1));
  if (total > 1 && last > first)
    g_print (" (%.1f items/s from the first result to the last)",
        (total - 1) * 1e6 / (last - first));
  g_print ("\n");
}

/* Runs @desc to EOS or error. With @states, connects each sink_N's handoff
 * to states[N]. */
static RunResult
run_pipeline (
    const gchar *desc, SourceState *states, guint n_states, gboolean live_stats)
{
  GError *error = NULL;
  GstElement *pipeline;
  GstBus *bus;
  gboolean done = FALSE;
  RunResult ret = RUN_OK;
  gint64 start_us, end_us;
  guint i;

  g_print ("pipeline: %s\n\n", desc);
  pipeline = gst_parse_launch (desc, &error);
  if (!pipeline) {
    g_printerr ("could not build the pipeline: %s\n", error->message);
    g_clear_error (&error);
    return RUN_FAILED;
  }
  for (i = 0; states && i < n_states; i++) {
    gchar *name = g_strdup_printf ("sink_%u", i);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);

    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &states[i]);
    gst_object_unref (sink);
    g_free (name);
  }

  bus = gst_element_get_bus (pipeline);
  start_us = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);

    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure (msg);
        if (live_stats && s
            && g_str_has_suffix (gst_structure_get_name (s), "-stats")) {
          gchar *text = gst_structure_to_string (s);
          g_print ("%s\n", text);
          g_free (text);
        }
        break;
      }
      case GST_MESSAGE_ERROR: {
        gchar *dbg = NULL;
        gst_message_parse_error (msg, &error, &dbg);
        g_printerr ("error from %s: %s\n%s\n", GST_OBJECT_NAME (msg->src),
            error->message, dbg ? dbg : "");
        g_clear_error (&error);
        g_free (dbg);
        if (states && strcmp (GST_OBJECT_NAME (msg->src), "infer") == 0
            && total_results (states, n_states) == 0)
          ret = RUN_INFER_UNAVAILABLE;
        else
          ret = RUN_FAILED;
        done = TRUE;
        break;
      }
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }

  /* After EOS every sink has rendered its last buffer, so no handoff runs
   * any more; the elements still hold their engine and device, which the
   * stats name. */
  end_us = g_get_monotonic_time ();
  if (ret != RUN_INFER_UNAVAILABLE) {
    for (i = 0; states && i < n_states; i++)
      g_print ("source %u: %" G_GUINT64_FORMAT
               " results, last top-1 class %d\n",
          i, states[i].results, states[i].last_class);
    print_final_stats (GST_BIN (pipeline));
    if (states && ret == RUN_OK)
      print_rate (states, n_states, start_us, end_us);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return ret;
}

int
main (int argc, char **argv)
{
  guint n_sources = 4, n_frames = 60, batch = 8;
  gchar *model = NULL;
  gboolean live_stats = FALSE;
  GOptionEntry entries[] = { { "sources", 0, 0, G_OPTION_ARG_INT, &n_sources,
                                 "Number of sources (default 4)", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &n_frames,
        "Frames per source (default 60)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Max batch size (default 8)",
        "N" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model,
        "TorchScript classification model, input float32 224:224:3:N "
        "(default: the one generated at build time)",
        "FILE" },
    { "live-stats", 0, 0, G_OPTION_ARG_NONE, &live_stats,
        "Also print the elements' stats messages every second", NULL },
    { NULL } };
  GOptionContext *ctx = g_option_context_new ("- gst-gpustream demo");
  GError *error = NULL;
  SourceState *states = NULL;
  gchar *desc = NULL;
  gboolean model_given;
  RunResult result = RUN_FAILED;
  int ret = 2;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    g_clear_error (&error);
    goto out_free_ctx;
  }
  if (n_sources == 0 || batch == 0) {
    g_printerr ("--sources and --batch must be at least 1\n");
    goto out_free_ctx;
  }
  model_given = model != NULL;
  if (!model_given)
    model = g_strdup (GPUSTREAM_DEMO_MODEL);
  if (model_given && !g_file_test (model, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("--model %s: no such file\n", model);
    goto out_free_ctx;
  }

  ret = 1;
  if (!GPUSTREAM_DEMO_HAVE_TORCH && !model_given) {
    g_print ("This build has no libtorch (TorchScript engine) or no "
             "python3-torchvision to generate the model: running the "
             "batching part only.\n");
  } else if (!g_file_test (model, G_FILE_TEST_IS_REGULAR)) {
    g_print ("The demo model '%s' was not found (generated at build time "
             "under tests/models/; pass --model FILE): running the batching "
             "part only.\n",
        model);
  } else {
    states = g_new0 (SourceState, n_sources);
    for (i = 0; i < n_sources; i++) {
      states[i].index = i;
      states[i].last_class = -1;
    }
    desc = build_infer_description (n_sources, n_frames, batch, model);
    result = run_pipeline (desc, states, n_sources, live_stats);
    g_clear_pointer (&desc, g_free);
    if (result == RUN_INFER_UNAVAILABLE)
      g_print ("\ngpuinfer could not run '%s' (see the error above; is the "
               "TorchScript engine module on GST_GPUSTREAM_ENGINE_PATH?): "
               "running the batching part only.\n\n",
          model);
  }

  if (!states || result == RUN_INFER_UNAVAILABLE) {
    desc = build_batch_description (n_sources, n_frames, batch);
    result = run_pipeline (desc, NULL, 0, live_stats);
  }
  if (result == RUN_OK)
    ret = 0;

  g_free (desc);
  g_free (states);
out_free_ctx:
  g_free (model);
  g_option_context_free (ctx);
  return ret;
}
