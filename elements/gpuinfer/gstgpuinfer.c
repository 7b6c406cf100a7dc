/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-gpuinfer
 * @title: gpuinfer
 *
 * Runs a model on each batch of `other/tensors` (from gpubatch, or any
 * tensor stream whose outermost dimension is the batch) and pushes the
 * model's outputs, batch dimension kept, with the GstGpuBatchMeta of the
 * input. Only the valid slots whose status is ok are computed: padding,
 * dropped, failed and cache-hit slots are skipped (their outputs are zero,
 * see docs/gpuinfer.md for what a cache's store side fills in).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc ! gpubatch max-batch-size=4 width=224 \
 *     height=224 ! gpuinfer model=mobilenet_v3_small.pt stats-interval=1000000000 \
 *     ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "elements/gpuinfer/gstgpuinfer.h"
#include "elements/gpuinfer/engines/gstgpuengine.h"
#include "gpu/device/gstgpudevice.h"
#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpustats.h"
#include "gst/gstgputensorinfo.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_infer_debug);
#define GST_CAT_DEFAULT gst_gpu_infer_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_ENGINE,
  PROP_DEVICE,
  PROP_DEVICE_ID,
  PROP_INPUT_NAMES,
  PROP_OUTPUT_NAMES,
  PROP_OPTIMIZE,
  PROP_THREADS,
  PROP_STATS,
  PROP_STATS_INTERVAL,
};

#define DEFAULT_ENGINE "auto"
#define DEFAULT_OPTIMIZE TRUE
#define DEFAULT_THREADS 0
#define MAX_THREADS 1024

#define TENSORS_CAPS                                                           \
  GST_GPU_TENSORS_MEDIA_TYPE                                                   \
  ", format = (string) static; " GST_GPU_TENSORS_MEDIA_TYPE                    \
  "(" GST_CAPS_FEATURE_MEMORY_GPU_TENSOR "), "                                 \
  "format = (string) static"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (TENSORS_CAPS));

/* outputs are always in system memory: see docs/gpuinfer.md */
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_GPU_TENSORS_MEDIA_TYPE ", format = (string) static"));

struct _GstGpuInfer
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, object lock */
  gchar *model;
  gchar *engine_name;
  GstGpuDeviceHandle device_handle;
  gchar **input_names;
  gchar **output_names;
  gboolean optimize;
  guint threads;
  GstClockTime stats_interval;

  /* set at READY->PAUSED, cleared at PAUSED->READY (state-change thread,
   * while the streaming thread is stopped) */
  GstGpuDevice *device;
  GstGpuEngine *engine;
  GstGpuStatsTimer stats_timer;

  /* negotiated, streaming thread (caps event and chain) */
  gboolean negotiated;
  gboolean in_on_device;
  GstGpuTensorsConfig in_config;
  GstGpuTensorsConfig out_config;
  guint n_slots;
  guint in_map[GST_GPU_TENSORS_LIMIT];   /* model input -> caps tensor */
  guint out_map[GST_GPU_TENSORS_LIMIT];  /* src tensor -> model output */
  gsize in_item[GST_GPU_TENSORS_LIMIT];  /* bytes per slot, caps order */
  gsize out_item[GST_GPU_TENSORS_LIMIT]; /* bytes per slot, model order */
  gsize out_size;                        /* bytes of a whole output buffer */
  GstBufferPool *pool;
  /* compaction scratch, n_slots items each; allocated on caps */
  guint8 *in_scratch[GST_GPU_TENSORS_LIMIT];
  guint8 *out_scratch[GST_GPU_TENSORS_LIMIT];
  guint *run_slots;
  gboolean *failed;

  /* stats, stats_lock */
  GMutex stats_lock;
  guint64 batches;
  guint64 items_in;
  guint64 items_out;
  guint64 items_dropped;
  guint64 items_computed;
  guint64 items_cached;
  guint64 items_failed;
  GstClockTime warmup_time;
  GstClockTime engine_time;
  GstClockTime element_time;
  GstGpuLatencyHistogram latency;
  GstGpuThroughputMeter throughput;
  gchar *device_kind;
  gchar *device_name;
};

#define gst_gpu_infer_parent_class parent_class
G_DEFINE_TYPE (GstGpuInfer, gst_gpu_infer, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpuinfer, "gpuinfer", GST_RANK_NONE,
    GST_TYPE_GPU_INFER,
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_infer_debug, "gpuinfer", 0, "batched inference"));

static void gst_gpu_infer_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_infer_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_gpu_infer_finalize (GObject *object);
static GstStateChangeReturn gst_gpu_infer_change_state (
    GstElement *element, GstStateChange transition);
static void gst_gpu_infer_set_context (
    GstElement *element, GstContext *context);
static gboolean gst_gpu_infer_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_gpu_infer_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
static GstFlowReturn gst_gpu_infer_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
static GstStructure *gst_gpu_infer_get_stats (GstElement *element);

