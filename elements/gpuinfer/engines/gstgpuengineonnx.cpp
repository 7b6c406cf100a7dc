/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ONNX engine: ONNX files through OpenCV's DNN module (Debian's
 * libopencv-dnn 4.6). Every entry point catches C++ exceptions and turns
 * them into a GError, so nothing thrown by OpenCV crosses into C.
 *
 * OpenCV 4.6 does not say what a model's inputs are, so they are read from
 * the file's graph (a few protobuf fields, below). Outputs are found by a
 * probe pass at configure. A model whose batch is fixed at 1 runs item by
 * item; one with a dynamic batch runs the whole batch at once.
 *
 * DNN_BACKEND_CUDA runs when the element's device is CUDA and OpenCV sees
 * a CUDA device; Debian's OpenCV is built without CUDA, so the CUDA branch
 * is compiled but has never been executed on this project's machines.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <opencv2/core.hpp>
#include <opencv2/core/cuda.hpp>
#include <opencv2/dnn.hpp>

#include <exception>
#include <string>
#include <vector>

#include "elements/gpuinfer/engines/gstgpuengine.h"
#ifdef HAVE_CUDA
#include "gpu/device/gstgpucudaloader.h"
#endif

namespace {

struct EngineOnnx
{
  GstGpuEngine parent;
  cv::dnn::Net *net;
  std::vector<std::string> *out_names; /* forward() order */
  gboolean per_item;                   /* batch fixed at 1 in the model */
  int threads;                         /* resolved (never 0) */
};

/* cv::Exception's what () repeats file and line; its err is the message,
 * which for an import error names the node ("Node [Clip@ai.onnx]:(y)
 * parse error: ...") over several "> "-indented lines: joined into one */
std::string
exception_message (const std::exception &e)
{
  const cv::Exception *ce = dynamic_cast<const cv::Exception *> (&e);
  gchar **lines = g_strsplit (ce ? ce->err.c_str () : e.what (), "\n", -1);
  std::string out;

  for (guint i = 0; lines[i]; i++) {
    gchar *line = lines[i];
    while (*line == '>' || g_ascii_isspace (*line))
      line++;
    g_strchomp (line);
    if (*line)
      out += (out.empty () ? "" : " ") + std::string (line);
  }
  g_strfreev (lines);
  return out;
}

/* A protobuf reader for the few ONNX fields OpenCV 4.6 does not expose:
 * ModelProto.graph (7) -> GraphProto.initializer (5, TensorProto.name 8)
 * and .input (11) -> ValueInfoProto.name (1), .type (2) -> TypeProto
 * .tensor_type (1) -> .elem_type (1), .shape (2) -> TensorShapeProto.dim
 * (1) -> Dimension.dim_value (1) | .dim_param (2). */
struct Pb
{
  const guint8 *p, *end;
};

bool
pb_varint (Pb *pb, guint64 *v)
{
  *v = 0;
  for (guint shift = 0; shift < 64 && pb->p < pb->end; shift += 7) {
    guint8 b = *pb->p++;
    *v |= (guint64)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return true;
  }
  return false;
}

/* Next field of @pb: its number, and for a length-delimited field its
 * contents in @sub; other wire types are skipped (@sub empty). */
bool
pb_next (Pb *pb, guint *field, guint64 *value, Pb *sub)
{
  guint64 key, len;

  if (!pb_varint (pb, &key))
    return false;
  *field = key >> 3;
  sub->p = sub->end = NULL;
  switch (key & 7) {
    case 0:
      return pb_varint (pb, value);
    case 1:
      len = 8;
      break;
    case 5:
      len = 4;
      break;
    case 2:
      if (!pb_varint (pb, &len) || len > (guint64)(pb->end - pb->p))
        return false;
      sub->p = pb->p;
      sub->end = pb->p + len;
      break;
    default:
      return false;
  }
  if (len > (guint64)(pb->end - pb->p))
    return false;
  pb->p += len;
  return true;
}

std::string
pb_string (const Pb *sub)
{
  return sub->p ? std::string ((const char *)sub->p, sub->end - sub->p)
                : std::string ();
}

struct OnnxInput
{
  std::string name;
  guint64 elem_type = 0;
  std::vector<gint64> dims; /* outermost first; -1 when not fixed */
};

bool
parse_shape (Pb shape, OnnxInput *in)
{
  guint f;
  guint64 v;
  Pb dim;

  while (shape.p < shape.end) {
    if (!pb_next (&shape, &f, &v, &dim))
      return false;
    if (f != 1 || !dim.p)
      continue;
    gint64 size = -1;
    while (dim.p < dim.end) {
      guint df;
      guint64 dv;
      Pb ds;
      if (!pb_next (&dim, &df, &dv, &ds))
        return false;
      if (df == 1 && (gint64)dv > 0)
        size = (gint64)dv;
    }
    in->dims.push_back (size);
  }
  return true;
}

bool
parse_value_info (Pb vi, OnnxInput *in)
{
  guint f;
  guint64 v;
  Pb sub, tensor, field;

  while (vi.p < vi.end) {
    if (!pb_next (&vi, &f, &v, &sub))
      return false;
    if (f == 1) {
      in->name = pb_string (&sub);
    } else if (f == 2 && sub.p) {
      while (sub.p < sub.end) {
        if (!pb_next (&sub, &f, &v, &tensor))
          return false;
        if (f != 1 || !tensor.p)
          continue;
        while (tensor.p < tensor.end) {
          if (!pb_next (&tensor, &f, &v, &field))
            return false;
          if (f == 1 && !field.p)
            in->elem_type = v;
          else if (f == 2 && field.p && !parse_shape (field, in))
            return false;
        }
      }
    }
  }
  return true;
}

/* The graph's inputs that are not initializers (older exporters list the
 * weights among the inputs too). */
bool
parse_graph_inputs (const gchar *data, gsize size, std::vector<OnnxInput> &out)
{
  Pb model = { (const guint8 *)data, (const guint8 *)data + size };
  std::vector<std::string> initializers;
  std::vector<OnnxInput> inputs;
  guint f;
  guint64 v;
  Pb graph, sub, field;

  while (model.p < model.end) {
    if (!pb_next (&model, &f, &v, &graph))
      return false;
    if (f != 7 || !graph.p)
      continue;
    while (graph.p < graph.end) {
      if (!pb_next (&graph, &f, &v, &sub))
        return false;
      if (f == 5 && sub.p) {
        while (sub.p < sub.end) {
          if (!pb_next (&sub, &f, &v, &field))
            return false;
          if (f == 8)
            initializers.push_back (pb_string (&field));
        }
      } else if (f == 11 && sub.p) {
        inputs.emplace_back ();
        if (!parse_value_info (sub, &inputs.back ()))
          return false;
      }
    }
  }
  out.clear ();
  for (const OnnxInput &in : inputs) {
    bool weight = false;
    for (const std::string &name : initializers)
      weight = weight || name == in.name;
    if (!weight)
      out.push_back (in);
  }
  return true;
}

void
apply_threads (EngineOnnx *self)
{
  /* OpenCV's thread count is process wide */
  if (cv::getNumThreads () != self->threads)
    cv::setNumThreads (self->threads);
}

/* Picks the CUDA backend when asked for and available, else the CPU. */
void
choose_backend (EngineOnnx *self)
{
  GstGpuEngine *engine = &self->parent;

  if (engine->device.cuda && cv::cuda::getCudaEnabledDeviceCount () > 0) {
    cv::cuda::setDevice (MAX (engine->device.device_id, 0));
    self->net->setPreferableBackend (cv::dnn::DNN_BACKEND_CUDA);
    self->net->setPreferableTarget (cv::dnn::DNN_TARGET_CUDA);
    engine->backend = "opencv-cuda";
    GST_INFO ("model '%s' runs on OpenCV's CUDA backend, device %d",
        engine->model_path, MAX (engine->device.device_id, 0));
    return;
  }
  self->net->setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
  self->net->setPreferableTarget (cv::dnn::DNN_TARGET_CPU);
  engine->backend = "opencv-cpu";
  if (engine->device.cuda) {
    engine->warning = g_strdup_printf (
        "model '%s' runs on the CPU (OpenCV's DNN_BACKEND_OPENCV): this "
        "OpenCV %s sees no CUDA device (built without CUDA, or none "
        "present)",
        engine->model_path, CV_VERSION);
  }
  GST_INFO ("model '%s' runs on OpenCV's CPU backend", engine->model_path);
}

/* "[1,3,?,?]": an ONNX input's shape, '?' for a dynamic dimension */
std::string
input_shape (const OnnxInput &in)
{
  std::string shape = "[";

  for (guint d = 0; d < in.dims.size (); d++)
    shape += (d ? "," : "")
             + (in.dims[d] > 0 ? std::to_string (in.dims[d]) : "?");
  return shape + "]";
}

bool
onnx_open_impl (EngineOnnx *self, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  std::vector<OnnxInput> inputs;
  gchar *data = NULL;
  gsize size = 0;
  GError *read_error = NULL;
  bool parsed;
  guint i;

  if (!g_file_get_contents (engine->model_path, &data, &size, &read_error))
    goto unreadable;
  try {
    self->net = new cv::dnn::Net (cv::dnn::readNetFromONNX (data, size));
    parsed = parse_graph_inputs (data, size, inputs);
  } catch (...) {
    g_free (data);
    throw;
  }
  g_free (data);

  if (!parsed || inputs.empty () || inputs.size () > GST_GPU_TENSORS_LIMIT)
    goto input_count;

  engine->n_inputs = inputs.size ();
  for (i = 0; i < engine->n_inputs; i++) {
    const OnnxInput &in = inputs[i];
    GstGpuTensorInfo *info = &engine->inputs[i].info;
    guint rank = in.dims.size ();
    bool fixed = rank >= 1 && rank <= GST_GPU_TENSOR_RANK_LIMIT;

    for (guint d = 1; fixed && d < rank; d++)
      fixed = in.dims[d] > 0;
    /* TensorProto.FLOAT is 1: OpenCV's DNN takes float32 inputs */
    if (in.elem_type != 1 || !fixed || (in.dims[0] > 1)
        || in.name.size () >= GST_GPU_ENGINE_NAME_LEN)
      goto unsupported_input;
    g_strlcpy (
        engine->inputs[i].name, in.name.c_str (), GST_GPU_ENGINE_NAME_LEN);
    info->dtype = GST_GPU_DTYPE_FLOAT32;
    info->rank = rank;
    for (guint d = 0; d < rank; d++)
      info->dims[d] = in.dims[rank - 1 - d];
    info->dims[rank - 1] = 0;
    if (in.dims[0] == 1)
      self->per_item = TRUE;
  }
  if (self->per_item) {
    GST_INFO ("ONNX model '%s' has a fixed batch of 1: batches run item by "
              "item",
        engine->model_path);
  }

  self->out_names = new std::vector<std::string> (
      self->net->getUnconnectedOutLayersNames ());
  self->threads = engine->options.threads ? (int)engine->options.threads
                                          : (int)g_get_num_processors ();
  choose_backend (self);
  return true;

  /* ERRORS */
unreadable:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
      "cannot read ONNX model '%s': %s", engine->model_path,
      read_error->message);
  g_error_free (read_error);
  return false;
input_count:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
      "ONNX model '%s' has %u graph inputs; gpuinfer supports 1 to %d",
      engine->model_path, parsed ? (guint)inputs.size () : 0,
      GST_GPU_TENSORS_LIMIT);
  return false;
