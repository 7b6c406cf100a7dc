/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuDevice's CUDA path: the driver probe, devices on a GstCudaContext
 * shared through GstContext, the device's stream, memory figures, copies
 * and the kernel cache. Compiled only with CUDA (see gstgpudeviceprivate.h).
 *
 * No GstCuda Cu* wrapper is called before gst_cuda_load_library()
 * succeeded (they abort otherwise): every CUDA device is created after
 * gst_gpu_device_cuda_probe() said yes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/device/gstgpudeviceprivate.h"
#include "gpu/device/gstgpucudaloader.h"

#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/cuda-gst.h>
#include <gst/cuda/gstcudacontext.h>
#include <gst/cuda/gstcudautils.h>

#define GST_CAT_DEFAULT gst_gpu_device_debug

/* One loaded fatbin and the functions looked up in it. */
typedef struct
{
  CUmodule module;
  GHashTable *functions; /* name (owned) -> CUfunction */
} GstGpuDeviceModule;

static void
module_free (gpointer data)
{
  GstGpuDeviceModule *mod = data;

  /* The context is current: called from finalize only. */
  GST_GPU_CU_CHECK (CuModuleUnload (mod->module));
  g_hash_table_unref (mod->functions);
  g_free (mod);
}

gboolean
gst_gpu_device_cuda_probe (gint *n_devices, const gchar **why)
{
  static gsize once = 0;
  static gint count = 0;
  static gchar *reason = NULL;

  if (g_once_init_enter (&once)) {
    CUresult res;
    const gchar *err = NULL;

    /* The gst category is created with the type. */
    g_type_ensure (GST_TYPE_GPU_DEVICE);

    if (!gst_gpu_cuda_loader_load ()) {
      reason = g_strdup (gst_gpu_cuda_loader_get_error ());
    } else if ((res = CuInit (0)) != CUDA_SUCCESS) {
      CuGetErrorName (res, &err);
      reason = g_strdup_printf ("cuInit failed with %s (driver/kernel "
                                "module mismatch or no NVIDIA device?)",
          err ? err : "?");
    } else if ((res = CuDeviceGetCount (&count)) != CUDA_SUCCESS) {
      CuGetErrorName (res, &err);
      reason = g_strdup_printf (
          "cuDeviceGetCount failed with %s", err ? err : "?");
      count = 0;
    } else if (count <= 0) {
      reason = g_strdup ("the CUDA driver reports no device");
      count = 0;
    }
    GST_INFO ("CUDA probe: %d device(s)%s%s", count, reason ? ": " : "",
        reason ? reason : "");
    g_once_init_leave (&once, 1);
  }

  *n_devices = count;
  *why = reason;

  return count > 0;
}

/* Takes a reference on @context. On failure returns NULL and sets @why. */
static GstGpuDevice *
new_cuda_device (GstCudaContext *context, gchar **why)
{
  GstGpuDevice *self;
  guint device_id = 0;
  CUdevice dev;
  gchar name[256] = {
    0,
  };
  gboolean ok;

  self = g_object_new (GST_TYPE_GPU_DEVICE, NULL);
  gst_object_ref_sink (self);
  self->is_cuda = TRUE;
  self->context = gst_object_ref (GST_OBJECT (context));
  self->modules = g_hash_table_new_full (NULL, NULL, NULL, module_free);
  g_object_get (context, "cuda-device-id", &device_id, NULL);
  self->device_id = (gint)device_id;

  if (!gst_cuda_context_push (context))
    goto no_push;

  ok = GST_GPU_CU_CHECK (CuDeviceGet (&dev, (int)device_id))
       && GST_GPU_CU_CHECK (CuDeviceGetName (name, sizeof (name) - 1, dev));
  if (!ok)
    g_strlcpy (name, "CUDA device", sizeof (name));

  /* Non-blocking: our work must not serialise with the legacy default
   * stream other elements may use. */
  ok = GST_GPU_CU_CHECK (
      CuStreamCreate ((CUstream *)&self->stream, CU_STREAM_NON_BLOCKING));
  gst_cuda_context_pop (NULL);
  if (!ok)
    goto no_stream;

  self->name = g_strdup_printf ("%s (cuda:%u)", name, device_id);
  gst_object_set_name (GST_OBJECT (self), "gpudevice-cuda");
  return self;

  /* ERRORS */
no_push:
  *why = g_strdup_printf (
      "cannot make the CUDA context of device %u current", device_id);
  gst_object_unref (self);
  return NULL;
no_stream:
  self->stream = NULL;
  *why = g_strdup_printf (
      "creating a CUDA stream on device %u failed", device_id);
  gst_object_unref (self);
  return NULL;
}