static void
gst_gpu_infer_class_init (GstGpuInferClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_gpu_infer_set_property;
  gobject_class->get_property = gst_gpu_infer_get_property;
  gobject_class->finalize = gst_gpu_infer_finalize;

  /**
   * GstGpuInfer:model:
   *
   * Path of the model file, loaded at READY->PAUSED. Default: none.
   */
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Path of the model file (TorchScript: .pt, .pth, .torchscript), "
          "loaded at READY->PAUSED",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * GstGpuInfer:engine:
   *
   * Inference engine: "auto" picks one from the model file's extension;
   * "torch" is TorchScript through libtorch. Default: "auto".
   */
  g_object_class_install_property (gobject_class, PROP_ENGINE,
      g_param_spec_string ("engine", "Engine",
          "Inference engine: auto (by the model file's extension: .pt, .pth, "
          ".torchscript -> torch; .onnx -> onnx), torch or onnx "
          "(default: auto)",
          DEFAULT_ENGINE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  gst_gpu_device_install_properties (
      gobject_class, PROP_DEVICE, PROP_DEVICE_ID);

  /**
   * GstGpuInfer:input-names:
   *
   * Model input fed by each sink tensor, in caps order, e.g. "b,a" feeds
   * tensor 0 to the model's input b. Empty: tensor i feeds input i.
   * Default: empty.
   */
  g_object_class_install_property (gobject_class, PROP_INPUT_NAMES,
      gst_param_spec_array ("input-names", "Input names",
          "Model input fed by each sink tensor, in caps order, e.g. <b, a> "
          "(an entry \"b,a\" is split at commas); empty: in model order",
          g_param_spec_string ("input-name", "Input name", "Model input name",
              NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * GstGpuInfer:output-names:
   *
   * Model output pushed as each src tensor, in caps order; a subset or a
   * reordering of the model's outputs. Empty: all, in model order. Default:
   * empty.
   */
  g_object_class_install_property (gobject_class, PROP_OUTPUT_NAMES,
      gst_param_spec_array ("output-names", "Output names",
          "Model output pushed as each src tensor, in caps order, e.g. "
          "<z, y>; empty: all outputs in model order",
          g_param_spec_string ("output-name", "Output name",
              "Model output name", NULL,
              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * GstGpuInfer:optimize:
   *
   * Prepare the model for inference when it loads (TorchScript: freeze,
   * then optimize_for_inference). A model that cannot be prepared loads
   * unoptimised with a warning saying why. Default: true.
   */
  g_object_class_install_property (gobject_class, PROP_OPTIMIZE,
      g_param_spec_boolean ("optimize", "Optimize",
          "Freeze and optimise the model for inference at READY->PAUSED; a "
          "model that cannot be loads unoptimised with a warning",
          DEFAULT_OPTIMIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * GstGpuInfer:threads:
   *
   * Intra-op threads of this element's forward passes, 0 for one per
   * core. Applied on the streaming thread that runs the model, so each
   * gpuinfer has its own count. Default: 0.
   */
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Threads one forward pass may use (0 = one per core); see "
          "docs/gpuinfer.md for sharing the cores with gpubatch",
          0, MAX_THREADS, DEFAULT_THREADS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * GstGpuInfer:stats:
   *
   * Read-only "gpuinfer-stats" structure: batches, items-in, items-out,
   * items-dropped (in batches that could not be pushed),
   * items-computed (forwarded through the engine), items-cached,
   * items-failed (slots marked failed), average-batch, warmup-us (the
   * warm-up passes at the negotiated batch shape), engine-time-us, element-time-us,
   * engine-fraction, latency-p50-us, latency-p99-us (per batch),
   * throughput, peak-throughput (items/s), device, device-name, engine,
   * model.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Inference statistics (see docs/gpuinfer.md)", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_gpu_stats_install_interval_property (gobject_class, PROP_STATS_INTERVAL);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_gpu_infer_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_gpu_infer_set_context);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "GPU inference",
      "Filter/Tensor/Inference",
      "Runs a model on batches of other/tensors, keeping the batch meta",
      "gst-gpustream");
}

static void
gst_gpu_infer_init (GstGpuInfer *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_gpu_infer_sink_event));
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_gpu_infer_chain));
  gst_pad_set_query_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_gpu_infer_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_gpu_infer_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->engine_name = g_strdup (DEFAULT_ENGINE);
  self->optimize = DEFAULT_OPTIMIZE;
  self->threads = DEFAULT_THREADS;
  gst_gpu_device_handle_init (&self->device_handle);
  g_mutex_init (&self->stats_lock);
  gst_gpu_latency_histogram_reset (&self->latency);
  gst_gpu_throughput_meter_reset (&self->throughput, 10);
}

/* any thread, last reference */
static void
gst_gpu_infer_finalize (GObject *object)
{
  GstGpuInfer *self = GST_GPU_INFER (object);

  g_free (self->model);
  g_free (self->engine_name);
  g_strfreev (self->input_names);
  g_strfreev (self->output_names);
  g_free (self->device_kind);
  g_free (self->device_name);
  gst_gpu_device_handle_clear (&self->device_handle);
  g_mutex_clear (&self->stats_lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* any thread */
static void
gst_gpu_infer_set_context (GstElement *element, GstContext *context)
{
  GstGpuInfer *self = GST_GPU_INFER (element);

  gst_gpu_device_handle_set_context (&self->device_handle, element, context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* streaming thread (or application thread for CONTEXT queries) */
static gboolean
gst_gpu_infer_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstGpuInfer *self = GST_GPU_INFER (parent);

  if (gst_gpu_device_handle_query (
          &self->device_handle, GST_ELEMENT (self), query))
    return TRUE;
  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION)
    return FALSE; /* outputs are not the inputs' memory */
  return gst_pad_query_default (pad, parent, query);
}

static gchar **
dup_names (GstGpuInfer *self, gboolean inputs)
{
  gchar **names;

  GST_OBJECT_LOCK (self);
  names = g_strdupv (inputs ? self->input_names : self->output_names);
  GST_OBJECT_UNLOCK (self);
  if (names && !names[0])
    g_clear_pointer (&names, g_strfreev);
  return names;
}

/* Model input j is fed by caps tensor in_map[j]: by input-names, or in
 * order. Streaming thread; object lock taken here. */
static gboolean
gst_gpu_infer_map_inputs (GstGpuInfer *self, guint n_caps_tensors, GString *msg)
{
  GstGpuEngine *engine = self->engine;
  gchar **names = dup_names (self, TRUE);
  guint i, j;

  if (!names) {
    for (j = 0; j < engine->n_inputs; j++)
      self->in_map[j] = j;
    return TRUE;
  }
  if (g_strv_length (names) != n_caps_tensors) {
    g_string_printf (msg,
        "input-names lists %u names but the caps carry "
        "%u tensors",
        g_strv_length (names), n_caps_tensors);
    goto failed;
  }
  for (j = 0; j < engine->n_inputs; j++) {
    for (i = 0; i < n_caps_tensors; i++) {
      if (g_strcmp0 (names[i], engine->inputs[j].name) == 0)
        break;
    }
    if (i == n_caps_tensors) {
      g_string_printf (msg, "input-names does not name model input '%s'",
          engine->inputs[j].name);
      goto failed;
    }
    self->in_map[j] = i;
  }
  g_strfreev (names);
  return TRUE;

  /* ERRORS */
failed:
  g_strfreev (names);
  return FALSE;
}

/* Src tensor i is model output out_map[i]: by output-names, or all in
 * order. Needs the outputs, so runs after configure. Streaming thread. */
static gboolean
gst_gpu_infer_map_outputs (GstGpuInfer *self, GString *msg)
{
  GstGpuEngine *engine = self->engine;
  gchar **names = dup_names (self, FALSE);
  guint i, j;

  if (!names) {
    for (j = 0; j < engine->n_outputs; j++)
      self->out_map[j] = j;
    self->out_config.num_tensors = engine->n_outputs;
    return TRUE;
  }
  if (g_strv_length (names) > GST_GPU_TENSORS_LIMIT) {
    g_string_printf (
        msg, "output-names lists more than %d names", GST_GPU_TENSORS_LIMIT);
    goto failed;
  }
  for (i = 0; names[i]; i++) {
    for (j = 0; j < engine->n_outputs; j++) {
      if (g_strcmp0 (names[i], engine->outputs[j].name) == 0)
        break;
    }
    if (j == engine->n_outputs) {
      gchar *all = gst_gpu_engine_describe_tensors (
          engine->n_outputs, engine->outputs, NULL);
      g_string_printf (msg,
          "output-names names '%s', which model '%s' "
          "does not return (outputs: %s)",
          names[i], engine->model_path, all);
      g_free (all);
      goto failed;
    }
    self->out_map[i] = j;
  }
  self->out_config.num_tensors = i;
  g_strfreev (names);
  return TRUE;

  /* ERRORS */
failed:
  g_strfreev (names);
  return FALSE;
}

/* streaming or state-change thread, stream stopped or stream lock held */
static void
gst_gpu_infer_clear_negotiation (GstGpuInfer *self)
{
  guint i;

  self->negotiated = FALSE;
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  for (i = 0; i < GST_GPU_TENSORS_LIMIT; i++) {
    g_clear_pointer (&self->in_scratch[i], g_free);
    g_clear_pointer (&self->out_scratch[i], g_free);
  }
  g_clear_pointer (&self->run_slots, g_free);
  g_clear_pointer (&self->failed, g_free);
}

/* Validates input caps against the model, configures the engine and
 * pushes output caps. Streaming thread, stream lock. */
static gboolean
gst_gpu_infer_set_caps (GstGpuInfer *self, GstCaps *caps)
{
  GstGpuEngine *engine = self->engine;
  GstGpuTensorInfo model_in[GST_GPU_TENSORS_LIMIT];
  GstCapsFeatures *features;
  GstStructure *config;
  GstCaps *out_caps = NULL;
  GString *msg = g_string_new (NULL);
  GError *error = NULL;
  gchar *want = NULL;
  gboolean ret;
  guint i, j;

  gst_gpu_infer_clear_negotiation (self);
  if (!engine) {
    g_string_assign (msg, "no model is loaded");
    goto failed;
  }

  if (!gst_gpu_tensors_config_from_caps (&self->in_config, caps, &error)) {
    g_string_printf (msg, "invalid input caps: %s", error->message);
    goto failed;
  }
  features = gst_caps_get_features (caps, 0);
  self->in_on_device = features
                       && gst_caps_features_contains (
                           features, GST_CAPS_FEATURE_MEMORY_GPU_TENSOR);

  if (self->in_config.num_tensors != engine->n_inputs) {
    want = gst_gpu_engine_describe_tensors (
        engine->n_inputs, engine->inputs, NULL);
    g_string_printf (msg,
        "model '%s' takes %u input tensors (%s) but the "
        "caps carry %u",
        engine->model_path, engine->n_inputs, want,
        self->in_config.num_tensors);
    goto failed;
  }
  if (!gst_gpu_infer_map_inputs (self, self->in_config.num_tensors, msg))
    goto failed;

  /* Tensors each one rank short of what the model describes are a batch
   * of one. Otherwise the outermost dimension is the batch. */
  for (j = 0; j < engine->n_inputs; j++) {
    const GstGpuTensorInfo *info = &self->in_config.info[self->in_map[j]];
    if (engine->inputs[j].info.rank == 0
        || info->rank + 1 != engine->inputs[j].info.rank)
      break;
  }
  if (j == engine->n_inputs) {
    for (i = 0; i < self->in_config.num_tensors; i++) {
      GstGpuTensorInfo *info = &self->in_config.info[i];
      info->dims[info->rank++] = 1;
    }
  }
  self->n_slots
      = self->in_config.info[0].dims[self->in_config.info[0].rank - 1];
  for (i = 0; i < self->in_config.num_tensors; i++) {
    const GstGpuTensorInfo *info = &self->in_config.info[i];
    if (info->dims[info->rank - 1] != self->n_slots) {
      g_string_printf (msg,
          "input tensors disagree on the batch (outermost) "
          "dimension: tensor 0 has %u, tensor %u has %" G_GUINT64_FORMAT,
          self->n_slots, i, info->dims[info->rank - 1]);
      goto failed;
    }
    self->in_item[i] = gst_gpu_tensor_info_get_size (info) / self->n_slots;
  }

  for (j = 0; j < engine->n_inputs; j++)
    model_in[j] = self->in_config.info[self->in_map[j]];
  if (!gst_gpu_engine_configure (engine, model_in, &error)) {
    g_string_assign (msg, error->message);
    goto failed;
  }
  if (!gst_gpu_infer_map_outputs (self, msg))
    goto failed;
  g_mutex_lock (&self->stats_lock);
  self->warmup_time = engine->warmup_time;
  g_mutex_unlock (&self->stats_lock);

  self->out_config.fps_n = self->in_config.fps_n;
  self->out_config.fps_d = self->in_config.fps_d;
  self->out_size = 0;
  for (j = 0; j < engine->n_outputs; j++)
    self->out_item[j] = gst_gpu_tensor_info_get_size (&engine->outputs[j].info)
                        / self->n_slots;
  for (i = 0; i < self->out_config.num_tensors; i++) {
    self->out_config.info[i] = engine->outputs[self->out_map[i]].info;
    self->out_size += self->out_item[self->out_map[i]] * self->n_slots;
  }

  /* scratch for compacting non-contiguous slots: allocated once here */
  for (i = 0; i < self->in_config.num_tensors; i++)
    self->in_scratch[i] = g_malloc (self->in_item[i] * self->n_slots);
  for (j = 0; j < engine->n_outputs; j++)
    self->out_scratch[j] = g_malloc (self->out_item[j] * self->n_slots);
  self->run_slots = g_new0 (guint, self->n_slots);
  self->failed = g_new0 (gboolean, self->n_slots);

  out_caps = gst_gpu_tensors_config_to_caps (&self->out_config, NULL);
  self->pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (self->pool);
  gst_buffer_pool_config_set_params (config, out_caps, self->out_size, 2, 0);
  if (!gst_buffer_pool_set_config (self->pool, config)
      || !gst_buffer_pool_set_active (self->pool, TRUE)) {
    g_string_printf (msg,
        "cannot allocate output buffers of %" G_GSIZE_FORMAT " bytes",
        self->out_size);
    goto failed;
  }

  {
    gchar *in_str = gst_caps_to_string (caps);
    gchar *out_str = gst_caps_to_string (out_caps);
    GST_INFO_OBJECT (
        self, "batch of %u: %s -> %s", self->n_slots, in_str, out_str);
    g_free (in_str);
    g_free (out_str);
  }
  self->negotiated = TRUE;
  ret = gst_pad_push_event (self->srcpad, gst_event_new_caps (out_caps));
  gst_caps_unref (out_caps);
  g_string_free (msg, TRUE);
  return ret;

  /* ERRORS */
failed:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not feed the input caps to model '%s'",
          engine ? engine->model_path : "(none: model property)"),
      ("%s; input caps %" GST_PTR_FORMAT, msg->str, caps));
  gst_gpu_infer_clear_negotiation (self);
  gst_clear_caps (&out_caps);
  g_clear_error (&error);
  g_free (want);
  g_string_free (msg, TRUE);
  return FALSE;
}

/* streaming thread */
static gboolean
gst_gpu_infer_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstGpuInfer *self = GST_GPU_INFER (parent);
  GstCaps *caps;
  gboolean ret;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ret = gst_gpu_infer_set_caps (self, caps);
      gst_event_unref (event);
      break;
    default:
      ret = gst_pad_event_default (pad, parent, event);
      break;
  }
  return ret;
}

typedef struct
{
  GstMapInfo map[GST_GPU_TENSORS_LIMIT];
  guint n_maps;
  /* mapped as a whole with gst_buffer_map (), which takes a reference to
   * the memory that only gst_buffer_unmap () gives back; else n_maps
   * memories mapped one by one */
  GstBuffer *whole;
  guint8 *data[GST_GPU_TENSORS_LIMIT];
} TensorMaps;

static void
unmap_tensors (TensorMaps *maps)
{
  guint i;

  if (maps->whole) {
    gst_buffer_unmap (maps->whole, &maps->map[0]);
  } else {
    for (i = 0; i < maps->n_maps; i++)
      gst_memory_unmap (maps->map[i].memory, &maps->map[i]);
  }
  maps->n_maps = 0;
  maps->whole = NULL;
}

/* One memory per tensor (NNStreamer), or all tensors back to back. */
static gboolean
map_tensors (GstBuffer *buffer, const gsize *sizes, guint n, guint n_slots,
    GstMapFlags flags, TensorMaps *maps, gchar *msg, gsize msg_len)
{
  gsize total = 0, offset = 0;
  guint i;

  maps->n_maps = 0;
  maps->whole = NULL;
  for (i = 0; i < n; i++)
    total += sizes[i] * n_slots;

  if (n > 1 && gst_buffer_n_memory (buffer) == n) {
    for (i = 0; i < n; i++) {
      GstMemory *mem = gst_buffer_peek_memory (buffer, i);
      if (!gst_memory_map (mem, &maps->map[i], flags))
        goto out_map_failed;
      maps->n_maps++;
      if (maps->map[i].size != sizes[i] * n_slots) {
        g_snprintf (msg, msg_len,
            "memory %u of the buffer has %" G_GSIZE_FORMAT
            " bytes; tensor %u needs %" G_GSIZE_FORMAT,
            i, maps->map[i].size, i, sizes[i] * n_slots);
        goto out_unmap;
      }
      maps->data[i] = maps->map[i].data;
    }
    return TRUE;
  }

  if (!gst_buffer_map (buffer, &maps->map[0], flags))
    goto out_map_failed;
  maps->n_maps = 1;
  maps->whole = buffer;
  if (maps->map[0].size != total) {
    g_snprintf (msg, msg_len,
        "buffer has %" G_GSIZE_FORMAT " bytes; the caps "
        "say %" G_GSIZE_FORMAT,
        maps->map[0].size, total);
    goto out_unmap;
  }
  for (i = 0; i < n; i++) {
    maps->data[i] = maps->map[0].data + offset;
    offset += sizes[i] * n_slots;
  }
  return TRUE;

  /* ERRORS */
out_unmap:
  unmap_tensors (maps);
  return FALSE;
out_map_failed:
  g_strlcpy (msg, "cannot map the buffer", msg_len);
  goto out_unmap;
}

/* Runs the engine on @n contiguous items; when the batch fails, runs
 * each item alone so that one bad item costs only itself: the items that
 * still fail get @failed set and a zero output. Returns how many failed;
 * @first_error receives the batch's error when any did. Streaming
 * thread. */
static guint
gst_gpu_infer_run_batch (GstGpuInfer *self, guint n,
    const GstGpuEngineTensor *in_t, GstGpuEngineTensor *out_t,
    GError **first_error)
{
  GstGpuEngine *engine = self->engine;
  GstGpuEngineTensor in1[GST_GPU_TENSORS_LIMIT];
  GstGpuEngineTensor out1[GST_GPU_TENSORS_LIMIT];
  GError *error = NULL;
  guint i, j, n_failed = 0;

  if (gst_gpu_engine_run (engine, n, in_t, out_t, self->failed, first_error)) {
    for (i = 0; i < n; i++)
      n_failed += self->failed[i] ? 1 : 0;
    return n_failed;
  }
  GST_DEBUG_OBJECT (self, "batch of %u failed (%s): retrying item by item", n,
      (*first_error)->message);

  for (j = 0; j < engine->n_inputs; j++) {
    in1[j] = in_t[j];
    in1[j].info.dims[in1[j].info.rank - 1] = 1;
  }
  for (j = 0; j < engine->n_outputs; j++) {
    out1[j] = out_t[j];
    out1[j].info.dims[out1[j].info.rank - 1] = 1;
  }
  for (i = 0; i < n; i++) {
    gboolean item_failed = FALSE;

    for (j = 0; j < engine->n_inputs; j++) {
      in1[j].data = (guint8 *)in_t[j].data + i * self->in_item[self->in_map[j]];
    }
    for (j = 0; j < engine->n_outputs; j++)
      out1[j].data = (guint8 *)out_t[j].data + i * self->out_item[j];
    if (n > 1 && gst_gpu_engine_run (engine, 1, in1, out1, &item_failed, &error)
        && !item_failed) {
      self->failed[i] = FALSE;
      continue;
    }
    GST_DEBUG_OBJECT (self, "item %u of %u failed: %s", i, n,
        error ? error->message : (*first_error)->message);
    g_clear_error (&error);
    self->failed[i] = TRUE;
    n_failed++;
    for (j = 0; j < engine->n_outputs; j++)
      memset (out1[j].data, 0, self->out_item[j]);
  }
  return n_failed;
}

/* Counts a batch that is not pushed: its items are dropped. Streaming
 * thread; takes stats_lock. */
static void
gst_gpu_infer_count_dropped (GstGpuInfer *self, guint n_items)
{
  g_mutex_lock (&self->stats_lock);
  self->items_in += n_items;
  self->items_dropped += n_items;
  g_mutex_unlock (&self->stats_lock);
}

/* streaming thread, stream lock */
static GstFlowReturn
gst_gpu_infer_chain (GstPad *pad, GstObject *parent, GstBuffer *inbuf)
{
  GstGpuInfer *self = GST_GPU_INFER (parent);
  GstGpuEngine *engine = self->engine;
  GstGpuEngineTensor in_t[GST_GPU_TENSORS_LIMIT];
  GstGpuEngineTensor out_t[GST_GPU_TENSORS_LIMIT];
  gsize model_out_item[GST_GPU_TENSORS_LIMIT];
  guint8 *model_out[GST_GPU_TENSORS_LIMIT];
  TensorMaps in_maps, out_maps;
  GstGpuBatchMeta *meta, *out_meta;
  GstBuffer *outbuf = NULL;
  gchar msg[256];
  GError *error = NULL;
  GstClockTime t0, t1, t2;
  GstFlowReturn flow = GST_FLOW_OK;
  guint n_valid, n_run = 0, n_cached = 0, n_failed = 0;
  guint i, j, r, s;
  gboolean prefix, on_device;

  t0 = gst_gpu_stats_now ();
  meta = gst_buffer_get_gpu_batch_meta (inbuf);
  /* what a dropped buffer costs in items, counted on every exit */
  n_valid = meta ? MIN (meta->n_valid, meta->n_slots)
                 : (self->negotiated ? self->n_slots : 0);
  if (!self->negotiated) {
    flow = GST_FLOW_NOT_NEGOTIATED;
    goto dropped;
  }
  if (meta && (meta->n_slots != self->n_slots || meta->n_valid > meta->n_slots))
    goto wrong_meta;
  for (s = 0; s < n_valid; s++) {
    GstGpuSlotStatus st = meta ? meta->slots[s].status : GST_GPU_SLOT_STATUS_OK;
    if (st == GST_GPU_SLOT_STATUS_OK)
      self->run_slots[n_run++] = s;
    else if (st == GST_GPU_SLOT_STATUS_CACHE_HIT)
      n_cached++;
  }
  prefix = n_run == 0 || self->run_slots[n_run - 1] == n_run - 1;

  flow = gst_buffer_pool_acquire_buffer (self->pool, &outbuf, NULL);
  if (flow != GST_FLOW_OK)
    goto dropped;

  /* device input reaches a CUDA engine as device pointers when the slots
   * to run are a prefix; compacting them goes through host staging (see
   * docs/gpuinfer.md) */
  on_device = self->in_on_device && engine->device.cuda && prefix;
  if (!map_tensors (inbuf, self->in_item, self->in_config.num_tensors,
          self->n_slots, GST_MAP_READ | (on_device ? GST_MAP_GPU_DEVICE : 0),
          &in_maps, msg, sizeof (msg)))
    goto map_in_failed;
  {
    gsize sizes[GST_GPU_TENSORS_LIMIT];
    for (i = 0; i < self->out_config.num_tensors; i++)
      sizes[i] = self->out_item[self->out_map[i]];
    /* our own pool: one memory holding the tensors back to back */
    if (!map_tensors (outbuf, sizes, self->out_config.num_tensors,
            self->n_slots, GST_MAP_WRITE, &out_maps, msg, sizeof (msg)))
      goto map_out_failed;
  }

  /* where each model output lands: the output buffer when pushed and the
   * slots are a prefix, else scratch to scatter from */
  for (j = 0; j < engine->n_outputs; j++) {
    model_out[j] = self->out_scratch[j];
    model_out_item[j] = self->out_item[j];
  }
  if (prefix) {
    for (i = 0; i < self->out_config.num_tensors; i++)
      model_out[self->out_map[i]] = out_maps.data[i];
  }

  t1 = gst_gpu_stats_now ();
  if (n_run > 0) {
    for (j = 0; j < engine->n_inputs; j++) {
      guint c = self->in_map[j];
      in_t[j].on_device = on_device;
      in_t[j].info = self->in_config.info[c];
      in_t[j].info.dims[in_t[j].info.rank - 1] = n_run;
      if (prefix) {
        in_t[j].data = in_maps.data[c];
      } else {
        for (r = 0; r < n_run; r++)
          memcpy (self->in_scratch[c] + r * self->in_item[c],
              in_maps.data[c] + self->run_slots[r] * self->in_item[c],
              self->in_item[c]);
        in_t[j].data = self->in_scratch[c];
      }
    }
    for (j = 0; j < engine->n_outputs; j++) {
      out_t[j].on_device = FALSE;
      out_t[j].data = model_out[j];
      out_t[j].info = engine->outputs[j].info;
      out_t[j].info.dims[out_t[j].info.rank - 1] = n_run;
    }
    n_failed = gst_gpu_infer_run_batch (self, n_run, in_t, out_t, &error);
    if (n_failed > 0) {
      /* once per failing batch; the stream goes on without those items */
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          ("Model '%s' failed on %u of %u items of a batch; they are marked "
           "failed and the stream goes on",
              engine->model_path, n_failed, n_run),
          ("first failure: %s",
              error ? error->message : "the engine reported the slots failed"));
    }
  }
  t2 = gst_gpu_stats_now ();

  /* padding, skipped and cache-hit slots are zero; computed ones are
   * scattered back from scratch unless they were written in place */
  for (i = 0; i < self->out_config.num_tensors; i++) {
    guint m = self->out_map[i];
    gsize item = model_out_item[m];
    guint8 *dst = out_maps.data[i];

    if (prefix) {
      memset (
          dst + (gsize)n_run * item, 0, (gsize)(self->n_slots - n_run) * item);
      continue;
    }
    memset (dst, 0, (gsize)self->n_slots * item);
    for (r = 0; r < n_run; r++)
      memcpy (dst + self->run_slots[r] * item, model_out[m] + r * item, item);
  }
  unmap_tensors (&out_maps);
  unmap_tensors (&in_maps);

  /* the batch meta's own transform copies it */
  gst_buffer_copy_into (outbuf, inbuf, GST_BUFFER_COPY_METADATA, 0, -1);
  out_meta = gst_buffer_get_gpu_batch_meta (outbuf);
  if (!out_meta && n_failed > 0) {
    /* a stream without a meta says which items failed through one: every
     * slot is an item */
    out_meta = gst_buffer_add_gpu_batch_meta (outbuf, self->n_slots);
    out_meta->n_valid = self->n_slots;
  }
  for (r = 0; r < n_run && n_failed > 0; r++) {
    if (self->failed[r])
      out_meta->slots[self->run_slots[r]].status = GST_GPU_SLOT_STATUS_FAILED;
  }

  g_mutex_lock (&self->stats_lock);
  self->batches++;
  self->items_in += n_valid;
  self->items_out += n_valid - n_failed;
  self->items_computed += n_run;
  self->items_cached += n_cached;
  self->items_failed += n_failed;
  self->engine_time += t2 - t1;
  self->element_time += gst_gpu_stats_now () - t0;
  gst_gpu_latency_histogram_record (&self->latency, gst_gpu_stats_now () - t0);
  gst_gpu_throughput_meter_record (
      &self->throughput, gst_gpu_stats_now (), n_valid);
  g_mutex_unlock (&self->stats_lock);

  gst_buffer_unref (inbuf);
  g_clear_error (&error);
  return gst_pad_push (self->srcpad, outbuf);

  /* ERRORS */
wrong_meta:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("Could not run model '%s' on a batch whose meta disagrees with its "
       "caps",
          engine->model_path),
      ("batch meta says %u valid of %u slots but the caps' batch "
       "dimension is %u",
          meta->n_valid, meta->n_slots, self->n_slots));
  flow = GST_FLOW_ERROR;
  goto dropped;
map_out_failed:
  GST_ELEMENT_ERROR (self, CORE, FAILED,
      ("Could not write the output batch of model '%s'", engine->model_path),
      ("%s", msg));
  flow = GST_FLOW_ERROR;
  unmap_tensors (&in_maps);
  goto dropped;
map_in_failed:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("Could not read the input batch of model '%s'", engine->model_path),
      ("%s", msg));
  flow = GST_FLOW_ERROR;
dropped:
  gst_gpu_infer_count_dropped (self, n_valid);
  if (outbuf)
    gst_buffer_unref (outbuf);
  gst_buffer_unref (inbuf);
  g_clear_error (&error);
  return flow;
}

