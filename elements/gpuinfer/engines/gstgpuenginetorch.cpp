/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TorchScript engine: the project's only C++ file. Every entry point
 * catches C++ exceptions and turns them into a GError, so nothing thrown by
 * libtorch crosses into C.
 *
 * Tensors are wrapped, not copied: torch::from_blob over the batch buffer
 * (host memory here; a CUDA device pointer with a CUDA build of libtorch).
 * Debian's libtorch is CPU only, so the CUDA branch is compiled but has
 * never been executed on this project's machines.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <exception>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "elements/gpuinfer/engines/gstgpuenginetorch.h"
#include "elements/gpuinfer/engines/gstgpuenginetorchprepare.h"

namespace {

struct EngineTorch
{
  GstGpuEngine parent;
  torch::jit::Module *module;
  c10::Device *device;
  gboolean inputs_described;
  int threads; /* intra-op threads, resolved (never 0) */
  /* frozen and optimised at load: forward passes then run with the graph
   * executor's own optimisation off (a thread-local switch), which would
   * otherwise profile and re-specialise the graph for every new batch
   * size (a partial batch, an adaptive target), taking seconds each time
   * and falling back to an unoptimised plan after a few */
  bool optimized;
};

/* libtorch's warnings go to stderr by default. Those raised while this
 * engine runs a model (e.g. the deprecation notice an optimised graph
 * gives at every new batch size, about outputs it resized) go to
 * GStreamer's debug log instead. c10's handler is per thread in libtorch
 * 1.13: RunningModel installs this one on the thread running the forward
 * pass for its duration, and puts back the one that was there. */
class LogWarnings : public c10::WarningHandler {
public:
  void process (const c10::SourceLocation &where, const std::string &msg,
      const bool verbatim) override
  {
    GST_DEBUG ("model '%s': libtorch warning (%s:%u): %s", model, where.file,
        where.line, msg.c_str ());
  }

