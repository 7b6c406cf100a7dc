/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpuinfer GstCheck files.
 */
#include "gpuinfertest.h"

#include <string.h>

gchar *
model_path (const gchar *name)
{
  return g_build_filename (GPUINFER_MODELS_DIR, name, NULL);
}

GstElement *
make_infer (const gchar *model_name, GstBus *bus)
{
  GstElement *e = gst_element_factory_make ("gpuinfer", NULL);
  gchar *path = model_name ? model_path (model_name) : NULL;

  fail_unless (e != NULL);
  if (path)
    g_object_set (e, "model", path, NULL);
  if (bus)
    gst_element_set_bus (e, bus);
  g_free (path);
  return e;
}

void
expect_error (GstBus *bus, const gchar *const *needles)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *dbg = NULL, *all;
  guint i;

  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, &dbg);
  all = g_strdup_printf ("%s | %s", err->message, GST_STR_NULL (dbg));
  GST_INFO ("error: %s", all);
  for (i = 0; needles[i]; i++)
    fail_unless (strstr (all, needles[i]) != NULL,
        "error '%s' does not mention '%s'", all, needles[i]);
  g_free (all);
  g_free (dbg);
  g_error_free (err);
  gst_message_unref (msg);
}

void
expect_start_fails (GstElement *e, GstBus *bus, const gchar *const *needles)
{
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  expect_error (bus, needles);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

void
drop_bus (GstBus *bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GBytes *
push_and_pull_bytes (GstHarness *h, const gfloat *input, gsize n_floats)
{
  GstBuffer *out;
  GstMapInfo map;
  GBytes *bytes;

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup (input,
                                                   n_floats * sizeof (gfloat))),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  return bytes;
}