/* Returns: (transfer full): the stats structure. Any thread; stats_lock. */
static GstStructure *
gst_gpu_infer_get_stats (GstElement *element)
{
  GstGpuInfer *self = GST_GPU_INFER (element);
  GstClockTime now = gst_gpu_stats_now ();
  GstStructure *s;
  gchar *model;
  const gchar *engine_name, *backend;

  GST_OBJECT_LOCK (self);
  model = g_strdup (self->model);
  engine_name = self->engine ? gst_gpu_engine_get_name (self->engine) : "";
  backend = self->engine ? gst_gpu_engine_get_backend (self->engine) : "";
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->stats_lock);
  s = gst_structure_new ("gpuinfer-stats", GST_GPU_STATS_BATCHES, G_TYPE_UINT64,
      self->batches, GST_GPU_STATS_ITEMS_IN, G_TYPE_UINT64, self->items_in,
      GST_GPU_STATS_ITEMS_OUT, G_TYPE_UINT64, self->items_out,
      GST_GPU_STATS_ITEMS_DROPPED, G_TYPE_UINT64, self->items_dropped,
      "items-computed", G_TYPE_UINT64, self->items_computed, "items-cached",
      G_TYPE_UINT64, self->items_cached, GST_GPU_STATS_ITEMS_FAILED,
      G_TYPE_UINT64, self->items_failed, "average-batch", G_TYPE_DOUBLE,
      self->batches ? (gdouble)self->items_in / self->batches : 0.0,
      "warmup-us", G_TYPE_DOUBLE, self->warmup_time / 1000.0, "engine-time-us",
      G_TYPE_DOUBLE, self->engine_time / 1000.0, "element-time-us",
      G_TYPE_DOUBLE, self->element_time / 1000.0, "engine-fraction",
      G_TYPE_DOUBLE,
      self->element_time ? (gdouble)self->engine_time / self->element_time
                         : 0.0,
      GST_GPU_STATS_DEVICE, G_TYPE_STRING,
      self->device_kind ? self->device_kind : "none", GST_GPU_STATS_DEVICE_NAME,
      G_TYPE_STRING, self->device_name ? self->device_name : "none", "engine",
      G_TYPE_STRING, engine_name, "engine-backend", G_TYPE_STRING, backend,
      "model", G_TYPE_STRING, model ? model : "", NULL);
  gst_gpu_stats_set_latency (s, &self->latency);
  gst_gpu_stats_set_throughput (s, &self->throughput, now);
  g_mutex_unlock (&self->stats_lock);

  g_free (model);
  return s;
}

