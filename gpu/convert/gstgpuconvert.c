/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Item -> slot conversion. gst_gpu_video_convert_new () plans once per caps
 * (source description, per-column and per-row bilinear tables, ORC rows)
 * and picks one entry of an ops table, first match wins, plain C last:
 *
 *   cuda  the device is CUDA: one fused kernel per item (convert.cu)
 *   orc   no scaling and no padding, packed 8-bit RGB family or GRAY8 in,
 *         float32 out, and a channel arrangement one of the ORC programs
 *         covers
 *   c     everything else: scaling separably (source rows blended
 *         horizontally once, then vertically per output row) with one
 *         pixel per SIMD vector, or, for scaled widths on CPUs with
 *         AVX-512, one channel of sixteen columns per vector
 *         (gstgpuconvertavx512.c); split over threads in bands of output
 *         rows (gst_gpu_video_convert_set_threads ())
 *
 * Letterboxing (GstGpuVideoSlotFormat.scale_mode) scales the frame into a
 * rectangle of the slot: the C variant converts the rectangle as if it
 * were a slot of its own, written at its offset, and fills the padding
 * around it with rows of the normalised padding value prepared by the
 * plan; the kernel pads per pixel (gst_gpu_convert_slot_pixel ()).
 *
 * All variants run the per-pixel math of gstgpuconvertmath.h; the plain C
 * variant, whose slots are bit-identical to the CUDA kernel's body, is the
 * reference the tests check every other one against.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "gpu/convert/gstgpuconvert.h"
#include "gpu/convert/gstgpuconvertavx512.h"
#include "gpu/convert/gstgpuconvertmath.h"
#include "gpu/convert/gstgpuconvertrows.h"
#include "gstgpuconvertorc.h"

#ifdef HAVE_CUDA
#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/gstcudacontext.h>
#include <gst/cuda/gstcudamemory.h>
#include <gst/cuda/cuda-gst.h>
#include "gpu/device/gstgpucudaloader.h"
#include "gpu/kernels/gstgpukernels.h"
#endif

GST_DEBUG_CATEGORY_STATIC (gst_gpu_convert_debug);
#define GST_CAT_DEFAULT gst_gpu_convert_debug

/* Which ORC program the orc variant runs. */
typedef enum {
  ORC_KIND_NONE,
  ORC_KIND_GRAY_PLANES, /* GRAY8 -> one or three planes */
  ORC_KIND_ROWS,        /* RGB->RGB, BGR->BGR interleaved */
  ORC_KIND_X4_PLANAR,   /* 4-byte pixels -> three planes */
} OrcKind;

typedef gboolean (*GstGpuConvertFunc) (
    GstGpuVideoConvert *convert, const GstVideoFrame *frame, gpointer dst);

typedef struct
{
  GstGpuConvertFunc func;
  const gchar *name;
  gboolean (*supports) (const GstGpuVideoConvert *convert);
} GstGpuConvertOps;

struct _GstGpuVideoConvert
{
  GstVideoInfo in_info;
  GstGpuVideoSlotFormat out;
  GstGpuSlotParams params;
  GstGpuPixSource source; /* format and YUV matrix; planes per frame */
  GstGpuDevice *device;
  const GstGpuConvertOps *ops;
  gboolean scaled;   /* input and scaled rectangle sizes differ */
  gboolean scaled_x; /* input and scaled rectangle widths differ */
  gboolean padded;   /* the scaled rectangle is not the whole slot */
  guint8 *pad_row;   /* one slot row of padding per plane */
  guint n_threads;   /* 0: every core */

  /* bilinear tables, one entry per column / row of the scaled rectangle */
  gint32 *x0, *x1, *y0, *y1;
  gfloat *wx, *wy;

  /* C variant: output columns whose pixels lie before the last pixel of a
   * row; per lane of a pixel vector, the slot channel it holds (NCHW
   * plane) and its scale and offset */
  gint wide_columns;
  gboolean avx2;   /* the CPU runs AVX2 */
  gboolean f16c;   /* and F16C: float16 slots stored by vcvtps2ph */
  gboolean avx512; /* scaled rows by gstgpuconvertavx512.c, with @avx512_plan */
  GstGpuConvertAvx512 avx512_plan;
  guint lane_channel[3];
  gfloat lane_scale __attribute__ ((vector_size (16)));
  gfloat lane_offset __attribute__ ((vector_size (16)));

  /* ORC */
  OrcKind orc_kind;
  gint orc_plane[3];              /* output plane of input byte 0, 1, 2 */
  gfloat *row_scale, *row_offset; /* ORC_KIND_ROWS, 3 x width */

#ifdef HAVE_CUDA
  CUfunction kernel;
  /* host frames: pinned staging and device copy of one input frame; the
   * event marks the end of the last copy out of the staging */
  guint8 *staging;
  CUdeviceptr upload;
  CUevent upload_done;
  gboolean upload_pending;
#endif
};

static void
gst_gpu_convert_init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_gpu_convert_debug, "gpuconvert", 0,
        "gst-gpustream item to slot conversion");
    g_once_init_leave (&done, 1);
  }
}

GType
gst_gpu_layout_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { GST_GPU_LAYOUT_NCHW, "Channels, rows, columns (planar)", "nchw" },
    { GST_GPU_LAYOUT_NHWC, "Rows, columns, channels (interleaved)", "nhwc" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuLayout", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_gpu_color_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = { { GST_GPU_COLOR_RGB, "Red, green, blue",
                                           "rgb" },
    { GST_GPU_COLOR_BGR, "Blue, green, red", "bgr" },
    { GST_GPU_COLOR_GRAY, "Luma (one channel)", "gray" }, { 0, NULL, NULL } };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuColor", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_gpu_scale_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[]
      = { { GST_GPU_SCALE_STRETCH,
              "Fill the slot (the aspect ratio is not kept)", "stretch" },
          { GST_GPU_SCALE_LETTERBOX,
              "Keep the aspect ratio, centred, pad the rest", "letterbox" },
          { 0, NULL, NULL } };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuScaleMode", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

guint
gst_gpu_video_slot_format_channels (const GstGpuVideoSlotFormat *fmt)
{
  return fmt->color == GST_GPU_COLOR_GRAY ? 1 : 3;
}

static gsize
out_type_size (GstGpuDType dtype)
{
  switch (dtype) {
    case GST_GPU_DTYPE_FLOAT32:
      return 4;
    case GST_GPU_DTYPE_FLOAT16:
      return 2;
    case GST_GPU_DTYPE_UINT8:
      return 1;
    default:
      return 0;
  }
}

gsize
gst_gpu_video_slot_format_size (const GstGpuVideoSlotFormat *fmt)
{
  return (gsize)fmt->width * fmt->height
         * gst_gpu_video_slot_format_channels (fmt)
         * out_type_size (fmt->dtype);
}

void
gst_gpu_video_slot_format_fit (const GstGpuVideoSlotFormat *fmt,
    const GstVideoInfo *in_info, GstGpuSlotRect *rect)
{
  guint64 dar_w, dar_h;
  gint par_n = GST_VIDEO_INFO_PAR_N (in_info);
  gint par_d = GST_VIDEO_INFO_PAR_D (in_info);

  g_return_if_fail (fmt != NULL && in_info != NULL && rect != NULL);

  rect->x = rect->y = 0;
  rect->width = fmt->width;
  rect->height = fmt->height;
  if (fmt->scale_mode != GST_GPU_SCALE_LETTERBOX
      || GST_VIDEO_INFO_WIDTH (in_info) <= 0
      || GST_VIDEO_INFO_HEIGHT (in_info) <= 0)
    return;
  if (par_n <= 0 || par_d <= 0)
    par_n = par_d = 1;
  /* display aspect dar_w : dar_h, compared with the slot's exactly */
  dar_w = (guint64)GST_VIDEO_INFO_WIDTH (in_info) * par_n;
  dar_h = (guint64)GST_VIDEO_INFO_HEIGHT (in_info) * par_d;
  if (dar_w * fmt->height >= dar_h * fmt->width) {
    /* wider than the slot (or as wide): full width, rounded height */
    rect->height = (guint)CLAMP (
        (2 * dar_h * fmt->width + dar_w) / (2 * dar_w), 1, fmt->height);
  } else {
    rect->width = (guint)CLAMP (
        (2 * dar_w * fmt->height + dar_h) / (2 * dar_h), 1, fmt->width);
  }
  rect->x = (fmt->width - rect->width) / 2;
  rect->y = (fmt->height - rect->height) / 2;
}

static gint
pix_format_from_video (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      return GST_GPU_PIX_RGB;
    case GST_VIDEO_FORMAT_BGR:
      return GST_GPU_PIX_BGR;
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
      return GST_GPU_PIX_RGBA;
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx:
      return GST_GPU_PIX_BGRA;
    case GST_VIDEO_FORMAT_GRAY8:
      return GST_GPU_PIX_GRAY8;
    case GST_VIDEO_FORMAT_NV12:
      return GST_GPU_PIX_NV12;
    case GST_VIDEO_FORMAT_I420:
      return GST_GPU_PIX_I420;
    default:
      return -1;
  }
}

static gint
out_type_from_dtype (GstGpuDType dtype)
{
  switch (dtype) {
    case GST_GPU_DTYPE_FLOAT32:
      return GST_GPU_OUT_FLOAT32;
    case GST_GPU_DTYPE_FLOAT16:
      return GST_GPU_OUT_FLOAT16;
    case GST_GPU_DTYPE_UINT8:
      return GST_GPU_OUT_UINT8;
    default:
      return -1;
  }
}

/* The YUV matrix and range of @info; an unknown matrix follows GStreamer's
 * default colorimetry: BT.709 above 576 lines, BT.601 otherwise. */
static void
yuv_coeffs_from_info (GstGpuYuvCoeffs *coeffs, const GstVideoInfo *info)
{
  gdouble kr, kb;

  if (!gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix, &kr, &kb)) {
    if (GST_VIDEO_INFO_HEIGHT (info) > 576)
      gst_video_color_matrix_get_Kr_Kb (GST_VIDEO_COLOR_MATRIX_BT709, &kr, &kb);
    else
      gst_video_color_matrix_get_Kr_Kb (GST_VIDEO_COLOR_MATRIX_BT601, &kr, &kb);
  }
  gst_gpu_yuv_coeffs_init (
      coeffs, kr, kb, info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255);
}

/* Fills the plane pointers of @s from @frame; FALSE when the frame does
 * not have the planned format and size. */
