/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuHostAllocator: aligned system memory for tensors on the CPU path.
 * It is GStreamer's system memory (mapped, shared and copied like any
 * other), but an allocation the machine cannot satisfy returns NULL, so a
 * pool reports GST_FLOW_ERROR and the element posts an error, where the
 * default system allocator aborts the process.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_HOST_ALLOCATOR (gst_gpu_host_allocator_get_type ())
G_DECLARE_FINAL_TYPE (GstGpuHostAllocator, gst_gpu_host_allocator, GST,
    GPU_HOST_ALLOCATOR, GstAllocator);

/**
 * gst_gpu_host_allocator_get:
 *
 * Returns: (transfer full): the process-wide host allocator.
 */
GstAllocator *gst_gpu_host_allocator_get (void);

G_END_DECLS
