/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Inference engines behind a C vtable (see docs/architecture.md for where it
 * sits, docs/gpuinfer.md for the engines): open a model on a device,
 * describe its inputs and outputs, configure it for concrete input shapes,
 * run a batch of n valid slots, close. gpuinfer only talks to this
 * interface; an engine is picked by name or by the model file's extension,
 * so further engines (ONNX Runtime, TensorRT) are added to the table in
 * gstgpuengine.c without touching the element.
 */
#pragma once

#include <gst/gst.h>

#include "gst/gstgputensorinfo.h"

G_BEGIN_DECLS

#define GST_GPU_ENGINE_ERROR (gst_gpu_engine_error_quark ())
GQuark gst_gpu_engine_error_quark (void);

typedef enum {
  GST_GPU_ENGINE_ERROR_UNAVAILABLE, /* unknown engine, or not built in */
  GST_GPU_ENGINE_ERROR_MODEL,       /* missing, unreadable or corrupt model */
  GST_GPU_ENGINE_ERROR_DEVICE,      /* the model cannot run on the device */
  GST_GPU_ENGINE_ERROR_SHAPE,       /* input count, shape or dtype rejected */
  GST_GPU_ENGINE_ERROR_RUN,         /* the forward pass failed */
} GstGpuEngineErrorCode;

#define GST_GPU_ENGINE_NAME_LEN 64

/**
 * GstGpuEngineTensorDesc:
 * @name: the model's name for the tensor (forward() argument, dict key, or
 *   "output0", "output1", ... for positional outputs)
 * @info: dtype and dimensions, innermost first like other/tensors. The
 *   outermost entry is the batch dimension and is 0 while it is not fixed.
 *   @info.rank == 0 or @info.dtype == GST_GPU_DTYPE_INVALID mean the engine
 *   cannot tell (a TorchScript model without a description).
 */
typedef struct
{
  gchar name[GST_GPU_ENGINE_NAME_LEN];
  GstGpuTensorInfo info;
} GstGpuEngineTensorDesc;

/**
 * GstGpuEngineDevice:
 * @cuda: run on a CUDA device (else the CPU)
 * @device_id: CUDA device ordinal (ignored on the CPU)
 * @stream: the element's CUstream, or NULL: work the element queued on it
 *   before gst_gpu_engine_run() must complete before the engine reads
 */
typedef struct
{
  gboolean cuda;
  gint device_id;
  gpointer stream;
} GstGpuEngineDevice;

/**
 * GstGpuEngineOptions:
 * @optimize: prepare the model for inference at open (TorchScript: freeze
 *   and optimize_for_inference); a model that cannot be prepared still
 *   opens, unprepared, with @GstGpuEngine.warning saying why
 * @threads: intra-op threads of the engine's forward passes, 0 for one
 *   per core; applied on the thread that runs them
 */
typedef struct
{
  gboolean optimize;
  guint threads;
} GstGpuEngineOptions;

/**
 * GstGpuEngineTensor:
 * @data: contiguous, row-major (the innermost dimension varies fastest)
 * @on_device: @data is a device pointer (CUdeviceptr) on the engine's CUDA
 *   device rather than host memory; engines wrap either without a copy when
 *   it is where they run, and copy otherwise
 * @info: full shape including the batch dimension (outermost)
 */
typedef struct
{
  gpointer data;
  gboolean on_device;
  GstGpuTensorInfo info;
} GstGpuEngineTensor;

typedef struct _GstGpuEngine GstGpuEngine;
typedef struct _GstGpuEngineClass GstGpuEngineClass;

/**
 * GstGpuEngine:
 * @klass: the vtable
 * @model_path: the model file
 * @n_inputs, @inputs: the model's inputs in the order run() takes them
 * @n_outputs, @outputs: its outputs in the order run() writes them; valid
 *   after open() when @outputs_known, else after configure()
 * @outputs_known: TRUE when the model described its outputs itself
 * @options: as given to gst_gpu_engine_open()
 * @warning: (nullable): set by open() when the model opened with less than
 *   the options asked for (e.g. unoptimised), for the caller to report
 * @warmup_time: what configure()'s warm-up passes at the batch shape took,
 *   0 when none ran
 * @backend: set by open(): the library back end the model runs on, e.g.
 *   "libtorch-cpu", "opencv-cuda" (a static string)
 *
 * The base of every engine instance; an engine's own state follows it in
 * a block of @klass->instance_size bytes.
 */