static gboolean
source_from_frame (const GstGpuVideoConvert *convert,
    const GstVideoFrame *frame, GstGpuPixSource *s)
{
  guint i;

  if (pix_format_from_video (GST_VIDEO_FRAME_FORMAT (frame))
          != convert->source.format
      || GST_VIDEO_FRAME_WIDTH (frame) != convert->source.width
      || GST_VIDEO_FRAME_HEIGHT (frame) != convert->source.height) {
    GST_WARNING ("frame %s %dx%d does not match the planned %dx%d",
        gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)),
        GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame),
        convert->source.width, convert->source.height);
    return FALSE;
  }
  *s = convert->source;
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (frame) && i < 3; i++) {
    s->plane[i] = GST_VIDEO_FRAME_PLANE_DATA (frame, i);
    s->stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, i);
  }
  return TRUE;
}

/* --- plain C ------------------------------------------------------------ */

/* The C variant is written with GCC vector extensions (SSE2 on x86-64,
 * NEON on arm64, scalar elsewhere): one pixel is one vector of four floats
 * whose lanes hold the pixel's channels in input byte order (R G B for
 * YUV inputs; lane 0 holds the luma for GRAY output). Per output row:
 *
 * 1. Scaling is separable: gst_gpu_bilinear_blend () blends along the rows
 *    first (top, bottom) and between them last, so the horizontal blend of
 *    one source row over a strip of output columns is computed once, into
 *    a row of pixel vectors, and serves every output row that reads that
 *    source row. Two such rows are kept.
 * 2. The output row is their vertical blend, scaled and offset per lane.
 * 3. Four output pixels at a time are rearranged into three vectors of
 *    consecutive slot values (NHWC) or of one plane each (NCHW), converted
 *    to the slot's dtype and stored.
 *
 * Where the CPU has AVX2, YUV runs and packed-pixel blends take eight
 * lanes at a time (functions built for AVX2, chosen per plan), and the
 * per-row functions have AVX2 clones (target_clones).
 *
 * Every lane performs the float operations of gst_gpu_convert_pixel (),
 * the CUDA kernel's body, in the same order (the library is compiled with
 * -ffp-contract=off and no variant uses FMA): the slots are bit-identical
 * to the kernel's, which the tests check for every format, colour, layout
 * and dtype.
 *
 * The row buffers live on the stack (16 KiB, plus 32 KiB for a run of
 * converted YUV pixels), so a plan stays usable from several threads at
 * once. */
#define CHUNK GST_GPU_CONVERT_CHUNK

typedef gfloat v4f __attribute__ ((vector_size (16)));
typedef gfloat v8f __attribute__ ((vector_size (32)));
typedef gint32 v8i __attribute__ ((vector_size (32)));
typedef gint32 v4i __attribute__ ((vector_size (16)));
typedef guint32 v4u __attribute__ ((vector_size (16)));
typedef guint8 v4u8 __attribute__ ((vector_size (4)));
typedef guint16 v4u16 __attribute__ ((vector_size (8)));

#define ALWAYS_INLINE inline __attribute__ ((always_inline))

/* The per-row functions are also built for AVX2 (VEX encoding, SSE4.1
 * widening), chosen at load time; still 128-bit vectors and no FMA, so
 * the results are the same. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)            \
    && !defined(__SANITIZE_ADDRESS__)
#define CPU_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define CPU_CLONES
#endif

/* The four bytes at @p as floats. Widening and narrowing between bytes and
 * 32-bit lanes are spelled out for SSE2, which GCC does not find on its
 * own (it converts lane by lane). */
static ALWAYS_INLINE v4f
u32_to_v4f (guint32 u)
{
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128 ();

  return (v4f)_mm_cvtepi32_ps (_mm_unpacklo_epi16 (
      _mm_unpacklo_epi8 (_mm_cvtsi32_si128 ((gint32)u), zero), zero));
#else
  v4u8 b;

  memcpy (&b, &u, 4);
  return __builtin_convertvector(b, v4f);
#endif
}

static ALWAYS_INLINE v4f
bytes_to_v4f (const guint8 *p)
{
  guint32 u;

  memcpy (&u, p, 4);
  return u32_to_v4f (u);
}

/* Lanes holding 0..255 to four bytes at @d. */
static ALWAYS_INLINE void
store_v4i_u8 (guint8 *d, v4i v)
{
#ifdef __SSE2__
  __m128i w = _mm_packs_epi32 ((__m128i)v, (__m128i)v);
  gint32 u = _mm_cvtsi128_si32 (_mm_packus_epi16 (w, w));

  memcpy (d, &u, 4);
#else
  v4u8 b = __builtin_convertvector(v, v4u8);

  memcpy (d, &b, 4);
#endif
}

/* Lanes holding 0..65535 to four 16-bit values at @d. */
static ALWAYS_INLINE void
store_v4u_u16 (guint8 *d, v4u v)
{
#ifdef __SSE2__
  /* sign-extend the low halves so that the signed pack keeps them */
  __m128i w = _mm_srai_epi32 (_mm_slli_epi32 ((__m128i)v, 16), 16);

  _mm_storel_epi64 ((__m128i *)d, _mm_packs_epi32 (w, w));
#else
  v4u16 h = __builtin_convertvector(v, v4u16);

  memcpy (d, &h, sizeof (h));
#endif
}

/* Lane of the pixel vector holding red for @format. */
static gint
red_lane (gint format)
{
  return format == GST_GPU_PIX_BGR || format == GST_GPU_PIX_BGRA ? 2 : 0;
}

/* v < 0 ? 0 : (v > 255 ? 255 : v) per lane, -0 and NaN giving +0: the
 * clamp of gst_gpu_float_to_u8 (), and gst_gpu_clamp255 () for every value
 * YUV conversion can produce (never NaN, which gst_gpu_clamp255 () takes
 * to 255 when positive). */
static ALWAYS_INLINE v4f
clamp255_v (v4f v)
{
  const v4f hi = { 255.0f, 255.0f, 255.0f, 255.0f };
#ifdef __SSE2__
  /* maxps gives its second operand when the first is NaN or a zero */
  return (v4f)_mm_min_ps (_mm_max_ps ((__m128)v, _mm_setzero_ps ()), hi);
#else
  v4i pos = v > (v4f){ 0 }, low = v < hi;

  v = (v4f)((v4i)v & pos);
  return (v4f)(((v4i)v & low) | ((v4i)hi & ~low));
#endif
}

/* Pixel @x of the source row starting at @row (and its chroma rows @c0,
 * @c1) as a vector; @wide_ok: the 3-byte formats may load four bytes.
 * Always inlined with constant @format, @color and @wide_ok. */
static ALWAYS_INLINE v4f
fetch_pixel (const GstGpuPixSource *s, const guint8 *row, const guint8 *c0,
    const guint8 *c1, gint x, const gint format, const gint color,
    const gboolean wide_ok)
{
  v4f f;

  switch (format) {
    case GST_GPU_PIX_RGB:
    case GST_GPU_PIX_BGR:
      if (wide_ok) {
        f = bytes_to_v4f (row + 3 * x);
      } else {
        f = (v4f){ row[3 * x], row[3 * x + 1], row[3 * x + 2], 0.0f };
      }
      break;
    case GST_GPU_PIX_RGBA:
    case GST_GPU_PIX_BGRA:
      f = bytes_to_v4f (row + 4 * x);
      break;
    case GST_GPU_PIX_GRAY8: {
      gfloat g = row[x];

      return (v4f){ g, g, g, g };
    }
    default: {
      /* NV12: @c0 interleaved UV; I420: @c0 U, @c1 V */
      const GstGpuYuvCoeffs *k = &s->yuv;
      gint U = format == GST_GPU_PIX_NV12 ? c0[(x >> 1) * 2] : c0[x >> 1];
      gint V = format == GST_GPU_PIX_NV12 ? c0[(x >> 1) * 2 + 1] : c1[x >> 1];
      gfloat y = ((gfloat)row[x] - k->y_off) * k->y_scale;
      gfloat u = ((gfloat)U - 128.0f) * k->c_scale;
      gfloat v = ((gfloat)V - 128.0f) * k->c_scale;
      /* adding the zero products leaves y + rv v and y + bu u exact */
      v4f cu = { 0.0f, k->gu, k->bu, 0.0f }, cv = { k->rv, k->gv, 0.0f, 0.0f };

      f = clamp255_v (((v4f){ y, y, y, y } + cu * u) + cv * v);
      break;
    }
  }
  if (color == GST_GPU_COLOR_GRAY) {
    const gint r = red_lane (format);

    f[0] = 0.299f * f[r] + 0.587f * f[1] + 0.114f * f[2 - r];
  }
  return f;
}

/* Source pixels converted a whole run at a time, rather than two per
 * output column, for YUV inputs when the run is at most this long and at
 * most four times the strip's width (a stronger downscale skips most of
 * it). */
#define YUV_ROW_MAX 2048

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_ROWS 1
#include <immintrin.h>

/* convert_yuv_row () eight pixels at a time with AVX2 (same operations per
 * lane, no FMA). Returns how many of the @n pixels it converted. */