static void
gst_gpu_infer_reset_stats (GstGpuInfer *self)
{
  g_mutex_lock (&self->stats_lock);
  self->batches = 0;
  self->items_in = 0;
  self->items_out = 0;
  self->items_dropped = 0;
  self->items_computed = 0;
  self->items_cached = 0;
  self->items_failed = 0;
  self->warmup_time = 0;
  self->engine_time = 0;
  self->element_time = 0;
  gst_gpu_latency_histogram_reset (&self->latency);
  gst_gpu_throughput_meter_reset (&self->throughput, 10);
  g_mutex_unlock (&self->stats_lock);
}

/* state-change thread: acquires the device and opens the model; posts the
 * error on failure */
static gboolean
gst_gpu_infer_start (GstGpuInfer *self)
{
  GstGpuEngineDevice engine_device = { FALSE, 0, NULL };
  GstGpuEngineOptions options;
  GError *error = NULL;
  gchar *model, *engine_name;
  GstClockTime interval;

  GST_OBJECT_LOCK (self);
  model = g_strdup (self->model);
  engine_name = g_strdup (self->engine_name);
  interval = self->stats_interval;
  options.optimize = self->optimize;
  options.threads = self->threads;
  engine_device.device_id = MAX (self->device_handle.device_id, 0);
  GST_OBJECT_UNLOCK (self);

  self->device = gst_gpu_device_handle_acquire (
      &self->device_handle, GST_ELEMENT (self), &error);
  if (!self->device)
    goto no_device;
  engine_device.cuda = gst_gpu_device_is_cuda (self->device);
  engine_device.stream = gst_gpu_device_get_stream (self->device);

  self->engine = gst_gpu_engine_open (
      engine_name, model, &engine_device, &options, &error);
  if (!self->engine)
    goto no_engine;

  if (self->engine->warning) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("%s", self->engine->warning),
        ("model property: '%s', %s engine", model,
            gst_gpu_engine_get_name (self->engine)));
  }

  {
    gchar *in = gst_gpu_engine_describe_tensors (
        self->engine->n_inputs, self->engine->inputs, NULL);
    GST_INFO_OBJECT (self, "model '%s' on %s (%s engine), inputs %s", model,
        gst_gpu_device_get_name (self->device),
        gst_gpu_engine_get_name (self->engine), in);
    g_free (in);
  }

  gst_gpu_infer_reset_stats (self);
  g_mutex_lock (&self->stats_lock);
  g_free (self->device_kind);
  g_free (self->device_name);
  self->device_kind = g_strdup (gst_gpu_device_get_kind_name (self->device));
  self->device_name = g_strdup (gst_gpu_device_get_name (self->device));
  g_mutex_unlock (&self->stats_lock);
  if (interval > 0) {
    gst_gpu_stats_timer_start (&self->stats_timer, GST_ELEMENT (self), interval,
        gst_gpu_infer_get_stats);
  }
  g_free (model);
  g_free (engine_name);
  return TRUE;

  /* ERRORS */
