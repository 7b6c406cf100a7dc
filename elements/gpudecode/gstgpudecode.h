/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpudecode: turns output tensors into results.
 */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_DECODE (gst_gpu_decode_get_type ())
G_DECLARE_FINAL_TYPE (
    GstGpuDecode, gst_gpu_decode, GST, GPU_DECODE, GstBaseTransform);

GST_ELEMENT_REGISTER_DECLARE (gpudecode);

G_END_DECLS
