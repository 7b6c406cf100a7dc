/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Per-pixel and per-sample conversion math shared by the CUDA kernels
 * (gpu/kernels/convert.cu, compiled by nvcc) and the CPU paths
 * (gpu/convert/gstgpuconvert.c, compiled by the C compiler), so the CPU
 * tests execute the very code the GPU runs. No GStreamer or GLib here: only
 * plain numbers, fixed-size integers and pointers.
 *
 * Definitions (the contract every variant and the tests follow):
 * - YUV inputs are converted per source pixel to RGB on the 0..255 scale
 *   with the chroma sample that covers the pixel (x / 2, y / 2), then
 *   clamped to 0..255; scaling blends those RGB values.
 * - Bilinear sampling uses half-pixel centres, like torch interpolate
 *   (align_corners=False, antialias=False) and OpenCV INTER_LINEAR: source
 *   coordinate (d + 0.5) * in / out - 0.5, clamped to the first and last
 *   pixel.
 * - GRAY output from colour inputs is 0.299 R + 0.587 G + 0.114 B; GRAY8
 *   input passes its value through.
 * - y = x * scale[c] + offset[c] with x on the 0..255 scale.
 * - float16 output rounds to nearest even; uint8 output rounds half up and
 *   saturates to 0..255 (NaN gives 0).
 * - Letterboxing scales the frame into a rectangle of the slot exactly as
 *   stretching scales it into a slot of the rectangle's size; every slot
 *   pixel outside the rectangle is the padding value, normalised.
 */
#pragma once

#include <stdint.h>

#ifdef __CUDACC__
#define GST_GPU_MATH_FUNC static __host__ __device__ __forceinline__
#else
#include <math.h>
#if defined(__GNUC__)
/* callers specialise on constant arguments: force the inlining */
#define GST_GPU_MATH_FUNC static inline __attribute__ ((always_inline))
#else
#define GST_GPU_MATH_FUNC static inline
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Input pixel formats, independent of GstVideoFormat so nvcc needs no
 * GStreamer headers. */
typedef enum {
  GST_GPU_PIX_RGB = 0,
  GST_GPU_PIX_BGR,
  GST_GPU_PIX_RGBA, /* also RGBx */
  GST_GPU_PIX_BGRA, /* also BGRx */
  GST_GPU_PIX_GRAY8,
  GST_GPU_PIX_NV12,
  GST_GPU_PIX_I420,
} GstGpuPixFormat;

/* Output element types, matching the subset of GstGpuDType we write. */
typedef enum {
  GST_GPU_OUT_FLOAT32 = 0,
  GST_GPU_OUT_FLOAT16,
  GST_GPU_OUT_UINT8,
} GstGpuOutType;

/**
 * GstGpuYuvCoeffs:
 *
 * Y'CbCr -> R'G'B' on the 0..255 scale:
 *   y = (Y - y_off) * y_scale, u = (U - 128) * c_scale,
 *   v = (V - 128) * c_scale,
 *   R = y + rv v, G = y + gu u + gv v, B = y + bu u.
 */
typedef struct
{
  float y_off;
  float y_scale;
  float c_scale;
  float rv;
  float gu;
  float gv;
  float bu;
  float pad_;
} GstGpuYuvCoeffs;

/**
 * gst_gpu_yuv_coeffs_init:
 * @kr, @kb: luma weights of red and blue of the matrix (BT.601: 0.299,
 *   0.114; BT.709: 0.2126, 0.0722; BT.2020: 0.2627, 0.0593)
 * @full_range: 0 for limited (16..235, 16..240), else full (0..255)
 */
GST_GPU_MATH_FUNC void
gst_gpu_yuv_coeffs_init (
    GstGpuYuvCoeffs *c, double kr, double kb, int full_range)
{
  double kg = 1.0 - kr - kb;

  c->y_off = full_range ? 0.0f : 16.0f;
  c->y_scale = full_range ? 1.0f : (float)(255.0 / 219.0);
  c->c_scale = full_range ? 1.0f : (float)(255.0 / 224.0);
  c->rv = (float)(2.0 * (1.0 - kr));
  c->gu = (float)(-2.0 * kb * (1.0 - kb) / kg);
  c->gv = (float)(-2.0 * kr * (1.0 - kr) / kg);
  c->bu = (float)(2.0 * (1.0 - kb));
  c->pad_ = 0.0f;
}

