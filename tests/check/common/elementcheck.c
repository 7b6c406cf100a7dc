/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Checks shared by element tests (see elementcheck.h).
 */
#include "tests/check/common/elementcheck.h"

#include <string.h>

gchar *
tensors_caps (guint n, const gchar *dims, const gchar *types)
{
  return g_strdup_printf ("other/tensors, format=(string)static, "
                          "num_tensors=(int)%u, dimensions=(string)\"%s\", "
                          "types=(string)\"%s\", framerate=(fraction)0/1",
      n, dims, types);
}

guint64
stats_uint64 (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

/* Pops the ERROR (or WARNING) message and checks it names @needle. */
void
expect_message (GstBus *bus, GstMessageType type, const gchar *needle)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, type);
  GError *err = NULL;
  gchar *dbg = NULL, *all;

  fail_unless (msg != NULL, "no %s posted", gst_message_type_get_name (type));
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &dbg);
  else
    gst_message_parse_warning (msg, &err, &dbg);
  all = g_strdup_printf ("%s | %s", err->message, GST_STR_NULL (dbg));
  GST_INFO ("message: %s", all);
  fail_unless (
      strstr (all, needle) != NULL, "'%s' does not mention '%s'", all, needle);
  g_free (all);
  g_free (dbg);
  g_error_free (err);
  gst_message_unref (msg);
}
