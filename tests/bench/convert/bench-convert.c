/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CPU item -> slot conversion throughput. Scaled cases: every input
 * format (RGB, BGRx, NV12, I420) at 640x480, 1280x720 and 1920x1080 into
 * 224x224 and 640x640 slots, each format through all six dtype x layout
 * combinations. Each is measured on one thread and on every core, next to
 * two baselines run side by side in the same process, each on one thread
 * and followed by the project's own normalisation of the scaled image into
 * the slot (an unscaled plan, ORC where it applies):
 *
 *   vconv  GstVideoConverter, bilinear (what videoconvert/videoscale run)
 *   cv     cv::cvtColor for YUV, then cv::resize INTER_LINEAR (OpenCV)
 *
 * Every rate is the best of three runs of at least 0.2 s. One-thread
 * rates count the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that
 * other processes preempting the benchmark do not skew them; the
 * all-cores rate and the one-thread rate it is compared with are by the
 * wall clock. "vs best" is our one-thread items/s over the better
 * baseline's. The
 * unscaled ORC cases and sample conversion are printed against memcpy of
 * the same output bytes. Not a test: it prints figures, it does not judge
 * them.
 *
 *   meson test -C build --benchmark -v convert
 *   build/tests/bench/convert/bench-convert "BGRx 1920x1080"   # some cases
 *
 * The thread knob is looked up weakly, so the same binary also runs
 * against an earlier build's library (LD_LIBRARY_PATH=olddir) for
 * before/after figures; the "all cores" column is then left out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <time.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "gpu/convert/gstgpuconvert.h"
#ifdef HAVE_BENCH_OPENCV
#include "bench-convert-cv.h"
#endif

#pragma weak gst_gpu_video_convert_set_threads

#define MIN_TIME_US 200000
#define ROUNDS 3

typedef struct
{
  GstGpuLayout layout;
  GstGpuDType dtype;
} SlotKind;

static const SlotKind slot_kinds[] = {
  { GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT32 },
  { GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_FLOAT32 },
  { GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT16 },
  { GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_FLOAT16 },
  { GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_UINT8 },
  { GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_UINT8 },
};

/* Input formats of the scaled cases; @shift rotates the slot kinds so that
 * each format meets all six and the cases of earlier reports stay in
 * (RGB 640x480 -> 224 f32 NCHW, NV12 1280x720 -> 224 f32 NCHW, I420
 * 1280x720 -> 640 f16 NCHW, BGRx 1920x1080 -> 224 u8 NHWC). */
static const struct
{
  GstVideoFormat format;
  guint shift;
} scaled_formats[] = {
  { GST_VIDEO_FORMAT_RGB, 0 },
  { GST_VIDEO_FORMAT_BGRx, 1 },
  { GST_VIDEO_FORMAT_NV12, 4 },
  { GST_VIDEO_FORMAT_I420, 5 },
};

static const gint in_sizes[][2]
    = { { 640, 480 }, { 1280, 720 }, { 1920, 1080 } };
static const guint out_sizes[] = { 224, 640 };

typedef void (*RunFunc) (gpointer data);

/* Microseconds of the calling thread's CPU time: one-thread figures that
 * other processes on the machine do not inflate by preempting us. */
static gint64
thread_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_GINT64_CONSTANT (1000000) + ts.tv_nsec / 1000;
}

/* Items per second of @run, repeated for at least MIN_TIME_US of @clock;
 * the best of ROUNDS such runs, since other guests of this virtual machine's
 * host slow single runs by up to a third. */
static gdouble
measure_with (RunFunc run, gpointer data, gint64 (*clock) (void))
{
  gdouble best = 0;
  guint round;

  run (data); /* warm caches and page in */
  for (round = 0; round < ROUNDS; round++) {
    gint64 start, elapsed;
    guint64 n = 0, batch = 1;

    start = clock ();
    do {
      guint64 i;

      for (i = 0; i < batch; i++)
        run (data);
      n += batch;
      batch *= 2;
      elapsed = clock () - start;
    } while (elapsed < MIN_TIME_US);
    best = MAX (best, n * 1e6 / elapsed);
  }
  return best;
}

/* One thread: per CPU second of this thread. */
static gdouble
measure (RunFunc run, gpointer data)
{
  return measure_with (run, data, thread_time);
}

/* Several threads: per wall-clock second. */
static gdouble
measure_wall (RunFunc run, gpointer data)
{
  return measure_with (run, data, g_get_monotonic_time);
}

