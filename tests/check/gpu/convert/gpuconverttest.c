/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the conversion GstCheck files.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "gpuconverttest.h"

GstBuffer *
make_frame (GstVideoInfo *info, GstVideoFormat format, gint width, gint height,
    guint padding, guint32 seed)
{
  GstVideoAlignment align;
  GstBuffer *buf;
  GstMapInfo map;
  GRand *rand = g_rand_new_with_seed (seed);
  gsize i;

  fail_unless (gst_video_info_set_format (info, format, width, height));
  gst_video_alignment_reset (&align);
  align.padding_right = padding;
  fail_unless (gst_video_info_align (info, &align));

  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < map.size; i++)
    map.data[i] = g_rand_int_range (rand, 0, 256);
  gst_buffer_unmap (buf, &map);
  g_rand_free (rand);
  return buf;
}

void
slot_format_init (GstGpuVideoSlotFormat *fmt, guint width, guint height,
    GstGpuColor color, GstGpuLayout layout, GstGpuDType dtype)
{
  static const gfloat mean[3] = { 0.485f, 0.456f, 0.406f };
  static const gfloat std[3] = { 0.229f, 0.224f, 0.225f };
  gint c;

  memset (fmt, 0, sizeof (*fmt));
  fmt->width = width;
  fmt->height = height;
  fmt->color = color;
  fmt->layout = layout;
  fmt->dtype = dtype;
  for (c = 0; c < 3; c++) {
    if (dtype == GST_GPU_DTYPE_UINT8) {
      fmt->scale[c] = 1.2f - 0.3f * c;
      fmt->offset[c] = -10.0f + 15.0f * c;
    } else {
      fmt->scale[c] = 1.0f / (255.0f * std[c]);
      fmt->offset[c] = -mean[c] / std[c];
    }
  }
}

gdouble
half_to_double (guint16 h)
{
  gint e = (h >> 10) & 0x1f;
  gint m = h & 0x3ff;
  gdouble v;

  if (e == 0)
    v = ldexp (m, -24);
  else if (e == 31)
    v = m ? NAN : INFINITY;
  else
    v = ldexp (1024 + m, e - 25);
  return (h & 0x8000) ? -v : v;
}

void
golden_coord (gint d, gint in, gint out, gint *i0, gint *i1, gdouble *l)
{
  gdouble src = (d + 0.5) * ((gdouble)in / out) - 0.5;

  if (src < 0)
    src = 0;
  *i0 = (gint)floor (src);
  if (*i0 > in - 1)
    *i0 = in - 1;
  *i1 = *i0 + 1 < in ? *i0 + 1 : in - 1;
  *l = src - *i0;
}