__attribute__ ((target ("avx2"))) static gint
yuv_row_avx2 (const GstGpuYuvCoeffs *k, const guint8 *row, const guint8 *c0,
    const guint8 *c1, gint xa, gint n, v4f *out, gboolean nv12, gboolean gray)
{
  const __m256 zero = _mm256_setzero_ps (), hi = _mm256_set1_ps (255.0f);
  const __m256 y_off = _mm256_set1_ps (k->y_off);
  const __m256 y_scale = _mm256_set1_ps (k->y_scale);
  const __m256 c_scale = _mm256_set1_ps (k->c_scale);
  const __m256 c128 = _mm256_set1_ps (128.0f);
  const __m256i pairs = _mm256_setr_epi32 (0, 0, 1, 1, 2, 2, 3, 3);
  gint i;

  for (i = 0; i + 8 <= n; i += 8) {
    gint x = xa + i;
    __m256 Y, U, V, y, u, v, r, g, b, t0, t1, t2, t3, p0, p1, p2, p3;

    Y = _mm256_cvtepi32_ps (
        _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *)(row + x))));
    if (nv12) {
      __m256 uv = _mm256_cvtepi32_ps (
          _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *)(c0 + x))));

      U = _mm256_permute_ps (uv, 0xa0); /* 0 0 2 2 per half */
      V = _mm256_permute_ps (uv, 0xf5); /* 1 1 3 3 per half */
    } else {
      gint32 cu, cv;

      memcpy (&cu, c0 + (x >> 1), 4);
      memcpy (&cv, c1 + (x >> 1), 4);
      U = _mm256_permutevar8x32_ps (
          _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_cvtsi32_si128 (cu))),
          pairs);
      V = _mm256_permutevar8x32_ps (
          _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_cvtsi32_si128 (cv))),
          pairs);
    }
    y = _mm256_mul_ps (_mm256_sub_ps (Y, y_off), y_scale);
    u = _mm256_mul_ps (_mm256_sub_ps (U, c128), c_scale);
    v = _mm256_mul_ps (_mm256_sub_ps (V, c128), c_scale);
    r = _mm256_add_ps (y, _mm256_mul_ps (_mm256_set1_ps (k->rv), v));
    g = _mm256_add_ps (
        _mm256_add_ps (y, _mm256_mul_ps (_mm256_set1_ps (k->gu), u)),
        _mm256_mul_ps (_mm256_set1_ps (k->gv), v));
    b = _mm256_add_ps (y, _mm256_mul_ps (_mm256_set1_ps (k->bu), u));
    r = _mm256_min_ps (_mm256_max_ps (r, zero), hi);
    g = _mm256_min_ps (_mm256_max_ps (g, zero), hi);
    b = _mm256_min_ps (_mm256_max_ps (b, zero), hi);
    if (gray) {
      r = _mm256_add_ps (
          _mm256_add_ps (_mm256_mul_ps (_mm256_set1_ps (0.299f), r),
              _mm256_mul_ps (_mm256_set1_ps (0.587f), g)),
          _mm256_mul_ps (_mm256_set1_ps (0.114f), b));
      g = b = r;
    }
    /* per 128-bit half: pixels j and j + 4 */
    t0 = _mm256_unpacklo_ps (r, g);
    t1 = _mm256_unpacklo_ps (b, zero);
    t2 = _mm256_unpackhi_ps (r, g);
    t3 = _mm256_unpackhi_ps (b, zero);
    p0 = _mm256_shuffle_ps (t0, t1, 0x44);
    p1 = _mm256_shuffle_ps (t0, t1, 0xee);
    p2 = _mm256_shuffle_ps (t2, t3, 0x44);
    p3 = _mm256_shuffle_ps (t2, t3, 0xee);
    _mm256_storeu2_m128 ((gfloat *)(out + i + 4), (gfloat *)(out + i), p0);
    _mm256_storeu2_m128 ((gfloat *)(out + i + 5), (gfloat *)(out + i + 1), p1);
    _mm256_storeu2_m128 ((gfloat *)(out + i + 6), (gfloat *)(out + i + 2), p2);
    _mm256_storeu2_m128 ((gfloat *)(out + i + 7), (gfloat *)(out + i + 3), p3);
  }
  return i;
}
#endif

/* Four YUV pixels, one per lane of @Y, @U, @V (0..255), to pixel vectors
 * in @out: the operations of gst_gpu_yuv_to_rgb () and the luma of
 * gst_gpu_pix_fetch () per lane, then a transpose. Always inlined with
 * constant @color. */
static ALWAYS_INLINE void
yuv_to_pixels (
    const GstGpuYuvCoeffs *k, v4f Y, v4f U, v4f V, v4f *out, const gint color)
{
  const v4f zero = { 0 };
  v4f y = (Y - k->y_off) * k->y_scale;
  v4f u = (U - 128.0f) * k->c_scale;
  v4f v = (V - 128.0f) * k->c_scale;
  v4f r = clamp255_v (y + k->rv * v);
  v4f g = clamp255_v (y + k->gu * u + k->gv * v);
  v4f b = clamp255_v (y + k->bu * u);
  v4f t0, t1, t2, t3;

  if (color == GST_GPU_COLOR_GRAY)
    r = g = b = 0.299f * r + 0.587f * g + 0.114f * b;
  /* transpose: lanes R G B 0 per pixel */
  t0 = __builtin_shuffle (r, g, (v4i){ 0, 4, 1, 5 });
  t1 = __builtin_shuffle (b, zero, (v4i){ 0, 4, 1, 5 });
  t2 = __builtin_shuffle (r, g, (v4i){ 2, 6, 3, 7 });
  t3 = __builtin_shuffle (b, zero, (v4i){ 2, 6, 3, 7 });
  out[0] = __builtin_shuffle (t0, t1, (v4i){ 0, 1, 4, 5 });
  out[1] = __builtin_shuffle (t0, t1, (v4i){ 2, 3, 6, 7 });
  out[2] = __builtin_shuffle (t2, t3, (v4i){ 0, 1, 4, 5 });
  out[3] = __builtin_shuffle (t2, t3, (v4i){ 2, 3, 6, 7 });
}

/* YUV pixels @xa .. @xd of one row, gathered into lanes and converted
 * together. Always inlined with constant @format and @color. */
static ALWAYS_INLINE void
fetch_yuv4 (const GstGpuPixSource *s, const guint8 *row, const guint8 *c0,
    const guint8 *c1, gint xa, gint xb, gint xc, gint xd, v4f *out,
    const gint format, const gint color)
{
  v4i Y = { row[xa], row[xb], row[xc], row[xd] }, U, V;

  if (format == GST_GPU_PIX_NV12) {
    const guint8 *a = c0 + (xa >> 1) * 2, *b = c0 + (xb >> 1) * 2;
    const guint8 *c = c0 + (xc >> 1) * 2, *d = c0 + (xd >> 1) * 2;

    U = (v4i){ a[0], b[0], c[0], d[0] };
    V = (v4i){ a[1], b[1], c[1], d[1] };
  } else {
    U = (v4i){ c0[xa >> 1], c0[xb >> 1], c0[xc >> 1], c0[xd >> 1] };
    V = (v4i){ c1[xa >> 1], c1[xb >> 1], c1[xc >> 1], c1[xd >> 1] };
  }
  yuv_to_pixels (&s->yuv, __builtin_convertvector(Y, v4f),
      __builtin_convertvector(U, v4f), __builtin_convertvector(V, v4f), out,
      color);
}

/* Pixels @xa (even) .. @xa + @n of a YUV row into @out, four at a time
 * with one pixel per lane (the operations of gst_gpu_yuv_to_rgb () and
 * the luma of gst_gpu_pix_fetch () per lane), then turned into pixel
 * vectors. Always inlined with constant @format and @color. */
static ALWAYS_INLINE void
convert_yuv_row (const GstGpuVideoConvert *convert, const GstGpuPixSource *s,
    const guint8 *row, const guint8 *c0, const guint8 *c1, gint xa, gint n,
    v4f *out, const gint format, const gint color)
{
  const GstGpuYuvCoeffs *k = &s->yuv;
  gint i = 0;

#ifdef HAVE_AVX2_ROWS
  if (convert->avx2)
    i = yuv_row_avx2 (k, row, c0, c1, xa, n, out, format == GST_GPU_PIX_NV12,
        color == GST_GPU_COLOR_GRAY);
#endif
  for (; i + 4 <= n; i += 4) {
    gint x = xa + i;
    v4f Y = bytes_to_v4f (row + x), U, V;

    if (format == GST_GPU_PIX_NV12) {
      v4f uv = bytes_to_v4f (c0 + x);

      U = __builtin_shuffle (uv, (v4i){ 0, 0, 2, 2 });
      V = __builtin_shuffle (uv, (v4i){ 1, 1, 3, 3 });
    } else {
      guint16 cu, cv;

      memcpy (&cu, c0 + (x >> 1), 2);
      memcpy (&cv, c1 + (x >> 1), 2);
      U = __builtin_shuffle (u32_to_v4f (cu), (v4i){ 0, 0, 1, 1 });
      V = __builtin_shuffle (u32_to_v4f (cv), (v4i){ 0, 0, 1, 1 });
    }
    yuv_to_pixels (k, Y, U, V, out + i, color);
  }
  for (; i < n; i++)
    out[i] = fetch_pixel (s, row, c0, c1, xa + i, format, color, FALSE);
}

#ifdef HAVE_AVX2_ROWS
/* The horizontal blend of blend_source_row () for packed pixels of @bpp
 * (3 or 4) bytes whose four-byte loads stay in the row, two output columns
 * per AVX2 vector (same operations per lane, no FMA). Returns how many of
 * the @n columns it blended. */
__attribute__ ((target ("avx2"))) static gint
blend_packed_avx2 (const guint8 *row, const gint32 *x0, const gint32 *x1,
    const gfloat *wx, gint n, v4f *out, gint bpp)
{
  /* lanes 0-3 of the vector: column i's weight, lanes 4-7: column i + 1's */
  const __m256i wlanes = _mm256_setr_epi32 (0, 0, 0, 0, 1, 1, 1, 1);
  gint i;

  for (i = 0; i + 2 <= n; i += 2) {
    __m256 a, b, w;

    w = _mm256_permutevar8x32_ps (
        _mm256_castps128_ps256 (
            _mm_castsi128_ps (_mm_loadl_epi64 ((const __m128i *)(wx + i)))),
        wlanes);
    if (bpp == 4 && x1[i] == x0[i] + 1 && x1[i + 1] == x0[i + 1] + 1) {
      /* both columns blend neighbours: one 8-byte load each (pixel x1 is in
       * the row), a0 a1 b0 b1 after one dword shuffle */
      __m128i p = _mm_unpacklo_epi64 (
          _mm_loadl_epi64 ((const __m128i *)(row + 4 * x0[i])),
          _mm_loadl_epi64 ((const __m128i *)(row + 4 * x0[i + 1])));

      p = _mm_shuffle_epi32 (p, _MM_SHUFFLE (3, 1, 2, 0));
      a = _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (p));
      b = _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_srli_si128 (p, 8)));
    } else {
      gint32 a0, b0, a1, b1;

      memcpy (&a0, row + bpp * x0[i], 4);
      memcpy (&b0, row + bpp * x1[i], 4);
      memcpy (&a1, row + bpp * x0[i + 1], 4);
      memcpy (&b1, row + bpp * x1[i + 1], 4);
      a = _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (
          _mm_unpacklo_epi32 (_mm_cvtsi32_si128 (a0), _mm_cvtsi32_si128 (a1))));
      b = _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (
          _mm_unpacklo_epi32 (_mm_cvtsi32_si128 (b0), _mm_cvtsi32_si128 (b1))));
    }
    _mm256_storeu_ps ((gfloat *)(out + i),
        _mm256_add_ps (a, _mm256_mul_ps (w, _mm256_sub_ps (b, a))));
  }
  return i;
}

/* The unscaled case of blend_source_row () for packed pixels of @bpp (3 or
 * 4) bytes: pixels @x .. @x + @n as fetch_pixel () gives them (the lanes of
 * its four-byte load), four per 16-byte load and shuffle. @n counts the
 * pixels whose four-byte load stays in the row. Returns how many of them
 * it converted. */