no_device:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Could not run model '%s' on the device the device and device-id "
       "properties select",
          GST_STR_NULL (model)),
      ("%s", error ? error->message : "no error reported"));
  goto failed;
no_engine:
  if (g_error_matches (
          error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not read model file '%s' (model property)",
            GST_STR_NULL (model)),
        ("%s", error->message));
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Could not open model '%s' with engine '%s' (engine property)",
            GST_STR_NULL (model), engine_name),
        ("%s (device %s)", error->message,
            gst_gpu_device_get_kind_name (self->device)));
  }
  gst_clear_object (&self->device);
failed:
  g_clear_error (&error);
  g_free (model);
  g_free (engine_name);
  return FALSE;
}

/* state-change thread, streaming stopped */
static void
gst_gpu_infer_stop (GstGpuInfer *self)
{
  gst_gpu_stats_timer_stop (&self->stats_timer);
  gst_gpu_infer_clear_negotiation (self);
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->engine, gst_gpu_engine_free);
  GST_OBJECT_UNLOCK (self);
  gst_clear_object (&self->device);
}

/* state-change thread */
static GstStateChangeReturn
gst_gpu_infer_change_state (GstElement *element, GstStateChange transition)
{
  GstGpuInfer *self = GST_GPU_INFER (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED
      && !gst_gpu_infer_start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      gst_gpu_infer_stop (self);
    return ret;
  }

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_gpu_infer_stop (self);
  return ret;
}

