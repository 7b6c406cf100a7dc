/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpukvcache test files (gpukvcache.c: memoisation
 * and key/value streams; gpukvcachesettings.c: bad input and settings;
 * gpukvcacheredis.c: the Redis tier).
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "tests/check/common/elementcheck.h"


/* A harness around @e (reference taken), properties already set; @caps
 * may be NULL. @bus (nullable) is set before the element starts. */
GstHarness *kv_harness_full (GstElement *e, const gchar *caps, GstBus *bus);
GstHarness *kv_harness (GstElement *e, const gchar *caps);

/* Tears down a harness made with a bus. */
void kv_harness_teardown_bus (GstHarness *h, GstBus *bus);

/* A gpukvcache of @mode (0 lookup … 4 erase) on @name (nullable). */
GstElement *kv_element (guint mode, const gchar *name);

/* put harness: keys uint64 (1:N), values uint8 (vs:N); get harness: keys
 * uint64 (1:N). @extra is the backing-store (nullable). */
GstHarness *put_harness_bus (
    const gchar *name, guint n, guint vs, const gchar *extra, GstBus *bus);
GstHarness *put_harness (
    const gchar *name, guint n, guint vs, const gchar *extra);
GstHarness *get_harness (
    const gchar *name, guint n, guint vs, const gchar *extra);

/* value of key k: vs bytes of (k * 7 + i) */
void fill_value (guint8 *v, guint64 k, guint vs);

/* Puts @keys with their fill_value () values; pulls what comes out. */
GstFlowReturn push_put (GstHarness *h, const guint64 *keys, guint n, guint vs);

/* Gets @keys; checks found against @expect_found and the values. */
void check_get (GstHarness *h, const guint64 *keys, guint n, guint vs,
    const gboolean *expect_found);
