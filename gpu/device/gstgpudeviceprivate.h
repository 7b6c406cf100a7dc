/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Inside the device layer: the GstGpuDevice struct and what its files
 * share. gstgpudevice.c is the object (CPU device, getters, allocator,
 * pools, and the calls that hand over to CUDA); gstgpudevicecuda.c the
 * CUDA path (driver probe, context sharing, stream, kernels), compiled only
 * with CUDA; gstgpudevicehandle.c the element glue (GstGpuDeviceHandle and
 * the `device`/`device-id` properties); gstgpumeminfo.c the host memory
 * figures. The CUDA functions below exist only with HAVE_CUDA, the way
 * gpu/kvtable keeps its CUDA path in gstgpukvtablecuda.c.
 */
#pragma once

#include "gpu/device/gstgpudevice.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_device_debug);

struct _GstGpuDevice
{
  GstObject parent;

  gboolean is_cuda;
  gint device_id; /* CUDA ordinal, -1 on the CPU */
  gchar *name;

  /* Shared tensor allocator. Weak: its memories reference the allocator,
   * which references the device. */
  GWeakRef allocator;

  /* Protects modules and the creation of the shared allocator. */
  GMutex lock;

  /* CUDA only (NULL on the CPU): GstCudaContext, CUstream, and fatbin
   * pointer -> loaded module, under lock. */
  GstObject *context;
  gpointer stream;
  GHashTable *modules;
};

/* Free and total host RAM: MemAvailable and MemTotal of /proc/meminfo, else
 * sysconf(). FALSE when neither gives figures. */
gboolean gst_gpu_host_get_memory_info (
    guint64 *free_bytes, guint64 *total_bytes);

#ifdef HAVE_CUDA
/* Probes the driver once per process: TRUE with @n_devices when at least
 * one device exists, else FALSE with @why (static string). */
gboolean gst_gpu_device_cuda_probe (gint *n_devices, const gchar **why);
/* A CUDA device for @element on @device_id (-1: any), sharing a
 * GstCudaContext through GstContext. NULL with @why (owned) on failure.
 * State-change thread, without the element's object lock. */
GstGpuDevice *gst_gpu_device_cuda_acquire (GstGpuDeviceHandle *handle,
    GstElement *element, gint device_id, gchar **why);
/* Releases the stream, modules and context (finalize). */
void gst_gpu_device_cuda_release (GstGpuDevice *self);
void gst_gpu_device_cuda_handle_set_context (
    GstGpuDeviceHandle *handle, GstElement *element, GstContext *context);
gboolean gst_gpu_device_cuda_handle_query (
    GstGpuDeviceHandle *handle, GstElement *element, GstQuery *query);
gboolean gst_gpu_device_cuda_get_memory_info (
    GstGpuDevice *self, guint64 *free_bytes, guint64 *total_bytes);
gboolean gst_gpu_device_cuda_push (GstGpuDevice *self);
void gst_gpu_device_cuda_pop (GstGpuDevice *self);
gboolean gst_gpu_device_cuda_synchronize (GstGpuDevice *self);
gboolean gst_gpu_device_cuda_copy (
    GstGpuDevice *self, gpointer dst, gconstpointer src, gsize size);
gpointer gst_gpu_device_cuda_get_kernel (
    GstGpuDevice *self, const guint8 *fatbin, const gchar *name);
#endif

G_END_DECLS