unsupported_input:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
      "ONNX model '%s': input '%s' has element type %u and shape %s; "
      "gpuinfer's ONNX engine needs float32 (type 1), a dynamic batch or "
      "a batch of 1 outermost, and fixed other dimensions (rank up to %d)",
      engine->model_path, inputs[i].name.c_str (), (guint)inputs[i].elem_type,
      input_shape (inputs[i]).c_str (), GST_GPU_TENSOR_RANK_LIMIT);
  return false;
}

/* other/tensors dims are innermost first, blob sizes outermost first; the
 * outermost dimension is the batch and becomes @n. */
std::vector<int>
blob_sizes (const GstGpuTensorInfo *info, guint n)
{
  std::vector<int> sizes (info->rank);

  for (guint i = 0; i < info->rank; i++)
    sizes[info->rank - 1 - i] = (int)info->dims[i];
  sizes[0] = n;
  return sizes;
}

/* bytes of one float32 item: every dimension but the batch */
gsize
item_bytes (const GstGpuTensorInfo *info)
{
  gsize size = sizeof (gfloat);

  for (guint i = 0; i + 1 < info->rank; i++)
    size *= info->dims[i];
  return size;
}

std::string
mat_shape (const cv::Mat &m)
{
  std::string s = "[";

  for (int d = 0; d < m.dims; d++)
    s += (d ? "," : "") + std::to_string (m.size[d]);
  return s + "]";
}

