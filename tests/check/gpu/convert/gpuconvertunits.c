/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Item -> slot conversion, its parts: what gst_gpu_video_convert_new ()
 * refuses, frame checks, slot sizes and enum nicks, the shared math helpers
 * (half and byte rounding, bilinear coordinates) and sample conversion.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "gpu/convert/gstgpuconvertmath.h"
#include "gpuconverttest.h"

#ifdef HAVE_CUDA
#include "gpu/kernels/gstgpukernels.h"
#endif

/* What gst_gpu_video_convert_new () refuses, with the text its error must
 * name (NULL: any error). */
static const struct
{
  GstVideoFormat format;
  guint slot_width;
  GstGpuDType dtype;
  const gchar *named;
} refused[] = {
  { GST_VIDEO_FORMAT_YUY2, 32, GST_GPU_DTYPE_FLOAT32, "YUY2" },
  { GST_VIDEO_FORMAT_RGB, 32, GST_GPU_DTYPE_INT32, NULL },
  { GST_VIDEO_FORMAT_RGB, 0, GST_GPU_DTYPE_FLOAT32, NULL },
};

GST_START_TEST (test_new_refuses)
{
  GstVideoInfo info;
  GstGpuVideoSlotFormat out;
  GError *error = NULL;

  gst_video_info_set_format (&info, refused[__i__].format, 64, 48);
  slot_format_init (&out, refused[__i__].slot_width, 32, GST_GPU_COLOR_RGB,
      GST_GPU_LAYOUT_NCHW, refused[__i__].dtype);
  fail_unless (gst_gpu_video_convert_new (&info, &out, NULL, &error) == NULL);
  fail_unless (error != NULL);
  if (refused[__i__].named)
    fail_unless (strstr (error->message, refused[__i__].named) != NULL, "%s",
        error->message);
  g_clear_error (&error);
}

GST_END_TEST;

GST_START_TEST (test_frame_fails_on_size_mismatch)
{
  GstVideoInfo info, other;
  GstVideoFrame frame;
  GstGpuVideoSlotFormat out;
  GstGpuVideoConvert *convert;
  GstBuffer *buf;
  gfloat *slot;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 64, 48);
  slot_format_init (&out, 16, 16, GST_GPU_COLOR_RGB, GST_GPU_LAYOUT_NCHW,
      GST_GPU_DTYPE_FLOAT32);
  convert = gst_gpu_video_convert_new (&info, &out, NULL, NULL);
  fail_unless (convert != NULL);
  buf = make_frame (&other, GST_VIDEO_FORMAT_RGB, 32, 48, 0, 5);
  fail_unless (gst_video_frame_map (&frame, &other, buf, GST_MAP_READ));
  slot = g_new (gfloat, 16 * 16 * 3);
  fail_if (gst_gpu_video_convert_frame (convert, &frame, slot));
  g_free (slot);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
  gst_gpu_video_convert_free (convert);
}

GST_END_TEST;

GST_START_TEST (test_slot_format_size)
{
  GstGpuVideoSlotFormat out;

  slot_format_init (&out, 224, 200, GST_GPU_COLOR_BGR, GST_GPU_LAYOUT_NHWC,
      GST_GPU_DTYPE_FLOAT16);
  fail_unless_equals_int (gst_gpu_video_slot_format_channels (&out), 3);
  fail_unless_equals_uint64 (
      gst_gpu_video_slot_format_size (&out), 224 * 200 * 3 * 2);
  out.color = GST_GPU_COLOR_GRAY;
  out.dtype = GST_GPU_DTYPE_UINT8;
  fail_unless_equals_uint64 (gst_gpu_video_slot_format_size (&out), 224 * 200);
}

GST_END_TEST;

GST_START_TEST (test_enum_nicks)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_GPU_LAYOUT);

  fail_unless_equals_int (
      g_enum_get_value_by_nick (klass, "nhwc")->value, GST_GPU_LAYOUT_NHWC);
  fail_unless_equals_int (
      g_enum_get_value_by_nick (klass, "nchw")->value, GST_GPU_LAYOUT_NCHW);
  g_type_class_unref (klass);
  klass = g_type_class_ref (GST_TYPE_GPU_COLOR);
  fail_unless_equals_int (
      g_enum_get_value_by_nick (klass, "bgr")->value, GST_GPU_COLOR_BGR);
  fail_unless_equals_int (
      g_enum_get_value_by_nick (klass, "gray")->value, GST_GPU_COLOR_GRAY);
  g_type_class_unref (klass);
}

GST_END_TEST;

/* --- shared math -------------------------------------------------------- */

