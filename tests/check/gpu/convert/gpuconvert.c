/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Item -> slot conversion: the chosen implementation (ORC where it
 * applies) against the plain C reference for every input format, layout,
 * dtype and scaling; the reference itself against a naive double-precision
 * golden computation written here from the published Y'CbCr equations and
 * the bilinear definition; letterboxing; threads. The parts (math helpers,
 * refusals, samples) are in gpuconvertunits.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "gpu/convert/gstgpuconvert.h"
#include "gpu/convert/gstgpuconvertmath.h"
#include "gpuconverttest.h"


static const GstVideoFormat formats[] = {
  GST_VIDEO_FORMAT_RGB,
  GST_VIDEO_FORMAT_BGR,
  GST_VIDEO_FORMAT_RGBA,
  GST_VIDEO_FORMAT_BGRA,
  GST_VIDEO_FORMAT_RGBx,
  GST_VIDEO_FORMAT_BGRx,
  GST_VIDEO_FORMAT_GRAY8,
  GST_VIDEO_FORMAT_NV12,
  GST_VIDEO_FORMAT_I420,
};

static const GstGpuDType dtypes[] = {
  GST_GPU_DTYPE_FLOAT32,
  GST_GPU_DTYPE_FLOAT16,
  GST_GPU_DTYPE_UINT8,
};

/* odd input size; output: same size, down-scaled, up-scaled */
#define IN_W 37
#define IN_H 23
static const guint out_sizes[][2] = { { IN_W, IN_H }, { 16, 11 }, { 50, 31 } };

static gsize
dtype_size (GstGpuDType dtype)
{
  return dtype == GST_GPU_DTYPE_FLOAT32   ? 4
         : dtype == GST_GPU_DTYPE_FLOAT16 ? 2
                                          : 1;
}

static gdouble
slot_value (gconstpointer slot, GstGpuDType dtype, gsize i)
{
  switch (dtype) {
    case GST_GPU_DTYPE_FLOAT32:
      return ((const gfloat *)slot)[i];
    case GST_GPU_DTYPE_FLOAT16:
      return half_to_double (((const guint16 *)slot)[i]);
    default:
      return ((const guint8 *)slot)[i];
  }
}

/* --- naive golden ------------------------------------------------------- */

typedef struct
{
  gdouble kr, kb;
  gboolean full;
} Matrix;

/* Published luma weights (ITU-R BT.601, BT.709, BT.2020). */
static void
matrix_from_info (const GstVideoInfo *info, Matrix *m)
{
  switch (info->colorimetry.matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
      m->kr = 0.2126;
      m->kb = 0.0722;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      m->kr = 0.2627;
      m->kb = 0.0593;
      break;
    default:
      m->kr = 0.299;
      m->kb = 0.114;
      break;
  }
  m->full = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
}

static gdouble
clamp255 (gdouble v)
{
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* R, G, B of input pixel (x, y) on the 0..255 scale, straight from the
 * bytes: E'R = E'Y + (2 - 2 Kr) E'Pr, E'B = E'Y + (2 - 2 Kb) E'Pb,
 * E'G = (E'Y - Kr E'R - Kb E'B) / Kg. */
