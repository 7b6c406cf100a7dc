/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuinfer benchmark (CPU, libtorch), printed in one run:
 *  1. overhead: the same batches through (a) a plain C++ loop in this file,
 *     torch::jit::load + forward under InferenceMode with the output copied
 *     into a preallocated buffer (what any caller of libtorch has to do),
 *     (b) the engine vtable (gst_gpu_engine_run) and (c) appsrc ! gpuinfer
 *     ! fakesink, one batch at a time, the three taking turns batch by batch
 *     so that load from other processes on the machine hits them alike;
 *  2. a batch-size sweep through gpuinfer (appsrc batches) per model;
 *  3. videotestsrc ! gpubatch ! gpuinfer ! fakesink with adaptive=true
 *     against adaptive=false at the best fixed size found in 2, best of
 *     ROUNDS runs each, interleaved: items/s over the whole run and over
 *     its second half, once the controller's sweep is over.
 * All threads share one malloc arena (see main ()).
 *
 *   bench-gpuinfer MODELS_DIR
 */
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <malloc.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#include "elements/gpuinfer/engines/gstgpuengine.h"
#include "elements/gpuinfer/engines/gstgpuenginetorchprepare.h"
#include "gst/gstgpubatchmeta.h"
#include "tests/bench/bench-openmp.h"

#define ROUNDS 2
#define WIDTH 224
#define ITEM_FLOATS (WIDTH * WIDTH * 3)
#define N_CLASSES 1000
#define MAX_BATCH 16

static const guint sweep_sizes[] = { 1, 2, 4, 8, 16 };

struct ModelCase
{
  const char *name;
  guint overhead_steps; /* batches of 8 per variant in part 1 */
  guint sweep_items;    /* items per batch size in the sweep */
  guint pipeline_items; /* items through gpubatch in part 3 */
};

static const ModelCase models[] = {
  { "mobilenet_v3_small", 30, 48, 1200 },
  { "resnet18", 15, 16, 480 },
};

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* --- 1a: libtorch directly ------------------------------------------- */

/* Seconds for one forward pass, output copied out like the engine does. */
static gdouble
step_direct (
    torch::jit::Module &module, float *input, float *output, guint batch)
{
  c10::InferenceMode guard;
  torch::jit::GraphOptimizerEnabledGuard executor_guard (false);
  at::Tensor in = torch::from_blob (input, { batch, 3, WIDTH, WIDTH });
  at::Tensor out = torch::from_blob (output, { batch, N_CLASSES });
  std::vector<torch::jit::IValue> args{ in };
  gdouble t0 = now_s ();

  out.copy_ (module.forward (args).toTensor ());
  return now_s () - t0;
}

/* --- 1b: the engine vtable --------------------------------------------- */

static gdouble
step_engine (GstGpuEngine *engine, float *input, float *output, guint batch)
{
  GstGpuEngineTensor in, out;
  gboolean failed[MAX_BATCH];
  GError *error = NULL;
  gdouble t0;

  memset (&in, 0, sizeof (in));
  memset (&out, 0, sizeof (out));
  in.data = input;
  in.info = engine->inputs[0].info;
  in.info.dims[in.info.rank - 1] = batch;
  out.data = output;
  out.info = engine->outputs[0].info;
  t0 = now_s ();
  if (!gst_gpu_engine_run (engine, batch, &in, &out, failed, &error)) {
    g_printerr ("engine run failed: %s\n", error->message);
    g_clear_error (&error);
    return -1;
  }
  return now_s () - t0;
}

/* --- 1c, 2: appsrc ! gpuinfer ! fakesink, one batch at a time ----------- */

struct ElementRun
{
  GstElement *pipeline, *src;
  GMutex lock;
  GCond cond;
  guint received;
  guint pushed;
};

/* fakesink handoff, streaming thread; takes run->lock */
static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer data)
{
  ElementRun *run = (ElementRun *)data;

  g_mutex_lock (&run->lock);
  run->received++;
  g_cond_signal (&run->cond);
  g_mutex_unlock (&run->lock);
}