  const char *model = nullptr;
};

/* Marks this thread as running @model: its libtorch warnings are logged. */
class RunningModel {
public:
  explicit RunningModel (const char *model)
      : prev_ (c10::Warning::get_warning_handler ())
  {
    handler_.model = model;
    c10::Warning::set_warning_handler (&handler_);
  }
  ~RunningModel ()
  {
    c10::Warning::set_warning_handler (prev_);
  }

private:
  LogWarnings handler_;
  c10::WarningHandler *prev_;
};

/* The intra-op thread count last applied on this thread. ATen's OpenMP
 * backend reads it per thread (omp_set_num_threads sets the calling
 * thread's value), so each engine applies its own count on the thread
 * that runs its forward passes, before each run when it differs. */
thread_local int applied_threads = 0;

void
apply_threads (EngineTorch *self)
{
  if (applied_threads == self->threads)
    return;
  at::set_num_threads (self->threads);
  applied_threads = self->threads;
}

typedef std::vector<std::pair<std::string, torch::Tensor> > NamedTensors;

/* libtorch's own errors carry a C++ backtrace users do not need */
const char *
exception_message (const std::exception &e)
{
  const c10::Error *ce = dynamic_cast<const c10::Error *> (&e);

  return ce ? ce->what_without_backtrace () : e.what ();
}

bool
dtype_to_torch (GstGpuDType dtype, c10::ScalarType *out)
{
  switch (dtype) {
    case GST_GPU_DTYPE_INT8:
      *out = torch::kChar;
      return true;
    case GST_GPU_DTYPE_UINT8:
      *out = torch::kByte;
      return true;
    case GST_GPU_DTYPE_INT16:
      *out = torch::kShort;
      return true;
    case GST_GPU_DTYPE_INT32:
      *out = torch::kInt;
      return true;
    case GST_GPU_DTYPE_INT64:
      *out = torch::kLong;
      return true;
    case GST_GPU_DTYPE_FLOAT16:
      *out = torch::kHalf;
      return true;
    case GST_GPU_DTYPE_FLOAT32:
      *out = torch::kFloat;
      return true;
    case GST_GPU_DTYPE_FLOAT64:
      *out = torch::kDouble;
      return true;
    default:
      /* libtorch 1.13 has no unsigned 16/32/64-bit tensors */
      return false;
  }
}

GstGpuDType
dtype_from_torch (c10::ScalarType type)
{
  switch (type) {
    case torch::kChar:
      return GST_GPU_DTYPE_INT8;
    case torch::kByte:
      return GST_GPU_DTYPE_UINT8;
    case torch::kShort:
      return GST_GPU_DTYPE_INT16;
    case torch::kInt:
      return GST_GPU_DTYPE_INT32;
    case torch::kLong:
      return GST_GPU_DTYPE_INT64;
    case torch::kHalf:
      return GST_GPU_DTYPE_FLOAT16;
    case torch::kFloat:
      return GST_GPU_DTYPE_FLOAT32;
    case torch::kDouble:
      return GST_GPU_DTYPE_FLOAT64;
    default:
      return GST_GPU_DTYPE_INVALID;
  }
}

c10::Device
tensor_device (EngineTorch *self, const GstGpuEngineTensor *t)
{
  if (t->on_device)
    return c10::Device (torch::kCUDA, self->device->index ());
  return c10::Device (torch::kCPU);
}

/* other/tensors dims are innermost first, torch sizes outermost first; the
 * outermost dimension is the batch and becomes @n. */
std::vector<int64_t>
torch_sizes (const GstGpuTensorInfo *info, guint n)
{
  std::vector<int64_t> sizes (info->rank);

  for (guint i = 0; i < info->rank; i++)
    sizes[info->rank - 1 - i] = (int64_t)info->dims[i];
  sizes[0] = n;
  return sizes;
}

std::string
sizes_to_string (const torch::Tensor &t)
{
  std::ostringstream s;

  s << c10::toString (t.scalar_type ()) << " [";
  for (int64_t i = 0; i < t.dim (); i++)
    s << (i ? "," : "") << t.size (i);
  s << "]";
  return s.str ();
}

/* "16:N" -> dims {16, 0}; the batch (N) must be the outermost entry. */
bool
parse_io_dims (const std::string &str, GstGpuTensorInfo *info)
{
  std::istringstream in (str);
  std::string tok;

  info->rank = 0;
  while (std::getline (in, tok, ':')) {
    if (info->rank >= GST_GPU_TENSOR_RANK_LIMIT || tok.empty ())
      return false;
    if (tok == "N") {
      info->dims[info->rank++] = 0;
      continue;
    }
    gchar *end = NULL;
    guint64 v = g_ascii_strtoull (tok.c_str (), &end, 10);
    if (v == 0 || !end || *end)
      return false;
    info->dims[info->rank++] = v;
  }
  return info->rank > 0 && info->dims[info->rank - 1] == 0;
}

/* Reads the optional "gpustream-io" description into the engine's inputs
 * (matched by forward() argument name) and outputs. */
bool
parse_io_file (EngineTorch *self, const std::string &text, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  std::istringstream lines (text);
  std::string line;
  guint line_no = 0;
  gboolean seen[GST_GPU_TENSORS_LIMIT] = {
    FALSE,
  };

  while (std::getline (lines, line)) {
    std::istringstream fields (line);
    std::string kind, name, dtype, dims;
    GstGpuEngineTensorDesc *desc = NULL;

    line_no++;
    if (!(fields >> kind))
      continue;
    if (!(fields >> name >> dtype >> dims)
        || name.size () >= GST_GPU_ENGINE_NAME_LEN)
      goto malformed;
    if (kind == "input") {
      for (guint i = 0; i < engine->n_inputs; i++) {
        if (name == engine->inputs[i].name) {
          desc = &engine->inputs[i];
          seen[i] = TRUE;
        }
      }
      if (!desc) {
        g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
            "model '%s': its description names input '%s', which forward() "
            "does not take",
            engine->model_path, name.c_str ());
        return false;
      }
    } else if (kind == "output") {
      if (engine->n_outputs >= GST_GPU_TENSORS_LIMIT)
        goto malformed;
      desc = &engine->outputs[engine->n_outputs++];
      g_strlcpy (desc->name, name.c_str (), sizeof (desc->name));
    } else {
      goto malformed;
    }
    desc->info.dtype = gst_gpu_dtype_from_string (dtype.c_str ());
    if (desc->info.dtype == GST_GPU_DTYPE_INVALID
        || !parse_io_dims (dims, &desc->info))
      goto malformed;
  }

