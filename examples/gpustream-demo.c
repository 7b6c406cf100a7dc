/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The demo (the README's main job): several test sources with distinct
 * patterns batched by gpubatch on the CPU path (or CUDA when present). It
 * prints the stats messages the elements post while running, then the final
 * `stats` of every element that has one.
 *
 *   gpustream-demo [--sources N] [--frames N] [--batch N]
 */
#include <gst/gst.h>

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

static gchar *
build_description (guint n_sources, guint n_frames, guint batch)
{
  GString *desc = g_string_new (NULL);
  guint i;

  g_string_append_printf (desc,
      "gpubatch name=batch max-batch-size=%u width=224 height=224 "
      "stats-interval=1000000000 ! fakesink name=sink ",
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

int
main (int argc, char **argv)
{
  guint n_sources = 4, n_frames = 300, batch = 8;
  GOptionEntry entries[] = {
    { "sources", 0, 0, G_OPTION_ARG_INT, &n_sources, "Number of sources", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &n_frames, "Frames per source", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Max batch size", "N" }, { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("- gst-gpustream demo");
  GError *error = NULL;
  GstElement *pipeline;
  GstBus *bus;
  gchar *desc;
  gboolean done = FALSE;
  int ret = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    g_clear_error (&error);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  if (n_sources == 0 || batch == 0) {
    g_printerr ("--sources and --batch must be at least 1\n");
    return 2;
  }

  desc = build_description (n_sources, n_frames, batch);
  g_print ("pipeline: %s\n\n", desc);
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (!pipeline) {
    g_printerr ("could not build the pipeline: %s\n", error->message);
    g_clear_error (&error);
    return 1;
  }

  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);

    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure (msg);
        if (s && g_str_has_suffix (gst_structure_get_name (s), "-stats")) {
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
        ret = 1;
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

  print_final_stats (GST_BIN (pipeline));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return ret;
}