static gboolean
element_open (ElementRun *run, const gchar *model, guint batch)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time block=true max-bytes=0 "
      "caps=\"other/tensors,format=static,num_tensors=1,"
      "dimensions=%u:%u:3:%u,types=float32,framerate=0/1\" "
      "! gpuinfer model=\"%s\" ! fakesink name=sink signal-handoffs=true",
      WIDTH, WIDTH, batch, model);
  GError *error = NULL;
  GstElement *sink;

  memset (run, 0, sizeof (*run));
  g_mutex_init (&run->lock);
  g_cond_init (&run->cond);
  run->pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (!run->pipeline) {
    g_printerr ("%s\n", error->message);
    g_clear_error (&error);
    return FALSE;
  }
  run->src = gst_bin_get_by_name (GST_BIN (run->pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (run->pipeline), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), run);
  gst_object_unref (sink);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  return TRUE;
}

/* Seconds from pushing one batch to its output reaching the sink, or -1
 * when the pipeline failed. */
static gdouble
element_step (ElementRun *run, float *input, guint batch)
{
  gsize size = (gsize)ITEM_FLOATS * batch * sizeof (float);
  GstBuffer *buf = gst_buffer_new_wrapped_full (
      GST_MEMORY_FLAG_READONLY, input, size, 0, size, NULL, NULL);
  GstBus *bus = gst_element_get_bus (run->pipeline);
  GstMessage *msg;
  gdouble t0, result = -1;

  GST_BUFFER_PTS (buf) = run->pushed * GST_MSECOND;
  t0 = now_s ();
  if (gst_app_src_push_buffer (GST_APP_SRC (run->src), buf) != GST_FLOW_OK)
    goto out;
  run->pushed++;
  g_mutex_lock (&run->lock);
  while (run->received < run->pushed) {
    gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 10;

    if (!g_cond_wait_until (&run->cond, &run->lock, end)) {
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      if (msg) {
        g_printerr ("gpuinfer pipeline failed\n");
        gst_message_unref (msg);
        g_mutex_unlock (&run->lock);
        goto out;
      }
    }
  }
  g_mutex_unlock (&run->lock);
  result = now_s () - t0;

out:
  gst_object_unref (bus);
  return result;
}

static void
element_close (ElementRun *run)
{
  GstBus *bus = gst_element_get_bus (run->pipeline);
  GstMessage *msg;

  gst_app_src_end_of_stream (GST_APP_SRC (run->src));
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (run->src);
  gst_object_unref (run->pipeline);
  g_mutex_clear (&run->lock);
  g_cond_clear (&run->cond);
}

static gdouble
median (std::vector<gdouble> v)
{
  std::sort (v.begin (), v.end ());
  if (v.empty ())
    return -1;
  if (v.size () % 2)
    return v[v.size () / 2];
  return (v[v.size () / 2 - 1] + v[v.size () / 2]) / 2;
}

static gdouble
sum (const std::vector<gdouble> &v)
{
  gdouble total = 0;

  for (gdouble x : v)
    total += x;
  return total;
}

/* --- 3: videotestsrc ! gpubatch ! gpuinfer ! fakesink --------------------- */

struct ItemCount
{
  guint64 half;  /* items counted from here on in the second half */
  guint64 items; /* items seen so far */
  guint64 first_items, half_items;
  gdouble first, half_time, last;
};

static GstPadProbeReturn
count_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  ItemCount *c = (ItemCount *)data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);
  guint n = meta ? meta->n_valid : 1;

  c->last = now_s ();
  if (c->items == 0) {
    c->first = c->last;
    c->first_items = n;
  }
  c->items += n;
  if (c->half_items == 0 && c->items >= c->half) {
    c->half_time = c->last;
    c->half_items = c->items;
  }
  return GST_PAD_PROBE_OK;
}

/* What one pipeline run measured. */
struct PipelineRun
{
  gdouble whole;  /* items/s after the first batch (the model's first,
                   * slow pass) */
  gdouble second; /* items/s over the second half of the items */
  guint target;   /* gpubatch's final target size */
  gdouble avg;    /* gpuinfer's average batch */
};