/* Bits of 255.0f. */
#define GST_GPU_BITS_255 0x437f0000

/* The float whose bits are @bits clamped to +0 .. the float whose bits are
 * @max (positive), without branches, which mispredict on saturating
 * pixels: a negative float (-0 and -NaN included) gives +0, and floats
 * without the sign bit order like their bits as integers. */
GST_GPU_MATH_FUNC int32_t
gst_gpu_clamp_bits (int32_t bits, int32_t max)
{
  bits &= ~(bits >> 31); /* arithmetic shift: all ones when negative */
  return bits < max ? bits : max;
}

/* v < 0 ? 0 : (v > 255 ? 255 : v), except that -0 gives +0 (YUV -> RGB
 * never produces -0: Y - y_off is never -0). */
GST_GPU_MATH_FUNC float
gst_gpu_clamp255 (float v)
{
  union {
    float f;
    int32_t i;
  } u;

  u.f = v;
  u.i = gst_gpu_clamp_bits (u.i, GST_GPU_BITS_255);
  return u.f;
}

GST_GPU_MATH_FUNC void
gst_gpu_yuv_to_rgb (const GstGpuYuvCoeffs *c, int Y, int U, int V, float *rgb)
{
  float y = ((float)Y - c->y_off) * c->y_scale;
  float u = ((float)U - 128.0f) * c->c_scale;
  float v = ((float)V - 128.0f) * c->c_scale;

  rgb[0] = gst_gpu_clamp255 (y + c->rv * v);
  rgb[1] = gst_gpu_clamp255 (y + c->gu * u + c->gv * v);
  rgb[2] = gst_gpu_clamp255 (y + c->bu * u);
}

/**
 * GstGpuPixSource:
 *
 * One input frame: plane pointers (host or device) and strides in bytes.
 * Passed by value to the CUDA kernel, so only plain types.
 */
typedef struct
{
  const uint8_t *plane[3];
  int32_t stride[3];
  int32_t format; /* GstGpuPixFormat */
  int32_t width;
  int32_t height;
  int32_t pad_;
  GstGpuYuvCoeffs yuv;
} GstGpuPixSource;

/* Fetches pixel (x, y) as R, G, B on the 0..255 scale. */
GST_GPU_MATH_FUNC void
gst_gpu_pix_fetch_rgb (const GstGpuPixSource *s, int x, int y, float *rgb)
{
  const uint8_t *row = s->plane[0] + (intptr_t)y * s->stride[0];

  switch (s->format) {
    case GST_GPU_PIX_RGB:
      rgb[0] = row[3 * x];
      rgb[1] = row[3 * x + 1];
      rgb[2] = row[3 * x + 2];
      break;
    case GST_GPU_PIX_BGR:
      rgb[0] = row[3 * x + 2];
      rgb[1] = row[3 * x + 1];
      rgb[2] = row[3 * x];
      break;
    case GST_GPU_PIX_RGBA:
      rgb[0] = row[4 * x];
      rgb[1] = row[4 * x + 1];
      rgb[2] = row[4 * x + 2];
      break;
    case GST_GPU_PIX_BGRA:
      rgb[0] = row[4 * x + 2];
      rgb[1] = row[4 * x + 1];
      rgb[2] = row[4 * x];
      break;
    case GST_GPU_PIX_GRAY8:
      rgb[0] = rgb[1] = rgb[2] = row[x];
      break;
    case GST_GPU_PIX_NV12: {
      const uint8_t *uv = s->plane[1] + (intptr_t)(y >> 1) * s->stride[1];
      int cx = (x >> 1) * 2;
      gst_gpu_yuv_to_rgb (&s->yuv, row[x], uv[cx], uv[cx + 1], rgb);
      break;
    }
    case GST_GPU_PIX_I420: {
      const uint8_t *u = s->plane[1] + (intptr_t)(y >> 1) * s->stride[1];
      const uint8_t *v = s->plane[2] + (intptr_t)(y >> 1) * s->stride[2];
      gst_gpu_yuv_to_rgb (&s->yuv, row[x], u[x >> 1], v[x >> 1], rgb);
      break;
    }
    default:
      rgb[0] = rgb[1] = rgb[2] = 0.0f;
      break;
  }
}