/* names from a comma list string or a GstValueArray of strings */
static gchar **
names_from_value (const GValue *value)
{
  GPtrArray *names = g_ptr_array_new ();
  guint i;

  for (i = 0; i < gst_value_array_get_size (value); i++) {
    const GValue *v = gst_value_array_get_value (value, i);
    if (G_VALUE_HOLDS_STRING (v) && g_value_get_string (v))
      g_ptr_array_add (names, g_strstrip (g_value_dup_string (v)));
  }
  /* "a,b" given on gst-launch arrives as a single element */
  if (names->len == 1 && strchr (g_ptr_array_index (names, 0), ',')) {
    gchar **split = g_strsplit (g_ptr_array_index (names, 0), ",", -1);
    g_free (g_ptr_array_index (names, 0));
    g_ptr_array_set_size (names, 0);
    for (i = 0; split[i]; i++)
      g_ptr_array_add (names, g_strdup (g_strstrip (split[i])));
    g_strfreev (split);
  }
  g_ptr_array_add (names, NULL);
  return (gchar **)g_ptr_array_free (names, FALSE);
}

static void
names_to_value (gchar **names, GValue *value)
{
  GValue v = G_VALUE_INIT;
  guint i;

  g_value_init (&v, G_TYPE_STRING);
  for (i = 0; names && names[i]; i++) {
    g_value_set_string (&v, names[i]);
    gst_value_array_append_value (value, &v);
  }
  g_value_unset (&v);
}

