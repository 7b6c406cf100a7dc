/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuDevice: the compute device (a CUDA context and stream, or the
 * CPU), its memory figures, allocator and bounded buffer pools. The CUDA
 * path is in gstgpudevicecuda.c, the element glue in gstgpudevicehandle.c,
 * the host memory figures in gstgpumeminfo.c (see gstgpudeviceprivate.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/device/gstgpudeviceprivate.h"
#include "gpu/device/gstgpuhostmemory.h"
#include "gpu/device/gstgputensormemory.h"
#include "gst/gstgputensorinfo.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_gpu_device_debug);
#define GST_CAT_DEFAULT gst_gpu_device_debug

/* Alignment of CPU tensor memory: one cache line, enough for AVX-512 loads. */
#define GST_GPU_DEVICE_CPU_ALIGN 63
/* cuMemAlloc returns memory aligned to at least 256 bytes. */
#define GST_GPU_DEVICE_CUDA_ALIGN 255

static void gst_gpu_device_finalize (GObject *object);

G_DEFINE_TYPE_WITH_CODE (GstGpuDevice, gst_gpu_device, GST_TYPE_OBJECT,
    GST_DEBUG_CATEGORY_INIT (gst_gpu_device_debug, "gpudevice", 0,
        "gst-gpustream device selection and memory"));

GType
gst_gpu_device_kind_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[]
      = { { GST_GPU_DEVICE_KIND_AUTO,
              "CUDA when a device is usable, else the CPU", "auto" },
          { GST_GPU_DEVICE_KIND_CUDA,
              "CUDA device (fails without a usable GPU)", "cuda" },
          { GST_GPU_DEVICE_KIND_CPU, "CPU", "cpu" }, { 0, NULL, NULL } };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuDeviceKind", values);

    g_once_init_leave (&type, t);
  }

  return type;
}

static void
gst_gpu_device_class_init (GstGpuDeviceClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_gpu_device_finalize;
}

static void
gst_gpu_device_init (GstGpuDevice *self)
{
  self->device_id = -1;
  g_weak_ref_init (&self->allocator, NULL);
  g_mutex_init (&self->lock);
}

/* Whichever thread drops the last reference. */
static void
gst_gpu_device_finalize (GObject *object)
{
  GstGpuDevice *self = GST_GPU_DEVICE (object);

#ifdef HAVE_CUDA
  if (self->context)
    gst_gpu_device_cuda_release (self);
#endif

  g_weak_ref_clear (&self->allocator);
  g_mutex_clear (&self->lock);
  g_free (self->name);

  G_OBJECT_CLASS (gst_gpu_device_parent_class)->finalize (object);
}

/**
 * gst_gpu_device_new_cpu:
 *
 * Returns: (transfer full): a CPU device named "CPU (N cores)".
 */
GstGpuDevice *
gst_gpu_device_new_cpu (void)
{
  GstGpuDevice *self;
  guint cores = g_get_num_processors ();

  self = g_object_new (GST_TYPE_GPU_DEVICE, "name", "gpudevice-cpu", NULL);
  gst_object_ref_sink (self);
  self->is_cuda = FALSE;
  self->name
      = g_strdup_printf ("CPU (%u %s)", cores, cores == 1 ? "core" : "cores");

  return self;
}

/**
 * gst_gpu_device_cuda_available:
 *
 * Probes the driver once per process (later calls return the cached
 * answer). Never aborts.
 *
 * Returns: TRUE when libcuda.so.1 loads and reports at least one device.
 */
gboolean
gst_gpu_device_cuda_available (void)
{
#ifdef HAVE_CUDA
  gint n_devices = 0;
  const gchar *why = NULL;

  return gst_gpu_device_cuda_probe (&n_devices, &why);
#else
  return FALSE;
#endif
}

/**
 * gst_gpu_device_is_cuda:
 *
 * Returns: TRUE for a CUDA device, FALSE for the CPU.
 */
gboolean
gst_gpu_device_is_cuda (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

  return device->is_cuda;
}

/**
 * gst_gpu_device_get_kind_name:
 *
 * Returns: (transfer none): "cuda" or "cpu", the `device` field of stats.
 */
