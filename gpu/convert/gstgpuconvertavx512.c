/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The AVX-512 row path of the C variant (see gstgpuconvertavx512.h).
 *
 * Like the other row paths it scales separably: each source row an output
 * row needs is blended horizontally once per strip of columns, then two
 * such rows are blended vertically, normalised and stored. What differs is
 * the arrangement: a vector holds one channel of sixteen output columns
 * (red, green and blue rows apart) instead of one pixel.
 *
 * Source pixels are picked, not converted a whole row at a time: the
 * sixteen columns of a vector read a window of at most 256 consecutive
 * bytes of the source row (two or four 64-byte loads, masked at the row's
 * end), and byte permutations (VBMI) take what the columns need: for
 * packed pixels one permutation per column side puts each pixel's bytes in
 * a 32-bit lane; for NV12/I420 one per sample plane and side. A strong
 * downscale thus converts only the two pixels each column blends, with no
 * per-column loads. Where sixteen columns reach further apart than the
 * window (a downscale of more than about 5 for RGB, 4 for RGBx), packed
 * pixels are loaded column by column, a pixel and its right neighbour at
 * once; NV12/I420 downscaled by more than about 16 are left to the other
 * row paths.
 *
 * The functions are built for AVX-512 with target attributes and run only
 * after gst_gpu_convert_avx512_supports () has seen the CPU features. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/convert/gstgpuconvert.h"
#include "gpu/convert/gstgpuconvertavx512.h"
#include "gpu/convert/gstgpuconvertrows.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512_ROWS 1
#include <immintrin.h>
#endif

/* Output columns per strip (2 rows x 3 channels x 512 floats). */
#define CHUNK GST_GPU_CONVERT_CHUNK
/* Bytes of a source row one vector of columns may reach. */
#define WINDOW 256

/* Bytes per pixel of the packed formats, else 1 (the luma plane). */
static gint
pixel_bytes (gint format)
{
  switch (format) {
    case GST_GPU_PIX_RGB:
    case GST_GPU_PIX_BGR:
      return 3;
    case GST_GPU_PIX_RGBA:
    case GST_GPU_PIX_BGRA:
      return 4;
    default:
      return 1;
  }
}

/* The last byte a vector of columns reads, from the first it reads, of
 * the source row with @x0 and @x1 its first and last pixels; for YUV, the
 * larger of the luma and chroma rows' reach. */
static gint
vector_reach (gint format, gint x0, gint x1)
{
  gint chroma = (x1 >> 1) - (x0 >> 1);

  switch (format) {
    case GST_GPU_PIX_NV12:
      return MAX (x1 - x0, 2 * chroma + 1);
    case GST_GPU_PIX_I420:
      return x1 - x0; /* chroma reaches half as far */
    default:
      /* red, green and blue: bytes 0..2 of a pixel */
      return pixel_bytes (format) * (x1 - x0) + 2;
  }
}

/* Whether fetch_packed () may take the vector of columns @x0, @x1 (16
 * each) of a row of @len bytes: every column blends a pixel and its right
 * neighbour, and loading 8 bytes from the pixel stays in the row. */
static gboolean
pairs_fit (const gint32 *x0, const gint32 *x1, gint bytes, gint len)
{
  gint j;

  for (j = 0; j < GST_GPU_AVX512_LANES; j++) {
    if (x1[j] != x0[j] + 1 || bytes * x0[j] + 8 > len)
      return FALSE;
  }
  return TRUE;
}

gboolean
gst_gpu_convert_avx512_supports (
    const GstGpuConvertAvx512 *plan, const GstGpuPixSource *source)
{
  const gint bytes = pixel_bytes (source->format);
  gint i;

#ifdef HAVE_AVX512_ROWS
  if (!__builtin_cpu_supports ("avx512f")
      || !__builtin_cpu_supports ("avx512bw")
      || !__builtin_cpu_supports ("avx512vl")
      || !__builtin_cpu_supports ("avx512vbmi")
      || !__builtin_cpu_supports ("bmi2"))
    return FALSE;
#else
  return FALSE;
#endif
  if (source->format == GST_GPU_PIX_GRAY8)
    return FALSE;
  for (i = 0; i < plan->params.scaled_width; i += GST_GPU_AVX512_LANES) {
    const gint32 *x0 = plan->x0 + i, *x1 = plan->x1 + i;

    if (vector_reach (source->format, x0[0], x1[GST_GPU_AVX512_LANES - 1])
            >= WINDOW
        && (bytes == 1 || !pairs_fit (x0, x1, bytes, bytes * source->width)))
      return FALSE;
  }
  return TRUE;
}