  for (guint i = 0; i < engine->n_inputs; i++) {
    if (!seen[i]) {
      g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
          "model '%s': its description lacks forward() input '%s'",
          engine->model_path, engine->inputs[i].name);
      return false;
    }
  }
  self->inputs_described = TRUE;
  engine->outputs_known = engine->n_outputs > 0;
  return true;

malformed:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
      "model '%s': line %u of its " GST_GPU_ENGINE_TORCH_IO_FILE
      " description is malformed: '%s'",
      engine->model_path, line_no, line.c_str ());
  return false;
}

bool
torch_open_impl (EngineTorch *self, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  torch::jit::ExtraFilesMap extra{ { GST_GPU_ENGINE_TORCH_IO_FILE, "" } };

  if (engine->device.cuda) {
    /* Checked before loading: loading onto a missing device throws deep
     * inside the deserialiser with a less helpful message. */
    if (!torch::cuda::is_available ()) {
      g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_DEVICE,
          "model '%s' cannot run on cuda:%d: this libtorch has no CUDA "
          "support (CPU-only build); use device=cpu",
          engine->model_path, engine->device.device_id);
      return false;
    }
    self->device = new c10::Device (
        torch::kCUDA, (c10::DeviceIndex)MAX (engine->device.device_id, 0));
    engine->backend = "libtorch-cuda";
  } else {
    self->device = new c10::Device (torch::kCPU);
    engine->backend = "libtorch-cpu";
  }

  self->module = new torch::jit::Module (
      torch::jit::load (engine->model_path, *self->device, extra));
  self->module->eval ();
  self->threads = engine->options.threads ? (int)engine->options.threads
                                          : (int)g_get_num_processors ();

  /* Frozen and optimised (gstgpuenginetorchprepare.h). A model that cannot
   * be prepared runs as loaded. */
  if (engine->options.optimize) {
    try {
      guint rewritten;

      *self->module
          = gst_gpu_torch_prepare_for_inference (*self->module, &rewritten);
      if (rewritten > 0)
        GST_INFO ("model '%s': %u MKL-DNN activations on channel counts "
                  "that are not multiples of 16 run dense",
            engine->model_path, rewritten);
      self->optimized = true;
    } catch (const std::exception &e) {
      engine->warning = g_strdup_printf (
          "model '%s' runs unoptimised: it cannot be frozen and optimised "
          "for inference (%s); set optimize=false to load it as it is",
          engine->model_path, exception_message (e));
    }
  }

  const c10::FunctionSchema &schema
      = self->module->get_method ("forward").function ().getSchema ();
  const std::vector<c10::Argument> &args = schema.arguments ();
  /* arguments ()[0] is self */
  if (args.size () < 2 || args.size () - 1 > GST_GPU_TENSORS_LIMIT) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
        "model '%s': forward() takes %u inputs; gpuinfer supports 1 to %d",
        engine->model_path, (guint)(args.size () - 1), GST_GPU_TENSORS_LIMIT);
    return false;
  }
  engine->n_inputs = args.size () - 1;
  for (guint i = 0; i < engine->n_inputs; i++) {
    g_strlcpy (engine->inputs[i].name, args[i + 1].name ().c_str (),
        GST_GPU_ENGINE_NAME_LEN);
  }

  const std::string &io = extra[GST_GPU_ENGINE_TORCH_IO_FILE];
  if (!io.empty () && !parse_io_file (self, io, error))
    return false;
  return true;
}

/* Flattens what forward() returned: a tensor, a tuple or list of tensors
 * (named output0, output1, ...), or a dict of str -> tensor. */