static void
golden_rgb (const GstVideoFrame *f, gint x, gint y, gdouble rgb[3])
{
  const guint8 *p0 = GST_VIDEO_FRAME_PLANE_DATA (f, 0);
  gint s0 = GST_VIDEO_FRAME_PLANE_STRIDE (f, 0);
  gint Y, Cb, Cr;
  Matrix m;
  gdouble ey, epb, epr, r, g, b;

  switch (GST_VIDEO_FRAME_FORMAT (f)) {
    case GST_VIDEO_FORMAT_RGB:
      rgb[0] = p0[y * s0 + 3 * x];
      rgb[1] = p0[y * s0 + 3 * x + 1];
      rgb[2] = p0[y * s0 + 3 * x + 2];
      return;
    case GST_VIDEO_FORMAT_BGR:
      rgb[2] = p0[y * s0 + 3 * x];
      rgb[1] = p0[y * s0 + 3 * x + 1];
      rgb[0] = p0[y * s0 + 3 * x + 2];
      return;
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
      rgb[0] = p0[y * s0 + 4 * x];
      rgb[1] = p0[y * s0 + 4 * x + 1];
      rgb[2] = p0[y * s0 + 4 * x + 2];
      return;
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx:
      rgb[2] = p0[y * s0 + 4 * x];
      rgb[1] = p0[y * s0 + 4 * x + 1];
      rgb[0] = p0[y * s0 + 4 * x + 2];
      return;
    case GST_VIDEO_FORMAT_GRAY8:
      rgb[0] = rgb[1] = rgb[2] = p0[y * s0 + x];
      return;
    case GST_VIDEO_FORMAT_NV12: {
      const guint8 *p1 = GST_VIDEO_FRAME_PLANE_DATA (f, 1);
      gint s1 = GST_VIDEO_FRAME_PLANE_STRIDE (f, 1);

      Y = p0[y * s0 + x];
      Cb = p1[(y / 2) * s1 + (x / 2) * 2];
      Cr = p1[(y / 2) * s1 + (x / 2) * 2 + 1];
      break;
    }
    case GST_VIDEO_FORMAT_I420: {
      const guint8 *p1 = GST_VIDEO_FRAME_PLANE_DATA (f, 1);
      const guint8 *p2 = GST_VIDEO_FRAME_PLANE_DATA (f, 2);

      Y = p0[y * s0 + x];
      Cb = p1[(y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (f, 1) + x / 2];
      Cr = p2[(y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (f, 2) + x / 2];
      break;
    }
    default:
      g_assert_not_reached ();
      return;
  }
  matrix_from_info (&f->info, &m);
  if (m.full) {
    ey = Y / 255.0;
    epb = (Cb - 128) / 255.0;
    epr = (Cr - 128) / 255.0;
  } else {
    ey = (Y - 16) / 219.0;
    epb = (Cb - 128) / 224.0;
    epr = (Cr - 128) / 224.0;
  }
  r = ey + (2 - 2 * m.kr) * epr;
  b = ey + (2 - 2 * m.kb) * epb;
  g = (ey - m.kr * r - m.kb * b) / (1 - m.kr - m.kb);
  rgb[0] = clamp255 (255 * r);
  rgb[1] = clamp255 (255 * g);
  rgb[2] = clamp255 (255 * b);
}

/* Output channel @c of input pixel (x, y). */
static gdouble
golden_channel (
    const GstVideoFrame *f, GstGpuColor color, gint c, gint x, gint y)
{
  gdouble rgb[3];

  if (color == GST_GPU_COLOR_GRAY
      && GST_VIDEO_FRAME_FORMAT (f) == GST_VIDEO_FORMAT_GRAY8)
    return ((const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (
        f, 0))[y * GST_VIDEO_FRAME_PLANE_STRIDE (f, 0) + x];
  golden_rgb (f, x, y, rgb);
  if (color == GST_GPU_COLOR_GRAY)
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  return color == GST_GPU_COLOR_RGB ? rgb[c] : rgb[2 - c];
}

/* The rectangle a frame is scaled into: the whole slot, or letterboxed:
 * scaled by min (slot/frame) of both axes (square pixels), rounded, at
 * least one pixel, centred (floor of half the leftover). */
static void
golden_rect (const GstVideoFrame *f, const GstGpuVideoSlotFormat *out, gint *rx,
    gint *ry, gint *rw, gint *rh)
{
  gdouble w = GST_VIDEO_FRAME_WIDTH (f), h = GST_VIDEO_FRAME_HEIGHT (f);
  gdouble k = MIN (out->width / w, out->height / h);

  *rw = out->width;
  *rh = out->height;
  if (out->scale_mode == GST_GPU_SCALE_LETTERBOX) {
    *rw = CLAMP ((gint)floor (w * k + 0.5), 1, (gint)out->width);
    *rh = CLAMP ((gint)floor (h * k + 0.5), 1, (gint)out->height);
  }
  *rx = (out->width - *rw) / 2;
  *ry = (out->height - *rh) / 2;
}

static gdouble
golden_value (const GstVideoFrame *f, const GstGpuVideoSlotFormat *out, gint c,
    gint dx, gint dy)
{
  gint x0, x1, y0, y1, rx, ry, rw, rh;
  gdouble lx, ly, v;

  golden_rect (f, out, &rx, &ry, &rw, &rh);
  dx -= rx;
  dy -= ry;
  if (dx < 0 || dy < 0 || dx >= rw || dy >= rh) {
    /* padding: pad_value in every channel, normalised */
    v = out->pad_value * out->scale[c] + out->offset[c];
    if (out->dtype == GST_GPU_DTYPE_UINT8)
      v = v < 0 ? 0 : v > 255 ? 255 : floor (v + 0.5);
    return v;
  }
  golden_coord (dx, GST_VIDEO_FRAME_WIDTH (f), rw, &x0, &x1, &lx);
  golden_coord (dy, GST_VIDEO_FRAME_HEIGHT (f), rh, &y0, &y1, &ly);
  v = (1 - ly)
          * ((1 - lx) * golden_channel (f, out->color, c, x0, y0)
              + lx * golden_channel (f, out->color, c, x1, y0))
      + ly
            * ((1 - lx) * golden_channel (f, out->color, c, x0, y1)
                + lx * golden_channel (f, out->color, c, x1, y1));
  v = v * out->scale[c] + out->offset[c];
  if (out->dtype == GST_GPU_DTYPE_UINT8)
    v = v < 0 ? 0 : v > 255 ? 255 : floor (v + 0.5);
  return v;
}

static gsize
golden_index (const GstGpuVideoSlotFormat *out, gint c, gint x, gint y)
{
  guint channels = out->color == GST_GPU_COLOR_GRAY ? 1 : 3;

  if (out->layout == GST_GPU_LAYOUT_NCHW)
    return (gsize)c * out->width * out->height + (gsize)y * out->width + x;
  return ((gsize)y * out->width + x) * channels + c;
}

/* Every output value of the reference against the golden one. */
static void
check_reference_against_golden (
    const GstVideoFrame *frame, const GstGpuVideoSlotFormat *out)
{
  gsize size = gst_gpu_video_slot_format_size (out);
  guint channels = out->color == GST_GPU_COLOR_GRAY ? 1 : 3;
  gpointer slot = g_malloc0 (size);
  guint x, y, c;

  gst_gpu_video_convert_reference (frame, out, slot);
  for (c = 0; c < channels; c++) {
    for (y = 0; y < out->height; y++) {
      for (x = 0; x < out->width; x++) {
        gdouble want = golden_value (frame, out, c, x, y);
        gdouble got
            = slot_value (slot, out->dtype, golden_index (out, c, x, y));
        gdouble tol;

        switch (out->dtype) {
          case GST_GPU_DTYPE_FLOAT32:
            tol = 1e-4;
            break;
          case GST_GPU_DTYPE_FLOAT16:
            tol = 1e-4 + fabs (want) / 1024.0;
            break;
          default:
            tol = 1.0; /* a tie may round either way */
            break;
        }
        if (fabs (got - want) > tol)
          fail ("%s %ux%u color %d layout %d dtype %d: (c %u, y %u, x %u) "
                "is %.7f, golden %.7f",
              gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)),
              out->width, out->height, out->color, out->layout, out->dtype, c,
              y, x, got, want);
      }
    }
  }
  g_free (slot);
}

/* --- variants against the reference ------------------------------------- */

/* Where the ORC fast path must be taken (no scaling, float32). */
static gboolean
expect_orc (GstVideoFormat format, const GstGpuVideoSlotFormat *out)
{
  gboolean x4
      = format == GST_VIDEO_FORMAT_RGBA || format == GST_VIDEO_FORMAT_BGRA
        || format == GST_VIDEO_FORMAT_RGBx || format == GST_VIDEO_FORMAT_BGRx;

  if (out->width != IN_W || out->height != IN_H
      || out->dtype != GST_GPU_DTYPE_FLOAT32)
    return FALSE;
  if (format == GST_VIDEO_FORMAT_GRAY8)
    return out->color == GST_GPU_COLOR_GRAY
           || out->layout == GST_GPU_LAYOUT_NCHW;
  if (x4)
    return out->layout == GST_GPU_LAYOUT_NCHW
           && out->color != GST_GPU_COLOR_GRAY;
  if (format == GST_VIDEO_FORMAT_RGB)
    return out->layout == GST_GPU_LAYOUT_NHWC
           && out->color == GST_GPU_COLOR_RGB;
  if (format == GST_VIDEO_FORMAT_BGR)
    return out->layout == GST_GPU_LAYOUT_NHWC
           && out->color == GST_GPU_COLOR_BGR;
  return FALSE;
}

static void
check_chosen_against_reference (
    const GstVideoFrame *frame, const GstGpuVideoSlotFormat *out)
{
  gsize size = gst_gpu_video_slot_format_size (out);
  gsize n = size / dtype_size (out->dtype), i;
  guint8 *want = g_malloc (size);
  guint8 *got = g_malloc (size);
  GstGpuVideoConvert *convert;
  GError *error = NULL;
  const gchar *impl;

  /* different garbage so an unwritten value cannot match by chance */
  memset (want, 0x5a, size);
  memset (got, 0xa5, size);
  convert = gst_gpu_video_convert_new (&frame->info, out, NULL, &error);
  fail_unless (
      convert != NULL, "plan failed: %s", error ? error->message : "?");
  impl = gst_gpu_video_convert_get_impl (convert);
  fail_unless_equals_string (
      impl, expect_orc (GST_VIDEO_FRAME_FORMAT (frame), out) ? "orc" : "c");
  fail_unless (gst_gpu_video_convert_frame (convert, frame, got));
  gst_gpu_video_convert_reference (frame, out, want);

  for (i = 0; i < n; i++) {
    gdouble a = slot_value (want, out->dtype, i);
    gdouble b = slot_value (got, out->dtype, i);

    /* float32: within 1e-6 (relative above 1); other types: identical */
    if (out->dtype == GST_GPU_DTYPE_FLOAT32
            ? !(fabs (a - b) <= 1e-6 * MAX (1.0, fabs (a)))
            : a != b)
      fail (
          "%s (%s) %ux%u color %d layout %d dtype %d: element %" G_GSIZE_FORMAT
          " is %.9g, reference %.9g",
          gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)), impl,
          out->width, out->height, out->color, out->layout, out->dtype, i, b,
          a);
  }
  gst_gpu_video_convert_free (convert);
  g_free (want);
  g_free (got);
}