/* Without the object lock: gst_cuda_ensure_element_context() re-enters the
 * element's set_context, which takes it and fills handle->cuda_context. */
GstGpuDevice *
gst_gpu_device_cuda_acquire (GstGpuDeviceHandle *handle, GstElement *element,
    gint device_id, gchar **why)
{
  GstGpuDevice *device;
  GstObject *context = NULL;
  const gchar *reason = NULL;
  gint n_devices = 0;

  if (!gst_gpu_device_cuda_probe (&n_devices, &reason))
    goto no_driver;
  if (device_id >= n_devices)
    goto no_such_device;
  if (!gst_cuda_ensure_element_context (
          element, device_id, (GstCudaContext **)&handle->cuda_context))
    goto no_context;

  GST_OBJECT_LOCK (element);
  if (handle->cuda_context)
    context = gst_object_ref (handle->cuda_context);
  GST_OBJECT_UNLOCK (element);
  if (!context)
    goto context_not_set;

  device = new_cuda_device (GST_CUDA_CONTEXT (context), why);
  gst_object_unref (context);
  return device;

  /* ERRORS */
no_driver:
  *why = g_strdup (reason);
  return NULL;
no_such_device:
  *why = g_strdup_printf ("device-id=%d but the driver reports %d CUDA "
                          "device(s) (ids 0..%d)",
      device_id, n_devices, n_devices - 1);
  return NULL;
no_context:
  *why = g_strdup_printf ("could not create a CUDA context on device %d "
                          "(run with GST_DEBUG=cudacontext:5 for details)",
      MAX (device_id, 0));
  return NULL;
context_not_set:
  *why = g_strdup ("no CUDA context was set on the element");
  return NULL;
}

/* Whichever thread drops the last reference; makes the context current to
 * release the stream and modules. */
void
gst_gpu_device_cuda_release (GstGpuDevice *self)
{
  GstCudaContext *context = GST_CUDA_CONTEXT (self->context);

  if (gst_cuda_context_push (context)) {
    if (self->stream) {
      GST_GPU_CU_CHECK (CuStreamSynchronize ((CUstream)self->stream));
      GST_GPU_CU_CHECK (CuStreamDestroy ((CUstream)self->stream));
    }
    g_clear_pointer (&self->modules, g_hash_table_unref);
    gst_cuda_context_pop (NULL);
  } else if (self->modules) {
    GST_ERROR_OBJECT (self,
        "cannot make the CUDA context current: "
        "leaking the stream and modules of %s",
        self->name);
    /* Unloading needs the context: leave the modules to the driver. */
    g_hash_table_steal_all (self->modules);
    g_clear_pointer (&self->modules, g_hash_table_unref);
  }
  gst_clear_object (&self->context);
}

/* Takes the element's object lock; only parses the GstContext: no driver
 * call. */
void
gst_gpu_device_cuda_handle_set_context (
    GstGpuDeviceHandle *handle, GstElement *element, GstContext *context)
{
  GST_OBJECT_LOCK (element);
  if (handle->kind != GST_GPU_DEVICE_KIND_CPU)
    gst_cuda_handle_set_context (element, context, handle->device_id,
        (GstCudaContext **)&handle->cuda_context);
  GST_OBJECT_UNLOCK (element);
}

