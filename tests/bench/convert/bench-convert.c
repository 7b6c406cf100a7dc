/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CPU item -> slot conversion throughput for representative cases, each
 * printed with the throughput of memcpy of the same output bytes measured
 * in the same run (the baseline), and for the ORC cases the plain C
 * reference too. Not a test: it prints figures, it does not judge them.
 *
 *   meson test -C build --benchmark -v convert
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "gpu/convert/gstgpuconvert.h"

#define MIN_TIME_US 400000

typedef struct
{
  const gchar *name;
  GstVideoFormat format;
  gint in_w, in_h;
  guint out_w, out_h;
  GstGpuLayout layout;
  GstGpuDType dtype;
} BenchCase;

static const BenchCase cases[] = {
  { "RGB 640x480 -> 224x224 f32 NCHW (scaled)", GST_VIDEO_FORMAT_RGB, 640, 480,
      224, 224, GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT32 },
  { "RGBx 224x224 -> 224x224 f32 NCHW (unscaled)", GST_VIDEO_FORMAT_RGBx, 224,
      224, 224, 224, GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT32 },
  { "RGB 224x224 -> 224x224 f32 NHWC (unscaled)", GST_VIDEO_FORMAT_RGB, 224,
      224, 224, 224, GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_FLOAT32 },
  { "NV12 1280x720 -> 224x224 f32 NCHW (scaled)", GST_VIDEO_FORMAT_NV12, 1280,
      720, 224, 224, GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT32 },
  { "I420 1280x720 -> 640x640 f16 NCHW (scaled)", GST_VIDEO_FORMAT_I420, 1280,
      720, 640, 640, GST_GPU_LAYOUT_NCHW, GST_GPU_DTYPE_FLOAT16 },
  { "BGRx 1920x1080 -> 224x224 u8 NHWC (scaled)", GST_VIDEO_FORMAT_BGRx, 1920,
      1080, 224, 224, GST_GPU_LAYOUT_NHWC, GST_GPU_DTYPE_UINT8 },
};

typedef void (*RunFunc) (gpointer data);

/* Items per second of @run, repeated for at least MIN_TIME_US. */
static gdouble
measure (RunFunc run, gpointer data)
{
  gint64 start, elapsed;
  guint64 n = 0, batch = 1;

  run (data); /* warm caches and page in */
  start = g_get_monotonic_time ();
  do {
    guint64 i;

    for (i = 0; i < batch; i++)
      run (data);
    n += batch;
    batch *= 2;
    elapsed = g_get_monotonic_time () - start;
  } while (elapsed < MIN_TIME_US);
  return n * 1e6 / elapsed;
}

typedef struct
{
  GstGpuVideoConvert *convert;
  GstVideoFrame *frame;
  const GstGpuVideoSlotFormat *out;
  gpointer dst;
  gconstpointer src;
  gsize size;
} RunData;

static void
run_convert (gpointer data)
{
  RunData *d = data;

  gst_gpu_video_convert_frame (d->convert, d->frame, d->dst);
}

static void
run_reference (gpointer data)
{
  RunData *d = data;

  gst_gpu_video_convert_reference (d->frame, d->out, d->dst);
}

static void
run_memcpy (gpointer data)
{
  RunData *d = data;

  memcpy (d->dst, d->src, d->size);
}

static void
run_case (const BenchCase *c)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstGpuVideoSlotFormat out = {
    0,
  };
  GstBuffer *buf;
  GstMapInfo map;
  RunData d = {
    0,
  };
  GError *error = NULL;
  gdouble items, copies, gb;
  gsize i;
  guint ch;

  gst_video_info_set_format (&info, c->format, c->in_w, c->in_h);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < map.size; i++)
    map.data[i] = (guint8)(i * 2654435761u >> 13);
  gst_buffer_unmap (buf, &map);
  gst_video_frame_map (&frame, &info, buf, GST_MAP_READ);

  out.width = c->out_w;
  out.height = c->out_h;
  out.color = GST_GPU_COLOR_RGB;
  out.layout = c->layout;
  out.dtype = c->dtype;
  for (ch = 0; ch < 3; ch++) {
    out.scale[ch] = 1.0f / (255.0f * 0.226f);
    out.offset[ch] = -0.45f / 0.226f;
  }
  d.convert = gst_gpu_video_convert_new (&info, &out, NULL, &error);
  if (!d.convert) {
    g_printerr ("%s: %s\n", c->name, error->message);
    g_clear_error (&error);
    goto out_unmap;
  }
  d.frame = &frame;
  d.out = &out;
  d.size = gst_gpu_video_slot_format_size (&out);
  d.dst = g_malloc (d.size);
  d.src = g_malloc0 (d.size);

  items = measure (run_convert, &d);
  copies = measure (run_memcpy, &d);
  gb = items * d.size / 1e9;
  g_print ("%-46s %-4s %9.0f items/s %6.2f GB/s out  memcpy %6.2f GB/s"
           "  ratio %.3f\n",
      c->name, gst_gpu_video_convert_get_impl (d.convert), items, gb,
      copies * d.size / 1e9, items / copies);
  if (strcmp (gst_gpu_video_convert_get_impl (d.convert), "c") != 0) {
    gdouble ref = measure (run_reference, &d);

    g_print ("%-46s %-4s %9.0f items/s %6.2f GB/s out  (%s is %.1fx C)\n",
        "  same, plain C reference", "c", ref, ref * d.size / 1e9,
        gst_gpu_video_convert_get_impl (d.convert), items / ref);
  }

  g_free (d.dst);
  g_free ((gpointer)d.src);
  gst_gpu_video_convert_free (d.convert);
out_unmap:
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
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
    g_print ("%-46s %-4s %9.0f items/s %6.2f GB/s out  memcpy %6.2f GB/s"
             "  ratio %.3f\n",
        "S16 32000 samples -> f32 (normalised)", "orc", rate,
        rate * n * 4 / 1e9, copies * 1e6 / elapsed * n * 4 / 1e9,
        rate / (copies * 1e6 / elapsed));
  }
  g_free (in);
  g_free (out);
  g_free (copy);
}

int
main (int argc, char **argv)
{
  guint i;

  gst_init (&argc, &argv);
  g_print ("CPU conversion, one thread; ratio = conversion items/s divided by "
           "memcpy of the same output bytes per second, same run\n");
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    run_case (&cases[i]);
  run_samples ();
  return 0;
}