__attribute__ ((target ("avx2"))) static gint
unpack_packed_avx2 (const guint8 *row, gint x, gint n, v4f *out, gint bpp)
{
  /* the four-byte loads of four 3-byte pixels */
  const __m128i wide3
      = _mm_setr_epi8 (0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12);
  /* the load reaches byte 0 of pixel i + 5 (3 bytes) or pixel i + 3 */
  const gint reach = bpp == 3 ? 6 : 4;
  gint i;

  for (i = 0; i + reach <= n; i += 4) {
    __m128i p = _mm_loadu_si128 ((const __m128i *)(row + bpp * (x + i)));

    if (bpp == 3)
      p = _mm_shuffle_epi8 (p, wide3);
    _mm256_storeu_ps (
        (gfloat *)(out + i), _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (p)));
    _mm256_storeu_ps ((gfloat *)(out + i + 2),
        _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (_mm_srli_si128 (p, 8))));
  }
  return i;
}
#endif

/* Horizontal blend of source row @sy over output columns @dx0 .. @dx0 + @n
 * into @out. Always inlined with constant @format and @color, so every
 * combination gets its own loop without per-pixel switches. */
static ALWAYS_INLINE void
blend_source_row (const GstGpuVideoConvert *convert, const GstGpuPixSource *s,
    gint sy, gint dx0, gint n, v4f *out, const gint format, const gint color)
{
  const gint32 *x0 = convert->x0 + dx0, *x1 = convert->x1 + dx0;
  const gfloat *wx = convert->wx + dx0;
  const guint8 *row = s->plane[0] + (gsize)sy * s->stride[0];
  const guint8 *c0 = s->plane[1] + (gsize)(sy >> 1) * s->stride[1];
  const guint8 *c1 = s->plane[2] + (gsize)(sy >> 1) * s->stride[2];
  /* columns whose pixels all lie before the last one of the row may load
   * four bytes of a 3-byte pixel */
  gint wide = CLAMP (convert->wide_columns - dx0, 0, n);
  gint i;

  if (format == GST_GPU_PIX_NV12 || format == GST_GPU_PIX_I420) {
    /* pixels x0[0] .. x1[n - 1], from an even one (chroma pairs) */
    gint xa = x0[0] & ~1, span = x1[n - 1] + 1 - xa;

    if (!convert->scaled_x) {
      /* x0[i] = dx0 + i, dx0 a multiple of CHUNK: even */
      convert_yuv_row (convert, s, row, c0, c1, dx0, n, out, format, color);
      return;
    }
    if (span <= YUV_ROW_MAX && span <= 4 * n) {
      v4f pix[YUV_ROW_MAX];

      convert_yuv_row (convert, s, row, c0, c1, xa, span, pix, format, color);
      for (i = 0; i < n; i++) {
        v4f a = pix[x0[i] - xa], b = pix[x1[i] - xa];

        out[i] = a + wx[i] * (b - a);
      }
      return;
    }
    /* a strong downscale: the four pixels of two columns at a time */
    for (i = 0; i + 2 <= n; i += 2) {
      v4f p[4];

      fetch_yuv4 (
          s, row, c0, c1, x0[i], x1[i], x0[i + 1], x1[i + 1], p, format, color);
      out[i] = p[0] + wx[i] * (p[1] - p[0]);
      out[i + 1] = p[2] + wx[i + 1] * (p[3] - p[2]);
    }
    for (; i < n; i++) {
      v4f a = fetch_pixel (s, row, c0, c1, x0[i], format, color, FALSE);
      v4f b = fetch_pixel (s, row, c0, c1, x1[i], format, color, FALSE);

      out[i] = a + wx[i] * (b - a);
    }
    return;
  }
  if (!convert->scaled_x) {
    /* weight 0: the blend is exactly the first pixel */
    i = 0;
#ifdef HAVE_AVX2_ROWS
    if (convert->avx2 && color != GST_GPU_COLOR_GRAY
        && format <= GST_GPU_PIX_BGRA)
      i = unpack_packed_avx2 (row, x0[0], wide, out,
          format == GST_GPU_PIX_RGB || format == GST_GPU_PIX_BGR ? 3 : 4);
#endif
    for (; i < wide; i++)
      out[i] = fetch_pixel (s, row, c0, c1, x0[i], format, color, TRUE);
    for (; i < n; i++)
      out[i] = fetch_pixel (s, row, c0, c1, x0[i], format, color, FALSE);
    return;
  }
  i = 0;
#ifdef HAVE_AVX2_ROWS
  /* packed RGB family only: no luma to compute before the blend */
  if (convert->avx2 && color != GST_GPU_COLOR_GRAY
      && format <= GST_GPU_PIX_BGRA)
    i = blend_packed_avx2 (row, x0, x1, wx, wide, out,
        format == GST_GPU_PIX_RGB || format == GST_GPU_PIX_BGR ? 3 : 4);
#endif
  for (; i < wide; i++) {
    v4f a = fetch_pixel (s, row, c0, c1, x0[i], format, color, TRUE);
    v4f b = fetch_pixel (s, row, c0, c1, x1[i], format, color, TRUE);

    out[i] = a + wx[i] * (b - a);
  }
  for (; i < n; i++) {
    v4f a = fetch_pixel (s, row, c0, c1, x0[i], format, color, FALSE);
    v4f b = fetch_pixel (s, row, c0, c1, x1[i], format, color, FALSE);

    out[i] = a + wx[i] * (b - a);
  }
}

/* Whether any lane of the comparison result @m is set. */
static ALWAYS_INLINE gboolean
any_lane (v4u m)
{
#ifdef __SSE2__
  return _mm_movemask_ps ((__m128)m) != 0;
#else
  m |= __builtin_shuffle (m, (v4u){ 2, 3, 0, 1 });
  m |= __builtin_shuffle (m, (v4u){ 1, 0, 3, 2 });
  return m[0] != 0;
#endif
}

#ifdef HAVE_AVX2_ROWS
/* Four halves by the CPU's own conversion, rounding to nearest even: what
 * gst_gpu_float_to_half () gives for every finite value and infinity (a
 * NaN, which no slot value can be, may keep more of its payload). Inlined
 * only into functions built for F16C. */
__attribute__ ((target ("avx2,f16c"))) static inline void
store4_f16c (gpointer d, v4f v)
{
  _mm_storel_epi64 (
      (__m128i *)d, _mm_cvtps_ph ((__m128)v, _MM_FROUND_TO_NEAREST_INT));
}
#endif

/* Four slot values to @d (an element pointer of the slot's dtype); @f16c:
 * float16 by store4_f16c (). */
static ALWAYS_INLINE void
store4 (gpointer d, v4f v, const gint type, const gboolean f16c)
{
#ifdef HAVE_AVX2_ROWS
  if (type == GST_GPU_OUT_FLOAT16 && f16c) {
    store4_f16c (d, v);
    return;
  }
#endif
  switch (type) {
    case GST_GPU_OUT_FLOAT32:
      memcpy (d, &v, sizeof (v));
      break;
    case GST_GPU_OUT_FLOAT16: {
      v4u x = (v4u)v, sign = (x >> 16) & 0x8000u, absx = x & 0x7fffffffu;
      /* all four normal halves (2^-14 <= |v| < 65520): the normal branch
       * of gst_gpu_float_to_half () lane-wise, else lane by lane */
      v4u bad = (absx - 0x38800000u) >= (0x477ff000u - 0x38800000u);

      if (G_LIKELY (!any_lane (bad))) {
        v4u h = (absx >> 13) - (112u << 10);

        h += ((absx & 0x1fffu) + 0xfffu + (h & 1u)) >> 13;
        store_v4u_u16 (d, sign | h);
      } else {
        store_v4u_u16 (d,
            (v4u){ gst_gpu_float_to_half (v[0]), gst_gpu_float_to_half (v[1]),
                gst_gpu_float_to_half (v[2]), gst_gpu_float_to_half (v[3]) });
      }
      break;
    }
    default:
      /* clamped to 0..255, then truncation is floor */
      store_v4i_u8 (d, __builtin_convertvector(clamp255_v (v) + 0.5f, v4i));
      break;
  }
}

/* Vertical blend of @top and @bot with weight @wy, scaled and offset, for
 * row @dy, columns @dx0 .. @dx0 + @n of the scaled rectangle, stored into
 * the slot. Always inlined with constant @layout, @type, @channels, @swap
 * (channel c of the slot is lane 2 - c rather than c) and @f16c (see
 * store4 ()). */
