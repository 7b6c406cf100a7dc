/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuunbatch: splits batches back into one stream per source.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_UNBATCH (gst_gpu_unbatch_get_type ())
G_DECLARE_FINAL_TYPE (
    GstGpuUnbatch, gst_gpu_unbatch, GST, GPU_UNBATCH, GstElement);

GST_ELEMENT_REGISTER_DECLARE (gpuunbatch);

G_END_DECLS
