/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuTensorAllocator: linear CUDA device memory for tensors, with pinned
 * host staging for CPU maps. Its buffers are negotiated with the caps
 * feature GST_CAPS_FEATURE_MEMORY_GPU_TENSOR ("memory:GpuTensor"), never
 * memory:CUDAMemory (which downstream reads as GstCudaMemory).
 *
 * Mapping:
 *  - with GST_MAP_GPU_DEVICE: info.data is the CUdeviceptr (cast to a
 *    pointer) of the first byte; work on it is queued on the device's
 *    stream (gst_gpu_device_get_stream()). Mapping a multi-memory buffer
 *    this way is not supported: use gst_buffer_peek_memory() on batch
 *    buffers, which hold one memory.
 *  - without it: info.data points into pinned host staging, allocated on
 *    first use. A READ map downloads the device bytes and waits for them;
 *    unmapping a WRITE map uploads them and waits. Device maps with WRITE
 *    mark the staging stale.
 */
#pragma once

#include <gst/gst.h>

#include "gpu/device/gstgpudevice.h"

G_BEGIN_DECLS

#define GST_GPU_TENSOR_MEMORY_TYPE "GpuTensorMemory"

#define GST_TYPE_GPU_TENSOR_ALLOCATOR (gst_gpu_tensor_allocator_get_type ())
G_DECLARE_FINAL_TYPE (GstGpuTensorAllocator, gst_gpu_tensor_allocator, GST,
    GPU_TENSOR_ALLOCATOR, GstAllocator);

/**
 * GstGpuTensorDeviceOps:
 * @push: makes the device's CUDA context current on the calling thread
 * @pop: undoes @push
 * @get_stream: the device's CUstream, on which copies are queued
 * @get_name: the device's name, for log messages
 *
 * What the allocator needs from the device its memory lives on. The device
 * layer hands its own to gst_gpu_tensor_allocator_new_for_device() (see
 * gst_gpu_tensor_allocator_new() in gstgpudevice.h), so tensor memory calls
 * nothing of GstGpuDevice itself.
 */
typedef struct
{
  gboolean (*push) (GstObject *device);
  void (*pop) (GstObject *device);
  gpointer (*get_stream) (GstObject *device);
  const gchar *(*get_name) (GstObject *device);
} GstGpuTensorDeviceOps;

/* Returns: (transfer full): an allocator of memory on @device (a CUDA
 * GstGpuDevice, kept alive by the memory), reached through @ops (static,
 * never freed). */
GstAllocator *gst_gpu_tensor_allocator_new_for_device (
    GstObject *device, const GstGpuTensorDeviceOps *ops);

/**
 * gst_is_gpu_tensor_memory:
 *
 * Returns: TRUE if @mem was allocated by a #GstGpuTensorAllocator.
 */
gboolean gst_is_gpu_tensor_memory (GstMemory *mem);

/**
 * gst_gpu_tensor_memory_get_device:
 *
 * Returns: (transfer none) (nullable): the device @mem lives on, NULL if
 * @mem is not tensor memory.
 */
GstGpuDevice *gst_gpu_tensor_memory_get_device (GstMemory *mem);

G_END_DECLS