static gboolean
pipeline_run (const gchar *model, const gchar *batch_props, guint n_items,
    PipelineRun *run)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=%u pattern=ball "
      "! video/x-raw,format=RGB,width=%u,height=%u,framerate=30/1 "
      "! gpubatch name=b device=cpu width=%u height=%u "
      "mean=\"<0.485,0.456,0.406>\" std=\"<0.229,0.224,0.225>\" %s "
      "! gpuinfer name=i model=\"%s\" ! fakesink name=sink",
      n_items, WIDTH, WIDTH, WIDTH, WIDTH, batch_props, model);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstElement *inf = gst_bin_get_by_name (GST_BIN (pipeline), "i");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  ItemCount c = { n_items / 2, 0, 0, 0, 0, 0, 0 };
  GstStructure *stats = NULL;
  GstMessage *msg;
  gboolean ok = FALSE;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, &c, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_printerr ("error running '%s'\n", desc);
  } else if (c.items == n_items && c.last > c.half_time
             && c.half_time > c.first) {
    run->whole = (c.items - c.first_items) / (c.last - c.first);
    run->second = (c.items - c.half_items) / (c.last - c.half_time);
    ok = TRUE;
  }
  gst_message_unref (msg);
  g_object_get (b, "stats", &stats, NULL);
  gst_structure_get_uint (stats, "target-batch-size", &run->target);
  gst_structure_free (stats);
  g_object_get (inf, "stats", &stats, NULL);
  gst_structure_get_double (stats, "average-batch", &run->avg);
  gst_structure_free (stats);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (inf);
  gst_object_unref (b);
  gst_object_unref (pipeline);
  g_free (desc);
  return ok;
}

/* Keeps the run with the better whole-run rate. */
static void
keep_best (PipelineRun *best, const PipelineRun *run)
{
  if (run->whole > best->whole)
    *best = *run;
}

/* Part 1 for one model at batch 8: the three variants take turns batch by
 * batch, so that load from other processes hits them alike. */
static gboolean
bench_overhead (const char *name, const std::string &path, guint n_steps,
    float *input, float *output)
{
  const guint batch = 8;
  GstGpuEngineDevice device = { FALSE, -1, NULL };
  std::vector<gdouble> direct, vtable, element;
  GstGpuTensorInfo info;
  GError *error = NULL;
  GstGpuEngine *engine;
  ElementRun run;
  gboolean ok = FALSE;
  guint i;

  /* prepared as the engine prepares it (optimize=true) */
  torch::jit::Module module = torch::jit::load (path);
  unsigned n_dense;

  module.eval ();
  module = gst_gpu_torch_prepare_for_inference (module, &n_dense);
  engine = gst_gpu_engine_open ("auto", path.c_str (), &device, NULL, &error);
  if (!engine)
    goto out_error;
  info = engine->inputs[0].info;
  info.dims[info.rank - 1] = batch;
  if (!gst_gpu_engine_configure (engine, &info, &error))
    goto out_free_engine;
  if (!element_open (&run, path.c_str (), batch))
    goto out_free_engine;

  /* step 0 warms each variant up and is not counted; the order rotates so
   * that none always runs first (after the others evicted its caches) */
  for (i = 0; i <= n_steps; i++) {
    gdouble d = 0, v = 0, e = 0;
    guint k;

    for (k = 0; k < 3; k++) {
      switch ((i + k) % 3) {
        case 0:
          d = step_direct (module, input, output, batch);
          break;
        case 1:
          v = step_engine (engine, input, output, batch);
          break;
        default:
          e = element_step (&run, input, batch);
          break;
      }
    }
    if (d <= 0 || v <= 0 || e <= 0)
      goto out_close_element;
    if (i == 0)
      continue;
    direct.push_back (d);
    vtable.push_back (v);
    element.push_back (e);
  }
  g_print ("  %s, batch %u, %u batches per variant, taking turns\n", name,
      batch, n_steps);
  g_print ("    %-28s %10s %10s %9s %9s\n", "", "items/s", "(median)",
      "sum ratio", "overhead");
  g_print ("    %-28s %10.1f %10.1f %9.3f %8s\n", "libtorch direct (C++ loop)",
      batch * n_steps / sum (direct), batch / median (direct), 1.0, "-");
  g_print ("    %-28s %10.1f %10.1f %9.3f %+8.1f%%\n", "engine vtable (C API)",
      batch * n_steps / sum (vtable), batch / median (vtable),
      sum (direct) / sum (vtable),
      (median (vtable) / median (direct) - 1) * 100);
  g_print ("    %-28s %10.1f %10.1f %9.3f %+8.1f%%\n",
      "appsrc ! gpuinfer ! fakesink", batch * n_steps / sum (element),
      batch / median (element), sum (direct) / sum (element),
      (median (element) / median (direct) - 1) * 100);
  ok = TRUE;

out_close_element:
  element_close (&run);
out_free_engine:
  gst_gpu_engine_free (engine);
out_error:
  if (error) {
    g_printerr ("engine: %s\n", error->message);
    g_clear_error (&error);
  }
  return ok;
}