/* float -> half against the definition: the nearest half, ties to even. */
GST_START_TEST (test_float_to_half_rounds_to_nearest_even)
{
  GRand *rand = g_rand_new_with_seed (42);
  guint i;

  for (i = 0; i < 50000; i++) {
    union {
      guint32 u;
      gfloat f;
    } v;
    guint16 h, lo, hi;
    gdouble x, dh, dlo, dhi;

    /* every exponent from subnormal halves to overflow, and exact ties */
    v.u = (g_rand_int_range (rand, 100, 145) << 23)
          | (g_rand_int (rand) & 0x7fffff);
    if (i % 4 == 0)
      v.u &= ~0xfffu;
    if (i & 1)
      v.u |= 0x80000000u;
    x = v.f;
    h = gst_gpu_float_to_half (v.f);
    dh = half_to_double (h);
    if (isinf (dh)) {
      fail_unless (fabs (x) >= 65520.0, "%.9g -> inf", x);
      continue;
    }
    /* neighbours of the result must not be nearer */
    lo = (h & 0x7fff) ? h - 1 : h;
    hi = h + 1;
    dlo = half_to_double (lo);
    dhi = half_to_double (hi);
    fail_unless (fabs (dh - x) <= fabs (dlo - x) || lo == h,
        "%.9g -> %.9g, %.9g is nearer", x, dh, dlo);
    fail_unless (isinf (dhi) || fabs (dh - x) <= fabs (dhi - x),
        "%.9g -> %.9g, %.9g is nearer", x, dh, dhi);
    if (fabs (dh - x) == fabs (dlo - x) && lo != h)
      fail_unless ((h & 1) == 0, "tie %.9g went to odd %04x", x, h);
    if (!isinf (dhi) && fabs (dh - x) == fabs (dhi - x))
      fail_unless ((h & 1) == 0, "tie %.9g went to odd %04x", x, h);
  }
  g_rand_free (rand);
  fail_unless_equals_int (gst_gpu_float_to_half (65504.0f), 0x7bff);
  fail_unless_equals_int (gst_gpu_float_to_half (1.0f), 0x3c00);
  fail_unless_equals_int (gst_gpu_float_to_half (-2.0f), 0xc000);
  fail_unless_equals_int (gst_gpu_float_to_half (NAN) & 0x7c00, 0x7c00);
}

GST_END_TEST;