/* One forward pass over @blobs (one per input, outermost first). */
void
forward (EngineOnnx *self, const std::vector<cv::Mat> &blobs,
    std::vector<cv::Mat> &outs)
{
  GstGpuEngine *engine = &self->parent;

  for (guint i = 0; i < engine->n_inputs; i++)
    self->net->setInput (blobs[i], engine->inputs[i].name);
  self->net->forward (outs, *self->out_names);
}

std::vector<cv::Mat>
zero_blobs (EngineOnnx *self, const GstGpuTensorInfo *inputs, guint n)
{
  std::vector<cv::Mat> blobs;

  for (guint i = 0; i < self->parent.n_inputs; i++) {
    std::vector<int> sizes = blob_sizes (&inputs[i], n);
    blobs.emplace_back (
        cv::Mat::zeros ((int)sizes.size (), sizes.data (), CV_32F));
  }
  return blobs;
}

bool
onnx_configure_impl (
    EngineOnnx *self, const GstGpuTensorInfo *inputs, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  guint batch = inputs[0].dims[inputs[0].rank - 1];
  std::vector<cv::Mat> outs;
  gchar *want, *got;
  gint64 t0;
  guint i;

  for (i = 0; i < engine->n_inputs; i++) {
    const GstGpuTensorInfo *want = &engine->inputs[i].info;
    bool ok = inputs[i].dtype == want->dtype && inputs[i].rank == want->rank;

    for (guint d = 0; ok && d + 1 < want->rank; d++)
      ok = want->dims[d] == inputs[i].dims[d];
    if (!ok)
      goto input_mismatch;
  }

  /* Probe: one forward pass on a zero batch of one, which is also the
   * warm-up of a model run item by item. */
  apply_threads (self);
  t0 = g_get_monotonic_time ();
  forward (self, zero_blobs (self, inputs, 1), outs);
  engine->warmup_time = (g_get_monotonic_time () - t0) * GST_USECOND;
  if (outs.empty () || outs.size () > GST_GPU_TENSORS_LIMIT)
    goto output_count;
  engine->n_outputs = outs.size ();
  for (i = 0; i < engine->n_outputs; i++) {
    const cv::Mat &m = outs[i];
    GstGpuTensorInfo *info = &engine->outputs[i].info;
    const std::string &name = (*self->out_names)[i];

    if (m.type () != CV_32F || m.dims < 1 || m.dims > GST_GPU_TENSOR_RANK_LIMIT
        || m.size[0] != 1)
      goto unsupported_output;
    g_strlcpy (engine->outputs[i].name, name.c_str (), GST_GPU_ENGINE_NAME_LEN);
    info->dtype = GST_GPU_DTYPE_FLOAT32;
    info->rank = m.dims;
    for (guint d = 0; d < info->rank; d++)
      info->dims[d] = m.size[info->rank - 1 - d];
    info->dims[info->rank - 1] = batch;
  }

  /* Warm-up at the batch shape. OpenCV 4.6 runs some models with a dynamic
   * batch only at a batch of 1 (mobilenet_v3_small: its squeeze-excite
   * Mul fails a shape check at larger batches); those run item by item. */
  if (!self->per_item && batch > 1) {
    t0 = g_get_monotonic_time ();
    try {
      forward (self, zero_blobs (self, inputs, batch), outs);
      engine->warmup_time = (g_get_monotonic_time () - t0) * GST_USECOND;
    } catch (const cv::Exception &e) {
      GST_WARNING ("OpenCV cannot run ONNX model '%s' on a batch of %u (%s): "
                   "batches run item by item",
          engine->model_path, batch, e.err.c_str ());
      self->per_item = TRUE;
    }
  }
  return true;

  /* ERRORS */
input_mismatch:
  want = gst_gpu_engine_describe_tensors (1, &engine->inputs[i], NULL);
  got = gst_gpu_engine_describe_tensors (1, &engine->inputs[i], &inputs[i]);
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_SHAPE,
      "model '%s' expects input %s but got %s", engine->model_path, want, got);
  g_free (want);
  g_free (got);
  return false;
