/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuinfer: runs a model on each batch of other/tensors.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_INFER (gst_gpu_infer_get_type ())
G_DECLARE_FINAL_TYPE (GstGpuInfer, gst_gpu_infer, GST, GPU_INFER, GstElement);

GST_ELEMENT_REGISTER_DECLARE (gpuinfer);

G_END_DECLS