/* Output channel values (1 or 3) of pixel (x, y) in output channel order:
 * @color 0 RGB, 1 BGR, 2 GRAY (GstGpuColor values). */
GST_GPU_MATH_FUNC void
gst_gpu_pix_fetch (
    const GstGpuPixSource *s, int color, int x, int y, float *out)
{
  float rgb[3];

  if (color == 2 && s->format == GST_GPU_PIX_GRAY8) {
    out[0] = s->plane[0][(intptr_t)y * s->stride[0] + x];
    return;
  }
  gst_gpu_pix_fetch_rgb (s, x, y, rgb);
  if (color == 0) {
    out[0] = rgb[0];
    out[1] = rgb[1];
    out[2] = rgb[2];
  } else if (color == 1) {
    out[0] = rgb[2];
    out[1] = rgb[1];
    out[2] = rgb[0];
  } else {
    out[0] = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
  }
}

/**
 * gst_gpu_bilinear_coord:
 * @d: output index
 * @in_size, @out_size: extents of input and output along this axis
 *
 * Half-pixel-centre source coordinate of output index @d: the two input
 * indices to blend and the weight of the second one.
 */
GST_GPU_MATH_FUNC void
gst_gpu_bilinear_coord (
    int d, int in_size, int out_size, int32_t *i0, int32_t *i1, float *w)
{
  float scale = (float)in_size / (float)out_size;
  float src = ((float)d + 0.5f) * scale - 0.5f;
  int lo;

  if (src < 0.0f)
    src = 0.0f;
  lo = (int)src; /* src >= 0: truncation is floor */
  if (lo > in_size - 1)
    lo = in_size - 1;
  *i0 = lo;
  *i1 = lo + 1 < in_size ? lo + 1 : in_size - 1;
  *w = src - (float)lo;
  if (*i1 == *i0)
    *w = 0.0f;
}

/* Linear blend of @a and @b, @w the weight of @b: the one blend step of
 * bilinear sampling. */
GST_GPU_MATH_FUNC float
gst_gpu_lerp (float a, float b, float w)
{
  return a + w * (b - a);
}

/* Blend of four neighbours, weights of the second column / row: along the
 * rows first, then between them. The separable CPU path (gstgpuconvert.c)
 * performs the same gst_gpu_lerp () steps in the same order, so its results
 * are bit-identical to this one. */
GST_GPU_MATH_FUNC float
gst_gpu_bilinear_blend (
    float p00, float p01, float p10, float p11, float wx, float wy)
{
  float top = gst_gpu_lerp (p00, p01, wx);
  float bot = gst_gpu_lerp (p10, p11, wx);

  return gst_gpu_lerp (top, bot, wy);
}

/* float -> IEEE half, round to nearest even, overflow to infinity. */
GST_GPU_MATH_FUNC uint16_t
gst_gpu_float_to_half (float f)
{
  union {
    float f;
    uint32_t u;
  } v;
  uint32_t x, sign, absx, mant, rem, h;
  int e;

  v.f = f;
  x = v.u;
  sign = (x >> 16) & 0x8000u;
  absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) /* inf, NaN (kept quiet) */
    return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0u));
  if (absx >= 0x477ff000u) /* >= 65520 rounds to infinity */
    return (uint16_t)(sign | 0x7c00u);
  e = (int)(absx >> 23);
  if (e < 113) { /* below 2^-14: half subnormal or zero */
    int shift = 126 - e;
    uint32_t half;

    if (shift > 24)
      return (uint16_t)sign;
    mant = (absx & 0x7fffffu) | 0x800000u;
    h = mant >> shift;
    rem = mant & ((1u << shift) - 1u);
    half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u)))
      h++;
    return (uint16_t)(sign | h);
  }
  mant = absx & 0x7fffffu;
  h = ((uint32_t)(e - 112) << 10) | (mant >> 13);
  rem = mant & 0x1fffu;
  /* +1 when rem is above half (0x1000), or exactly half and h odd; no
   * branch, whose outcome would be a coin toss on pixel data. A carry out
   * of the mantissa correctly bumps the exponent. */
  h += (rem + 0xfffu + (h & 1u)) >> 13;
  return (uint16_t)(sign | h);
}