/* Takes the element's object lock. */
gboolean
gst_gpu_device_cuda_handle_query (
    GstGpuDeviceHandle *handle, GstElement *element, GstQuery *query)
{
  GstObject *context = NULL;
  gboolean ret;

  GST_OBJECT_LOCK (element);
  if (handle->cuda_context)
    context = gst_object_ref (handle->cuda_context);
  GST_OBJECT_UNLOCK (element);
  if (!context)
    return FALSE;

  ret = gst_cuda_handle_context_query (
      element, query, GST_CUDA_CONTEXT (context));
  gst_object_unref (context);
  return ret;
}

gboolean
gst_gpu_device_cuda_get_memory_info (
    GstGpuDevice *self, guint64 *free_bytes, guint64 *total_bytes)
{
  size_t cu_free = 0, cu_total = 0;
  gboolean ret;

  if (!gst_gpu_device_cuda_push (self))
    return FALSE;
  ret = GST_GPU_CU_CHECK (GstGpuCuMemGetInfo (&cu_free, &cu_total));
  gst_gpu_device_cuda_pop (self);
  *free_bytes = cu_free;
  *total_bytes = cu_total;
  return ret;
}

gboolean
gst_gpu_device_cuda_push (GstGpuDevice *self)
{
  return gst_cuda_context_push (GST_CUDA_CONTEXT (self->context));
}

void
gst_gpu_device_cuda_pop (GstGpuDevice *self)
{
  gst_cuda_context_pop (NULL);
}

gboolean
gst_gpu_device_cuda_synchronize (GstGpuDevice *self)
{
  gboolean ret;

  if (!gst_gpu_device_cuda_push (self))
    return FALSE;
  ret = GST_GPU_CU_CHECK (CuStreamSynchronize ((CUstream)self->stream));
  gst_gpu_device_cuda_pop (self);
  return ret;
}

gboolean
gst_gpu_device_cuda_copy (
    GstGpuDevice *self, gpointer dst, gconstpointer src, gsize size)
{
  gboolean ret;

  if (!gst_gpu_device_cuda_push (self))
    return FALSE;
  ret = GST_GPU_CU_CHECK (GstGpuCuMemcpyDtoDAsync ((CUdeviceptr)(guintptr)dst,
      (CUdeviceptr)(guintptr)src, size, (CUstream)self->stream));
  gst_gpu_device_cuda_pop (self);
  return ret;
}

/* Any thread; takes the device lock. */
gpointer
gst_gpu_device_cuda_get_kernel (
    GstGpuDevice *self, const guint8 *fatbin, const gchar *name)
{
  GstGpuDeviceModule *mod;
  CUmodule module = NULL;
  CUfunction func = NULL;

  g_mutex_lock (&self->lock);
  mod = g_hash_table_lookup (self->modules, fatbin);
  if (mod && (func = g_hash_table_lookup (mod->functions, name)))
    goto out_unlock;
  if (!gst_gpu_device_cuda_push (self))
    goto out_unlock;
  if (!mod) {
    if (!GST_GPU_CU_CHECK (CuModuleLoadData (&module, fatbin)))
      goto no_module;
    mod = g_new0 (GstGpuDeviceModule, 1);
    mod->module = module;
    mod->functions
        = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert (self->modules, (gpointer)fatbin, mod);
  }
  if (!GST_GPU_CU_CHECK (CuModuleGetFunction (&func, mod->module, name)))
    goto no_function;
  g_hash_table_insert (mod->functions, g_strdup (name), func);
  gst_gpu_device_cuda_pop (self);
out_unlock:
  g_mutex_unlock (&self->lock);
  return func;

  /* ERRORS */
no_module:
  GST_ERROR_OBJECT (self,
      "cannot load the kernel image for %s on %s: built for other GPU "
      "architectures?",
      name, self->name);
  gst_gpu_device_cuda_pop (self);
  g_mutex_unlock (&self->lock);
  return NULL;
no_function:
  GST_ERROR_OBJECT (self, "kernel %s not found in its image", name);
  func = NULL;
  gst_gpu_device_cuda_pop (self);
  g_mutex_unlock (&self->lock);
  return NULL;
}