typedef void (*SlotCheck) (
    const GstVideoFrame *, const GstGpuVideoSlotFormat *);

/* Runs @check for every layout, dtype, colour and slot size in @sizes of
 * one input format (the loop index), scaled by @mode (letterbox: black
 * padding, grey in every other size). */
static void
for_each_slot_format_sized (gint format_index, const guint (*sizes)[2],
    guint n_sizes, GstGpuScaleMode mode, SlotCheck check)
{
  static const GstGpuColor colors[]
      = { GST_GPU_COLOR_RGB, GST_GPU_COLOR_BGR, GST_GPU_COLOR_GRAY };
  GstVideoFormat format = formats[format_index];
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint l, d, c, s;

  buf = make_frame (&info, format, IN_W, IN_H, 7, 1234 + format_index);
  if (GST_VIDEO_INFO_IS_YUV (&info)) {
    info.colorimetry.matrix = format == GST_VIDEO_FORMAT_NV12
                                  ? GST_VIDEO_COLOR_MATRIX_BT709
                                  : GST_VIDEO_COLOR_MATRIX_BT601;
    info.colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
  }
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));

  for (l = 0; l < 2; l++)
    for (d = 0; d < G_N_ELEMENTS (dtypes); d++)
      for (c = 0; c < G_N_ELEMENTS (colors); c++)
        for (s = 0; s < n_sizes; s++) {
          GstGpuVideoSlotFormat out;

          slot_format_init (&out, sizes[s][0], sizes[s][1], colors[c],
              l ? GST_GPU_LAYOUT_NHWC : GST_GPU_LAYOUT_NCHW, dtypes[d]);
          out.scale_mode = mode;
          out.pad_value = s % 2 ? 114.0f : 0.0f;
          check (&frame, &out);
        }

  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
}