#ifdef HAVE_AVX512_ROWS
#define AVX512_FUNC                                                            \
  __attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512vbmi,bmi2")))
#define AVX512_INLINE static inline AVX512_FUNC __attribute__ ((always_inline))
/* loops over the channels, unrolled so that their vectors stay in
 * registers */
#define UNROLL_CHANNELS _Pragma ("GCC unroll 3")

/* Up to WINDOW bytes of a source row, zero past its end. */
typedef struct
{
  __m512i b[4];
  gboolean wide; /* b[2], b[3] hold bytes 128..255 */
} Window;

/* 64 bytes of @row at @at, of the @len the row has: a masked load past
 * its end (masked-off bytes are neither read nor faulted on); a plain one
 * elsewhere, since a masked load that crosses a page is slow. */
AVX512_INLINE __m512i
row_load (const guint8 *row, gint at, gint len)
{
  gint left = len - at;

  if (G_LIKELY (left >= 64))
    return _mm512_loadu_si512 (row + at);
  return _mm512_maskz_loadu_epi8 (
      _bzhi_u64 (~G_GUINT64_CONSTANT (0), MAX (left, 0)), row + at);
}

/* Bytes @from .. of the row @row of @len bytes; @reach: the last byte
 * that will be picked, from @from. */
AVX512_INLINE void
window_load (Window *w, const guint8 *row, gint from, gint len, gint reach)
{
  w->wide = reach >= 128;
  w->b[0] = row_load (row, from, len);
  w->b[1] = row_load (row, from + 64, len);
  if (w->wide) {
    w->b[2] = row_load (row, from + 128, len);
    w->b[3] = row_load (row, from + 192, len);
  } else {
    /* never read; set so that the compiler need not prove it */
    w->b[2] = w->b[3] = _mm512_setzero_si512 ();
  }
}

/* The bytes of @w at the offsets in @at (64 of them, 0..255). */
AVX512_INLINE __m512i
window_permute (const Window *w, __m512i at)
{
  __m512i r = _mm512_permutex2var_epi8 (w->b[0], at, w->b[1]);

  if (w->wide) {
    __m512i hi = _mm512_permutex2var_epi8 (w->b[2], at, w->b[3]);

    /* offset bit 7: from the upper 128 bytes */
    r = _mm512_mask_blend_epi8 (_mm512_movepi8_mask (at), r, hi);
  }
  return r;
}

/* The bytes of @w at the sixteen offsets in the low bytes of @at, as
 * floats. */
AVX512_INLINE __m512
window_pick (const Window *w, __m128i at)
{
  __m512i r = window_permute (w, _mm512_castsi128_si512 (at));

  return _mm512_cvtepi32_ps (_mm512_cvtepu8_epi32 (_mm512_castsi512_si128 (r)));
}

/* Byte @k of each 32-bit lane of @v as a float. */
AVX512_INLINE __m512
lane_byte (__m512i v, const gint k)
{
  return _mm512_cvtepi32_ps (_mm512_and_si512 (
      _mm512_srli_epi32 (v, 8 * k), _mm512_set1_epi32 (0xff)));
}

/* Byte offsets (x - @base) * @bytes (1 or 2) of the sixteen samples @x. */
AVX512_INLINE __m128i
offsets (__m512i x, gint base, const gint bytes)
{
  __m512i d = _mm512_sub_epi32 (x, _mm512_set1_epi32 (base));

  if (bytes == 2)
    d = _mm512_slli_epi32 (d, 1);
  return _mm512_cvtepi32_epi8 (d);
}

/* gst_gpu_lerp () per lane. */
AVX512_INLINE __m512
lerp (__m512 a, __m512 b, __m512 w)
{
  return _mm512_add_ps (a, _mm512_mul_ps (w, _mm512_sub_ps (b, a)));
}