/* Round half up and saturate to 0..255; NaN gives 0. */
GST_GPU_MATH_FUNC uint8_t
gst_gpu_float_to_u8 (float f)
{
  union {
    float f;
    int32_t i;
  } u;

  u.f = f;
  if (u.i > 0x7f800000) /* NaN with the sign bit clear */
    u.i = 0;
  u.i = gst_gpu_clamp_bits (u.i, GST_GPU_BITS_255);
  /* 0 <= u.f <= 255: truncation is floor, without a libm call */
  return (uint8_t)(int)(u.f + 0.5f);
}

/* Element index of (channel c, row y, column x) in a slot of @channels x
 * @height x @width: @layout 0 NCHW (planes), 1 NHWC (interleaved). */
GST_GPU_MATH_FUNC uintptr_t
gst_gpu_slot_index (
    int layout, int channels, int height, int width, int c, int y, int x)
{
  if (layout == 0)
    return ((uintptr_t)c * height + y) * width + x;
  return ((uintptr_t)y * width + x) * channels + c;
}

/* Stores y = x * scale + offset as @type at element @index of @dst. */
GST_GPU_MATH_FUNC void
gst_gpu_store (void *dst, int type, uintptr_t index, float value)
{
  switch (type) {
    case GST_GPU_OUT_FLOAT32:
      ((float *)dst)[index] = value;
      break;
    case GST_GPU_OUT_FLOAT16:
      ((uint16_t *)dst)[index] = gst_gpu_float_to_half (value);
      break;
    default:
      ((uint8_t *)dst)[index] = gst_gpu_float_to_u8 (value);
      break;
  }
}

/**
 * GstGpuSlotParams:
 *
 * Everything one item conversion needs besides the source. Passed by value
 * to the CUDA kernel. @width x @height is the slot; the frame is scaled
 * into the rectangle @x, @y, @scaled_width x @scaled_height of it (the
 * whole slot when stretching) and every slot pixel outside it holds @pad.
 */
typedef struct
{
  int32_t width;
  int32_t height;
  int32_t channels;
  int32_t color;  /* GstGpuColor: 0 RGB, 1 BGR, 2 GRAY */
  int32_t layout; /* 0 NCHW, 1 NHWC */
  int32_t type;   /* GstGpuOutType */
  float scale[3];
  float offset[3];
  int32_t x;
  int32_t y;
  int32_t scaled_width;
  int32_t scaled_height;
  float pad[3]; /* per output channel, normalised */
} GstGpuSlotParams;

/* Output channel values of the padding: @pad_value (0..255 scale)
 * normalised like a pixel of that value in every channel. */
GST_GPU_MATH_FUNC void
gst_gpu_slot_params_set_pad (GstGpuSlotParams *p, float pad_value)
{
  int c;

  for (c = 0; c < 3; c++)
    p->pad[c] = pad_value * p->scale[c] + p->offset[c];
}

/* One output pixel (all channels) from precomputed bilinear coordinates:
 * the whole per-pixel path shared by the C loop and the CUDA kernel. */
GST_GPU_MATH_FUNC void
gst_gpu_convert_pixel (const GstGpuPixSource *s, const GstGpuSlotParams *p,
    void *dst, int dx, int dy, int32_t x0, int32_t x1, float wx, int32_t y0,
    int32_t y1, float wy)
{
  float a[3], b[3], c[3], d[3];
  int ch;

  gst_gpu_pix_fetch (s, p->color, x0, y0, a);
  gst_gpu_pix_fetch (s, p->color, x1, y0, b);
  gst_gpu_pix_fetch (s, p->color, x0, y1, c);
  gst_gpu_pix_fetch (s, p->color, x1, y1, d);
  for (ch = 0; ch < p->channels; ch++) {
    float v = gst_gpu_bilinear_blend (a[ch], b[ch], c[ch], d[ch], wx, wy);

    gst_gpu_store (dst, p->type,
        gst_gpu_slot_index (
            p->layout, p->channels, p->height, p->width, ch, dy, dx),
        v * p->scale[ch] + p->offset[ch]);
  }
}

/* One output pixel without scaling: source pixel (sx, sy) only. Equal to
 * gst_gpu_convert_pixel () with zero weights, at a quarter of the
 * fetches. */
