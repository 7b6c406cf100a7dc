/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Supplementary CUDA driver loader: the few driver entry points that
 * gstreamer-cuda-1.0 1.22 does not wrap, resolved from libcuda.so.1 once per
 * process. The plugin never links the driver.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#ifdef HAVE_CUDA

#include "gpu/device/gstgpucudaloader.h"

#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/cuda-gst.h>
#include <dlfcn.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_gpu_cuda_loader_debug);
#define GST_CAT_DEFAULT gst_gpu_cuda_loader_debug

#define GST_GPU_CUDA_LIBNAME "libcuda.so.1"

/* Signatures spelled out rather than taken from cuda.h, whose macros rename
 * the entry points (cuMemGetInfo -> cuMemGetInfo_v2, per-thread stream
 * variants, ...). */
typedef struct
{
  CUresult (CUDAAPI *MemGetInfo) (size_t *, size_t *);
  CUresult (CUDAAPI *MemcpyHtoDAsync) (
      CUdeviceptr, const void *, size_t, CUstream);
  CUresult (CUDAAPI *MemcpyDtoHAsync) (void *, CUdeviceptr, size_t, CUstream);
  CUresult (CUDAAPI *MemcpyDtoDAsync) (
      CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (CUDAAPI *MemsetD8Async) (
      CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (CUDAAPI *EventCreate) (CUevent *, unsigned int);
  CUresult (CUDAAPI *EventRecord) (CUevent, CUstream);
  CUresult (CUDAAPI *EventSynchronize) (CUevent);
  CUresult (CUDAAPI *EventDestroy) (CUevent);
} GstGpuCudaVTable;

typedef struct
{
  const gchar *symbol;
  gsize offset;
} GstGpuCudaSymbol;

#define SYMBOL(name, field)                                                    \
  {                                                                            \
    name, G_STRUCT_OFFSET (GstGpuCudaVTable, field)                            \
  }

static const GstGpuCudaSymbol gst_gpu_cuda_symbols[] = {
  SYMBOL ("cuMemGetInfo_v2", MemGetInfo),
  SYMBOL ("cuMemcpyHtoDAsync_v2", MemcpyHtoDAsync),
  SYMBOL ("cuMemcpyDtoHAsync_v2", MemcpyDtoHAsync),
  SYMBOL ("cuMemcpyDtoDAsync_v2", MemcpyDtoDAsync),
  SYMBOL ("cuMemsetD8Async", MemsetD8Async),
  SYMBOL ("cuEventCreate", EventCreate),
  SYMBOL ("cuEventRecord", EventRecord),
  SYMBOL ("cuEventSynchronize", EventSynchronize),
  SYMBOL ("cuEventDestroy_v2", EventDestroy),
};

#undef SYMBOL

/* Written once inside g_once_init_enter/leave, read-only afterwards. */
static GstGpuCudaVTable gst_gpu_cuda_vtable;
static gboolean gst_gpu_cuda_loaded = FALSE;
static gboolean gst_gpu_gst_cuda_loaded = FALSE;
static gchar *gst_gpu_cuda_load_error = NULL;

static gboolean
gst_gpu_cuda_loader_load_symbols (void)
{
  const GstGpuCudaSymbol *sym;
  const char *why;
  void *module, *func;
  guint i;

  /* gst_cuda_load_library() succeeded, so this only takes a reference on
   * the already loaded driver; it is never closed. */
  module = dlopen (GST_GPU_CUDA_LIBNAME, RTLD_LAZY | RTLD_LOCAL);
  if (!module)
    goto no_module;

  for (i = 0; i < G_N_ELEMENTS (gst_gpu_cuda_symbols); i++) {
    sym = &gst_gpu_cuda_symbols[i];
    func = dlsym (module, sym->symbol);
    if (!func)
      goto no_symbol;
    G_STRUCT_MEMBER (void *, &gst_gpu_cuda_vtable, sym->offset) = func;
  }
  return TRUE;

  /* ERRORS */
no_module:
  why = dlerror ();
  gst_gpu_cuda_load_error = g_strdup_printf (
      "cannot open %s: %s", GST_GPU_CUDA_LIBNAME, why ? why : "unknown error");
  return FALSE;
no_symbol:
  gst_gpu_cuda_load_error = g_strdup_printf (
      "%s lacks %s (driver too old?)", GST_GPU_CUDA_LIBNAME, sym->symbol);
  memset (&gst_gpu_cuda_vtable, 0, sizeof (gst_gpu_cuda_vtable));
  dlclose (module);
  return FALSE;
}

/* gst_cuda_load_library() does not say why it failed: ask the dynamic
 * loader ourselves. */
static gchar *
gst_gpu_cuda_loader_explain_failure (void)
{
  gchar *why;
  void *module = dlopen (GST_GPU_CUDA_LIBNAME, RTLD_LAZY | RTLD_LOCAL);

  if (!module) {
    const char *err = dlerror ();

    why = g_strdup_printf ("cannot load the NVIDIA driver library (%s); is "
                           "the NVIDIA driver installed?",
        err ? err : GST_GPU_CUDA_LIBNAME);
  } else {
    dlclose (module);
    why = g_strdup ("gstreamer-cuda could not load " GST_GPU_CUDA_LIBNAME
                    " (driver too old for GStreamer's CUDA library?)");
  }

  return why;
}

gboolean
gst_gpu_cuda_loader_load (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (gst_gpu_cuda_loader_debug, "gpucudaloader", 0,
        "gst-gpustream CUDA driver loader");

    gst_gpu_gst_cuda_loaded = gst_cuda_load_library ();
    if (!gst_gpu_gst_cuda_loaded) {
      gst_gpu_cuda_load_error = gst_gpu_cuda_loader_explain_failure ();
    } else {
      gst_gpu_cuda_loaded = gst_gpu_cuda_loader_load_symbols ();
    }

    if (gst_gpu_cuda_loaded)
      GST_INFO ("CUDA driver symbols loaded");
    else
      GST_INFO ("CUDA driver not usable: %s", gst_gpu_cuda_load_error);

    g_once_init_leave (&once, 1);
  }

  return gst_gpu_cuda_loaded;
}

const gchar *
gst_gpu_cuda_loader_get_error (void)
{
  return gst_gpu_cuda_load_error;
}

gboolean
gst_gpu_cuda_result (CUresult result, GstDebugCategory *category,
    GstDebugLevel level, const gchar *expr, const gchar *file,
    const gchar *function, gint line)
{
  if (result == CUDA_SUCCESS)
    return TRUE;

#ifndef GST_DISABLE_GST_DEBUG
  const gchar *name = NULL;
  const gchar *text = NULL;

  /* GStreamer's wrappers abort when the driver was not loaded. */
  if (gst_gpu_gst_cuda_loaded) {
    if (CuGetErrorName (result, &name) != CUDA_SUCCESS)
      name = NULL;
    if (CuGetErrorString (result, &text) != CUDA_SUCCESS)
      text = NULL;
  }

  if (!category)
    category = gst_gpu_cuda_loader_debug;
  if (!category)
    return FALSE;

  gst_debug_log (category, level, file, function, line, NULL,
      "CUDA call %s failed: %s (%d): %s", expr, name ? name : "unknown error",
      (gint)result, text ? text : "no description");
#endif

  return FALSE;
}

/* Every wrapper answers CUDA_ERROR_NOT_INITIALIZED instead of aborting when
 * the loader did not succeed. */
#define GST_GPU_CUDA_CALL(field, ...)                                          \
  G_STMT_START                                                                 \
  {                                                                            \
    if (!gst_gpu_cuda_loaded || !gst_gpu_cuda_vtable.field)                    \
      return CUDA_ERROR_NOT_INITIALIZED;                                       \
    return gst_gpu_cuda_vtable.field (__VA_ARGS__);                            \
  }                                                                            \
  G_STMT_END

CUresult
GstGpuCuMemGetInfo (size_t *free_bytes, size_t *total_bytes)
{
  GST_GPU_CUDA_CALL (MemGetInfo, free_bytes, total_bytes);
}

CUresult
GstGpuCuMemcpyHtoDAsync (
    CUdeviceptr dst, const void *src, size_t size, CUstream stream)
{
  GST_GPU_CUDA_CALL (MemcpyHtoDAsync, dst, src, size, stream);
}

CUresult
GstGpuCuMemcpyDtoHAsync (
    void *dst, CUdeviceptr src, size_t size, CUstream stream)
{
  GST_GPU_CUDA_CALL (MemcpyDtoHAsync, dst, src, size, stream);
}

CUresult
GstGpuCuMemcpyDtoDAsync (
    CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream)
{
  GST_GPU_CUDA_CALL (MemcpyDtoDAsync, dst, src, size, stream);
}

CUresult
GstGpuCuMemsetD8Async (
    CUdeviceptr dst, unsigned char value, size_t count, CUstream stream)
{
  GST_GPU_CUDA_CALL (MemsetD8Async, dst, value, count, stream);
}

CUresult
GstGpuCuEventCreate (CUevent *event, unsigned int flags)
{
  GST_GPU_CUDA_CALL (EventCreate, event, flags);
}

CUresult
GstGpuCuEventRecord (CUevent event, CUstream stream)
{
  GST_GPU_CUDA_CALL (EventRecord, event, stream);
}

CUresult
GstGpuCuEventSynchronize (CUevent event)
{
  GST_GPU_CUDA_CALL (EventSynchronize, event);
}

CUresult
GstGpuCuEventDestroy (CUevent event)
{
  GST_GPU_CUDA_CALL (EventDestroy, event);
}

#endif /* HAVE_CUDA */