static ALWAYS_INLINE void
store_row (const GstGpuVideoConvert *convert, gpointer dst, gint dy, gint dx0,
    gint n, const v4f *top, const v4f *bot, gfloat wy, const gint layout,
    const gint type, const gint channels, const gboolean swap,
    const gboolean f16c)
{
  const GstGpuSlotParams *p = &convert->params;
  const gsize esize = type == GST_GPU_OUT_FLOAT32   ? 4
                      : type == GST_GPU_OUT_FLOAT16 ? 2
                                                    : 1;
  const gsize plane = (gsize)p->width * p->height;
  const v4f scale = convert->lane_scale, offset = convert->lane_offset;
  const v8f scale8 = { scale[0], scale[1], scale[2], scale[3], scale[0],
    scale[1], scale[2], scale[3] };
  const v8f offset8 = { offset[0], offset[1], offset[2], offset[3], offset[0],
    offset[1], offset[2], offset[3] };
  guint8 *d[3];
  gint i, k;

  /* @dy and @dx0 count in the scaled rectangle */
  const gsize at = ((gsize)dy + p->y) * p->width + p->x + dx0;

  if (layout == GST_GPU_LAYOUT_NHWC && channels == 3) {
    d[0] = (guint8 *)dst + at * 3 * esize;
  } else {
    /* plane of lane k */
    for (k = 0; k < channels; k++)
      d[k] = (guint8 *)dst + (convert->lane_channel[k] * plane + at) * esize;
  }
  for (i = 0; i + 4 <= n; i += 4) {
    v4f q[4];

    /* two pixels per 8-lane vector: one AVX instruction each in the AVX2
     * build, two SSE ones otherwise */
    for (k = 0; k < 4; k += 2) {
      v8f t, b;

      memcpy (&t, top + i + k, sizeof (t));
      memcpy (&b, bot + i + k, sizeof (b));
      t = (t + wy * (b - t)) * scale8 + offset8;
      /* NHWC in the other channel order: lanes 2 1 0 of each pixel */
      if (layout == GST_GPU_LAYOUT_NHWC && channels == 3 && swap)
        t = __builtin_shuffle (t, (v8i){ 2, 1, 0, 3, 6, 5, 4, 7 });
      memcpy (q + k, &t, sizeof (t));
    }
    if (layout == GST_GPU_LAYOUT_NHWC && channels == 3) {
      /* four pixels into three vectors of consecutive values; each mask
       * takes two lanes of each operand, one SSE2 shufps */
      v4f t, o0, o1, o2;

      t = __builtin_shuffle (q[1], q[0], (v4i){ 0, 0, 6, 6 });
      o0 = __builtin_shuffle (q[0], t, (v4i){ 0, 1, 6, 4 });
      o1 = __builtin_shuffle (q[1], q[2], (v4i){ 1, 2, 4, 5 });
      t = __builtin_shuffle (q[2], q[3], (v4i){ 2, 2, 4, 4 });
      o2 = __builtin_shuffle (t, q[3], (v4i){ 0, 2, 5, 6 });
      store4 (d[0] + (gsize)i * 3 * esize, o0, type, f16c);
      store4 (d[0] + ((gsize)i * 3 + 4) * esize, o1, type, f16c);
      store4 (d[0] + ((gsize)i * 3 + 8) * esize, o2, type, f16c);
    } else {
      /* transpose: lane k of the four pixels into plane k */
      v4f t0 = __builtin_shuffle (q[0], q[1], (v4i){ 0, 4, 1, 5 });
      v4f t1 = __builtin_shuffle (q[2], q[3], (v4i){ 0, 4, 1, 5 });

      store4 (d[0] + i * esize, __builtin_shuffle (t0, t1, (v4i){ 0, 1, 4, 5 }),
          type, f16c);
      if (channels == 3) {
        v4f t2 = __builtin_shuffle (q[0], q[1], (v4i){ 2, 6, 3, 7 });
        v4f t3 = __builtin_shuffle (q[2], q[3], (v4i){ 2, 6, 3, 7 });

        store4 (d[1] + i * esize,
            __builtin_shuffle (t0, t1, (v4i){ 2, 3, 6, 7 }), type, f16c);
        store4 (d[2] + i * esize,
            __builtin_shuffle (t2, t3, (v4i){ 0, 1, 4, 5 }), type, f16c);
      }
    }
  }
  for (; i < n; i++) {
    v4f q = (top[i] + wy * (bot[i] - top[i])) * scale + offset;

    for (k = 0; k < channels; k++) {
      gint lane = layout == GST_GPU_LAYOUT_NHWC && channels == 3
                      ? (swap ? 2 - k : k)
                      : k;
      gsize at = layout == GST_GPU_LAYOUT_NHWC && channels == 3
                     ? (gsize)i * 3 + k
                     : (gsize)i;

      gst_gpu_store (d[layout == GST_GPU_LAYOUT_NHWC && channels == 3 ? 0 : k],
          type, at, q[lane]);
    }
  }
}

/* store_row () for the plan's layout, channels and lane order, with
 * constant @type and @f16c. */
#define STORE_ROW(layout, type, channels, swap, f16c)                          \
  store_row (convert, dst, dy, dx0, n, top, bot, wy, layout, type, channels,   \
      swap, f16c)
#define STORE_ROW_TYPE(type, f16c)                                             \
  do {                                                                         \
    if (convert->params.channels == 1)                                         \
      STORE_ROW (GST_GPU_LAYOUT_NCHW, type, 1, FALSE, f16c);                   \
    else if (convert->params.layout == GST_GPU_LAYOUT_NCHW)                    \
      STORE_ROW (GST_GPU_LAYOUT_NCHW, type, 3, FALSE, f16c);                   \
    else if (convert->lane_channel[0] != 0)                                    \
      STORE_ROW (GST_GPU_LAYOUT_NHWC, type, 3, TRUE, f16c);                    \
    else                                                                       \
      STORE_ROW (GST_GPU_LAYOUT_NHWC, type, 3, FALSE, f16c);                   \
  } while (0)

#ifdef HAVE_AVX2_ROWS
/* store_row () for float16 slots on a CPU with F16C. */
__attribute__ ((target ("avx2,f16c"))) static void
store_row_f16c (const GstGpuVideoConvert *convert, gpointer dst, gint dy,
    gint dx0, gint n, const v4f *top, const v4f *bot, gfloat wy)
{
  STORE_ROW_TYPE (GST_GPU_OUT_FLOAT16, TRUE);
}
#endif

/* Picks the store_row () specialisation of the plan. */
CPU_CLONES static void
store_row_any (const GstGpuVideoConvert *convert, gpointer dst, gint dy,
    gint dx0, gint n, const v4f *top, const v4f *bot, gfloat wy)
{
#ifdef HAVE_AVX2_ROWS
  if (convert->f16c && convert->params.type == GST_GPU_OUT_FLOAT16) {
    store_row_f16c (convert, dst, dy, dx0, n, top, bot, wy);
    return;
  }
#endif
  switch (convert->params.type) {
    case GST_GPU_OUT_FLOAT32:
      STORE_ROW_TYPE (GST_GPU_OUT_FLOAT32, FALSE);
      break;
    case GST_GPU_OUT_FLOAT16:
      STORE_ROW_TYPE (GST_GPU_OUT_FLOAT16, FALSE);
      break;
    default:
      STORE_ROW_TYPE (GST_GPU_OUT_UINT8, FALSE);
      break;
  }
}

#undef STORE_ROW_TYPE
#undef STORE_ROW

/* Output rows @dy0 .. @dy1 of the strip of columns @dx0 .. @dx0 + @n.
 * Always inlined with constant @format and @color. */
static ALWAYS_INLINE void
convert_c_strip (const GstGpuVideoConvert *convert, const GstGpuPixSource *s,
    gpointer dst, gint dy0, gint dy1, gint dx0, gint n, const gint format,
    const gint color)
{
  v4f rows[2][CHUNK];
  gint held[2] = { -1, -1 }; /* source row in rows[0], rows[1] */
  gint dy, t, b, k;
  guint fill;

  for (dy = dy0; dy < dy1; dy++) {
    gint32 y0 = convert->y0[dy], y1 = convert->y1[dy];

    /* weight 0: the blend is exactly the top row (never -0), whatever the
     * bottom row holds */
    if (convert->wy[dy] == 0.0f)
      y1 = y0;
    fill = gst_gpu_convert_rows_pick (held, y0, y1, &t, &b);
    for (k = 0; k < 2; k++)
      if (fill & (1u << k))
        blend_source_row (convert, s, held[k], dx0, n, rows[k], format, color);
    store_row_any (convert, dst, dy, dx0, n, rows[t], rows[b], convert->wy[dy]);
  }
}

#define CONVERT_C_FORMAT(fmt)                                                  \
  CPU_CLONES static void convert_c_##fmt (const GstGpuVideoConvert *convert,   \
      const GstGpuPixSource *s, gpointer dst, gint dy0, gint dy1)              \
  {                                                                            \
    const GstGpuSlotParams *p = &convert->params;                              \
    gint dx0, n;                                                               \
                                                                               \
    for (dx0 = 0; dx0 < p->scaled_width; dx0 += n) {                           \
      n = MIN (CHUNK, p->scaled_width - dx0);                                  \
      if (p->color == GST_GPU_COLOR_GRAY)                                      \
        convert_c_strip (                                                      \
            convert, s, dst, dy0, dy1, dx0, n, fmt, GST_GPU_COLOR_GRAY);       \
      else /* RGB and BGR differ only in the lanes stored */                   \
        convert_c_strip (                                                      \
            convert, s, dst, dy0, dy1, dx0, n, fmt, GST_GPU_COLOR_RGB);        \
    }                                                                          \
  }

CONVERT_C_FORMAT (GST_GPU_PIX_RGB);
CONVERT_C_FORMAT (GST_GPU_PIX_BGR);
CONVERT_C_FORMAT (GST_GPU_PIX_RGBA);
CONVERT_C_FORMAT (GST_GPU_PIX_BGRA);
CONVERT_C_FORMAT (GST_GPU_PIX_GRAY8);
CONVERT_C_FORMAT (GST_GPU_PIX_NV12);
CONVERT_C_FORMAT (GST_GPU_PIX_I420);

/* Rows @dy0 .. @dy1 of the scaled rectangle of one frame, strip by strip
 * of columns. */