bool
collect_outputs (GstGpuEngine *engine, const c10::IValue &value,
    NamedTensors &out, GError **error)
{
  out.clear ();
  if (value.isTensor ()) {
    out.emplace_back ("output0", value.toTensor ());
  } else if (value.isTuple () || value.isList ()) {
    std::vector<c10::IValue> items
        = value.isTuple () ? value.toTupleRef ().elements ().vec ()
                           : value.toListRef ().vec ();
    for (size_t i = 0; i < items.size (); i++) {
      if (!items[i].isTensor ())
        goto unsupported;
      out.emplace_back ("output" + std::to_string (i), items[i].toTensor ());
    }
  } else if (value.isGenericDict ()) {
    for (const auto &kv : value.toGenericDict ()) {
      if (!kv.key ().isString () || !kv.value ().isTensor ())
        goto unsupported;
      out.emplace_back (kv.key ().toStringRef (), kv.value ().toTensor ());
    }
  } else {
    goto unsupported;
  }
  if (out.empty () || out.size () > GST_GPU_TENSORS_LIMIT)
    goto unsupported;
  return true;

unsupported:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
      "model '%s': forward() must return a tensor, a tuple or list of 1 to "
      "%d tensors, or a dict of str to tensor; it returned %s",
      engine->model_path, GST_GPU_TENSORS_LIMIT, value.tagKind ().c_str ());
  return false;
}

bool
check_described_inputs (
    EngineTorch *self, const GstGpuTensorInfo *inputs, GError **error)
{
  GstGpuEngine *engine = &self->parent;

  for (guint i = 0; i < engine->n_inputs; i++) {
    const GstGpuTensorInfo *want = &engine->inputs[i].info;
    const GstGpuTensorInfo *got = &inputs[i];
    bool ok = want->dtype == got->dtype && want->rank == got->rank;

    for (guint d = 0; ok && d + 1 < want->rank; d++)
      ok = want->dims[d] == got->dims[d];
    if (!ok) {
      gchar *w = gst_gpu_engine_describe_tensors (1, &engine->inputs[i], NULL);
      gchar *g = gst_gpu_engine_describe_tensors (1, &engine->inputs[i], got);
      g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_SHAPE,
          "model '%s' expects input %s but got %s", engine->model_path, w, g);
      g_free (w);
      g_free (g);
      return false;
    }
  }
  return true;
}

/* Checks one output tensor of a batch of @n against its description. */
bool
output_matches (const GstGpuTensorInfo *info, const torch::Tensor &t, guint n)
{
  if (dtype_from_torch (t.scalar_type ()) != info->dtype
      || (guint)t.dim () != info->rank || t.size (0) != (int64_t)n)
    return false;
  for (guint d = 0; d + 1 < info->rank; d++) {
    if ((guint64)t.size (info->rank - 1 - d) != info->dims[d])
      return false;
  }
  return true;
}

/* Zero tensors shaped like @inputs with a batch of @n, where the model
 * runs. */
std::vector<c10::IValue>
zero_inputs (EngineTorch *self, const GstGpuTensorInfo *inputs, guint n)
{
  std::vector<c10::IValue> args;

  for (guint i = 0; i < self->parent.n_inputs; i++) {
    c10::ScalarType st;
    dtype_to_torch (inputs[i].dtype, &st);
    args.emplace_back (torch::zeros (torch_sizes (&inputs[i], n),
        torch::TensorOptions ().dtype (st).device (*self->device)));
  }
  return args;
}