output_count:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
      "ONNX model '%s' has %u outputs; gpuinfer supports 1 to %d",
      engine->model_path, (guint)outs.size (), GST_GPU_TENSORS_LIMIT);
  return false;
unsupported_output:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
      "ONNX model '%s': output '%s' is %s (OpenCV type %d) for a batch "
      "of 1; gpuinfer needs float32 with the batch as outermost "
      "dimension and rank 1 to %d",
      engine->model_path, (*self->out_names)[i].c_str (),
      mat_shape (outs[i]).c_str (), outs[i].type (), GST_GPU_TENSOR_RANK_LIMIT);
  return false;
}

/* Host copies of inputs the element handed over as device pointers. */
bool
stage_inputs (EngineOnnx *self, guint n, const GstGpuEngineTensor *inputs,
    std::vector<std::vector<guint8> > &host, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  guint i;

  host.resize (engine->n_inputs);
  for (i = 0; i < engine->n_inputs; i++) {
    if (!inputs[i].on_device)
      continue;
#ifdef HAVE_CUDA
    gsize item = item_bytes (&inputs[i].info);
    CUevent done = NULL;
    bool ok;

    host[i].resize (item * n);
    ok = GST_GPU_CU_CHECK (GstGpuCuMemcpyDtoHAsync (host[i].data (),
             (CUdeviceptr)inputs[i].data, host[i].size (),
             (CUstream)engine->device.stream))
         && GST_GPU_CU_CHECK (GstGpuCuEventCreate (&done, 0))
         && GST_GPU_CU_CHECK (
             GstGpuCuEventRecord (done, (CUstream)engine->device.stream))
         && GST_GPU_CU_CHECK (GstGpuCuEventSynchronize (done));
    if (done)
      GstGpuCuEventDestroy (done);
    if (!ok)
      goto copy_failed;
#else
    (void)n;
    goto no_cuda;
#endif
  }
  return true;

  /* ERRORS */
#ifdef HAVE_CUDA
copy_failed:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
      "model '%s': copying input '%s' from the device failed",
      engine->model_path, engine->inputs[i].name);
  return false;