static void
convert_c_band (const GstGpuVideoConvert *convert, const GstGpuPixSource *s,
    gpointer dst, gint dy0, gint dy1)
{
  if (convert->avx512) {
    gst_gpu_convert_avx512_rows (&convert->avx512_plan, s, dst, dy0, dy1);
    return;
  }
  switch (s->format) {
    case GST_GPU_PIX_RGB:
      convert_c_GST_GPU_PIX_RGB (convert, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_BGR:
      convert_c_GST_GPU_PIX_BGR (convert, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_RGBA:
      convert_c_GST_GPU_PIX_RGBA (convert, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_BGRA:
      convert_c_GST_GPU_PIX_BGRA (convert, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_GRAY8:
      convert_c_GST_GPU_PIX_GRAY8 (convert, s, dst, dy0, dy1);
      break;
    case GST_GPU_PIX_NV12:
      convert_c_GST_GPU_PIX_NV12 (convert, s, dst, dy0, dy1);
      break;
    default:
      convert_c_GST_GPU_PIX_I420 (convert, s, dst, dy0, dy1);
      break;
  }
}

/* Source bytes the bands of convert_c_rows () may span: what the
 * second-level cache keeps while every strip of a band reads them. */
#define BAND_SOURCE_BYTES (256 * 1024)

/* Rows @dy0 .. @dy1 of the scaled rectangle of one frame. A slot wider
 * than one strip of columns is converted in bands of rows, so that the
 * source rows the first strip of a band read are still cached when the
 * next strips read them again (one source row per band and strip is
 * blended twice). */
static void
convert_c_rows (const GstGpuVideoConvert *convert, const GstGpuPixSource *s,
    gpointer dst, gint dy0, gint dy1)
{
  const GstGpuSlotParams *p = &convert->params;
  gint band = dy1 - dy0, dy;

  if (p->scaled_width > CHUNK) {
    /* source bytes per output row */
    gint64 per_row = (gint64)s->stride[0] * s->height / p->scaled_height + 1;

    band = (gint)CLAMP (BAND_SOURCE_BYTES / per_row, 16, MAX (band, 16));
  }
  for (dy = dy0; dy < dy1; dy += band)
    convert_c_band (convert, s, dst, dy, MIN (dy + band, dy1));
}

/* --- row bands on several threads --------------------------------------- */

/* Output pixels below which a frame is converted on the calling thread
 * alone: waking helpers costs more than it saves. */
#define MIN_SPLIT_PIXELS (128 * 128)
/* Bands per thread: a helper that starts late leaves its bands to others. */
#define BANDS_PER_THREAD 4

/* One frame's conversion shared between the calling thread and helpers of
 * the process-wide pool. Reference-counted: a helper may start after the
 * caller has finished every band and returned. */
typedef struct
{
  gint ref;
  const GstGpuVideoConvert *convert;
  GstGpuPixSource source;
  gpointer dst;
  gint height;
  gint n_bands;
  gint next_band; /* atomic: first band nobody has taken */
  gint bands_done;
  GMutex lock;
  GCond done;
} ConvertJob;

static void
convert_job_unref (ConvertJob *job)
{
  if (g_atomic_int_dec_and_test (&job->ref)) {
    g_mutex_clear (&job->lock);
    g_cond_clear (&job->done);
    g_free (job);
  }
}

/* Converts bands until none is left; counts them done. */
static void
convert_job_work (ConvertJob *job)
{
  gint band, n = 0;

  /* a late helper only reads the counters: the plan may be gone */
  while ((band = g_atomic_int_add (&job->next_band, 1)) < job->n_bands) {
    convert_c_rows (job->convert, &job->source, job->dst,
        (gint)((gint64)job->height * band / job->n_bands),
        (gint)((gint64)job->height * (band + 1) / job->n_bands));
    n++;
  }
  if (n > 0) {
    g_mutex_lock (&job->lock);
    job->bands_done += n;
    if (job->bands_done == job->n_bands)
      g_cond_signal (&job->done);
    g_mutex_unlock (&job->lock);
  }
}

static void
convert_job_help (gpointer data, gpointer user_data)
{
  convert_job_work (data);
  convert_job_unref (data);
}

static GThreadPool *
convert_pool_get (void)
{
  static GThreadPool *pool = NULL;

  if (g_once_init_enter (&pool)) {
    /* shared, grows to one helper less than the cores; lives as long as
     * the process, like GStreamer's own task pool threads */
    GThreadPool *p = g_thread_pool_new (convert_job_help, NULL,
        MAX (1, (gint)g_get_num_processors () - 1), FALSE, NULL);

    g_once_init_leave (&pool, p);
  }
  return pool;
}

/* Threads to use for one frame of @convert. */
static guint
convert_threads (const GstGpuVideoConvert *convert)
{
  guint threads
      = convert->n_threads ? convert->n_threads : g_get_num_processors ();

  if ((gsize)convert->params.scaled_width * convert->params.scaled_height
      < MIN_SPLIT_PIXELS)
    return 1;
  return MIN (threads, (guint)convert->params.scaled_height);
}

/* The slot outside the scaled rectangle: whole rows above and below it,
 * the columns left and right of it, copied from the plan's padding row of
 * each plane (NCHW: one per channel; NHWC: one). */
static void
fill_padding (const GstGpuVideoConvert *convert, gpointer dst)
{
  const GstGpuSlotParams *p = &convert->params;
  gboolean planar = p->layout == GST_GPU_LAYOUT_NCHW;
  guint planes = planar ? p->channels : 1;
  gsize px
      = (gsize)(planar ? 1 : p->channels) * out_type_size (convert->out.dtype);
  gsize row_bytes = px * p->width, plane_bytes = row_bytes * p->height;
  gsize left = px * p->x, right = px * (p->x + p->scaled_width);
  guint k;
  gint dy;

  for (k = 0; k < planes; k++) {
    const guint8 *pad = convert->pad_row + k * row_bytes;
    guint8 *plane = (guint8 *)dst + k * plane_bytes;

    for (dy = 0; dy < p->height; dy++) {
      guint8 *row = plane + dy * row_bytes;

      if (dy < p->y || dy >= p->y + p->scaled_height) {
        memcpy (row, pad, row_bytes);
      } else {
        memcpy (row, pad, left);
        memcpy (row + right, pad + right, row_bytes - right);
      }
    }
  }
}

static gboolean
convert_c (
    GstGpuVideoConvert *convert, const GstVideoFrame *frame, gpointer dst)
{
  GstGpuPixSource s;
  ConvertJob *job;
  guint threads, i;

  if (!source_from_frame (convert, frame, &s))
    return FALSE;
  if (convert->padded)
    fill_padding (convert, dst);
  threads = convert_threads (convert);
  if (threads <= 1) {
    convert_c_rows (convert, &s, dst, 0, convert->params.scaled_height);
    return TRUE;
  }

  job = g_new0 (ConvertJob, 1);
  job->ref = threads; /* the caller and threads - 1 helpers */
  job->convert = convert;
  job->source = s;
  job->dst = dst;
  job->height = convert->params.scaled_height;
  job->n_bands
      = MIN (threads * BANDS_PER_THREAD, (guint)convert->params.scaled_height);
  g_mutex_init (&job->lock);
  g_cond_init (&job->done);
  for (i = 1; i < threads; i++)
    g_thread_pool_push (convert_pool_get (), job, NULL);

  convert_job_work (job);
  g_mutex_lock (&job->lock);
  while (job->bands_done < job->n_bands)
    g_cond_wait (&job->done, &job->lock);
  g_mutex_unlock (&job->lock);
  convert_job_unref (job);
  return TRUE;
}

static gboolean
supports_c (const GstGpuVideoConvert *convert)
{
  return convert->device == NULL || !gst_gpu_device_is_cuda (convert->device);
}

/* --- ORC ---------------------------------------------------------------- */

static OrcKind
orc_kind_for (const GstGpuVideoConvert *convert, gint plane[3])
{
  const GstGpuVideoSlotFormat *out = &convert->out;
  gint format = convert->source.format;

  if (convert->scaled || convert->padded || out->dtype != GST_GPU_DTYPE_FLOAT32)
    return ORC_KIND_NONE;

  switch (format) {
    case GST_GPU_PIX_GRAY8:
      /* one channel is the same in both layouts; three only as planes */
      if (out->color == GST_GPU_COLOR_GRAY
          || out->layout == GST_GPU_LAYOUT_NCHW)
        return ORC_KIND_GRAY_PLANES;
      return ORC_KIND_NONE;
    case GST_GPU_PIX_RGB:
    case GST_GPU_PIX_BGR:
      /* 3-byte pixels: ORC can only run over them as a flat byte row */
      if (out->layout == GST_GPU_LAYOUT_NHWC
          && ((format == GST_GPU_PIX_RGB && out->color == GST_GPU_COLOR_RGB)
              || (format == GST_GPU_PIX_BGR
                  && out->color == GST_GPU_COLOR_BGR)))
        return ORC_KIND_ROWS;
      return ORC_KIND_NONE;
    case GST_GPU_PIX_RGBA:
    case GST_GPU_PIX_BGRA: {
      /* channel held by input byte k: R G B or B G R */
      gboolean in_rgb = format == GST_GPU_PIX_RGBA;
      gboolean out_rgb = out->color == GST_GPU_COLOR_RGB;
      gint k;

      if (out->layout != GST_GPU_LAYOUT_NCHW
          || out->color == GST_GPU_COLOR_GRAY)
        return ORC_KIND_NONE;
      for (k = 0; k < 3; k++)
        plane[k] = in_rgb == out_rgb ? k : 2 - k;
      return ORC_KIND_X4_PLANAR;
    }
    default:
      return ORC_KIND_NONE;
  }
}

static gboolean
convert_orc (
    GstGpuVideoConvert *convert, const GstVideoFrame *frame, gpointer dst)
{
  const GstGpuVideoSlotFormat *out = &convert->out;
  gsize plane_size = (gsize)out->width * out->height;
  gfloat *d = dst;
  GstGpuPixSource s;
  guint y, c, channels = gst_gpu_video_slot_format_channels (out);

  if (!source_from_frame (convert, frame, &s))
    return FALSE;

  for (y = 0; y < out->height; y++) {
    const guint8 *row = s.plane[0] + (gsize)y * s.stride[0];

    switch (convert->orc_kind) {
      case ORC_KIND_GRAY_PLANES:
        for (c = 0; c < channels; c++)
          gst_gpu_orc_u8_to_f32 (d + c * plane_size + (gsize)y * out->width,
              row, out->scale[c], out->offset[c], out->width);
        break;
      case ORC_KIND_ROWS:
        gst_gpu_orc_u8_to_f32_rows (d + (gsize)y * out->width * 3, row,
            convert->row_scale, convert->row_offset, out->width * 3);
        break;
      case ORC_KIND_X4_PLANAR: {
        const gint *pl = convert->orc_plane;
        gsize o = (gsize)y * out->width;

        /* a padded stride may leave rows unaligned for 32-bit loads */
        if (G_UNLIKELY (((guintptr)row) & 3))
          return convert_c (convert, frame, dst);
        gst_gpu_orc_x4_to_planar_f32 (d + pl[0] * plane_size + o,
            d + pl[1] * plane_size + o, d + pl[2] * plane_size + o,
            (const guint32 *)row, out->scale[pl[0]], out->scale[pl[1]],
            out->scale[pl[2]], out->offset[pl[0]], out->offset[pl[1]],
            out->offset[pl[2]], out->width);
        break;
      }
      default:
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
supports_orc (const GstGpuVideoConvert *convert)
{
  return supports_c (convert) && convert->orc_kind != ORC_KIND_NONE;
}

/* --- CUDA --------------------------------------------------------------- */

#ifdef HAVE_CUDA
static gboolean
frame_is_cuda (const GstVideoFrame *frame)
{
  GstMemory *mem = gst_buffer_peek_memory (frame->buffer, 0);

  return gst_is_cuda_memory (mem) && (frame->map[0].flags & GST_MAP_CUDA);
}

/* Copies a host frame into the plan's device copy (laid out as the planned
 * GstVideoInfo) through pinned staging, queued on the device stream; points
 * @s at the device copy. Called with the device context pushed. */
static gboolean
upload_host_frame (
    GstGpuVideoConvert *convert, GstGpuPixSource *s, CUstream stream)
{
  const GstVideoInfo *info = &convert->in_info;
  const GstVideoFormatInfo *finfo = info->finfo;
  gsize size = GST_VIDEO_INFO_SIZE (info);
  guint p;

  /* allocated on the first host frame, kept until the plan is freed */
  if (!convert->staging
      && !GST_GPU_CU_CHECK (CuMemAllocHost ((void **)&convert->staging, size)))
    return FALSE;
  if (!convert->upload
      && !GST_GPU_CU_CHECK (CuMemAlloc (&convert->upload, size)))
    return FALSE;
  if (!convert->upload_done
      && !GST_GPU_CU_CHECK (
          GstGpuCuEventCreate (&convert->upload_done, CU_EVENT_DISABLE_TIMING)))
    return FALSE;
  /* the previous frame's copy may still be reading the staging */
  if (convert->upload_pending
      && !GST_GPU_CU_CHECK (GstGpuCuEventSynchronize (convert->upload_done)))
    return FALSE;

  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (info) && p < 3; p++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    gsize row_bytes, rows, r;
    gsize stride = GST_VIDEO_INFO_PLANE_STRIDE (info, p);
    guint8 *host = convert->staging + GST_VIDEO_INFO_PLANE_OFFSET (info, p);

    gst_video_format_info_component (finfo, p, comp);
    /* NV12's UV plane holds two components per pixel */
    row_bytes = (gsize)GST_VIDEO_INFO_COMP_WIDTH (info, comp[0])
                * GST_VIDEO_INFO_COMP_PSTRIDE (info, comp[0]);
    rows = GST_VIDEO_INFO_COMP_HEIGHT (info, comp[0]);
    for (r = 0; r < rows; r++)
      memcpy (host + r * stride, s->plane[p] + r * s->stride[p], row_bytes);
    s->plane[p]
        = (const uint8_t *)(guintptr)(convert->upload
                                      + GST_VIDEO_INFO_PLANE_OFFSET (info, p));
    s->stride[p] = stride;
  }
  if (!GST_GPU_CU_CHECK (GstGpuCuMemcpyHtoDAsync (
          convert->upload, convert->staging, size, stream))
      || !GST_GPU_CU_CHECK (GstGpuCuEventRecord (convert->upload_done, stream)))
    return FALSE;
  convert->upload_pending = TRUE;
  return TRUE;
}

static gboolean
convert_cuda (
    GstGpuVideoConvert *convert, const GstVideoFrame *frame, gpointer dst)
{
  GstGpuPixSource s;
  CUstream stream;
  CUdeviceptr out = (CUdeviceptr)(guintptr)dst;
  gpointer args[] = { &s, &convert->params, &out };
  const guint block = 16;
  gboolean ret = FALSE;

  if (!source_from_frame (convert, frame, &s))
    return FALSE;
  if (!gst_gpu_device_push (convert->device))
    return FALSE;
  stream = (CUstream)gst_gpu_device_get_stream (convert->device);

  if (!convert->kernel) {
    convert->kernel = (CUfunction)gst_gpu_device_get_kernel (convert->device,
        gst_gpu_kernels_convert_fatbin, "gst_gpu_convert_video");
    if (!convert->kernel) {
      GST_ERROR ("kernel gst_gpu_convert_video not found in the embedded "
                 "fatbin");
      goto out_pop;
    }
  }
  if (!frame_is_cuda (frame) && !upload_host_frame (convert, &s, stream))
    goto out_pop;

  if (!GST_GPU_CU_CHECK (CuLaunchKernel (convert->kernel,
          (convert->params.width + block - 1) / block,
          (convert->params.height + block - 1) / block, 1, block, block, 1, 0,
          stream, args, NULL)))
    goto out_pop;
  ret = TRUE;

out_pop:
  gst_gpu_device_pop (convert->device);
  return ret;
}

static gboolean
supports_cuda (const GstGpuVideoConvert *convert)
{
  return convert->device != NULL && gst_gpu_device_is_cuda (convert->device);
}
#endif

/* First match wins; the plain C version is last and takes everything the
 * others do not (on the CPU). */
static const GstGpuConvertOps convert_ops[] = {
#ifdef HAVE_CUDA
  { convert_cuda, "cuda", supports_cuda },
#endif
  { convert_orc, "orc", supports_orc },
  { convert_c, "c", supports_c },
};

/* --- plan --------------------------------------------------------------- */

/* Whether the environment variable GST_GPU_CPU_DISABLE (a comma-separated
 * list: avx512, avx2) turns off the row paths built for @feature, so that
 * the others can be tested and measured on a CPU that has it. */
static gboolean
cpu_feature_disabled (const gchar *feature)
{
  const gchar *list = g_getenv ("GST_GPU_CPU_DISABLE");
  gchar **names;
  gboolean found;

  if (!list)
    return FALSE;
  names = g_strsplit (list, ",", -1);
  found = g_strv_contains ((const gchar *const *)names, feature);
  g_strfreev (names);
  return found;
}

/* The C variant's lane arrangement: where each slot channel sits in a
 * pixel vector, and which columns may load four bytes of 3-byte pixels. */
static void
plan_lanes (GstGpuVideoConvert *convert)
{
  const GstGpuSlotParams *p = &convert->params;
  gint red = red_lane (convert->source.format), c;
  gint lane[3] = { 0, 1, 2 };

  if (p->color == GST_GPU_COLOR_RGB) {
    lane[0] = red;
    lane[2] = 2 - red;
  } else if (p->color == GST_GPU_COLOR_BGR) {
    lane[0] = 2 - red;
    lane[2] = red;
  }
  memset (&convert->lane_scale, 0, sizeof (convert->lane_scale));
  memset (&convert->lane_offset, 0, sizeof (convert->lane_offset));
  for (c = 0; c < p->channels; c++) {
    convert->lane_channel[lane[c]] = c;
    convert->lane_scale[lane[c]] = p->scale[c];
    convert->lane_offset[lane[c]] = p->offset[c];
  }

#ifdef HAVE_AVX2_ROWS
  convert->avx2
      = __builtin_cpu_supports ("avx2") && !cpu_feature_disabled ("avx2");
  convert->f16c = convert->avx2 && __builtin_cpu_supports ("f16c");
#endif
  convert->avx512_plan.params = *p;
  convert->avx512_plan.x0 = convert->x0;
  convert->avx512_plan.x1 = convert->x1;
  convert->avx512_plan.wx = convert->wx;
  convert->avx512_plan.y0 = convert->y0;
  convert->avx512_plan.y1 = convert->y1;
  convert->avx512_plan.wy = convert->wy;
  for (c = 0; c < p->channels; c++)
    convert->avx512_plan.channel[c] = p->color == GST_GPU_COLOR_BGR ? 2 - c : c;
  /* unscaled widths keep their whole-row paths */
  convert->avx512 = convert->scaled_x && !cpu_feature_disabled ("avx512")
                    && gst_gpu_convert_avx512_supports (
                        &convert->avx512_plan, &convert->source);
  convert->wide_columns = p->scaled_width;
  if (convert->source.format == GST_GPU_PIX_RGB
      || convert->source.format == GST_GPU_PIX_BGR) {
    /* x1 >= x0 grows with the column */
    while (
        convert->wide_columns > 0
        && convert->x1[convert->wide_columns - 1] >= convert->source.width - 1)
      convert->wide_columns--;
  }
}

/* One slot row of padding per plane, for fill_padding (): the padding
 * pixels of a slot one row high, whose planes (NCHW) are rows back to
 * back. */
static void
plan_pad_row (GstGpuVideoConvert *convert)
{
  GstGpuSlotParams row = convert->params;
  gint x;

  row.height = 1;
  convert->pad_row = g_malloc (
      gst_gpu_video_slot_format_size (&convert->out) / convert->out.height);
  for (x = 0; x < row.width; x++)
    gst_gpu_convert_pad_pixel (&row, convert->pad_row, x, 0);
}

/* Frees what plan_init () allocated. */
static void
plan_clear (GstGpuVideoConvert *convert)
{
  g_clear_pointer (&convert->x0, g_free);
  g_clear_pointer (&convert->x1, g_free);
  g_clear_pointer (&convert->wx, g_free);
  g_clear_pointer (&convert->y0, g_free);
  g_clear_pointer (&convert->y1, g_free);
  g_clear_pointer (&convert->wy, g_free);
  g_clear_pointer (&convert->row_scale, g_free);
  g_clear_pointer (&convert->row_offset, g_free);
  g_clear_pointer (&convert->pad_row, g_free);
}

static gboolean
plan_init (GstGpuVideoConvert *convert, const GstVideoInfo *in_info,
    const GstGpuVideoSlotFormat *out, GError **error)
{
  GstGpuSlotParams *p = &convert->params;
  gint format = pix_format_from_video (GST_VIDEO_INFO_FORMAT (in_info));
  gint type = out_type_from_dtype (out->dtype);
  GstGpuSlotRect rect;
  guint i, c;

  if (format < 0) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "video format %s is not supported; use one of %s",
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info)),
        GST_GPU_CONVERT_VIDEO_FORMATS);
    return FALSE;
  }
  if (type < 0) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "output type %d is not supported; use float32, float16 or uint8",
        out->dtype);
    return FALSE;
  }
  if (GST_VIDEO_INFO_WIDTH (in_info) <= 0
      || GST_VIDEO_INFO_HEIGHT (in_info) <= 0 || out->width == 0
      || out->height == 0 || out->width > G_MAXINT32 / 4
      || out->height > G_MAXINT32 / 4) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "cannot convert %dx%d frames into %ux%u slots",
        GST_VIDEO_INFO_WIDTH (in_info), GST_VIDEO_INFO_HEIGHT (in_info),
        out->width, out->height);
    return FALSE;
  }
  if (out->color > GST_GPU_COLOR_GRAY || out->layout > GST_GPU_LAYOUT_NHWC
      || out->scale_mode > GST_GPU_SCALE_LETTERBOX) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "invalid slot colour %d, layout %d or scale mode %d", out->color,
        out->layout, out->scale_mode);
    return FALSE;
  }

  convert->in_info = *in_info;
  convert->out = *out;
  memset (&convert->source, 0, sizeof (convert->source));
  convert->source.format = format;
  convert->source.width = GST_VIDEO_INFO_WIDTH (in_info);
  convert->source.height = GST_VIDEO_INFO_HEIGHT (in_info);
  if (GST_VIDEO_INFO_IS_YUV (in_info))
    yuv_coeffs_from_info (&convert->source.yuv, in_info);

  p->width = out->width;
  p->height = out->height;
  p->channels = gst_gpu_video_slot_format_channels (out);
  p->color = out->color;
  p->layout = out->layout;
  p->type = type;
  for (c = 0; c < 3; c++) {
    p->scale[c] = out->scale[c];
    p->offset[c] = out->offset[c];
  }
  gst_gpu_video_slot_format_fit (out, in_info, &rect);
  p->x = rect.x;
  p->y = rect.y;
  p->scaled_width = rect.width;
  p->scaled_height = rect.height;
  gst_gpu_slot_params_set_pad (p, out->pad_value);

  convert->scaled = (guint)convert->source.width != rect.width
                    || (guint)convert->source.height != rect.height;
  convert->scaled_x = (guint)convert->source.width != rect.width;
  convert->padded = rect.width != out->width || rect.height != out->height;
  if (convert->padded)
    plan_pad_row (convert);
  /* columns past the last one, copies of it: whole vectors of the AVX-512
   * row path */
  convert->x0 = g_new (gint32, rect.width + GST_GPU_AVX512_LANES);
  convert->x1 = g_new (gint32, rect.width + GST_GPU_AVX512_LANES);
  convert->wx = g_new (gfloat, rect.width + GST_GPU_AVX512_LANES);
  convert->y0 = g_new (gint32, rect.height);
  convert->y1 = g_new (gint32, rect.height);
  convert->wy = g_new (gfloat, rect.height);
  for (i = 0; i < rect.width + GST_GPU_AVX512_LANES; i++)
    gst_gpu_bilinear_coord (MIN (i, rect.width - 1), convert->source.width,
        rect.width, &convert->x0[i], &convert->x1[i], &convert->wx[i]);
  for (i = 0; i < rect.height; i++)
    gst_gpu_bilinear_coord (i, convert->source.height, rect.height,
        &convert->y0[i], &convert->y1[i], &convert->wy[i]);
  plan_lanes (convert);

  convert->orc_kind = orc_kind_for (convert, convert->orc_plane);
  if (convert->orc_kind == ORC_KIND_ROWS) {
    convert->row_scale = g_new (gfloat, (gsize)out->width * 3);
    convert->row_offset = g_new (gfloat, (gsize)out->width * 3);
    for (i = 0; i < out->width * 3; i++) {
      convert->row_scale[i] = out->scale[i % 3];
      convert->row_offset[i] = out->offset[i % 3];
    }
  }
  return TRUE;
}