/* Checks @inputs and fills the outputs (see GstGpuEngineClass.configure). */
bool
configure_outputs (
    EngineTorch *self, const GstGpuTensorInfo *inputs, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  guint batch = inputs[0].dims[inputs[0].rank - 1];
  std::vector<c10::IValue> args;
  NamedTensors outs;
  c10::IValue result;

  for (guint i = 0; i < engine->n_inputs; i++) {
    c10::ScalarType st;
    if (!dtype_to_torch (inputs[i].dtype, &st)) {
      g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_SHAPE,
          "model '%s': input '%s' has type %s, which libtorch cannot hold",
          engine->model_path, engine->inputs[i].name,
          gst_gpu_dtype_to_string (inputs[i].dtype));
      return false;
    }
  }
  if (self->inputs_described && !check_described_inputs (self, inputs, error))
    return false;

  if (engine->outputs_known) {
    /* described statically: no probe pass */
    for (guint i = 0; i < engine->n_outputs; i++) {
      GstGpuTensorInfo *info = &engine->outputs[i].info;
      info->dims[info->rank - 1] = batch;
    }
    return true;
  }

  /* Probe: one forward pass on a zero batch of one. */
  args = zero_inputs (self, inputs, 1);
  try {
    RunningModel running (engine->model_path);
    c10::InferenceMode guard;
    result = self->module->forward (args);
  } catch (const std::exception &e) {
    gchar *given = gst_gpu_engine_describe_tensors (
        engine->n_inputs, engine->inputs, inputs);
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_SHAPE,
        "model '%s' rejected inputs %s: %s", engine->model_path, given,
        exception_message (e));
    g_free (given);
    return false;
  }
  if (!collect_outputs (engine, result, outs, error))
    return false;

  engine->n_outputs = outs.size ();
  for (guint i = 0; i < engine->n_outputs; i++) {
    const torch::Tensor &t = outs[i].second;
    GstGpuTensorInfo *info = &engine->outputs[i].info;

    g_strlcpy (engine->outputs[i].name, outs[i].first.c_str (),
        GST_GPU_ENGINE_NAME_LEN);
    info->dtype = dtype_from_torch (t.scalar_type ());
    if (info->dtype == GST_GPU_DTYPE_INVALID || t.dim () < 1
        || t.dim () > GST_GPU_TENSOR_RANK_LIMIT || t.size (0) != 1) {
      g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
          "model '%s': output '%s' is %s for a batch of 1; gpuinfer needs "
          "the batch as outermost dimension, rank 1 to %d and a numeric "
          "type",
          engine->model_path, outs[i].first.c_str (),
          sizes_to_string (t).c_str (), GST_GPU_TENSOR_RANK_LIMIT);
      return false;
    }
    info->rank = t.dim ();
    for (guint d = 0; d < info->rank; d++)
      info->dims[d] = t.size (info->rank - 1 - d);
    info->dims[info->rank - 1] = batch;
  }
  return true;
}

/* Two forward passes at the batch shape: libtorch's profiling executor
 * records shapes on the first run of a graph and builds the optimised plan
 * on the second, so without them the first two batches of a stream pay
 * for it. A model that fails on zeros is left cold: the stream will say
 * what fails. */
void
warm_up (EngineTorch *self, const GstGpuTensorInfo *inputs)
{
  GstGpuEngine *engine = &self->parent;
  guint batch = inputs[0].dims[inputs[0].rank - 1];
  gint64 t0 = g_get_monotonic_time ();

  engine->warmup_time = 0;
  try {
    RunningModel running (engine->model_path);
    c10::InferenceMode guard;
    torch::jit::GraphOptimizerEnabledGuard executor_guard (!self->optimized);
    std::vector<c10::IValue> args = zero_inputs (self, inputs, batch);

    for (int i = 0; i < 2; i++)
      self->module->forward (args);
    if (engine->device.cuda)
      torch::cuda::synchronize (self->device->index ());
  } catch (const std::exception &e) {
    GST_INFO ("model '%s': no warm-up, it fails on zeros: %s",
        engine->model_path, exception_message (e));
    return;
  }
  engine->warmup_time = (g_get_monotonic_time () - t0) * GST_USECOND;
}

bool
torch_configure_impl (
    EngineTorch *self, const GstGpuTensorInfo *inputs, GError **error)
{
  apply_threads (self);
  if (!configure_outputs (self, inputs, error))
    return false;
  warm_up (self, inputs);
  return true;
}

