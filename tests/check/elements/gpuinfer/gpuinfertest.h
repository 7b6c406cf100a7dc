/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpuinfer GstCheck files (gpuinfertest.c).
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "tests/check/common/elementcheck.h"

G_BEGIN_DECLS

/* @name in the generated test models' folder. (transfer full) */
gchar *model_path (const gchar *name);


/* A gpuinfer on @model_name (none when NULL) posting to @bus (when not
 * NULL). */
GstElement *make_infer (const gchar *model_name, GstBus *bus);

/* Pops the ERROR message and checks its message or debug text names each
 * of the NULL-terminated @needles. */
void expect_error (GstBus *bus, const gchar *const *needles);

/* Starting @e fails with an error naming each of @needles; drops @e. */
void expect_start_fails (
    GstElement *e, GstBus *bus, const gchar *const *needles);

/* Drops @bus and the messages still queued on it: each holds its element,
 * which holds @bus, so unreffing alone would leak all three. */
void drop_bus (GstBus *bus);

/* Pushes @n_floats of @input into @h and returns the bytes of the one
 * buffer that comes out. */
GBytes *push_and_pull_bytes (
    GstHarness *h, const gfloat *input, gsize n_floats);

G_END_DECLS
