/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CUDA driver symbols that gstreamer-cuda-1.0 (1.22) does not wrap, resolved
 * at run time from the same libcuda.so.1, and the checking macro every
 * driver call in the project goes through.
 *
 * Only available when the project is built with CUDA (HAVE_CUDA from
 * config.h, which must be included first). Like GStreamer's own Cu*
 * wrappers, these must not be called before gst_gpu_cuda_loader_load()
 * returned TRUE; unlike them they never abort: an unresolved symbol returns
 * CUDA_ERROR_NOT_INITIALIZED.
 */
#pragma once

#ifdef HAVE_CUDA

#include <gst/gst.h>
#include <cuda.h>

G_BEGIN_DECLS

/**
 * gst_gpu_cuda_loader_load:
 *
 * Loads GStreamer's CUDA library (gst_cuda_load_library()) and then our
 * supplementary symbols, once per process. Thread safe.
 *
 * Returns: TRUE when the driver and every symbol below were resolved.
 */
gboolean gst_gpu_cuda_loader_load (void);

/**
 * gst_gpu_cuda_loader_get_error:
 *
 * Returns: (transfer none) (nullable): why the last gst_gpu_cuda_loader_load()
 * failed ("libcuda.so.1: cannot open shared object file…"), NULL when it
 * succeeded or was not called.
 */
const gchar *gst_gpu_cuda_loader_get_error (void);

/**
 * gst_gpu_cuda_result:
 * @result: what a driver call returned
 * @category: (nullable): debug category to log into
 * @level: GST_LEVEL_WARNING or GST_LEVEL_ERROR
 *
 * Logs a failed driver call with its error name, file, function and line.
 * Use through GST_GPU_CU_CHECK().
 *
 * Returns: TRUE when @result is CUDA_SUCCESS.
 */
gboolean gst_gpu_cuda_result (CUresult result, GstDebugCategory *category,
    GstDebugLevel level, const gchar *expr, const gchar *file,
    const gchar *function, gint line);

/* Evaluates a driver call; on failure logs a warning in GST_CAT_DEFAULT
 * naming the call, the CUDA error, file, function and line. Evaluates to
 * TRUE on success. */
#define GST_GPU_CU_CHECK(expr)                                                 \
  gst_gpu_cuda_result ((expr), GST_CAT_DEFAULT, GST_LEVEL_WARNING, #expr,      \
      __FILE__, GST_FUNCTION, __LINE__)

/* Same, logged as an error: for failures that end the stream. */
#define GST_GPU_CU_CHECK_ERROR(expr)                                           \
  gst_gpu_cuda_result ((expr), GST_CAT_DEFAULT, GST_LEVEL_ERROR, #expr,        \
      __FILE__, GST_FUNCTION, __LINE__)

/* Driver entry points (see the CUDA driver API for their semantics). The
 * _v2 ABI is used where the driver has one. */
CUresult GstGpuCuMemGetInfo (size_t *free_bytes, size_t *total_bytes);
CUresult GstGpuCuMemcpyHtoDAsync (
    CUdeviceptr dst, const void *src, size_t size, CUstream stream);
CUresult GstGpuCuMemcpyDtoHAsync (
    void *dst, CUdeviceptr src, size_t size, CUstream stream);
CUresult GstGpuCuMemcpyDtoDAsync (
    CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream);
CUresult GstGpuCuMemsetD8Async (
    CUdeviceptr dst, unsigned char value, size_t count, CUstream stream);
CUresult GstGpuCuEventCreate (CUevent *event, unsigned int flags);
CUresult GstGpuCuEventRecord (CUevent event, CUstream stream);
CUresult GstGpuCuEventSynchronize (CUevent event);
CUresult GstGpuCuEventDestroy (CUevent event);

G_END_DECLS

#endif /* HAVE_CUDA */
