/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bench-pipeline: the demo pipeline end to end against a plain C++ loop
 * doing the same work.
 *
 *   pipeline: 4 x videotestsrc 320x240 RGB -> gpubatch (224x224 float32
 *             NCHW, ImageNet mean/std, adaptive=false, max-batch-size=B)
 *             -> gpuinfer -> gpuunbatch -> queue ! fakesink sync=false
 *   loop:     4 RGB 320x240 frames converted into a batch of B slots with
 *             the project's conversion (gst_gpu_video_convert_frame, the
 *             code gpubatch runs), then one forward pass of the same
 *             model, frozen and optimised the way the torch engine does,
 *             with the same intra-op threads (one per core)
 *
 * Both are timed in steady state: from the end of their first batch to
 * the end of their last (model loading, optimisation and warm-up are not
 * counted, the first batch's conversion neither). The pipeline renders its
 * frames with videotestsrc; the loop converts frames rendered once, so
 * the ratio also charges the pipeline for its sources. Each configuration
 * runs pipeline, loop, pipeline, loop, and the better run of each counts.
 *
 *   bench-pipeline MODELS_DIR
 */
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "elements/gpuinfer/engines/gstgpuenginetorchprepare.h"
#include "gpu/convert/gstgpuconvert.h"
#include "tests/bench/bench-openmp.h"
#include "gst/gstgpubatchmeta.h"

#define N_SOURCES 4
#define IN_WIDTH 320
#define IN_HEIGHT 240
#define SIZE 224

static const gfloat mean[3] = { 0.485f, 0.456f, 0.406f };
static const gfloat stdev[3] = { 0.229f, 0.224f, 0.225f };
static const char *patterns[N_SOURCES]
    = { "smpte", "ball", "snow", "checkers-8" };

/* Steady-state rate: items after the first batch over the time from the
 * end of the first batch to the end of the last. */
struct Meter
{
  gint64 first_us = 0;
  gint64 last_us = 0;
  guint64 items_after_first = 0;
  guint batches = 0;

  void record (guint items)
  {
    gint64 now = g_get_monotonic_time ();

    if (batches++ == 0)
      first_us = now;
    else
      items_after_first += items;
    last_us = now;
  }
  double rate () const
  {
    return last_us > first_us ? items_after_first * 1e6 / (last_us - first_us)
                              : 0.0;
  }
};

/* gpuinfer's src pad, streaming thread: one call per batch pushed */
static GstPadProbeReturn
count_batch (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Meter *meter = (Meter *)data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);

  meter->record (meta ? meta->n_valid : 0);
  return GST_PAD_PROBE_OK;
}

static double
run_pipeline (const std::string &model, guint batch, guint frames)
{
  GString *desc = g_string_new (NULL);
  GstElement *pipeline, *infer;
  GstMessage *msg;
  GError *error = NULL;
  GstPad *pad;
  Meter meter;
  double rate = 0;

  g_string_append_printf (desc,
      "gpubatch name=b adaptive=false max-batch-size=%u width=%d "
      "height=%d mean=\"<%g,%g,%g>\" std=\"<%g,%g,%g>\" "
      "! gpuinfer name=infer model=\"%s\" ! gpuunbatch name=u ",
      batch, SIZE, SIZE, mean[0], mean[1], mean[2], stdev[0], stdev[1],
      stdev[2], model.c_str ());
  for (guint i = 0; i < N_SOURCES; i++) {
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=%s "
        "! video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1 "
        "! b.sink_%u u.src_%u ! queue ! fakesink sync=false ",
        frames, patterns[i], IN_WIDTH, IN_HEIGHT, i, i);
  }
  pipeline = gst_parse_launch (desc->str, &error);
  g_string_free (desc, TRUE);
  if (!pipeline) {
    g_printerr ("pipeline: %s\n", error->message);
    g_clear_error (&error);
    return 0;
  }
  infer = gst_bin_get_by_name (GST_BIN (pipeline), "infer");
  pad = gst_element_get_static_pad (infer, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_batch, &meter, NULL);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_CLOCK_TIME_NONE,
      (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("pipeline: %s\n", error->message);
    g_clear_error (&error);
  } else {
    rate = meter.rate ();
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (infer);
  gst_object_unref (pipeline);
  return rate;
}

/* Loaded and prepared as the engine prepares it (optimize=true); its
 * forward passes run under InferenceMode with the graph executor's own
 * optimisation off. */
static torch::jit::Module
load_optimized (const std::string &path)
{
  torch::jit::Module module = torch::jit::load (path);
  unsigned n_dense;

  module.eval ();
  return gst_gpu_torch_prepare_for_inference (module, &n_dense);
}