/* v < 0 ? 0 : (v > 255 ? 255 : v), -0 and NaN giving +0: clamp255_v ()
 * of the other row paths (maxps gives its second operand for NaN and
 * zeros). */
AVX512_INLINE __m512
clamp255 (__m512 v)
{
  return _mm512_min_ps (
      _mm512_max_ps (v, _mm512_setzero_ps ()), _mm512_set1_ps (255.0f));
}

/* 0.299 R + 0.587 G + 0.114 B, in the order of gst_gpu_pix_fetch (). */
AVX512_INLINE __m512
luma (const __m512 *rgb)
{
  return _mm512_add_ps (
      _mm512_add_ps (_mm512_mul_ps (_mm512_set1_ps (0.299f), rgb[0]),
          _mm512_mul_ps (_mm512_set1_ps (0.587f), rgb[1])),
      _mm512_mul_ps (_mm512_set1_ps (0.114f), rgb[2]));
}

/* Red, green and blue of the sixteen YUV pixels whose samples are @Y, @U,
 * @V (0..255): gst_gpu_yuv_to_rgb () per lane. */
AVX512_INLINE void
yuv_to_rgb (const GstGpuYuvCoeffs *k, __m512 Y, __m512 U, __m512 V, __m512 *rgb)
{
  const __m512 c128 = _mm512_set1_ps (128.0f);
  __m512 y = _mm512_mul_ps (_mm512_sub_ps (Y, _mm512_set1_ps (k->y_off)),
      _mm512_set1_ps (k->y_scale));
  __m512 u
      = _mm512_mul_ps (_mm512_sub_ps (U, c128), _mm512_set1_ps (k->c_scale));
  __m512 v
      = _mm512_mul_ps (_mm512_sub_ps (V, c128), _mm512_set1_ps (k->c_scale));

  rgb[0]
      = clamp255 (_mm512_add_ps (y, _mm512_mul_ps (_mm512_set1_ps (k->rv), v)));
  rgb[1] = clamp255 (_mm512_add_ps (
      _mm512_add_ps (y, _mm512_mul_ps (_mm512_set1_ps (k->gu), u)),
      _mm512_mul_ps (_mm512_set1_ps (k->gv), v)));
  rgb[2]
      = clamp255 (_mm512_add_ps (y, _mm512_mul_ps (_mm512_set1_ps (k->bu), u)));
}

/* Red, green and blue (lanes of @rgb) of the sixteen YUV pixels @x of a
 * row: @w holds the row's luma from pixel @base, @cu and @cv its chroma
 * from pixel @base (U and V rows of I420; interleaved UV of NV12 in
 * @cu). */
AVX512_INLINE void
pick_yuv (const GstGpuPixSource *s, const Window *w, const Window *cu,
    const Window *cv, __m512i x, gint base, __m512 *rgb, const gint format)
{
  __m512i cx = _mm512_srli_epi32 (x, 1);
  __m512 U, V;

  if (format == GST_GPU_PIX_NV12) {
    __m128i at = offsets (cx, base >> 1, 2);

    U = window_pick (cu, at);
    V = window_pick (cu, _mm_add_epi8 (at, _mm_set1_epi8 (1)));
  } else {
    __m128i at = offsets (cx, base >> 1, 1);

    U = window_pick (cu, at);
    V = window_pick (cv, at);
  }
  yuv_to_rgb (&s->yuv, window_pick (w, offsets (x, base, 1)), U, V, rgb);
}

/* The sixteen packed pixels @x of a row of @bytes per pixel, one per
 * 32-bit lane (byte k of the pixel in bits 8k..8k+7), from @w, which holds
 * the row from pixel @base. */
AVX512_INLINE __m512i
pick_packed (const Window *w, __m512i x, gint base, const gint bytes)
{
  __m512i d = _mm512_sub_epi32 (x, _mm512_set1_epi32 (base));

  /* the first byte of each pixel, then bytes 0..3 from it per lane (the
   * fourth, unused, may wrap past 255) */
  d = bytes == 3 ? _mm512_add_epi32 (_mm512_slli_epi32 (d, 1), d)
                 : _mm512_slli_epi32 (d, 2);
  d = _mm512_add_epi8 (_mm512_shuffle_epi8 (d, _mm512_set4_epi32 (0x0c0c0c0c,
                                                   0x08080808, 0x04040404, 0)),
      _mm512_set1_epi32 (0x03020100));
  return window_permute (w, d);
}