GST_START_TEST (test_float_to_u8_rounds_and_saturates)
{
  static const struct
  {
    gfloat in;
    guint8 out;
  } cases[] = {
    { -3.2f, 0 },
    { 0.49f, 0 },
    { 0.5f, 1 },
    { 1.49f, 1 },
    { 127.5f, 128 },
    { 254.49f, 254 },
    { 254.5f, 255 },
    { 300.0f, 255 },
    { NAN, 0 },
    { -INFINITY, 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    fail_unless_equals_int (gst_gpu_float_to_u8 (cases[i].in), cases[i].out);
}

GST_END_TEST;

/* torch.nn.functional.interpolate (bilinear, align_corners=False) picks
 * these neighbours and weights; checked against the golden definition over
 * many sizes. */
GST_START_TEST (test_bilinear_coord_half_pixel_centres)
{
  gint in, out, d;

  for (in = 1; in < 40; in += 3) {
    for (out = 1; out < 40; out += 4) {
      for (d = 0; d < out; d++) {
        gint32 i0, i1;
        gint g0, g1;
        gfloat w;
        gdouble l, pos, golden_pos;

        gst_gpu_bilinear_coord (d, in, out, &i0, &i1, &w);
        golden_coord (d, in, out, &g0, &g1, &l);
        fail_unless (i0 >= 0 && i1 < in && (i1 == i0 || i1 == i0 + 1));
        /* the sampled position; float may land on the other side of an
         * integer than double, with a weight of 0 or 1 */
        pos = i1 == i0 ? i0 : i0 + w;
        golden_pos = g1 == g0 ? g0 : g0 + l;
        fail_unless (fabs (pos - golden_pos) < 1e-4,
            "%d -> %d, d %d: samples %g, golden %g", in, out, d, pos,
            golden_pos);
      }
    }
  }
}

GST_END_TEST;

/* --- samples ------------------------------------------------------------ */

GST_START_TEST (test_samples_s16_to_f32_normalised)
{
  gint16 in[1031];
  gfloat out[1031];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = (gint16)(i * 977 - 32768);
  in[0] = -32768;
  in[1] = 32767;
  fail_unless (gst_gpu_convert_samples (NULL, GST_GPU_DTYPE_INT16, in,
      GST_GPU_DTYPE_FLOAT32, out, G_N_ELEMENTS (in), TRUE));
  for (i = 0; i < G_N_ELEMENTS (in); i++)
    fail_unless (out[i] == in[i] / 32768.0f, "%u: %d -> %g", i, in[i], out[i]);
  fail_unless (out[0] == -1.0f && out[1] < 1.0f);
}

GST_END_TEST;

GST_START_TEST (test_samples_s16_to_f32_not_normalised)
{
  gint16 in[] = { -32768, -1, 0, 1, 12345, 32767 };
  gfloat out[G_N_ELEMENTS (in)];
  guint i;

  fail_unless (gst_gpu_convert_samples (NULL, GST_GPU_DTYPE_INT16, in,
      GST_GPU_DTYPE_FLOAT32, out, G_N_ELEMENTS (in), FALSE));
  for (i = 0; i < G_N_ELEMENTS (in); i++)
    fail_unless (out[i] == (gfloat)in[i]);
}

GST_END_TEST;

GST_START_TEST (test_samples_f32_copy)
{
  gfloat in[515], out[515];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = sinf (i * 0.1f) * 3.0f;
  memset (out, 0, sizeof (out));
  fail_unless (gst_gpu_convert_samples (NULL, GST_GPU_DTYPE_FLOAT32, in,
      GST_GPU_DTYPE_FLOAT32, out, G_N_ELEMENTS (in), TRUE));
  fail_unless (memcmp (in, out, sizeof (in)) == 0);
}

GST_END_TEST;

GST_START_TEST (test_samples_casts)
{
  gfloat f[] = { -1.5f, -0.5f, 0.4f, 0.5f, 2.5f, 254.6f, 300.0f, 65519.0f };
  guint8 u8[G_N_ELEMENTS (f)];
  guint16 h[G_N_ELEMENTS (f)];
  guint8 b[] = { 0, 1, 128, 255 };
  gfloat bf[G_N_ELEMENTS (b)];
  static const guint8 want_u8[] = { 0, 0, 0, 1, 3, 255, 255, 255 };
  guint i;

  fail_unless (gst_gpu_convert_samples (NULL, GST_GPU_DTYPE_FLOAT32, f,
      GST_GPU_DTYPE_UINT8, u8, G_N_ELEMENTS (f), TRUE));
  for (i = 0; i < G_N_ELEMENTS (f); i++)
    fail_unless_equals_int (u8[i], want_u8[i]);
  fail_unless (gst_gpu_convert_samples (NULL, GST_GPU_DTYPE_FLOAT32, f,
      GST_GPU_DTYPE_FLOAT16, h, G_N_ELEMENTS (f), TRUE));
  for (i = 0; i < G_N_ELEMENTS (f); i++)
    fail_unless (fabs (half_to_double (h[i]) - f[i]) <= fabs (f[i]) / 2048.0,
        "%g -> %g", f[i], half_to_double (h[i]));
  /* uint8 to float: normalised to [0, 1], or the plain value */
  fail_unless (gst_gpu_convert_samples (NULL, GST_GPU_DTYPE_UINT8, b,
      GST_GPU_DTYPE_FLOAT32, bf, G_N_ELEMENTS (b), TRUE));
  for (i = 0; i < G_N_ELEMENTS (b); i++)
    fail_unless (fabs (bf[i] - b[i] / 255.0) < 1e-7);
  fail_unless (gst_gpu_convert_samples (NULL, GST_GPU_DTYPE_UINT8, b,
      GST_GPU_DTYPE_FLOAT32, bf, G_N_ELEMENTS (b), FALSE));
  for (i = 0; i < G_N_ELEMENTS (b); i++)
    fail_unless (bf[i] == b[i]);
}

GST_END_TEST;

GST_START_TEST (test_samples_rejects_invalid_dtype)
{
  gfloat in[4] = { 0, }, out[4];

  fail_if (gst_gpu_convert_samples (
      NULL, GST_GPU_DTYPE_INVALID, in, GST_GPU_DTYPE_FLOAT32, out, 4, TRUE));
  fail_if (gst_gpu_convert_samples (
      NULL, GST_GPU_DTYPE_FLOAT32, in, (GstGpuDType)99, out, 4, TRUE));
}

GST_END_TEST;

#ifdef HAVE_CUDA
/* The build embedded a real fatbin (its magic number 0xBA55ED50). */
GST_START_TEST (test_kernels_fatbin_embedded)
{
  fail_unless_equals_int (gst_gpu_kernels_convert_fatbin[0], 0x50);
  fail_unless_equals_int (gst_gpu_kernels_convert_fatbin[1], 0xed);
  fail_unless_equals_int (gst_gpu_kernels_convert_fatbin[2], 0x55);
  fail_unless_equals_int (gst_gpu_kernels_convert_fatbin[3], 0xba);
}

GST_END_TEST;
#endif

static Suite *
gpuconvertunits_suite (void)
{
  Suite *s = suite_create ("gpuconvertunits");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_new_refuses, 0, G_N_ELEMENTS (refused));
  tcase_add_test (tc, test_frame_fails_on_size_mismatch);
  tcase_add_test (tc, test_slot_format_size);
  tcase_add_test (tc, test_enum_nicks);
  tcase_add_test (tc, test_float_to_half_rounds_to_nearest_even);
  tcase_add_test (tc, test_float_to_u8_rounds_and_saturates);
  tcase_add_test (tc, test_bilinear_coord_half_pixel_centres);
  tcase_add_test (tc, test_samples_s16_to_f32_normalised);
  tcase_add_test (tc, test_samples_s16_to_f32_not_normalised);
  tcase_add_test (tc, test_samples_f32_copy);
  tcase_add_test (tc, test_samples_casts);
  tcase_add_test (tc, test_samples_rejects_invalid_dtype);
#ifdef HAVE_CUDA
  tcase_add_test (tc, test_kernels_fatbin_embedded);
#endif
  return s;
}

GST_CHECK_MAIN (gpuconvertunits);
