/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * other/tensors caps: NNStreamer-compatible static tensors description.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_GPU_TENSORS_MEDIA_TYPE "other/tensors"
/* Caps feature of batches living in our linear device memory. */
#define GST_CAPS_FEATURE_MEMORY_GPU_TENSOR "memory:GpuTensor"

#define GST_GPU_TENSOR_RANK_LIMIT 8
#define GST_GPU_TENSORS_LIMIT 16

#define GST_GPU_TENSOR_ERROR (gst_gpu_tensor_error_quark ())
GQuark gst_gpu_tensor_error_quark (void);

typedef enum {
  GST_GPU_TENSOR_ERROR_CAPS,       /* not other/tensors, or not fixed */
  GST_GPU_TENSOR_ERROR_FORMAT,     /* format other than static */
  GST_GPU_TENSOR_ERROR_DIMENSIONS, /* malformed, zero, rank > limit, overflow */
  GST_GPU_TENSOR_ERROR_TYPE,       /* unknown type name */
  GST_GPU_TENSOR_ERROR_COUNT,      /* num_tensors mismatch or > limit */
} GstGpuTensorErrorCode;

typedef enum {
  GST_GPU_DTYPE_INVALID = 0,
  GST_GPU_DTYPE_INT8,
  GST_GPU_DTYPE_UINT8,
  GST_GPU_DTYPE_INT16,
  GST_GPU_DTYPE_UINT16,
  GST_GPU_DTYPE_INT32,
  GST_GPU_DTYPE_UINT32,
  GST_GPU_DTYPE_INT64,
  GST_GPU_DTYPE_UINT64,
  GST_GPU_DTYPE_FLOAT16,
  GST_GPU_DTYPE_FLOAT32,
  GST_GPU_DTYPE_FLOAT64,
} GstGpuDType;

/* NNStreamer names: "int8", "uint8", ..., "float16", "float32", "float64". */
const gchar *gst_gpu_dtype_to_string (GstGpuDType dtype);
GstGpuDType gst_gpu_dtype_from_string (const gchar *name);
gsize gst_gpu_dtype_size (GstGpuDType dtype);

/**
 * GstGpuTensorInfo:
 * @dtype: element type
 * @rank: number of used entries in @dims (1..GST_GPU_TENSOR_RANK_LIMIT)
 * @dims: extents, innermost first (NNStreamer order): an NCHW float batch of
 *   8 RGB 224x224 images is 224:224:3:8, an NHWC one is 3:224:224:8.
 */
typedef struct
{
  GstGpuDType dtype;
  guint rank;
  guint64 dims[GST_GPU_TENSOR_RANK_LIMIT];
} GstGpuTensorInfo;

typedef struct
{
  guint num_tensors;
  GstGpuTensorInfo info[GST_GPU_TENSORS_LIMIT];
  gint fps_n;
  gint fps_d;
} GstGpuTensorsConfig;

/* Number of elements, or 0 on overflow / invalid info. */
guint64 gst_gpu_tensor_info_get_n_elements (const GstGpuTensorInfo *info);
/* Size in bytes, or 0 on overflow / invalid info. */
gsize gst_gpu_tensor_info_get_size (const GstGpuTensorInfo *info);
gboolean gst_gpu_tensor_info_is_equal (
    const GstGpuTensorInfo *a, const GstGpuTensorInfo *b);
/* Parse "3:224:224:8"; trailing 1s are kept as given. */
gboolean gst_gpu_tensor_info_parse_dimensions (
    GstGpuTensorInfo *info, const gchar *str, GError **error);
/* Returns: (transfer full): "3:224:224:8" */
gchar *gst_gpu_tensor_info_dimensions_to_string (const GstGpuTensorInfo *info);

void gst_gpu_tensors_config_init (GstGpuTensorsConfig *config);
gboolean gst_gpu_tensors_config_is_equal (
    const GstGpuTensorsConfig *a, const GstGpuTensorsConfig *b);
/* Sum of the tensors' sizes, or 0 on overflow. */
gsize gst_gpu_tensors_config_get_size (const GstGpuTensorsConfig *config);
/* Validates and fills @config from a fixed other/tensors structure. */
gboolean gst_gpu_tensors_config_from_structure (
    GstGpuTensorsConfig *config, const GstStructure *s, GError **error);
gboolean gst_gpu_tensors_config_from_caps (
    GstGpuTensorsConfig *config, const GstCaps *caps, GError **error);
/* Returns: (transfer full): fixed caps, with @feature (nullable) set. */
GstCaps *gst_gpu_tensors_config_to_caps (
    const GstGpuTensorsConfig *config, const gchar *feature);

/* Answers a CAPS @query with @caps (transfer full) narrowed by the query's
 * filter, the filter's order first. */
void gst_gpu_caps_query_reply (GstQuery *query, GstCaps *caps);

G_END_DECLS