/* pick_packed () of the pixels @x0 and @x1 of sixteen columns that lie
 * too far apart for a window, into @a and @b: one 8-byte load per column
 * of its pixel and the right neighbour that @x1 is (the plan checked both,
 * pairs_fit ()). */
AVX512_INLINE void
fetch_packed (const guint8 *row, const gint32 *x0, __m512i *a, __m512i *b,
    const gint bytes)
{
  __m512i lo, hi;
  __m128i q[8];
  gint j;

  /* 128-bit lane k: columns 2k and 2k + 1, their 8 bytes each */
  for (j = 0; j < 8; j++)
    q[j] = _mm_unpacklo_epi64 (
        _mm_loadl_epi64 ((const __m128i *)(row + bytes * x0[2 * j])),
        _mm_loadl_epi64 ((const __m128i *)(row + bytes * x0[2 * j + 1])));
  lo = _mm512_inserti32x4 (
      _mm512_inserti32x4 (
          _mm512_inserti32x4 (_mm512_castsi128_si512 (q[0]), q[1], 1), q[2], 2),
      q[3], 3);
  hi = _mm512_inserti32x4 (
      _mm512_inserti32x4 (
          _mm512_inserti32x4 (_mm512_castsi128_si512 (q[4]), q[5], 1), q[6], 2),
      q[7], 3);
  if (bytes == 3) {
    /* two 3-byte pixels per 8 bytes: each into a 32-bit lane */
    const __m512i spread = _mm512_set4_epi32 (
        (gint)0x800d0c0b, (gint)0x800a0908, (gint)0x80050403, (gint)0x80020100);

    lo = _mm512_shuffle_epi8 (lo, spread);
    hi = _mm512_shuffle_epi8 (hi, spread);
  }
  /* lanes: a, b of column 0, a, b of column 1, ... */
  *a = _mm512_permutex2var_epi32 (lo,
      _mm512_setr_epi32 (
          0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30),
      hi);
  *b = _mm512_permutex2var_epi32 (lo,
      _mm512_setr_epi32 (
          1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31),
      hi);
}

/* Red, green and blue (lanes of @rgb) of the packed pixels in @px. */
AVX512_INLINE void
unpack_packed (__m512i px, __m512 *rgb, const gint format)
{
  /* byte of red in a pixel */
  const gint red
      = format == GST_GPU_PIX_BGR || format == GST_GPU_PIX_BGRA ? 2 : 0;

  rgb[0] = lane_byte (px, red);
  rgb[1] = lane_byte (px, 1);
  rgb[2] = lane_byte (px, 2 - red);
}

/* Horizontal blend of source row @sy over the columns @dx0 .. @dx0 + @n
 * (rounded up to whole vectors) into the channel rows @out (one, luma,
 * when @gray). Always inlined with constant @format and @gray. */