struct _GstGpuEngine
{
  const GstGpuEngineClass *klass;
  gchar *model_path;
  GstGpuEngineDevice device;
  guint n_inputs;
  GstGpuEngineTensorDesc inputs[GST_GPU_TENSORS_LIMIT];
  guint n_outputs;
  GstGpuEngineTensorDesc outputs[GST_GPU_TENSORS_LIMIT];
  gboolean outputs_known;
  GstGpuEngineOptions options;
  gchar *warning;
  GstClockTime warmup_time;
  const gchar *backend;
};

/**
 * GstGpuEngineClass:
 * @name: engine name for the `engine` property ("torch")
 * @extensions: (array zero-terminated=1): model file extensions picked by
 *   `engine=auto`, lower case with the dot (".pt")
 * @instance_size: size of the engine's instance, GstGpuEngine first
 * @open: load @engine->model_path on @engine->device, fill inputs (and
 *   outputs when known). Called from the state-change thread.
 * @configure: check @inputs (model order, batch dimension set) and fill
 *   @engine->outputs with their batch dimension set, running a probe forward
 *   pass if the model cannot describe its outputs; then warm the model up
 *   at that batch shape so the first batch does not pay for it. Called on
 *   caps, from the streaming thread.
 * @run: compute @n slots: @inputs hold n items each, @outputs receive n
 *   items each (preallocated by the caller, shapes from configure). May set
 *   @failed[i] for a slot it could not compute while the others succeeded.
 *   Called from the streaming thread; must not leave a partial result
 *   behind when it returns FALSE.
 * @close: free what open() took (the base is freed by the caller).
 */
struct _GstGpuEngineClass
{
  const gchar *name;
  const gchar *const *extensions;
  gsize instance_size;

  gboolean (*open) (GstGpuEngine *engine, GError **error);
  gboolean (*configure) (
      GstGpuEngine *engine, const GstGpuTensorInfo *inputs, GError **error);
  gboolean (*run) (GstGpuEngine *engine, guint n,
      const GstGpuEngineTensor *inputs, GstGpuEngineTensor *outputs,
      gboolean *failed, GError **error);
  void (*close) (GstGpuEngine *engine);
};

/**
 * gst_gpu_engine_open:
 * @engine_name: "auto" (pick by @model_path's extension) or an engine name
 * @model_path: the model file
 * @device: where to run
 * @options: (nullable): how to run; NULL for optimize and one thread per
 *   core
 *
 * Fails with GST_GPU_ENGINE_ERROR_UNAVAILABLE for an unknown engine or one
 * this build lacks, _MODEL for a missing or corrupt file, _DEVICE when the
 * model cannot run on @device.
 *
 * Returns: (transfer full) (nullable): the engine, free with
 * gst_gpu_engine_free().
 */
GstGpuEngine *gst_gpu_engine_open (const gchar *engine_name,
    const gchar *model_path, const GstGpuEngineDevice *device,
    const GstGpuEngineOptions *options, GError **error);

/* See GstGpuEngineClass.configure: @inputs has @engine->n_inputs entries. */
gboolean gst_gpu_engine_configure (
    GstGpuEngine *engine, const GstGpuTensorInfo *inputs, GError **error);

/* See GstGpuEngineClass.run; @failed has @n entries, cleared here. */
gboolean gst_gpu_engine_run (GstGpuEngine *engine, guint n,
    const GstGpuEngineTensor *inputs, GstGpuEngineTensor *outputs,
    gboolean *failed, GError **error);

void gst_gpu_engine_free (GstGpuEngine *engine);

const gchar *gst_gpu_engine_get_name (GstGpuEngine *engine);

/* Returns: what open() ran the model on ("opencv-cpu", "libtorch-cuda"). */
const gchar *gst_gpu_engine_get_backend (GstGpuEngine *engine);

/* Returns: (transfer full): the engines built in, comma separated
 * ("torch"), or "none". */
gchar *gst_gpu_engine_list_available (void);

/* Returns: (transfer full): "x=float32 16:8, b=float32 3:2:8" for error
 * messages; dims of 0 print as N, unknown infos as "?". */
gchar *gst_gpu_engine_describe_tensors (guint n,
    const GstGpuEngineTensorDesc *descs, const GstGpuTensorInfo *infos);

G_END_DECLS
