/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the C variant's row paths (gstgpuconvert.c, gstgpuconvertavx512.c)
 * share: the strip of output columns they work on at a time and the reuse
 * of horizontally blended source rows between output rows.
 */
#pragma once

#include <glib.h>

/* Output columns per strip: a strip's two blended source rows stay in the
 * first-level cache. */
#define GST_GPU_CONVERT_CHUNK 512

/**
 * gst_gpu_convert_rows_pick:
 * @held: the source row each of the two row buffers holds (-1: none)
 * @y0, @y1: the source rows an output row blends (equal when its weight
 *   is 0)
 * @top, @bot: (out): the buffers that will hold @y0 and @y1
 *
 * Keeps a buffer that already holds a row the output row needs, else
 * replaces the one not holding the other row, and updates @held.
 *
 * Returns: the buffers to fill (bit 0: buffer 0, bit 1: buffer 1) with
 *   the rows @held now names.
 */
static inline guint
gst_gpu_convert_rows_pick (gint held[2], gint y0, gint y1, gint *top, gint *bot)
{
  gint t = held[0] == y0 ? 0 : (held[1] == y0 ? 1 : -1), b;
  guint fill = 0;

  if (t < 0) {
    t = held[0] == y1 ? 1 : 0;
    held[t] = y0;
    fill |= 1u << t;
  }
  b = t;
  if (y1 != y0) {
    b = 1 - t;
    if (held[b] != y1) {
      held[b] = y1;
      fill |= 1u << b;
    }
  }
  *top = t;
  *bot = b;
  return fill;
}
