/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Scaled item -> slot conversion with AVX-512 (F, BW, VL and VBMI), the C
 * variant's row path on CPUs that have it: packed RGB-family and
 * NV12/I420 sources, sixteen output columns per vector, channels in
 * separate rows. Every lane performs the float operations of
 * gst_gpu_convert_pixel () in the same order, so the slots are
 * bit-identical to the other row paths and to the CUDA kernel's body.
 */
#pragma once

#include <glib.h>

#include "gpu/convert/gstgpuconvertmath.h"

G_BEGIN_DECLS

/* Output columns per vector; the plan's column tables hold this many
 * entries past the last column (copies of it). */
#define GST_GPU_AVX512_LANES 16

/**
 * GstGpuConvertAvx512:
 * @params: the slot
 * @x0, @x1, @wx: per column of the scaled rectangle (padded, see above)
 * @y0, @y1, @wy: per row of the scaled rectangle
 * @channel: per slot channel, the source channel it takes (0 red, 1
 *   green, 2 blue; 0 for luma)
 */
typedef struct
{
  GstGpuSlotParams params;
  const gint32 *x0, *x1, *y0, *y1;
  const gfloat *wx, *wy;
  gint channel[3];
} GstGpuConvertAvx512;

gboolean gst_gpu_convert_avx512_supports (
    const GstGpuConvertAvx512 *plan, const GstGpuPixSource *source);

void gst_gpu_convert_avx512_rows (const GstGpuConvertAvx512 *plan,
    const GstGpuPixSource *s, gpointer dst, gint dy0, gint dy1);

G_END_DECLS