/* Every layout, dtype, colour and output size of one input format. */
static void
for_each_slot_format (gint format_index, SlotCheck check)
{
  for_each_slot_format_sized (format_index, out_sizes, G_N_ELEMENTS (out_sizes),
      GST_GPU_SCALE_STRETCH, check);
}

/* The same, letterboxed into a wider slot, a taller one and one of the
 * same aspect ratio. */
static void
for_each_letterbox_format (gint format_index, SlotCheck check)
{
  /* 37x23 into 50x11 (wide slot), 16x31 (tall), 74x46 (same aspect) */
  static const guint sizes[][2] = { { 50, 11 }, { 16, 31 }, { 74, 46 } };

  for_each_slot_format_sized (format_index, sizes, G_N_ELEMENTS (sizes),
      GST_GPU_SCALE_LETTERBOX, check);
}

/* The body of the CUDA kernel gst_gpu_convert_video (gpu/kernels/convert.cu)
 * run on the CPU over every slot pixel: gst_gpu_convert_slot_pixel ()
 * (on-the-fly coordinates, padding per pixel), no tables, no row chunks;
 * the rectangle from the golden definition. */
static void
kernel_body_on_cpu (
    const GstVideoFrame *frame, const GstGpuVideoSlotFormat *out, gpointer dst)
{
  GstGpuPixSource s;
  GstGpuSlotParams p;
  gint dx, dy, c, rx, ry, rw, rh;
  guint i;

  memset (&s, 0, sizeof (s));
  memset (&p, 0, sizeof (p));
  golden_rect (frame, out, &rx, &ry, &rw, &rh);
  switch (GST_VIDEO_FRAME_FORMAT (frame)) {
    case GST_VIDEO_FORMAT_RGB:
      s.format = GST_GPU_PIX_RGB;
      break;
    case GST_VIDEO_FORMAT_BGR:
      s.format = GST_GPU_PIX_BGR;
      break;
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
      s.format = GST_GPU_PIX_RGBA;
      break;
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx:
      s.format = GST_GPU_PIX_BGRA;
      break;
    case GST_VIDEO_FORMAT_GRAY8:
      s.format = GST_GPU_PIX_GRAY8;
      break;
    case GST_VIDEO_FORMAT_NV12:
      s.format = GST_GPU_PIX_NV12;
      break;
    default:
      s.format = GST_GPU_PIX_I420;
      break;
  }
  s.width = GST_VIDEO_FRAME_WIDTH (frame);
  s.height = GST_VIDEO_FRAME_HEIGHT (frame);
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (frame); i++) {
    s.plane[i] = GST_VIDEO_FRAME_PLANE_DATA (frame, i);
    s.stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, i);
  }
  if (GST_VIDEO_INFO_IS_YUV (&frame->info)) {
    gdouble kr, kb;

    fail_unless (gst_video_color_matrix_get_Kr_Kb (
        frame->info.colorimetry.matrix, &kr, &kb));
    gst_gpu_yuv_coeffs_init (&s.yuv, kr, kb,
        frame->info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255);
  }
  p.width = out->width;
  p.height = out->height;
  p.channels = out->color == GST_GPU_COLOR_GRAY ? 1 : 3;
  p.color = out->color;
  p.layout = out->layout;
  p.type = out->dtype == GST_GPU_DTYPE_FLOAT32   ? GST_GPU_OUT_FLOAT32
           : out->dtype == GST_GPU_DTYPE_FLOAT16 ? GST_GPU_OUT_FLOAT16
                                                 : GST_GPU_OUT_UINT8;
  for (c = 0; c < 3; c++) {
    p.scale[c] = out->scale[c];
    p.offset[c] = out->offset[c];
  }
  p.x = rx;
  p.y = ry;
  p.scaled_width = rw;
  p.scaled_height = rh;
  gst_gpu_slot_params_set_pad (&p, out->pad_value);
  for (dy = 0; dy < p.height; dy++)
    for (dx = 0; dx < p.width; dx++)
      gst_gpu_convert_slot_pixel (&s, &p, dst, dx, dy);
}

