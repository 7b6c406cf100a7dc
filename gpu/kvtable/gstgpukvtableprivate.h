/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal: the table's CUDA path, in gstgpukvtablecuda.c. Only compiled
 * when the project has CUDA and the device layer is available
 * (GST_GPU_KV_WITH_CUDA).
 */
#pragma once

#include "gpu/kvtable/gstgpukvtable.h"

G_BEGIN_DECLS


/* The operations a CUDA batch can run (kernel selection). */
typedef enum {
  GST_GPU_KV_OP_FIND,
  GST_GPU_KV_OP_CONTAINS,
  GST_GPU_KV_OP_INSERT_OR_ASSIGN,
  GST_GPU_KV_OP_FIND_OR_INSERT,
  GST_GPU_KV_OP_ERASE,
} GstGpuKvOp;

typedef struct _GstGpuKvCuda GstGpuKvCuda;

#ifdef GST_GPU_KV_WITH_CUDA
/* Allocates and clears the device arrays of a table of @geom. */
GstGpuKvCuda *gst_gpu_kv_cuda_new (GstObject *device, GstGpuKvGeometry geom,
    guint value_size, gint policy, guint64 ttl, GError **error);
void gst_gpu_kv_cuda_free (GstGpuKvCuda *cuda);

/* Runs @op on host arrays through pinned staging on the device's stream and
 * waits for it. @values_in / @values_out / @status may be NULL when @op does
 * not use them. @counters receives the batch's counter increments. Returns
 * FALSE (every item reported as MISS/FAILED) when a driver call failed. */
gboolean gst_gpu_kv_cuda_run (GstGpuKvCuda *cuda, GstGpuKvOp op,
    const GstGpuKvKey *keys, guint n_keys, const guint8 *values_in,
    guint8 *values_out, guint8 *status, guint64 tick_base, guint64 now,
    gint64 counters[GST_GPU_KV_N_COUNTERS]);
gboolean gst_gpu_kv_cuda_clear (GstGpuKvCuda *cuda);
#endif

G_END_DECLS