typedef struct
{
  GstGpuVideoConvert *convert;
  GstVideoFrame *frame;
  gpointer dst;
  gconstpointer src;
  gsize size;
  /* baselines: scaler into @scaled, then @norm into @dst */
  GstVideoConverter *vconv;
  GstVideoFrame *scaled;
  GstGpuVideoConvert *norm;
#ifdef HAVE_BENCH_OPENCV
  BenchCv *cv;
#endif
} RunData;

static void
run_convert (gpointer data)
{
  RunData *d = data;

  gst_gpu_video_convert_frame (d->convert, d->frame, d->dst);
}

static void
run_memcpy (gpointer data)
{
  RunData *d = data;

  memcpy (d->dst, d->src, d->size);
}

static void
run_vconv (gpointer data)
{
  RunData *d = data;

  gst_video_converter_frame (d->vconv, d->frame, d->scaled);
  gst_gpu_video_convert_frame (d->norm, d->scaled, d->dst);
}

#ifdef HAVE_BENCH_OPENCV
static void
run_cv (gpointer data)
{
  RunData *d = data;

  bench_cv_run (d->cv, GST_VIDEO_FRAME_PLANE_DATA (d->frame, 0),
      GST_VIDEO_FRAME_PLANE_DATA (d->scaled, 0));
  gst_gpu_video_convert_frame (d->norm, d->scaled, d->dst);
}
#endif

static void
set_threads (GstGpuVideoConvert *convert, guint threads)
{
  if (gst_gpu_video_convert_set_threads)
    gst_gpu_video_convert_set_threads (convert, threads);
}

/* A mapped frame of @info filled with a fixed pseudo-random pattern. */
static void
frame_new (GstVideoFrame *frame, GstVideoInfo *info)
{
  GstBuffer *buf;
  GstMapInfo map;
  gsize i;

  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < map.size; i++)
    map.data[i] = (guint8)(i * 2654435761u >> 13);
  gst_buffer_unmap (buf, &map);
  gst_video_frame_map (frame, info, buf, GST_MAP_READWRITE);
  gst_buffer_unref (buf); /* the mapping holds it */
}

static void
slot_format_init (
    GstGpuVideoSlotFormat *out, guint width, guint height, const SlotKind *kind)
{
  guint ch;

  memset (out, 0, sizeof (*out));
  out->width = width;
  out->height = height;
  out->color = GST_GPU_COLOR_RGB;
  out->layout = kind->layout;
  out->dtype = kind->dtype;
  for (ch = 0; ch < 3; ch++) {
    out->scale[ch] = 1.0f / (255.0f * 0.226f);
    out->offset[ch] = -0.45f / 0.226f;
  }
}

static GstGpuVideoConvert *
plan (const GstVideoInfo *info, const GstGpuVideoSlotFormat *out, guint threads)
{
  GError *error = NULL;
  GstGpuVideoConvert *convert
      = gst_gpu_video_convert_new (info, out, NULL, &error);

  if (!convert) {
    g_printerr ("plan: %s\n", error->message);
    g_clear_error (&error);
    return NULL;
  }
  set_threads (convert, threads);
  return convert;
}

static const gchar *
kind_name (const SlotKind *kind)
{
  return kind->dtype == GST_GPU_DTYPE_FLOAT32
             ? (kind->layout == GST_GPU_LAYOUT_NCHW ? "f32 NCHW" : "f32 NHWC")
         : kind->dtype == GST_GPU_DTYPE_FLOAT16
             ? (kind->layout == GST_GPU_LAYOUT_NCHW ? "f16 NCHW" : "f16 NHWC")
             : (kind->layout == GST_GPU_LAYOUT_NCHW ? "u8 NCHW" : "u8 NHWC");
}

static gchar *
case_name (GstVideoFormat format, gint in_w, gint in_h, guint size,
    const SlotKind *kind)
{
  return g_strdup_printf ("%s %dx%d -> %u %s",
      gst_video_format_to_string (format), in_w, in_h, size, kind_name (kind));
}

/* One scaled case: ours on one thread and on every core, and the two
 * baselines on one thread. */