/* The kernel (built with --fmad=false) and the C reference perform the
 * same float operations in the same order: their slots are bit-identical. */
static void
check_kernel_body_against_reference (
    const GstVideoFrame *frame, const GstGpuVideoSlotFormat *out)
{
  gsize size = gst_gpu_video_slot_format_size (out);
  guint8 *want = g_malloc (size);
  guint8 *got = g_malloc (size);
  gsize i;

  memset (want, 0x5a, size);
  memset (got, 0xa5, size);
  gst_gpu_video_convert_reference (frame, out, want);
  kernel_body_on_cpu (frame, out, got);
  for (i = 0; i < size; i++)
    if (want[i] != got[i])
      fail ("%s %ux%u color %d layout %d dtype %d: byte %" G_GSIZE_FORMAT
            " differs",
          gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)),
          out->width, out->height, out->color, out->layout, out->dtype, i);
  g_free (want);
  g_free (got);
}

GST_START_TEST (test_kernel_body_matches_reference)
{
  for_each_slot_format (__i__, check_kernel_body_against_reference);
}

GST_END_TEST;

GST_START_TEST (test_chosen_matches_reference)
{
  for_each_slot_format (__i__, check_chosen_against_reference);
}

GST_END_TEST;

GST_START_TEST (test_reference_matches_golden)
{
  for_each_slot_format (__i__, check_reference_against_golden);
}

GST_END_TEST;

GST_START_TEST (test_letterbox_kernel_body_matches_reference)
{
  for_each_letterbox_format (__i__, check_kernel_body_against_reference);
}

GST_END_TEST;

GST_START_TEST (test_letterbox_chosen_matches_reference)
{
  for_each_letterbox_format (__i__, check_chosen_against_reference);
}

GST_END_TEST;

GST_START_TEST (test_letterbox_reference_matches_golden)
{
  for_each_letterbox_format (__i__, check_reference_against_golden);
}

GST_END_TEST;

/* Inside its rectangle a letterboxed slot holds exactly the slot of the
 * rectangle's size that stretching makes; outside, the padding value. */
static void
check_letterbox_against_stretch (
    const GstVideoFrame *frame, const GstGpuVideoSlotFormat *out)
{
  GstGpuVideoSlotFormat inner = *out;
  GstGpuSlotRect r;
  guint channels = gst_gpu_video_slot_format_channels (out);
  gsize esize = dtype_size (out->dtype);
  guint8 *box = g_malloc (gst_gpu_video_slot_format_size (out));
  guint8 *fit, *pad;
  guint x, y, c;

  gst_gpu_video_slot_format_fit (out, &frame->info, &r);
  inner.width = r.width;
  inner.height = r.height;
  inner.scale_mode = GST_GPU_SCALE_STRETCH;
  fit = g_malloc (gst_gpu_video_slot_format_size (&inner));
  pad = g_malloc (esize);
  gst_gpu_video_convert_reference (frame, out, box);
  gst_gpu_video_convert_reference (frame, &inner, fit);
  for (c = 0; c < channels; c++) {
    gst_gpu_store (pad,
        out->dtype == GST_GPU_DTYPE_FLOAT32   ? GST_GPU_OUT_FLOAT32
        : out->dtype == GST_GPU_DTYPE_FLOAT16 ? GST_GPU_OUT_FLOAT16
                                              : GST_GPU_OUT_UINT8,
        0, out->pad_value * out->scale[c] + out->offset[c]);
    for (y = 0; y < out->height; y++)
      for (x = 0; x < out->width; x++) {
        gboolean in
            = x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        const guint8 *want
            = in ? fit + golden_index (&inner, c, x - r.x, y - r.y) * esize
                 : pad;

        fail_unless (
            memcmp (box + golden_index (out, c, x, y) * esize, want, esize)
                == 0,
            "%s %ux%u layout %d dtype %d: (c %u, y %u, x %u) %s differs",
            gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)),
            out->width, out->height, out->layout, out->dtype, c, y, x,
            in ? "inside" : "padding");
      }
  }
  g_free (box);
  g_free (fit);
  g_free (pad);
}

GST_START_TEST (test_letterbox_is_stretch_into_rect)
{
  for_each_letterbox_format (__i__, check_letterbox_against_stretch);
}

GST_END_TEST;

/* Where letterboxing puts a frame: full width for wider frames, full
 * height for taller ones, the whole slot for the same aspect ratio, an
 * odd leftover pixel on the right or bottom, the pixel aspect ratio
 * counted, never less than a pixel; stretching: the whole slot. */