bool
torch_run_impl (EngineTorch *self, guint n, const GstGpuEngineTensor *inputs,
    GstGpuEngineTensor *outputs, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  std::vector<c10::IValue> args;
  NamedTensors outs;
  c10::IValue result;

  apply_threads (self);
  args.reserve (engine->n_inputs);
  for (guint i = 0; i < engine->n_inputs; i++) {
    c10::ScalarType st;
    dtype_to_torch (inputs[i].info.dtype, &st);
    /* no copy when the data is where the model runs: the model reads the
     * batch buffer in place; .to () copies host data to a CUDA model */
    args.emplace_back (
        torch::from_blob (inputs[i].data, torch_sizes (&inputs[i].info, n),
            torch::TensorOptions ().dtype (st).device (
                tensor_device (self, &inputs[i])))
            .to (*self->device));
  }

  try {
    RunningModel running (engine->model_path);
    c10::InferenceMode guard;
    torch::jit::GraphOptimizerEnabledGuard executor_guard (!self->optimized);
    result = self->module->forward (args);
  } catch (const std::exception &e) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
        "model '%s' failed on a batch of %u: %s", engine->model_path, n,
        exception_message (e));
    return false;
  }
  if (!collect_outputs (engine, result, outs, error))
    return false;

  /* check everything before writing anything: no partial result */
  if (outs.size () != engine->n_outputs)
    goto changed;
  for (guint i = 0; i < engine->n_outputs; i++) {
    if (!output_matches (&outputs[i].info, outs[i].second, n))
      goto changed;
  }
  for (guint i = 0; i < engine->n_outputs; i++) {
    const torch::Tensor &t = outs[i].second;
    torch::from_blob (outputs[i].data, t.sizes (),
        torch::TensorOptions ()
            .dtype (t.scalar_type ())
            .device (tensor_device (self, &outputs[i])))
        .copy_ (t);
  }
  if (engine->device.cuda)
    torch::cuda::synchronize (self->device->index ());
  return true;

changed : {
  gchar *want = gst_gpu_engine_describe_tensors (
      engine->n_outputs, engine->outputs, NULL);
  std::string got;
  for (size_t i = 0; i < outs.size (); i++)
    got += (i ? ", " : "") + outs[i].first + "="
           + sizes_to_string (outs[i].second);
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
      "model '%s' returned %s for a batch of %u, but %s was negotiated",
      engine->model_path, got.c_str (), n, want);
  g_free (want);
}
  return false;
}

/* C entry points: nothing below lets an exception escape. */

void
torch_close (GstGpuEngine *engine)
{
  EngineTorch *self = (EngineTorch *)engine;

  delete self->module;
  self->module = NULL;
  delete self->device;
  self->device = NULL;
}

gboolean
torch_open (GstGpuEngine *engine, GError **error)
{
  bool ok = false;

  try {
    ok = torch_open_impl ((EngineTorch *)engine, error);
  } catch (const std::exception &e) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
        "cannot load TorchScript model '%s': %s", engine->model_path,
        exception_message (e));
  }
  if (!ok)
    torch_close (engine);
  return ok;
}

gboolean
torch_configure (
    GstGpuEngine *engine, const GstGpuTensorInfo *inputs, GError **error)
{
  bool ok = false;

  try {
    ok = torch_configure_impl ((EngineTorch *)engine, inputs, error);
  } catch (const std::exception &e) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_SHAPE,
        "model '%s': %s", engine->model_path, exception_message (e));
  }
  return ok;
}

gboolean
torch_run (GstGpuEngine *engine, guint n, const GstGpuEngineTensor *inputs,
    GstGpuEngineTensor *outputs, gboolean *failed, GError **error)
{
  bool ok = false;

  /* a TorchScript forward pass succeeds or fails as a whole: @failed is
   * never set */
  try {
    ok = torch_run_impl ((EngineTorch *)engine, n, inputs, outputs, error);
  } catch (const std::exception &e) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
        "model '%s' failed on a batch of %u: %s", engine->model_path, n,
        exception_message (e));
  }
  return ok;
}

const gchar *const torch_extensions[] = { ".pt", ".pth", ".torchscript", NULL };

} /* namespace */

extern "C" const GstGpuEngineClass gst_gpu_engine_torch_class = {
  "torch",
  torch_extensions,
  sizeof (EngineTorch),
  torch_open,
  torch_configure,
  torch_run,
  torch_close,
};