AVX512_INLINE void
blend_row (const GstGpuConvertAvx512 *plan, const GstGpuPixSource *s, gint sy,
    gint dx0, gint n, gfloat (*out)[CHUNK], const gint format,
    const gboolean gray)
{
  const gboolean yuv = format == GST_GPU_PIX_NV12 || format == GST_GPU_PIX_I420;
  const gint bytes = pixel_bytes (format);
  const guint8 *row = s->plane[0] + (gsize)sy * s->stride[0];
  const guint8 *c0 = NULL, *c1 = NULL;
  const gint chroma_w = (s->width + 1) >> 1;
  gint i;

  if (yuv)
    c0 = s->plane[1] + (gsize)(sy >> 1) * s->stride[1];
  if (format == GST_GPU_PIX_I420)
    c1 = s->plane[2] + (gsize)(sy >> 1) * s->stride[2];

  for (i = 0; i < n; i += GST_GPU_AVX512_LANES) {
    const gint at = dx0 + i;
    const gint base = plan->x0[at];
    const gint last = plan->x1[at + GST_GPU_AVX512_LANES - 1];
    __m512i x0 = _mm512_loadu_si512 (plan->x0 + at);
    __m512i x1 = _mm512_loadu_si512 (plan->x1 + at);
    __m512 wx = _mm512_loadu_ps (plan->wx + at);
    __m512 a[3], b[3];
    Window w, cu, cv;

    if (yuv) {
      window_load (&w, row, base, s->width, last - base);
      if (format == GST_GPU_PIX_NV12) {
        window_load (&cu, c0, 2 * (base >> 1), 2 * chroma_w,
            2 * ((last >> 1) - (base >> 1)) + 1);
      } else {
        window_load (&cu, c0, base >> 1, chroma_w, (last >> 1) - (base >> 1));
        window_load (&cv, c1, base >> 1, chroma_w, (last >> 1) - (base >> 1));
      }
      pick_yuv (s, &w, &cu, &cv, x0, base, a, format);
      pick_yuv (s, &w, &cu, &cv, x1, base, b, format);
    } else {
      const gint reach = vector_reach (format, base, last);
      __m512i pa, pb;

      if (reach < WINDOW) {
        window_load (&w, row, bytes * base, bytes * s->width, reach);
        pa = pick_packed (&w, x0, base, bytes);
        pb = pick_packed (&w, x1, base, bytes);
      } else {
        fetch_packed (row, plan->x0 + at, &pa, &pb, bytes);
      }
      unpack_packed (pa, a, format);
      unpack_packed (pb, b, format);
    }
    if (gray) {
      a[0] = luma (a);
      b[0] = luma (b);
    }
    _mm512_storeu_ps (out[0] + i, lerp (a[0], b[0], wx));
    if (!gray) {
      _mm512_storeu_ps (out[1] + i, lerp (a[1], b[1], wx));
      _mm512_storeu_ps (out[2] + i, lerp (a[2], b[2], wx));
    }
  }
}

/* Element e of sixteen interleaved three-channel pixels comes from entry
 * interleave_from[e] of their channels laid one after the other (channel
 * e % 3, pixel e / 3). */
static const guint8 interleave_from[48] = { 0, 16, 32, 1, 17, 33, 2, 18, 34, 3,
  19, 35, 4, 20, 36, 5, 21, 37, 6, 22, 38, 7, 23, 39, 8, 24, 40, 9, 25, 41, 10,
  26, 42, 11, 27, 43, 12, 28, 44, 13, 29, 45, 14, 30, 46, 15, 31, 47 };

/* The low @n of 64 mask bits. */
AVX512_INLINE guint64
low_bits (gint n)
{
  return _bzhi_u64 (~G_GUINT64_CONSTANT (0), n);
}

/* Sixteen pixels' slot channels @q (@channels of them) stored as @type at
 * element @at of the slot (NCHW planes of @plane elements, or NHWC), the
 * first @n only. */