#else
no_cuda:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
      "model '%s': input '%s' is in device memory, but this build has no "
      "CUDA",
      engine->model_path, engine->inputs[i].name);
  return false;
#endif
}

bool
onnx_run_impl (EngineOnnx *self, guint n, const GstGpuEngineTensor *inputs,
    GstGpuEngineTensor *outputs, GError **error)
{
  GstGpuEngine *engine = &self->parent;
  std::vector<std::vector<guint8> > host;
  guint per_pass = self->per_item ? 1 : n;
  std::vector<std::vector<cv::Mat> > results;
  gchar *want;
  guint o;

  if (!stage_inputs (self, n, inputs, host, error))
    return false;
  apply_threads (self);

  /* every pass before writing anything: no partial result */
  for (guint first = 0; first < n; first += per_pass) {
    std::vector<cv::Mat> blobs;

    for (guint i = 0; i < engine->n_inputs; i++) {
      const GstGpuTensorInfo *info = &inputs[i].info;
      std::vector<int> sizes = blob_sizes (info, per_pass);
      gsize item = item_bytes (info);
      guint8 *base
          = inputs[i].on_device ? host[i].data () : (guint8 *)inputs[i].data;
      /* wraps the batch buffer: no copy */
      blobs.emplace_back (
          (int)sizes.size (), sizes.data (), CV_32F, base + first * item);
    }
    results.emplace_back ();
    forward (self, blobs, results.back ());
    if (results.back ().size () != engine->n_outputs)
      goto output_count;
    for (o = 0; o < engine->n_outputs; o++) {
      const GstGpuTensorInfo *info = &outputs[o].info;
      const cv::Mat &m = results.back ()[o];
      bool ok = m.type () == CV_32F && (guint)m.dims == info->rank
                && m.size[0] == (int)per_pass && m.isContinuous ();

      for (guint d = 0; ok && d + 1 < info->rank; d++)
        ok = (guint64)m.size[info->rank - 1 - d] == info->dims[d];
      if (!ok)
        goto output_mismatch;
    }
  }

  for (o = 0; o < engine->n_outputs; o++) {
    guint8 *dst = (guint8 *)outputs[o].data;
    for (const std::vector<cv::Mat> &pass : results) {
      gsize bytes = pass[o].total () * pass[o].elemSize ();
      memcpy (dst, pass[o].data, bytes);
      dst += bytes;
    }
  }
  return true;

  /* ERRORS */
output_count:
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
      "model '%s' returned %u outputs on a batch of %u, but %u were "
      "negotiated",
      engine->model_path, (guint)results.back ().size (), per_pass,
      engine->n_outputs);
  return false;