static void
run_scaled (GstVideoFormat format, gint in_w, gint in_h, guint size,
    const SlotKind *kind)
{
  GstVideoInfo info, scaled_info;
  GstVideoFrame frame, scaled;
  GstVideoFormat scaled_format;
  GstGpuVideoSlotFormat out;
  RunData d = {
    0,
  };
  gdouble one, one_wall = 0, all = 0, vconv, cv = 0, best;
  gchar *name;

  gst_video_info_set_format (&info, format, in_w, in_h);
  frame_new (&frame, &info);
  slot_format_init (&out, size, size, kind);
  d.frame = &frame;
  d.size = gst_gpu_video_slot_format_size (&out);
  d.dst = g_malloc (d.size);

  d.convert = plan (&info, &out, 1);
  if (!d.convert)
    goto out;
  one = measure (run_convert, &d);
  if (gst_gpu_video_convert_set_threads) {
    /* the speed-up compares wall-clock rates */
    one_wall = measure_wall (run_convert, &d);
    set_threads (d.convert, 0);
    all = measure_wall (run_convert, &d);
  }

  /* the baselines scale into packed 8-bit RGB (BGRx for BGRx input, RGBx
   * for GstVideoConverter where ORC normalises it into NCHW float32) */
  scaled_format = format == GST_VIDEO_FORMAT_BGRx ? GST_VIDEO_FORMAT_BGRx
                  : kind->dtype == GST_GPU_DTYPE_FLOAT32
                          && kind->layout == GST_GPU_LAYOUT_NCHW
                      ? GST_VIDEO_FORMAT_RGBx
                      : GST_VIDEO_FORMAT_RGB;
  gst_video_info_set_format (&scaled_info, scaled_format, size, size);
  frame_new (&scaled, &scaled_info);
  d.scaled = &scaled;
  d.norm = plan (&scaled_info, &out, 1);
  d.vconv = gst_video_converter_new (&info, &scaled_info,
      gst_structure_new ("options", GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD,
          GST_TYPE_VIDEO_RESAMPLER_METHOD, GST_VIDEO_RESAMPLER_METHOD_LINEAR,
          GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
          GST_VIDEO_DITHER_NONE, GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT,
          1, NULL));
  vconv = measure (run_vconv, &d);
  best = vconv;
#ifdef HAVE_BENCH_OPENCV
  {
    GstVideoFormat cv_format = format == GST_VIDEO_FORMAT_BGRx
                                   ? GST_VIDEO_FORMAT_BGRx
                                   : GST_VIDEO_FORMAT_RGB;

    /* OpenCV resizes 3-channel images to 3 channels */
    if (scaled_format != cv_format) {
      gst_video_frame_unmap (&scaled);
      gst_gpu_video_convert_free (d.norm);
      gst_video_info_set_format (&scaled_info, cv_format, size, size);
      frame_new (&scaled, &scaled_info);
      d.norm = plan (&scaled_info, &out, 1);
    }
    d.cv = bench_cv_new (format == GST_VIDEO_FORMAT_BGRx   ? BENCH_CV_BGRX
                         : format == GST_VIDEO_FORMAT_NV12 ? BENCH_CV_NV12
                         : format == GST_VIDEO_FORMAT_I420 ? BENCH_CV_I420
                                                           : BENCH_CV_RGB,
        in_w, in_h, GST_VIDEO_INFO_PLANE_STRIDE (&info, 0), size, size,
        GST_VIDEO_INFO_PLANE_STRIDE (&scaled_info, 0));
    cv = measure (run_cv, &d);
    best = MAX (best, cv);
    bench_cv_free (d.cv);
  }
#endif

  name = case_name (format, in_w, in_h, size, kind);
  g_print ("%-32s %7.0f", name, one);
  if (all > 0)
    g_print ("  %7.0f (x%.2f)", all, all / one_wall);
  else
    g_print ("  %7s %7s", "-", "");
  g_print ("  %7.0f  %7.0f  %5.2f\n", vconv, cv, one / best);
  g_free (name);

  gst_video_converter_free (d.vconv);
  gst_gpu_video_convert_free (d.norm);
  gst_video_frame_unmap (&scaled);
  gst_gpu_video_convert_free (d.convert);
out:
  g_free (d.dst);
  gst_video_frame_unmap (&frame);
}