GST_START_TEST (test_letterbox_rect_geometry)
{
  static const struct
  {
    gint in_w, in_h, par_n, par_d;
    guint slot_w, slot_h;
    GstGpuSlotRect want;
  } cases[] = {
    { 640, 480, 1, 1, 320, 320, { 0, 40, 320, 240 } }, /* wide */
    { 480, 640, 1, 1, 320, 320, { 40, 0, 240, 320 } }, /* tall */
    { 1280, 720, 1, 1, 640, 360, { 0, 0, 640, 360 } }, /* same aspect */
    { 64, 64, 1, 1, 128, 128, { 0, 0, 128, 128 } },    /* upscaled */
    { 37, 23, 1, 1, 50, 11, { 16, 0, 18, 11 } },       /* odd leftover */
    { 37, 23, 1, 1, 16, 31, { 0, 10, 16, 10 } },       /* rounded */
    { 100, 100, 2, 1, 100, 100, { 0, 25, 100, 50 } },  /* wide pixels */
    { 100, 100, 1, 2, 100, 100, { 25, 0, 50, 100 } },  /* tall pixels */
    { 4000, 1, 1, 1, 10, 10, { 0, 4, 10, 1 } },        /* at least 1 */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstGpuVideoSlotFormat out;
    GstVideoInfo info;
    GstGpuSlotRect r;

    gst_video_info_set_format (
        &info, GST_VIDEO_FORMAT_RGB, cases[i].in_w, cases[i].in_h);
    GST_VIDEO_INFO_PAR_N (&info) = cases[i].par_n;
    GST_VIDEO_INFO_PAR_D (&info) = cases[i].par_d;
    slot_format_init (&out, cases[i].slot_w, cases[i].slot_h, GST_GPU_COLOR_RGB,
        GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT32);
    gst_gpu_video_slot_format_fit (&out, &info, &r);
    fail_unless (
        r.x == 0 && r.y == 0 && r.width == out.width && r.height == out.height,
        "case %u: stretch does not take the whole slot", i);
    out.scale_mode = GST_GPU_SCALE_LETTERBOX;
    gst_gpu_video_slot_format_fit (&out, &info, &r);
    fail_unless (r.x == cases[i].want.x && r.y == cases[i].want.y
                     && r.width == cases[i].want.width
                     && r.height == cases[i].want.height,
        "case %u: %dx%d into %ux%u: rect %u,%u %ux%u, expected %u,%u %ux%u", i,
        cases[i].in_w, cases[i].in_h, out.width, out.height, r.x, r.y, r.width,
        r.height, cases[i].want.x, cases[i].want.y, cases[i].want.width,
        cases[i].want.height);
  }
}

GST_END_TEST;

/* Padding values: black (0) and grey (114) through mean/std for floats,
 * and saturated through the scale/offset of uint8 slots. */
GST_START_TEST (test_letterbox_padding_values)
{
  static const GstGpuDType types[]
      = { GST_GPU_DTYPE_FLOAT32, GST_GPU_DTYPE_UINT8 };
  static const gfloat pads[] = { 0.0f, 114.0f, 255.0f };
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint t, k, c;

  /* 8x2 into 8x8: rows 0-2 and 5-7 are padding */
  buf = make_frame (&info, GST_VIDEO_FORMAT_RGBx, 8, 2, 0, 5);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  for (t = 0; t < G_N_ELEMENTS (types); t++)
    for (k = 0; k < G_N_ELEMENTS (pads); k++) {
      GstGpuVideoSlotFormat out;
      guint8 slot[8 * 8 * 3 * 4];

      slot_format_init (
          &out, 8, 8, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NCHW, types[t]);
      out.scale_mode = GST_GPU_SCALE_LETTERBOX;
      out.pad_value = pads[k];
      gst_gpu_video_convert_reference (&frame, &out, slot);
      for (c = 0; c < 3; c++) {
        gdouble want = pads[k] * out.scale[c] + out.offset[c];
        gdouble top = slot_value (slot, out.dtype, c * 64 + 0 * 8 + 3);
        gdouble bottom = slot_value (slot, out.dtype, c * 64 + 7 * 8 + 5);

        if (types[t] == GST_GPU_DTYPE_UINT8)
          want = CLAMP (floor (want + 0.5), 0, 255);
        fail_unless (fabs (top - want) <= 1e-5 && fabs (bottom - want) <= 1e-5,
            "dtype %d pad %g channel %u: padding %g %g, expected %g", types[t],
            pads[k], c, top, bottom, want);
      }
    }
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
}

GST_END_TEST;

/* Slots wider than one column strip of the C path (512 columns) and
 * shrinking or growing in height, so that several strips run and
 * horizontally blended source rows are reused, skipped and evicted:
 * still bit-identical to the kernel body and within the golden tolerance.
 * Last, two strips from a frame large enough to be converted in bands of
 * rows (each band's strips reading the same source rows), whose edge rows
 * are blended once per band. */
static void
check_wide_slots (gint format_index)
{
  static const guint sizes[][2] = { { 600, 7 }, { 530, 60 }, { 9, 60 } };
  GstVideoFormat format = formats[format_index];
  GstVideoInfo info;
  GstVideoFrame frame;
  GstGpuVideoSlotFormat out;
  GstBuffer *buf;
  guint s;

  buf = make_frame (&info, format, IN_W, IN_H, 3, 99 + format_index);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    slot_format_init (&out, sizes[s][0], sizes[s][1], GST_GPU_COLOR_RGB,
        GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_FLOAT32);
    check_kernel_body_against_reference (&frame, &out);
    check_reference_against_golden (&frame, &out);
    slot_format_init (&out, sizes[s][0], sizes[s][1], GST_GPU_COLOR_BGR,
        GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_UINT8);
    check_kernel_body_against_reference (&frame, &out);
  }
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);

  buf = make_frame (&info, format, 1400, 900, 7, 777 + format_index);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  slot_format_init (&out, 600, 500, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NCHW,
      GST_GPU_DTYPE_FLOAT32);
  check_kernel_body_against_reference (&frame, &out);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
}

