/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpubatch: gathers frames, audio windows or tensors from request sink pads
 * into fixed-shape other/tensors batches.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstGpuBatchOverflow:
 * @GST_GPU_BATCH_OVERFLOW_BLOCK: producers block at the pause threshold and
 *   resume below the resume threshold
 * @GST_GPU_BATCH_OVERFLOW_DROP_OLDEST: at capacity, the oldest waiting batch
 *   is dropped
 * @GST_GPU_BATCH_OVERFLOW_DROP_NEWEST: at capacity, the arriving item is
 *   dropped
 */
typedef enum {
  GST_GPU_BATCH_OVERFLOW_BLOCK,
  GST_GPU_BATCH_OVERFLOW_DROP_OLDEST,
  GST_GPU_BATCH_OVERFLOW_DROP_NEWEST,
} GstGpuBatchOverflow;

GType gst_gpu_batch_overflow_get_type (void);
#define GST_TYPE_GPU_BATCH_OVERFLOW (gst_gpu_batch_overflow_get_type ())

/**
 * GstGpuBatchDType:
 *
 * Element type of the batch tensor.
 */
typedef enum {
  GST_GPU_BATCH_DTYPE_FLOAT32,
  GST_GPU_BATCH_DTYPE_FLOAT16,
  GST_GPU_BATCH_DTYPE_UINT8,
} GstGpuBatchDType;

GType gst_gpu_batch_dtype_get_type (void);
#define GST_TYPE_GPU_BATCH_DTYPE (gst_gpu_batch_dtype_get_type ())

#define GST_TYPE_GPU_BATCH (gst_gpu_batch_get_type ())
G_DECLARE_FINAL_TYPE (GstGpuBatch, gst_gpu_batch, GST, GPU_BATCH, GstElement);

#define GST_TYPE_GPU_BATCH_PAD (gst_gpu_batch_pad_get_type ())
G_DECLARE_FINAL_TYPE (
    GstGpuBatchPad, gst_gpu_batch_pad, GST, GPU_BATCH_PAD, GstPad);

GST_ELEMENT_REGISTER_DECLARE (gpubatch);

G_END_DECLS