static double
run_loop (const std::string &path, guint batch, guint frames)
{
  GstGpuVideoSlotFormat fmt = {};
  GstGpuVideoConvert *convert;
  GstVideoInfo info;
  GstVideoFrame in[N_SOURCES];
  GstBuffer *bufs[N_SOURCES];
  GError *error = NULL;
  Meter meter;
  guint total = frames * N_SOURCES, done = 0;

  fmt.width = SIZE;
  fmt.height = SIZE;
  fmt.color = GST_GPU_COLOR_RGB;
  fmt.layout = GST_GPU_LAYOUT_NCHW;
  fmt.dtype = GST_GPU_DTYPE_FLOAT32;
  for (guint c = 0; c < 3; c++) {
    fmt.scale[c] = 1.0f / (255.0f * stdev[c]);
    fmt.offset[c] = -mean[c] / stdev[c];
  }
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, IN_WIDTH, IN_HEIGHT);
  convert = gst_gpu_video_convert_new (&info, &fmt, NULL, &error);
  if (!convert) {
    g_printerr ("loop: %s\n", error->message);
    g_clear_error (&error);
    return 0;
  }
  /* frames rendered once: random pixels cost the conversion the same */
  for (guint i = 0; i < N_SOURCES; i++) {
    GstMapInfo map;

    bufs[i] = gst_buffer_new_allocate (NULL, info.size, NULL);
    gst_buffer_map (bufs[i], &map, GST_MAP_WRITE);
    for (gsize b = 0; b < map.size; b++)
      map.data[b] = (guint8)g_random_int ();
    gst_buffer_unmap (bufs[i], &map);
    gst_video_frame_map (&in[i], &info, bufs[i], GST_MAP_READ);
  }

  torch::jit::Module module = load_optimized (path);
  gsize slot = gst_gpu_video_slot_format_size (&fmt);
  std::vector<guint8> tensor (slot * batch);
  at::set_num_threads ((int)g_get_num_processors ());
  {
    c10::InferenceMode guard;
    torch::jit::GraphOptimizerEnabledGuard executor_guard (false);
    std::vector<c10::IValue> zeros{ torch::zeros ({ batch, 3, SIZE, SIZE }) };

    for (int i = 0; i < 2; i++)
      module.forward (zeros);

    while (done < total) {
      guint n = MIN (batch, total - done);

      for (guint s = 0; s < n; s++) {
        gst_gpu_video_convert_frame (
            convert, &in[(done + s) % N_SOURCES], tensor.data () + s * slot);
      }
      std::vector<c10::IValue> args{ torch::from_blob (
          tensor.data (), { n, 3, SIZE, SIZE }, torch::kFloat) };
      torch::Tensor out = module.forward (args).toTensor ();
      meter.record (n);
      done += n;
    }
  }

  for (guint i = 0; i < N_SOURCES; i++) {
    gst_video_frame_unmap (&in[i]);
    gst_buffer_unref (bufs[i]);
  }
  gst_gpu_video_convert_free (convert);
  return meter.rate ();
}

int
main (int argc, char **argv)
{
  struct
  {
    const char *model;
    guint frames; /* per source */
  } models[] = { { "mobilenet_v3_small", 100 }, { "resnet18", 32 } };
  const guint batches[] = { 8, 16 };
  gboolean ok = TRUE;

  if (!bench_openmp_like_gpuinfer (argv))
    return 1;
  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s MODELS_DIR\n", argv[0]);
    return 2;
  }
  g_print ("bench-pipeline: %d sources %dx%d RGB -> %dx%d float32 NCHW, "
           "%u cores, intra-op threads = cores, OMP_WAIT_POLICY=%s; "
           "steady-state items/s, better of 2 runs each\n",
      N_SOURCES, IN_WIDTH, IN_HEIGHT, SIZE, SIZE, g_get_num_processors (),
      g_getenv ("OMP_WAIT_POLICY"));
  g_print ("  %-20s %5s %12s %12s %7s\n", "model", "batch", "pipeline",
      "C++ loop", "ratio");
  for (const auto &m : models) {
    std::string path = std::string (argv[1]) + "/" + m.model + ".pt";

    for (guint batch : batches) {
      double pipe = 0, loop = 0;

      for (int round = 0; round < 2; round++) {
        double p = run_pipeline (path, batch, m.frames);
        double l = run_loop (path, batch, m.frames);

        g_print ("    (run %d: pipeline %.1f, loop %.1f items/s)\n", round + 1,
            p, l);
        pipe = MAX (pipe, p);
        loop = MAX (loop, l);
      }
      if (pipe <= 0 || loop <= 0) {
        ok = FALSE;
        continue;
      }
      g_print ("  %-20s %5u %12.1f %12.1f %7.3f%s\n", m.model, batch, pipe,
          loop, pipe / loop, pipe / loop >= 0.8 ? "" : "  (below 0.8)");
    }
  }
  return ok ? 0 : 1;
}