AVX512_INLINE void
store_pixels (gpointer dst, gsize at, gsize plane, const __m512 *q, gint n,
    const gint channels, const gint layout, const gint type)
{
  const gboolean nhwc = layout == GST_GPU_LAYOUT_NHWC && channels == 3;
  const __mmask16 m = (__mmask16)low_bits (n);
  gint c;

  if (type == GST_GPU_OUT_FLOAT32) {
    gfloat *d = dst;

    if (nhwc) {
      UNROLL_CHANNELS
      for (c = 0; c < 3; c++) {
        __m512i e = _mm512_cvtepu8_epi32 (
            _mm_loadu_si128 ((const __m128i *)(interleave_from + 16 * c)));
        /* entries 0..31 from red and green, then blue's where >= 32 */
        __m512 v = _mm512_permutex2var_ps (q[0], e, q[1]);

        v = _mm512_mask_permutexvar_ps (
            v, _mm512_cmpge_epi32_mask (e, _mm512_set1_epi32 (32)), e, q[2]);
        _mm512_mask_storeu_ps (
            d + at * 3 + 16 * c, (__mmask16)(low_bits (3 * n) >> (16 * c)), v);
      }
    } else {
      UNROLL_CHANNELS
      for (c = 0; c < channels; c++)
        _mm512_mask_storeu_ps (d + c * plane + at, m, q[c]);
    }
  } else if (type == GST_GPU_OUT_FLOAT16) {
    guint16 *d = dst;
    __m256i h[3];

    /* round to nearest even: gst_gpu_float_to_half () for every value a
     * slot can hold */
    UNROLL_CHANNELS
    for (c = 0; c < channels; c++)
      h[c] = _mm512_cvtps_ph (q[c], _MM_FROUND_TO_NEAREST_INT);
    if (nhwc) {
      __m512i rg = _mm512_inserti64x4 (_mm512_castsi256_si512 (h[0]), h[1], 1);
      __m512i bl = _mm512_castsi256_si512 (h[2]);
      __m512i e0 = _mm512_cvtepu8_epi16 (
          _mm256_loadu_si256 ((const __m256i *)interleave_from));
      __m512i e1 = _mm512_cvtepu8_epi16 (_mm256_castsi128_si256 (
          _mm_loadu_si128 ((const __m128i *)(interleave_from + 32))));
      guint64 all = low_bits (3 * n);

      _mm512_mask_storeu_epi16 (
          d + at * 3, (__mmask32)all, _mm512_permutex2var_epi16 (rg, e0, bl));
      _mm256_mask_storeu_epi16 (d + at * 3 + 32, (__mmask16)(all >> 32),
          _mm512_castsi512_si256 (_mm512_permutex2var_epi16 (rg, e1, bl)));
    } else {
      UNROLL_CHANNELS
      for (c = 0; c < channels; c++)
        _mm256_mask_storeu_epi16 (d + c * plane + at, m, h[c]);
    }
  } else {
    guint8 *d = dst;
    __m128i b[3];

    /* clamped to 0..255, then truncation is floor */
    UNROLL_CHANNELS
    for (c = 0; c < channels; c++)
      b[c] = _mm512_cvtepi32_epi8 (_mm512_cvttps_epi32 (
          _mm512_add_ps (clamp255 (q[c]), _mm512_set1_ps (0.5f))));
    if (nhwc) {
      __m512i all = _mm512_inserti32x4 (
          _mm512_inserti32x4 (_mm512_castsi128_si512 (b[0]), b[1], 1), b[2], 2);
      __m512i e = _mm512_maskz_loadu_epi8 (low_bits (48), interleave_from);
      _mm512_mask_storeu_epi8 (
          d + at * 3, low_bits (3 * n), _mm512_permutexvar_epi8 (e, all));
    } else {
      UNROLL_CHANNELS
      for (c = 0; c < channels; c++)
        _mm_mask_storeu_epi8 (d + c * plane + at, m, b[c]);
    }
  }
}

/* Vertical blend of the channel rows @top and @bot with weight @wy,
 * normalised and stored into row @dy, columns @dx0 .. @dx0 + @n of the
 * scaled rectangle. Always inlined with constant @channels, @layout and
 * @type. */
AVX512_INLINE void
store_row (const GstGpuConvertAvx512 *plan, gpointer dst, gint dy, gint dx0,
    gint n, gfloat (*top)[CHUNK], gfloat (*bot)[CHUNK], gfloat wy,
    const gint channels, const gint layout, const gint type)
{
  const GstGpuSlotParams *p = &plan->params;
  const gsize plane = (gsize)p->width * p->height;
  const gsize at = ((gsize)dy + p->y) * p->width + p->x + dx0;
  const __m512 w = _mm512_set1_ps (wy);
  gint i, c;

  for (i = 0; i < n; i += GST_GPU_AVX512_LANES) {
    __m512 q[3];

    UNROLL_CHANNELS

    for (c = 0; c < channels; c++) {
      const gint k = plan->channel[c];
      __m512 t = _mm512_loadu_ps (top[k] + i), b = _mm512_loadu_ps (bot[k] + i);

      q[c] = _mm512_add_ps (
          _mm512_mul_ps (lerp (t, b, w), _mm512_set1_ps (p->scale[c])),
          _mm512_set1_ps (p->offset[c]));
    }
    store_pixels (dst, at + i, plane, q, MIN (n - i, GST_GPU_AVX512_LANES),
        channels, layout, type);
  }
}

/* Output rows @dy0 .. @dy1 of the strip of columns @dx0 .. @dx0 + @n.
 * Always inlined with constant @format, @channels, @layout and @type. */