/* Unscaled cases (ORC) against memcpy of the same output bytes. */
static void
run_unscaled (GstVideoFormat format, const SlotKind *kind)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstGpuVideoSlotFormat out;
  RunData d = {
    0,
  };
  gdouble items, copies;

  gst_video_info_set_format (&info, format, 224, 224);
  frame_new (&frame, &info);
  slot_format_init (&out, 224, 224, kind);
  d.frame = &frame;
  d.size = gst_gpu_video_slot_format_size (&out);
  d.dst = g_malloc (d.size);
  d.src = g_malloc0 (d.size);
  d.convert = plan (&info, &out, 1);
  if (d.convert) {
    items = measure (run_convert, &d);
    copies = measure (run_memcpy, &d);
    g_print ("%s 224x224 -> 224 %s (unscaled) %-4s %7.0f items/s %6.2f GB/s "
             "out  memcpy %6.2f GB/s  ratio %.3f\n",
        gst_video_format_to_string (format), kind_name (kind),
        gst_gpu_video_convert_get_impl (d.convert), items, items * d.size / 1e9,
        copies * d.size / 1e9, items / copies);
    gst_gpu_video_convert_free (d.convert);
  }
  g_free (d.dst);
  g_free ((gpointer)d.src);
  gst_video_frame_unmap (&frame);
}

static void
run_samples (void)
{
  const gsize n = 16000 * 2; /* one second of 16 kHz stereo */
  gint16 *in = g_new (gint16, n);
  gfloat *out = g_new (gfloat, n);
  gfloat *copy = g_new0 (gfloat, n);
  gint64 start, elapsed;
  guint64 iters = 0, copies = 0;
  gsize i;

  for (i = 0; i < n; i++)
    in[i] = (gint16)(i * 7919);
  start = g_get_monotonic_time ();
  do {
    gst_gpu_convert_samples (
        NULL, GST_GPU_DTYPE_INT16, in, GST_GPU_DTYPE_FLOAT32, out, n, TRUE);
    iters++;
  } while ((elapsed = g_get_monotonic_time () - start) < MIN_TIME_US);
  {
    gdouble rate = iters * 1e6 / elapsed;

    start = g_get_monotonic_time ();
    do {
      memcpy (out, copy, n * sizeof (gfloat));
      copies++;
    } while ((elapsed = g_get_monotonic_time () - start) < MIN_TIME_US);
    g_print ("S16 32000 samples -> f32 (normalised) orc %7.0f items/s %6.2f "
             "GB/s out  memcpy %6.2f GB/s  ratio %.3f\n",
        rate, rate * n * 4 / 1e9, copies * 1e6 / elapsed * n * 4 / 1e9,
        rate / (copies * 1e6 / elapsed));
  }
  g_free (in);
  g_free (out);
  g_free (copy);
}

int
main (int argc, char **argv)
{
  guint f, i, o;
  /* a case name, or part of one: only the scaled cases that contain it */
  const gchar *only = NULL;

  gst_init (&argc, &argv);
  if (argc > 1)
    only = argv[1];
  g_print ("Scaled conversion, items/s. 1 thr: ours on one thread; all: ours "
           "on %u cores (speed-up over one thread, both by the wall clock); "
           "vconv, cv: baseline + normalisation, one thread%s; vs best: 1 thr "
           "/ the better baseline. One-thread rates are per second of the "
           "thread's CPU time.\n",
      g_get_num_processors (),
#ifdef HAVE_BENCH_OPENCV
      ""
#else
      " (cv: built without OpenCV)"
#endif
  );
  g_print ("%-32s %7s  %7s %7s  %7s  %7s  %5s\n", "case", "1 thr", "all", "",
      "vconv", "cv", "vs best");
  for (f = 0; f < G_N_ELEMENTS (scaled_formats); f++)
    for (i = 0; i < G_N_ELEMENTS (in_sizes); i++)
      for (o = 0; o < G_N_ELEMENTS (out_sizes); o++) {
        const SlotKind *kind = &slot_kinds[(2 * i + o + scaled_formats[f].shift)
                                           % G_N_ELEMENTS (slot_kinds)];
        gchar *name = case_name (scaled_formats[f].format, in_sizes[i][0],
            in_sizes[i][1], out_sizes[o], kind);

        if (!only || strstr (name, only))
          run_scaled (scaled_formats[f].format, in_sizes[i][0], in_sizes[i][1],
              out_sizes[o], kind);
        g_free (name);
      }
  if (only)
    return 0;
  run_unscaled (GST_VIDEO_FORMAT_RGBx, &slot_kinds[0]);
  run_unscaled (GST_VIDEO_FORMAT_RGB, &slot_kinds[1]);
  run_samples ();
  return 0;
}