output_mismatch:
  want = gst_gpu_engine_describe_tensors (
      engine->n_outputs, engine->outputs, NULL);
  g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
      "model '%s' returned %s for output '%s' on a batch of %u, but %s "
      "was negotiated",
      engine->model_path, mat_shape (results.back ()[o]).c_str (),
      engine->outputs[o].name, per_pass, want);
  g_free (want);
  return false;
}

/* C entry points: nothing below lets an exception escape. */

void
onnx_close (GstGpuEngine *engine)
{
  EngineOnnx *self = (EngineOnnx *)engine;

  delete self->net;
  self->net = NULL;
  delete self->out_names;
  self->out_names = NULL;
}

gboolean
onnx_open (GstGpuEngine *engine, GError **error)
{
  bool ok = false;

  try {
    ok = onnx_open_impl ((EngineOnnx *)engine, error);
  } catch (const std::exception &e) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
        "OpenCV %s cannot import ONNX model '%s': %s", CV_VERSION,
        engine->model_path, exception_message (e).c_str ());
  }
  if (!ok)
    onnx_close (engine);
  return ok;
}

gboolean
onnx_configure (
    GstGpuEngine *engine, const GstGpuTensorInfo *inputs, GError **error)
{
  bool ok = false;

  try {
    ok = onnx_configure_impl ((EngineOnnx *)engine, inputs, error);
  } catch (const std::exception &e) {
    gchar *given = gst_gpu_engine_describe_tensors (
        engine->n_inputs, engine->inputs, inputs);
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_SHAPE,
        "model '%s' rejected inputs %s: %s", engine->model_path, given,
        exception_message (e).c_str ());
    g_free (given);
  }
  return ok;
}

gboolean
onnx_run (GstGpuEngine *engine, guint n, const GstGpuEngineTensor *inputs,
    GstGpuEngineTensor *outputs, gboolean *failed, GError **error)
{
  bool ok = false;

  /* a forward pass succeeds or fails as a whole: @failed is never set */
  try {
    ok = onnx_run_impl ((EngineOnnx *)engine, n, inputs, outputs, error);
  } catch (const std::exception &e) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_RUN,
        "model '%s' failed on a batch of %u: %s", engine->model_path, n,
        exception_message (e).c_str ());
  }
  return ok;
}

const gchar *const onnx_extensions[] = { ".onnx", NULL };

} /* namespace */

extern "C" const GstGpuEngineClass gst_gpu_engine_onnx_class = {
  "onnx",
  onnx_extensions,
  sizeof (EngineOnnx),
  onnx_open,
  onnx_configure,
  onnx_run,
  onnx_close,
};