/* application thread; object lock */
static void
gst_gpu_infer_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuInfer *self = GST_GPU_INFER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model);
      self->model = g_value_dup_string (value);
      break;
    case PROP_ENGINE:
      g_free (self->engine_name);
      self->engine_name = g_value_dup_string (value);
      if (!self->engine_name)
        self->engine_name = g_strdup (DEFAULT_ENGINE);
      break;
    case PROP_DEVICE:
      self->device_handle.kind = g_value_get_enum (value);
      break;
    case PROP_DEVICE_ID:
      self->device_handle.device_id = g_value_get_int (value);
      break;
    case PROP_INPUT_NAMES:
      g_strfreev (self->input_names);
      self->input_names = names_from_value (value);
      break;
    case PROP_OUTPUT_NAMES:
      g_strfreev (self->output_names);
      self->output_names = names_from_value (value);
      break;
    case PROP_OPTIMIZE:
      self->optimize = g_value_get_boolean (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* application thread; object lock (stats: stats_lock) */
static void
gst_gpu_infer_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuInfer *self = GST_GPU_INFER (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_gpu_infer_get_stats (GST_ELEMENT (self)));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_ENGINE:
      g_value_set_string (value, self->engine_name);
      break;
    case PROP_DEVICE:
      g_value_set_enum (value, self->device_handle.kind);
      break;
    case PROP_DEVICE_ID:
      g_value_set_int (value, self->device_handle.device_id);
      break;
    case PROP_INPUT_NAMES:
      names_to_value (self->input_names, value);
      break;
    case PROP_OUTPUT_NAMES:
      names_to_value (self->output_names, value);
      break;
    case PROP_OPTIMIZE:
      g_value_set_boolean (value, self->optimize);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint64 (value, self->stats_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}
