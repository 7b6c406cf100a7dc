/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Checks shared by element tests of several folders: tensor caps strings,
 * a counter of an element's stats, and the text of an error or warning on
 * a bus.
 */
#pragma once

#include <gst/check/gstcheck.h>

/* Returns: (transfer full): caps string of static other/tensors with @n
 * tensors of @dims and @types (comma separated), framerate 0/1. */
gchar *tensors_caps (guint n, const gchar *dims, const gchar *types);

/* The uint64 @field of @e's stats. */
guint64 stats_uint64 (GstElement *e, const gchar *field);

/* Pops the ERROR (or WARNING) message and checks its text or debug names
 * @needle. */
void expect_message (GstBus *bus, GstMessageType type, const gchar *needle);