const gchar *
gst_gpu_device_get_kind_name (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->is_cuda ? "cuda" : "cpu";
}

/**
 * gst_gpu_device_get_name:
 *
 * Returns: (transfer none): e.g. "NVIDIA A100 (cuda:0)" or "CPU (2 cores)".
 */
const gchar *
gst_gpu_device_get_name (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->name;
}

gint
gst_gpu_device_get_device_id (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), -1);

  return device->device_id;
}

GstObject *
gst_gpu_device_get_cuda_context (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->context;
}

/**
 * gst_gpu_device_get_memory_info:
 * @device: a device
 * @free_bytes: (out): free bytes (MemAvailable on the CPU)
 * @total_bytes: (out): total bytes
 *
 * Any thread. On CUDA, makes the context current for cuMemGetInfo.
 *
 * Returns: TRUE when the figures could be read.
 */
gboolean
gst_gpu_device_get_memory_info (
    GstGpuDevice *device, guint64 *free_bytes, guint64 *total_bytes)
{
  guint64 f = 0, t = 0;
  gboolean ret;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda)
    ret = gst_gpu_device_cuda_get_memory_info (device, &f, &t);
  else
#endif
    ret = gst_gpu_host_get_memory_info (&f, &t);
  if (!ret)
    return FALSE;
  if (free_bytes)
    *free_bytes = f;
  if (total_bytes)
    *total_bytes = t;
  return TRUE;
}

static gboolean
ops_push (GstObject *device)
{
  return gst_gpu_device_push (GST_GPU_DEVICE (device));
}

static void
ops_pop (GstObject *device)
{
  gst_gpu_device_pop (GST_GPU_DEVICE (device));
}

static gpointer
ops_get_stream (GstObject *device)
{
  return gst_gpu_device_get_stream (GST_GPU_DEVICE (device));
}

static const gchar *
ops_get_name (GstObject *device)
{
  return gst_gpu_device_get_name (GST_GPU_DEVICE (device));
}

/* What tensor memory needs from a device. */
static const GstGpuTensorDeviceOps tensor_device_ops = {
  ops_push,
  ops_pop,
  ops_get_stream,
  ops_get_name,
};

GstAllocator *
gst_gpu_tensor_allocator_new (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  if (!device->is_cuda)
    return NULL;
  return gst_gpu_tensor_allocator_new_for_device (
      GST_OBJECT (device), &tensor_device_ops);
}

/**
 * gst_gpu_device_get_allocator:
 *
 * On CUDA the allocator is created once and shared while anyone holds it.
 * Any thread; takes the device lock.
 */
GstAllocator *
gst_gpu_device_get_allocator (GstGpuDevice *device)
{
  GstAllocator *allocator;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  if (!device->is_cuda)
    return gst_gpu_host_allocator_get ();

  g_mutex_lock (&device->lock);
  allocator = g_weak_ref_get (&device->allocator);
  if (!allocator) {
    allocator = gst_gpu_tensor_allocator_new (device);
    if (allocator)
      g_weak_ref_set (&device->allocator, allocator);
  }
  g_mutex_unlock (&device->lock);
  return allocator;
}

const gchar *
gst_gpu_device_get_caps_feature (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->is_cuda ? GST_CAPS_FEATURE_MEMORY_GPU_TENSOR : NULL;
}

void
gst_gpu_device_get_allocation_params (
    GstGpuDevice *device, GstAllocationParams *params)
{
  g_return_if_fail (GST_IS_GPU_DEVICE (device));
  g_return_if_fail (params != NULL);

  gst_allocation_params_init (params);
  params->align
      = device->is_cuda ? GST_GPU_DEVICE_CUDA_ALIGN : GST_GPU_DEVICE_CPU_ALIGN;
}

