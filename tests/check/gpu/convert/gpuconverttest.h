/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the conversion GstCheck files (gpuconverttest.c).
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "gpu/convert/gstgpuconvert.h"

G_BEGIN_DECLS

/* A frame of random bytes (padding included) with padded strides. */
GstBuffer *make_frame (GstVideoInfo *info, GstVideoFormat format, gint width,
    gint height, guint padding, guint32 seed);
/* A slot format with ImageNet normalisation (float dtypes) or a byte-scale
 * one that pushes some values out of range (uint8). */
void slot_format_init (GstGpuVideoSlotFormat *fmt, guint width, guint height,
    GstGpuColor color, GstGpuLayout layout, GstGpuDType dtype);
/* Independent half -> double, from the IEEE 754 binary16 definition. */
gdouble half_to_double (guint16 h);
/* Bilinear source coordinate of output pixel @d: half-pixel centres,
 * clamped at the edges (align_corners=False). */
void golden_coord (gint d, gint in, gint out, gint *i0, gint *i1, gdouble *l);

G_END_DECLS