GstGpuVideoConvert *
gst_gpu_video_convert_new (const GstVideoInfo *in_info,
    const GstGpuVideoSlotFormat *out, GstGpuDevice *device, GError **error)
{
  GstGpuVideoConvert *convert;
  guint i;

  g_return_val_if_fail (in_info != NULL, NULL);
  g_return_val_if_fail (out != NULL, NULL);

  gst_gpu_convert_init_debug ();
  convert = g_new0 (GstGpuVideoConvert, 1);
  if (device)
    convert->device = gst_object_ref (device);
  if (!plan_init (convert, in_info, out, error))
    goto out_free;

  for (i = 0; i < G_N_ELEMENTS (convert_ops); i++) {
    if (convert_ops[i].supports (convert)) {
      convert->ops = &convert_ops[i];
      break;
    }
  }
  if (!convert->ops) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NOT_IMPLEMENTED,
        "no conversion for device %s (built without CUDA?)",
        device ? gst_gpu_device_get_kind_name (device) : "cpu");
    goto out_free;
  }
  GST_DEBUG ("%s %dx%d -> %ux%u %s %s %s: %s",
      gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info)),
      GST_VIDEO_INFO_WIDTH (in_info), GST_VIDEO_INFO_HEIGHT (in_info),
      out->width, out->height,
      out->color == GST_GPU_COLOR_GRAY  ? "gray"
      : out->color == GST_GPU_COLOR_BGR ? "bgr"
                                        : "rgb",
      out->layout == GST_GPU_LAYOUT_NCHW ? "nchw" : "nhwc",
      gst_gpu_dtype_to_string (out->dtype), convert->ops->name);
  return convert;