GST_START_TEST (test_reference_wide_slot_matches_kernel_body)
{
  check_wide_slots (__i__);
}

GST_END_TEST;

/* Downscales by 3.3 to 8.3 in width: the AVX-512 row path with source
 * windows of more than 128 bytes and, beyond a window's reach, packed
 * pixels loaded column by column; the other paths, which blend pixels
 * fetched one by one rather than a converted run of the row (and, with
 * AVX2, packed pixels two columns at a time): still bit-identical to the
 * kernel body. */
static void
check_strong_downscales (gint format_index)
{
  static const struct
  {
    guint width, height;
    GstGpuColor color;
    GstGpuLayout layout;
    GstGpuDType dtype;
  } slots[] = {
    { 60, 31, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT32 },
    { 61, 30, GST_GPU_COLOR_BGR, GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_UINT8 },
    { 100, 64, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_FLOAT16 },
    { 101, 63, GST_GPU_COLOR_GRAY, GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT32 },
    { 40, 25, GST_GPU_COLOR_BGR, GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT16 },
  };
  GstVideoFormat format = formats[format_index];
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint i;

  buf = make_frame (&info, format, 333, 211, 5, 555 + format_index);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  for (i = 0; i < G_N_ELEMENTS (slots); i++) {
    GstGpuVideoSlotFormat out;

    slot_format_init (&out, slots[i].width, slots[i].height, slots[i].color,
        slots[i].layout, slots[i].dtype);
    check_kernel_body_against_reference (&frame, &out);
  }
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
}

GST_START_TEST (test_strong_downscale_matches_kernel_body)
{
  check_strong_downscales (__i__);
}

GST_END_TEST;

/* The C variant's row paths by CPU feature: with AVX-512, then AVX2 as
 * well, turned off (GST_GPU_CPU_DISABLE), the reference still gives the
 * kernel body's bytes, so that the paths of CPUs without them stay tested
 * on CPUs with them. */
GST_START_TEST (test_cpu_paths_match_kernel_body)
{
  static const gchar *const disabled[] = { "avx512", "avx512,avx2" };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (disabled); k++) {
    g_setenv ("GST_GPU_CPU_DISABLE", disabled[k], TRUE);
    for_each_slot_format (__i__, check_kernel_body_against_reference);
    for_each_letterbox_format (__i__, check_kernel_body_against_reference);
    check_wide_slots (__i__);
    check_strong_downscales (__i__);
  }
  g_unsetenv ("GST_GPU_CPU_DISABLE");
}

GST_END_TEST;

/* A frame split into bands of output rows over several threads (the
 * slots are large enough to be split) gives the reference's bytes, for
 * thread counts that divide the rows unevenly and exceed the cores. */
GST_START_TEST (test_threads_match_reference)
{
  static const guint sizes[][2] = { { 200, 150 }, { 401, 300 } };
  static const guint threads[] = { 2, 3, 7 };
  GstVideoFormat format = formats[__i__];
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint s, t;

  buf = make_frame (&info, format, 333, 211, 5, 4321 + __i__);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    GstGpuVideoSlotFormat out;
    GstGpuVideoConvert *convert;
    gsize size;
    guint8 *want, *got;

    slot_format_init (&out, sizes[s][0], sizes[s][1],
        s ? GST_GPU_COLOR_BGR : GST_GPU_COLOR_RGB,
        s ? GST_GPU_LAYOUT_NHWC : GST_GPU_LAYOUT_NCHW,
        s ? GST_GPU_DTYPE_FLOAT16 : GST_GPU_DTYPE_FLOAT32);
    size = gst_gpu_video_slot_format_size (&out);
    want = g_malloc (size);
    got = g_malloc (size);
    memset (want, 0x5a, size);
    gst_gpu_video_convert_reference (&frame, &out, want);
    convert = gst_gpu_video_convert_new (&info, &out, NULL, NULL);
    fail_unless (convert != NULL);
    for (t = 0; t < G_N_ELEMENTS (threads); t++) {
      memset (got, 0xa5, size);
      gst_gpu_video_convert_set_threads (convert, threads[t]);
      fail_unless (gst_gpu_video_convert_frame (convert, &frame, got));
      fail_unless (memcmp (want, got, size) == 0,
          "%s -> %ux%u on %u threads differs from the reference",
          gst_video_format_to_string (format), out.width, out.height,
          threads[t]);
    }
    gst_gpu_video_convert_free (convert);
    g_free (want);
    g_free (got);
  }
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
}

GST_END_TEST;