/* Part 2: items/s through gpuinfer at @batch, from the median batch time
 * over at least @n_items items (one warm-up batch not counted). */
static gdouble
sweep_point (const std::string &path, float *input, guint batch, guint n_items)
{
  guint n_steps = MAX (2u, n_items / batch), i;
  std::vector<gdouble> times;
  ElementRun run;

  if (!element_open (&run, path.c_str (), batch))
    return -1;
  for (i = 0; i <= n_steps; i++) {
    gdouble t = element_step (&run, input, batch);

    if (t <= 0)
      break;
    if (i > 0)
      times.push_back (t);
  }
  element_close (&run);
  if (times.size () != n_steps)
    return -1;
  return batch / median (times);
}

struct Args
{
  const char *models_dir;
  int ret;
};

/* Runs on a worker thread of its own, like gpuinfer's streaming thread, so
 * that libtorch's per-thread defaults (OpenMP's thread count) are the same
 * for the direct calls and for the element. */
static gpointer
bench_thread (gpointer data)
{
  Args *args = (Args *)data;
  std::vector<float> input ((size_t)ITEM_FLOATS * MAX_BATCH);
  std::vector<float> output ((size_t)N_CLASSES * MAX_BATCH);
  std::vector<guint> best_size (G_N_ELEMENTS (models));
  gdouble t_start = now_s ();
  int ret = 1;
  guint m, s, r;

  /* a fixed pseudo-random input, roughly ImageNet-normalised values */
  for (size_t i = 0; i < input.size (); i++)
    input[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;

  g_print ("torch intra-op threads on this thread: %d, CPU\n\n",
      at::get_num_threads ());
  g_print ("1. gpuinfer against libtorch called directly (overhead from the "
           "median batch time)\n");
  for (m = 0; m < G_N_ELEMENTS (models); m++) {
    std::string path
        = std::string (args->models_dir) + "/" + models[m].name + ".pt";
    if (!bench_overhead (models[m].name, path, models[m].overhead_steps,
            input.data (), output.data ()))
      goto out;
  }

  g_print ("\n2. batch-size sweep, appsrc ! gpuinfer ! fakesink (items/s "
           "from the median batch time)\n");
  g_print ("  %-20s", "model \\ batch");
  for (s = 0; s < G_N_ELEMENTS (sweep_sizes); s++)
    g_print ("%9u", sweep_sizes[s]);
  g_print ("   best\n");
  for (m = 0; m < G_N_ELEMENTS (models); m++) {
    std::string path
        = std::string (args->models_dir) + "/" + models[m].name + ".pt";
    gdouble rate[G_N_ELEMENTS (sweep_sizes)];
    guint bi = 0;

    for (s = 0; s < G_N_ELEMENTS (sweep_sizes); s++) {
      rate[s] = sweep_point (
          path, input.data (), sweep_sizes[s], models[m].sweep_items);
      if (rate[s] <= 0)
        goto out;
      if (rate[s] > rate[bi])
        bi = s;
    }
    best_size[m] = sweep_sizes[bi];
    g_print ("  %-20s", models[m].name);
    for (s = 0; s < G_N_ELEMENTS (sweep_sizes); s++)
      g_print ("%9.1f", rate[s]);
    g_print ("   %u\n", best_size[m]);
    g_print ("  %-20s", "  ratio to best");
    for (s = 0; s < G_N_ELEMENTS (sweep_sizes); s++)
      g_print ("%9.3f", rate[s] / rate[bi]);
    g_print ("\n");
  }

  g_print ("\n3. videotestsrc ! gpubatch ! gpuinfer ! fakesink: adaptive "
           "(1..%d) against the best fixed size from part 2, best of %d "
           "interleaved runs; items/s over the whole run (after the first "
           "batch, so the adaptive sweep is included) and over the second "
           "half of the items (after the sweep)\n",
      MAX_BATCH, ROUNDS);
  for (m = 0; m < G_N_ELEMENTS (models); m++) {
    std::string path
        = std::string (args->models_dir) + "/" + models[m].name + ".pt";
    gchar *fixed_props = g_strdup_printf (
        "adaptive=false max-batch-size=%u max-latency=0", best_size[m]);
    gchar *adaptive_props = g_strdup_printf (
        "adaptive=true min-batch-size=1 max-batch-size=%d max-latency=0",
        MAX_BATCH);
    PipelineRun fixed = { -1, -1, 0, 0 }, adaptive = { -1, -1, 0, 0 };
    PipelineRun run = { -1, -1, 0, 0 };

    for (r = 0; r < ROUNDS; r++) {
      if (pipeline_run (
              path.c_str (), fixed_props, models[m].pipeline_items, &run))
        keep_best (&fixed, &run);
      if (pipeline_run (
              path.c_str (), adaptive_props, models[m].pipeline_items, &run))
        keep_best (&adaptive, &run);
    }
    g_free (fixed_props);
    g_free (adaptive_props);
    if (fixed.whole <= 0 || adaptive.whole <= 0)
      goto out;
    g_print ("  %s, %u items\n", models[m].name, models[m].pipeline_items);
    g_print ("    %-22s %10s %12s %7s %9s\n", "", "whole run", "second half",
        "target", "avg batch");
    g_print ("    fixed %-16u %10.1f %12.1f %7u %9.1f\n", best_size[m],
        fixed.whole, fixed.second, fixed.target, fixed.avg);
    g_print ("    adaptive 1..%-11d %10.1f %12.1f %7u %9.1f\n", MAX_BATCH,
        adaptive.whole, adaptive.second, adaptive.target, adaptive.avg);
    g_print ("    adaptive / fixed %16.3f %12.3f\n",
        adaptive.whole / fixed.whole, adaptive.second / fixed.second);
  }
  ret = 0;

out:
  g_print ("\ntotal %.0f s\n", now_s () - t_start);
  args->ret = ret;
  return NULL;
}

int
main (int argc, char **argv)
{
  Args args = { NULL, 1 };

  /* One malloc arena for every thread. With glibc's per-thread arenas the
   * large activations of a forward pass are served differently in the
   * benchmark's thread and in gpuinfer's streaming thread (reused in one,
   * fresh mmap + page faults in the other), which moved the per-batch time
   * by -55 % to +60 % either way between runs and hid the element's own
   * cost. With one arena all variants see the same allocator. */
  mallopt (M_ARENA_MAX, 1);
  if (!bench_openmp_like_gpuinfer (argv))
    return 1;
  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s MODELS_DIR\n", argv[0]);
    return 2;
  }
  args.models_dir = argv[1];
  g_print ("torch intra-op threads on the main thread: %d\n",
      at::get_num_threads ());
  g_thread_join (g_thread_new ("bench", bench_thread, &args));
  return args.ret;
}