AVX512_INLINE void
convert_strip (const GstGpuConvertAvx512 *plan, const GstGpuPixSource *s,
    gpointer dst, gint dy0, gint dy1, gint dx0, gint n, const gint format,
    const gint channels, const gint layout, const gint type)
{
  gfloat rows[2][3][CHUNK] __attribute__ ((aligned (64)));
  gint held[2] = { -1, -1 }; /* source row in rows[0], rows[1] */
  gint dy, t, b, k;
  guint fill;

  for (dy = dy0; dy < dy1; dy++) {
    gint32 y0 = plan->y0[dy], y1 = plan->y1[dy];

    /* weight 0: the blend is exactly the top row, whatever the bottom
     * row holds */
    if (plan->wy[dy] == 0.0f)
      y1 = y0;
    fill = gst_gpu_convert_rows_pick (held, y0, y1, &t, &b);
    for (k = 0; k < 2; k++)
      if (fill & (1u << k))
        blend_row (plan, s, held[k], dx0, n, rows[k], format, channels == 1);
    store_row (plan, dst, dy, dx0, n, rows[t], rows[b], plan->wy[dy], channels,
        layout, type);
  }
}

/* convert_strip () over every strip, for one source format. */
#define CONVERT_FORMAT(fmt, name)                                              \
  static AVX512_FUNC void convert_##name (const GstGpuConvertAvx512 *plan,     \
      const GstGpuPixSource *s, gpointer dst, gint dy0, gint dy1)              \
  {                                                                            \
    const GstGpuSlotParams *p = &plan->params;                                 \
    gint dx0, n;                                                               \
                                                                               \
    for (dx0 = 0; dx0 < p->scaled_width; dx0 += n) {                           \
      n = MIN (CHUNK, p->scaled_width - dx0);                                  \
      if (p->channels == 1)                                                    \
        CONVERT_TYPES (fmt, 1, GST_GPU_LAYOUT_NCHW);                           \
      else if (p->layout == GST_GPU_LAYOUT_NCHW)                               \
        CONVERT_TYPES (fmt, 3, GST_GPU_LAYOUT_NCHW);                           \
      else                                                                     \
        CONVERT_TYPES (fmt, 3, GST_GPU_LAYOUT_NHWC);                           \
    }                                                                          \
  }
#define CONVERT_TYPES(fmt, channels, layout)                                   \
  do {                                                                         \
    if (p->type == GST_GPU_OUT_FLOAT32)                                        \
      convert_strip (plan, s, dst, dy0, dy1, dx0, n, fmt, channels, layout,    \
          GST_GPU_OUT_FLOAT32);                                                \
    else if (p->type == GST_GPU_OUT_FLOAT16)                                   \
      convert_strip (plan, s, dst, dy0, dy1, dx0, n, fmt, channels, layout,    \
          GST_GPU_OUT_FLOAT16);                                                \
    else                                                                       \
      convert_strip (plan, s, dst, dy0, dy1, dx0, n, fmt, channels, layout,    \
          GST_GPU_OUT_UINT8);                                                  \
  } while (0)

CONVERT_FORMAT (GST_GPU_PIX_RGB, rgb)
CONVERT_FORMAT (GST_GPU_PIX_BGR, bgr)
CONVERT_FORMAT (GST_GPU_PIX_RGBA, rgba)
CONVERT_FORMAT (GST_GPU_PIX_BGRA, bgra)
CONVERT_FORMAT (GST_GPU_PIX_NV12, nv12)
CONVERT_FORMAT (GST_GPU_PIX_I420, i420)

#undef CONVERT_TYPES
#undef CONVERT_FORMAT
#endif

void
gst_gpu_convert_avx512_rows (const GstGpuConvertAvx512 *plan,
    const GstGpuPixSource *s, gpointer dst, gint dy0, gint dy1)
{
#ifdef HAVE_AVX512_ROWS
  switch (s->format) {
    case GST_GPU_PIX_RGB:
      convert_rgb (plan, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_BGR:
      convert_bgr (plan, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_RGBA:
      convert_rgba (plan, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_BGRA:
      convert_bgra (plan, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_NV12:
      convert_nv12 (plan, s, dst, dy0, dy1);
      break;
    default:
      convert_i420 (plan, s, dst, dy0, dy1);
      break;
  }
#endif
}
