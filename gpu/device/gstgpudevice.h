/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuDevice: the compute device an element runs on (a CUDA context and
 * stream, or the CPU), chosen at READY->PAUSED from the element's `device`
 * and `device-id` properties.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  GST_GPU_DEVICE_KIND_AUTO,
  GST_GPU_DEVICE_KIND_CUDA,
  GST_GPU_DEVICE_KIND_CPU,
} GstGpuDeviceKind;

GType gst_gpu_device_kind_get_type (void);
#define GST_TYPE_GPU_DEVICE_KIND (gst_gpu_device_kind_get_type ())

#define GST_TYPE_GPU_DEVICE (gst_gpu_device_get_type ())
G_DECLARE_FINAL_TYPE (GstGpuDevice, gst_gpu_device, GST, GPU_DEVICE, GstObject);

/* Map flag: map a tensor memory for its device pointer (CUdeviceptr in
 * info.data) instead of a host copy. Ignored for system memory. */
#define GST_MAP_GPU_DEVICE ((GstMapFlags)(GST_MAP_FLAG_LAST << 1))

/**
 * GstGpuDeviceHandle:
 *
 * Embedded in every element; holds what the element's `device` and
 * `device-id` properties ask for and the shared CUDA context, if any.
 * Protected by the object lock of the element.
 */
typedef struct
{
  GstGpuDeviceKind kind;
  gint device_id;          /* -1: any */
  GstObject *cuda_context; /* GstCudaContext, or NULL */
} GstGpuDeviceHandle;

/* Installs the `device` (GstGpuDeviceKind, default auto) and `device-id`
 * (gint, -1 = any, default -1) properties with the ids given, documented
 * the same way on every element. The element maps them to the handle in
 * its set_property/get_property under its object lock. */
void gst_gpu_device_install_properties (
    GObjectClass *klass, guint prop_device, guint prop_device_id);

void gst_gpu_device_handle_init (GstGpuDeviceHandle *handle);
void gst_gpu_device_handle_clear (GstGpuDeviceHandle *handle);
/* From GstElement::set_context. */
void gst_gpu_device_handle_set_context (
    GstGpuDeviceHandle *handle, GstElement *element, GstContext *context);
/* From a pad or element query handler; TRUE if the CONTEXT query was
 * answered. */
gboolean gst_gpu_device_handle_query (
    GstGpuDeviceHandle *handle, GstElement *element, GstQuery *query);

/**
 * gst_gpu_device_handle_acquire:
 *
 * Call at READY->PAUSED. With kind auto, picks CUDA when the driver loads
 * and a device exists (sharing a GstCudaContext through GstContext), else
 * the CPU. With kind cuda and no usable GPU, fails with a GError saying
 * why. Logs which device was chosen.
 *
 * Returns: (transfer full) (nullable): the device.
 */
GstGpuDevice *gst_gpu_device_handle_acquire (
    GstGpuDeviceHandle *handle, GstElement *element, GError **error);

/* TRUE when the CUDA driver library loads and at least one device exists.
 * Never aborts. */
gboolean gst_gpu_device_cuda_available (void);

gboolean gst_gpu_device_is_cuda (GstGpuDevice *device);
/* "cuda" or "cpu" */
const gchar *gst_gpu_device_get_kind_name (GstGpuDevice *device);
/* Human readable, e.g. "NVIDIA A100 (cuda:0)" or "CPU (2 cores)". */
const gchar *gst_gpu_device_get_name (GstGpuDevice *device);
/* Free/total memory of the device (host RAM for the CPU). */
gboolean gst_gpu_device_get_memory_info (
    GstGpuDevice *device, guint64 *free_bytes, guint64 *total_bytes);

/* Returns: (transfer full): the allocator for tensor memory on this device:
 * linear device memory with pinned host staging for CUDA, aligned system
 * memory for the CPU. */
GstAllocator *gst_gpu_device_get_allocator (GstGpuDevice *device);
/* Caps feature of buffers from that allocator (NULL for system memory). */
const gchar *gst_gpu_device_get_caps_feature (GstGpuDevice *device);
/* Allocation parameters to allocate with that allocator: 64-byte alignment
 * (align = 63) on the CPU, the driver's 256-byte alignment on CUDA. */
void gst_gpu_device_get_allocation_params (
    GstGpuDevice *device, GstAllocationParams *params);

/**
 * gst_gpu_tensor_allocator_new:
 * @device: a CUDA #GstGpuDevice
 *
 * Memory from the allocator keeps @device alive. Prefer
 * gst_gpu_device_get_allocator(), which shares one allocator per device.
 *
 * Returns: (transfer full) (nullable): a new GstGpuTensorAllocator
 * (gstgputensormemory.h), NULL when @device is not a CUDA device (or the
 * build has no CUDA).
 */
GstAllocator *gst_gpu_tensor_allocator_new (GstGpuDevice *device);

/* Returns: (transfer full): a CPU device not tied to any element (tests,
 * benchmarks, tools). */
GstGpuDevice *gst_gpu_device_new_cpu (void);
/* Returns: (transfer none) (nullable): the device's GstCudaContext, NULL on
 * the CPU. */
GstObject *gst_gpu_device_get_cuda_context (GstGpuDevice *device);
/* CUDA device ordinal, -1 on the CPU. */
gint gst_gpu_device_get_device_id (GstGpuDevice *device);

/* Returns: (transfer full): a bounded pool of @max_buffers buffers of @size
 * bytes of tensor memory; acquire blocks while downstream holds them all.
 * The pool is configured (min 1, max @max_buffers, the device's allocator
 * and allocation parameters) but not active: the element activates it with
 * gst_buffer_pool_set_active() and deactivates it to unblock a waiting
 * acquire when flushing or stopping. NULL if @max_buffers is 0 or @size 0. */
GstBufferPool *gst_gpu_device_create_pool (
    GstGpuDevice *device, gsize size, guint max_buffers);

/* CUDA only: push/pop the device's context around driver calls; the
 * element's stream (CUstream) on which all its work is queued; a kernel from
 * the embedded fatbin. On the CPU device push/pop return TRUE and the others
 * return NULL. */
gboolean gst_gpu_device_push (GstGpuDevice *device);
void gst_gpu_device_pop (GstGpuDevice *device);
gpointer gst_gpu_device_get_stream (GstGpuDevice *device);
gboolean gst_gpu_device_synchronize (GstGpuDevice *device);
/* Copies @size bytes within the device's memory (see the .c). */
gboolean gst_gpu_device_copy (
    GstGpuDevice *device, gpointer dst, gconstpointer src, gsize size);
gpointer gst_gpu_device_get_kernel (
    GstGpuDevice *device, const guint8 *fatbin, const gchar *name);

G_END_DECLS