GstBufferPool *
gst_gpu_device_create_pool (GstGpuDevice *device, gsize size, guint max_buffers)
{
  GstBufferPool *pool;
  GstAllocator *allocator;
  GstAllocationParams params;
  GstStructure *config;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  if (size == 0 || max_buffers == 0 || size > G_MAXUINT)
    goto bad_size;
  allocator = gst_gpu_device_get_allocator (device);
  if (!allocator)
    return NULL;
  gst_gpu_device_get_allocation_params (device, &params);

  pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (pool);
  /* min 1: activation allocates one buffer, so a device out of memory
   * fails there rather than on the first item. */
  gst_buffer_pool_config_set_params (config, NULL, (guint)size, 1, max_buffers);
  gst_buffer_pool_config_set_allocator (config, allocator, &params);
  gst_object_unref (allocator);
  if (!gst_buffer_pool_set_config (pool, config))
    goto bad_config;
  GST_DEBUG_OBJECT (device,
      "pool %" GST_PTR_FORMAT ": %u x %" G_GSIZE_FORMAT " bytes on %s", pool,
      max_buffers, size, device->name);
  return pool;

  /* ERRORS */
bad_size:
  GST_WARNING_OBJECT (device,
      "refusing a pool of %u buffers of %" G_GSIZE_FORMAT " bytes", max_buffers,
      size);
  return NULL;
bad_config:
  GST_WARNING_OBJECT (device, "the buffer pool rejected its configuration");
  gst_object_unref (pool);
  return NULL;
}

/**
 * gst_gpu_device_push:
 *
 * Makes the device's CUDA context current on the calling thread; pair with
 * gst_gpu_device_pop(). TRUE on the CPU.
 */
gboolean
gst_gpu_device_push (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda)
    return gst_gpu_device_cuda_push (device);
#endif
  return TRUE;
}

void
gst_gpu_device_pop (GstGpuDevice *device)
{
  g_return_if_fail (GST_IS_GPU_DEVICE (device));

#ifdef HAVE_CUDA
  if (device->is_cuda)
    gst_gpu_device_cuda_pop (device);
#endif
}

/**
 * gst_gpu_device_get_stream:
 *
 * Returns: (transfer none) (nullable): the device's CUstream, NULL on the
 * CPU. Owned by the device, alive as long as it is.
 */
gpointer
gst_gpu_device_get_stream (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->stream;
}

/**
 * gst_gpu_device_synchronize:
 *
 * Waits for all work queued on the device's stream. TRUE on the CPU.
 *
 * Returns: FALSE when the driver reported an error (logged).
 */
gboolean
gst_gpu_device_synchronize (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda)
    return gst_gpu_device_cuda_synchronize (device);
#endif
  return TRUE;
}

/**
 * gst_gpu_device_copy:
 * @device: a device
 * @dst: destination in the device's tensor memory (a host pointer on the
 *   CPU, a CUdeviceptr on CUDA, as mapped with GST_MAP_GPU_DEVICE)
 * @src: source in the same memory; must not overlap @dst
 * @size: bytes
 *
 * Copies within the device's memory: memcpy on the CPU; on CUDA an
 * asynchronous device-to-device copy queued on the device's stream, so it
 * is ordered after earlier work on that stream and complete at the next
 * gst_gpu_device_synchronize().
 *
 * Returns: FALSE when the driver reported an error (logged).
 */
gboolean
gst_gpu_device_copy (
    GstGpuDevice *device, gpointer dst, gconstpointer src, gsize size)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda)
    return gst_gpu_device_cuda_copy (device, dst, src, size);
#endif
  memcpy (dst, src, size);
  return TRUE;
}

/**
 * gst_gpu_device_get_kernel:
 * @device: a device
 * @fatbin: embedded fatbin image; its address identifies the module
 * @name: kernel name (extern "C")
 *
 * Loads @fatbin with cuModuleLoadData the first time it is seen on this
 * device and caches each function looked up. Any thread; takes the device
 * lock. Call once per caps, not per buffer.
 *
 * Returns: (transfer none) (nullable): a CUfunction valid as long as
 * @device, NULL on the CPU or when loading failed (logged).
 */
gpointer
gst_gpu_device_get_kernel (
    GstGpuDevice *device, const guint8 *fatbin, const gchar *name)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

#ifdef HAVE_CUDA
  if (device->is_cuda && fatbin && name)
    return gst_gpu_device_cuda_get_kernel (device, fatbin, name);
#endif
  return NULL;
}