out_free:
  gst_gpu_video_convert_free (convert);
  return NULL;
}

void
gst_gpu_video_convert_free (GstGpuVideoConvert *convert)
{
  if (!convert)
    return;
#ifdef HAVE_CUDA
  if (convert->staging || convert->upload || convert->upload_done) {
    if (gst_gpu_device_push (convert->device)) {
      /* kernels queued from the device copy may still read it */
      gst_gpu_device_synchronize (convert->device);
      if (convert->upload_done)
        GST_GPU_CU_CHECK (GstGpuCuEventDestroy (convert->upload_done));
      if (convert->staging)
        GST_GPU_CU_CHECK (CuMemFreeHost (convert->staging));
      if (convert->upload)
        GST_GPU_CU_CHECK (CuMemFree (convert->upload));
      gst_gpu_device_pop (convert->device);
    }
  }
#endif
  plan_clear (convert);
  gst_clear_object (&convert->device);
  g_free (convert);
}

void
gst_gpu_video_convert_set_threads (GstGpuVideoConvert *convert, guint threads)
{
  g_return_if_fail (convert != NULL);
  convert->n_threads = threads;
}

const gchar *
gst_gpu_video_convert_get_impl (GstGpuVideoConvert *convert)
{
  g_return_val_if_fail (convert != NULL, NULL);
  return convert->ops->name;
}

gboolean
gst_gpu_video_convert_frame (
    GstGpuVideoConvert *convert, const GstVideoFrame *frame, gpointer dst)
{
  g_return_val_if_fail (convert != NULL, FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (dst != NULL, FALSE);

  return convert->ops->func (convert, frame, dst);
}

void
gst_gpu_video_convert_reference (
    const GstVideoFrame *frame, const GstGpuVideoSlotFormat *out, gpointer dst)
{
  GstGpuVideoConvert convert = {
    0,
  };
  GError *error = NULL;

  g_return_if_fail (frame != NULL && out != NULL && dst != NULL);

  gst_gpu_convert_init_debug ();
  convert.n_threads = 1;
  if (plan_init (&convert, &frame->info, out, &error))
    convert_c (&convert, frame, dst);
  else
    GST_WARNING ("reference: %s", error->message);
  g_clear_error (&error);
  plan_clear (&convert);
}

/* --- samples ------------------------------------------------------------ */

static gsize
sample_size (GstGpuDType dtype)
{
  switch (dtype) {
    case GST_GPU_DTYPE_INT8:
    case GST_GPU_DTYPE_UINT8:
      return 1;
    case GST_GPU_DTYPE_INT16:
    case GST_GPU_DTYPE_UINT16:
    case GST_GPU_DTYPE_FLOAT16:
      return 2;
    case GST_GPU_DTYPE_INT32:
    case GST_GPU_DTYPE_UINT32:
    case GST_GPU_DTYPE_FLOAT32:
      return 4;
    case GST_GPU_DTYPE_INT64:
    case GST_GPU_DTYPE_UINT64:
    case GST_GPU_DTYPE_FLOAT64:
      return 8;
    default:
      return 0;
  }
}

static gboolean
dtype_is_float (GstGpuDType dtype)
{
  return dtype == GST_GPU_DTYPE_FLOAT16 || dtype == GST_GPU_DTYPE_FLOAT32
         || dtype == GST_GPU_DTYPE_FLOAT64;
}

#define ORC_CHUNK ((gsize)1 << 20)

/* Host to host; GstGpuSampleType has the values of GstGpuDType. */
static void
convert_samples_host (GstGpuDType in_dtype, gconstpointer src,
    GstGpuDType out_dtype, gpointer dst, gsize n, gboolean norm)
{
  gsize i, step;

  if (in_dtype == out_dtype) {
    memcpy (dst, src, n * sample_size (in_dtype));
    return;
  }
  /* ORC takes counts as int: run in chunks */
  if (in_dtype == GST_GPU_DTYPE_INT16 && out_dtype == GST_GPU_DTYPE_FLOAT32) {
    for (i = 0; i < n; i += step) {
      step = MIN (n - i, ORC_CHUNK);
      gst_gpu_orc_s16_to_f32 ((gfloat *)dst + i, (const gint16 *)src + i,
          norm ? 1.0f / 32768.0f : 1.0f, step);
    }
    return;
  }
  if (in_dtype == GST_GPU_DTYPE_UINT8 && out_dtype == GST_GPU_DTYPE_FLOAT32) {
    for (i = 0; i < n; i += step) {
      step = MIN (n - i, ORC_CHUNK);
      gst_gpu_orc_u8_to_f32 ((gfloat *)dst + i, (const guint8 *)src + i,
          norm ? 1.0f / 255.0f : 1.0f, 0.0f, step);
    }
    return;
  }
  for (i = 0; i < n; i++)
    gst_gpu_sample_store (
        dst, out_dtype, i, gst_gpu_sample_load (src, in_dtype, i, norm));
}

#ifdef HAVE_CUDA
/* Host samples to a device slot: converted on the CPU in chunks on the
 * stack, each copied asynchronously; an async copy from pageable memory
 * returns once the driver has staged the source, so the chunk can be
 * reused at once. */
static gboolean
convert_samples_upload (GstGpuDevice *device, GstGpuDType in_dtype,
    gconstpointer src, GstGpuDType out_dtype, CUdeviceptr dst, gsize n,
    gboolean norm)
{
  guint64 chunk[2048]; /* 16 KiB, aligned for any type */
  gsize in_size = sample_size (in_dtype), out_size = sample_size (out_dtype);
  gsize per_chunk = sizeof (chunk) / out_size, i;
  CUstream stream;
  gboolean ret = FALSE;

  if (!gst_gpu_device_push (device))
    return FALSE;
  stream = (CUstream)gst_gpu_device_get_stream (device);
  for (i = 0; i < n; i += per_chunk) {
    gsize count = MIN (per_chunk, n - i);

    convert_samples_host (in_dtype, (const guint8 *)src + i * in_size,
        out_dtype, chunk, count, norm);
    if (!GST_GPU_CU_CHECK (GstGpuCuMemcpyHtoDAsync (
            dst + i * out_size, chunk, count * out_size, stream)))
      goto out_pop;
  }
  ret = TRUE;

out_pop:
  gst_gpu_device_pop (device);
  return ret;
}
#endif

gboolean
gst_gpu_convert_samples (GstGpuDevice *device, GstGpuDType in_dtype,
    const gpointer src, GstGpuDType out_dtype, gpointer dst, gsize n,
    gboolean normalize_int)
{
  gboolean norm;

  g_return_val_if_fail (src != NULL || n == 0, FALSE);
  g_return_val_if_fail (dst != NULL || n == 0, FALSE);

  if (sample_size (in_dtype) == 0 || sample_size (out_dtype) == 0)
    return FALSE;
  if (n == 0)
    return TRUE;
  norm = normalize_int && !dtype_is_float (in_dtype)
         && dtype_is_float (out_dtype);

#ifdef HAVE_CUDA
  if (device && gst_gpu_device_is_cuda (device))
    return convert_samples_upload (
        device, in_dtype, src, out_dtype, (CUdeviceptr)(guintptr)dst, n, norm);
#endif
  convert_samples_host (in_dtype, src, out_dtype, dst, n, norm);
  return TRUE;
}