GST_GPU_MATH_FUNC void
gst_gpu_convert_pixel_direct (const GstGpuPixSource *s,
    const GstGpuSlotParams *p, void *dst, int dx, int dy, int sx, int sy)
{
  float a[3];
  int ch;

  gst_gpu_pix_fetch (s, p->color, sx, sy, a);
  for (ch = 0; ch < p->channels; ch++)
    gst_gpu_store (dst, p->type,
        gst_gpu_slot_index (
            p->layout, p->channels, p->height, p->width, ch, dy, dx),
        a[ch] * p->scale[ch] + p->offset[ch]);
}

/* Slot pixel (dx, dy) as padding: every channel holds p->pad. */
GST_GPU_MATH_FUNC void
gst_gpu_convert_pad_pixel (const GstGpuSlotParams *p, void *dst, int dx, int dy)
{
  int ch;

  for (ch = 0; ch < p->channels; ch++)
    gst_gpu_store (dst, p->type,
        gst_gpu_slot_index (
            p->layout, p->channels, p->height, p->width, ch, dy, dx),
        p->pad[ch]);
}

/* Slot pixel (dx, dy) of one item: padding outside the scaled rectangle,
 * else the bilinear sample of the frame scaled into the rectangle. The
 * body of the CUDA kernel; computes its coordinates on the fly, where the
 * CPU path reads them from per-plan tables filled by the same
 * gst_gpu_bilinear_coord (). */
GST_GPU_MATH_FUNC void
gst_gpu_convert_slot_pixel (const GstGpuPixSource *s, const GstGpuSlotParams *p,
    void *dst, int dx, int dy)
{
  int32_t x0, x1, y0, y1;
  float wx, wy;
  int rx = dx - p->x, ry = dy - p->y;

  if (rx < 0 || ry < 0 || rx >= p->scaled_width || ry >= p->scaled_height) {
    gst_gpu_convert_pad_pixel (p, dst, dx, dy);
    return;
  }
  gst_gpu_bilinear_coord (rx, s->width, p->scaled_width, &x0, &x1, &wx);
  gst_gpu_bilinear_coord (ry, s->height, p->scaled_height, &y0, &y1, &wy);
  gst_gpu_convert_pixel (s, p, dst, dx, dy, x0, x1, wx, y0, y1, wy);
}

/* Sample types of gst_gpu_convert_samples, in GstGpuDType order. */
typedef enum {
  GST_GPU_SAMPLE_INT8 = 1,
  GST_GPU_SAMPLE_UINT8,
  GST_GPU_SAMPLE_INT16,
  GST_GPU_SAMPLE_UINT16,
  GST_GPU_SAMPLE_INT32,
  GST_GPU_SAMPLE_UINT32,
  GST_GPU_SAMPLE_INT64,
  GST_GPU_SAMPLE_UINT64,
  GST_GPU_SAMPLE_FLOAT16,
  GST_GPU_SAMPLE_FLOAT32,
  GST_GPU_SAMPLE_FLOAT64,
} GstGpuSampleType;

/* IEEE half -> float, exact. */
GST_GPU_MATH_FUNC float
gst_gpu_half_to_float (uint16_t h)
{
  union {
    float f;
    uint32_t u;
  } v;
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu;
  uint32_t m = h & 0x3ffu;

  if (e == 0x1fu) {
    v.u = sign | 0x7f800000u | (m << 13);
  } else if (e == 0) {
    /* zero or subnormal: m * 2^-24 is exact in float */
    v.f = (float)m * (1.0f / 16777216.0f);
    v.u |= sign;
  } else {
    v.u = sign | ((e + 112u) << 23) | (m << 13);
  }
  return v.f;
}

/* Reads element @i of @src as a double; with @norm, integer types are
 * scaled to [-1, 1) (signed, by 1 / 2^(bits-1)) or [0, 1] (unsigned, by
 * 1 / (2^bits - 1)). */