/* Every Y'CbCr matrix and range the plan reads from the caps. */
GST_START_TEST (test_reference_matches_golden_colorimetry)
{
  static const GstVideoColorMatrix matrices[] = { GST_VIDEO_COLOR_MATRIX_BT601,
    GST_VIDEO_COLOR_MATRIX_BT709, GST_VIDEO_COLOR_MATRIX_BT2020 };
  GstVideoFormat format = __i__ ? GST_VIDEO_FORMAT_I420 : GST_VIDEO_FORMAT_NV12;
  guint m, r;

  for (m = 0; m < G_N_ELEMENTS (matrices); m++) {
    for (r = 0; r < 2; r++) {
      GstVideoInfo info;
      GstVideoFrame frame;
      GstGpuVideoSlotFormat out;
      GstBuffer *buf = make_frame (&info, format, 21, 9, 3, 77 + m);

      info.colorimetry.matrix = matrices[m];
      info.colorimetry.range
          = r ? GST_VIDEO_COLOR_RANGE_0_255 : GST_VIDEO_COLOR_RANGE_16_235;
      fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
      slot_format_init (&out, 21, 9, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NHWC,
          GST_GPU_DTYPE_FLOAT32);
      check_reference_against_golden (&frame, &out);
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
    }
  }
}

GST_END_TEST;

/* Published 8-bit codes of 100% red: the reference must give (255, 0, 0)
 * whichever the matrix, which the golden formula cannot vouch for. */
GST_START_TEST (test_reference_decodes_published_red)
{
  static const struct
  {
    GstVideoColorMatrix matrix;
    GstVideoColorRange range;
    guint8 y, cb, cr;
  } red[] = {
    { GST_VIDEO_COLOR_MATRIX_BT601, GST_VIDEO_COLOR_RANGE_16_235, 81, 90, 240 },
    { GST_VIDEO_COLOR_MATRIX_BT709, GST_VIDEO_COLOR_RANGE_16_235, 63, 102,
        240 },
    { GST_VIDEO_COLOR_MATRIX_BT601, GST_VIDEO_COLOR_RANGE_0_255, 76, 85, 255 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (red); i++) {
    GstVideoInfo info;
    GstVideoFrame frame;
    GstGpuVideoSlotFormat out;
    gfloat rgb[3];
    guint8 *uv;
    gint x, y;
    GstBuffer *buf = make_frame (&info, GST_VIDEO_FORMAT_NV12, 4, 4, 0, 1);

    info.colorimetry.matrix = red[i].matrix;
    info.colorimetry.range = red[i].range;
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
    for (y = 0; y < 4; y++)
      memset ((guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
                  + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
          red[i].y, 4);
    for (y = 0; y < 2; y++) {
      uv = (guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&frame, 1)
           + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 1);
      for (x = 0; x < 2; x++) {
        uv[2 * x] = red[i].cb;
        uv[2 * x + 1] = red[i].cr;
      }
    }
    slot_format_init (&out, 1, 1, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NHWC,
        GST_GPU_DTYPE_FLOAT32);
    out.scale[0] = out.scale[1] = out.scale[2] = 1.0f;
    out.offset[0] = out.offset[1] = out.offset[2] = 0.0f;
    gst_gpu_video_convert_reference (&frame, &out, rgb);
    fail_unless (rgb[0] > 252.0f && rgb[1] < 3.0f && rgb[2] < 3.0f,
        "case %u: red decodes to %.2f %.2f %.2f", i, rgb[0], rgb[1], rgb[2]);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (buf);
  }
}

GST_END_TEST;

/* A stride that is not a multiple of 4 makes 32-bit row loads unaligned:
 * the ORC plan must still give the reference's output. */
GST_START_TEST (test_orc_unaligned_stride_matches_reference)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstGpuVideoSlotFormat out;
  GstBuffer *buf;
  GstMapInfo map;
  gsize i;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGBx, IN_W, IN_H);
  info.stride[0] = IN_W * 4 + 3;
  info.size = (gsize)info.stride[0] * IN_H;
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < map.size; i++)
    map.data[i] = (guint8)(i * 37 + 11);
  gst_buffer_unmap (buf, &map);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  slot_format_init (&out, IN_W, IN_H, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NCHW,
      GST_GPU_DTYPE_FLOAT32);
  check_chosen_against_reference (&frame, &out);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static Suite *
gpuconvert_suite (void)
{
  Suite *s = suite_create ("gpuconvert");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (
      tc, test_chosen_matches_reference, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_reference_matches_golden, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_kernel_body_matches_reference, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (tc, test_reference_wide_slot_matches_kernel_body, 0,
      G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_strong_downscale_matches_kernel_body, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_cpu_paths_match_kernel_body, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_threads_match_reference, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (tc, test_reference_matches_golden_colorimetry, 0, 2);
  tcase_add_loop_test (tc, test_letterbox_kernel_body_matches_reference, 0,
      G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_letterbox_chosen_matches_reference, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_letterbox_reference_matches_golden, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_letterbox_is_stretch_into_rect, 0, G_N_ELEMENTS (formats));
  tcase_add_test (tc, test_letterbox_rect_geometry);
  tcase_add_test (tc, test_letterbox_padding_values);
  tcase_add_test (tc, test_reference_decodes_published_red);
  tcase_add_test (tc, test_orc_unaligned_stride_matches_reference);
  return s;
}

GST_CHECK_MAIN (gpuconvert);