GST_GPU_MATH_FUNC double
gst_gpu_sample_load (const void *src, int type, uintptr_t i, int norm)
{
  switch (type) {
    case GST_GPU_SAMPLE_INT8:
      return ((const int8_t *)src)[i] * (norm ? 1.0 / 128.0 : 1.0);
    case GST_GPU_SAMPLE_UINT8:
      return ((const uint8_t *)src)[i] * (norm ? 1.0 / 255.0 : 1.0);
    case GST_GPU_SAMPLE_INT16:
      return ((const int16_t *)src)[i] * (norm ? 1.0 / 32768.0 : 1.0);
    case GST_GPU_SAMPLE_UINT16:
      return ((const uint16_t *)src)[i] * (norm ? 1.0 / 65535.0 : 1.0);
    case GST_GPU_SAMPLE_INT32:
      return ((const int32_t *)src)[i] * (norm ? 1.0 / 2147483648.0 : 1.0);
    case GST_GPU_SAMPLE_UINT32:
      return ((const uint32_t *)src)[i] * (norm ? 1.0 / 4294967295.0 : 1.0);
    case GST_GPU_SAMPLE_INT64:
      return (double)((const int64_t *)src)[i]
             * (norm ? 1.0 / 9223372036854775808.0 : 1.0);
    case GST_GPU_SAMPLE_UINT64:
      return (double)((const uint64_t *)src)[i]
             * (norm ? 1.0 / 18446744073709551615.0 : 1.0);
    case GST_GPU_SAMPLE_FLOAT16:
      return gst_gpu_half_to_float (((const uint16_t *)src)[i]);
    case GST_GPU_SAMPLE_FLOAT32:
      return ((const float *)src)[i];
    case GST_GPU_SAMPLE_FLOAT64:
      return ((const double *)src)[i];
    default:
      return 0.0;
  }
}

/* Round half away from zero and saturate into [lo, hi]; NaN gives 0. */
GST_GPU_MATH_FUNC double
gst_gpu_sample_round_sat (double v, double lo, double hi)
{
  if (!(v == v))
    return 0.0;
  v = v < 0.0 ? -floor (-v + 0.5) : floor (v + 0.5);
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Writes @v as element @i of @dst (integers: rounded and saturated). */
GST_GPU_MATH_FUNC void
gst_gpu_sample_store (void *dst, int type, uintptr_t i, double v)
{
  switch (type) {
    case GST_GPU_SAMPLE_INT8:
      ((int8_t *)dst)[i] = (int8_t)gst_gpu_sample_round_sat (v, -128, 127);
      break;
    case GST_GPU_SAMPLE_UINT8:
      ((uint8_t *)dst)[i] = (uint8_t)gst_gpu_sample_round_sat (v, 0, 255);
      break;
    case GST_GPU_SAMPLE_INT16:
      ((int16_t *)dst)[i]
          = (int16_t)gst_gpu_sample_round_sat (v, -32768, 32767);
      break;
    case GST_GPU_SAMPLE_UINT16:
      ((uint16_t *)dst)[i] = (uint16_t)gst_gpu_sample_round_sat (v, 0, 65535);
      break;
    case GST_GPU_SAMPLE_INT32:
      ((int32_t *)dst)[i]
          = (int32_t)gst_gpu_sample_round_sat (v, -2147483648.0, 2147483647.0);
      break;
    case GST_GPU_SAMPLE_UINT32:
      ((uint32_t *)dst)[i]
          = (uint32_t)gst_gpu_sample_round_sat (v, 0, 4294967295.0);
      break;
    case GST_GPU_SAMPLE_INT64:
      /* 2^63 is not representable: saturate just below it */
      ((int64_t *)dst)[i] = (int64_t)gst_gpu_sample_round_sat (
          v, -9223372036854775808.0, 9223372036854774784.0);
      break;
    case GST_GPU_SAMPLE_UINT64:
      ((uint64_t *)dst)[i]
          = (uint64_t)gst_gpu_sample_round_sat (v, 0, 18446744073709549568.0);
      break;
    case GST_GPU_SAMPLE_FLOAT16:
      ((uint16_t *)dst)[i] = gst_gpu_float_to_half ((float)v);
      break;
    case GST_GPU_SAMPLE_FLOAT32:
      ((float *)dst)[i] = (float)v;
      break;
    case GST_GPU_SAMPLE_FLOAT64:
      ((double *)dst)[i] = v;
      break;
    default:
      break;
  }
}

#ifdef __cplusplus
}
#endif
