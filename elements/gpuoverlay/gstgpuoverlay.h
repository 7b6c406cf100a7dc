/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuoverlay: draws results on video.
 */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_OVERLAY (gst_gpu_overlay_get_type ())
G_DECLARE_FINAL_TYPE (
    GstGpuOverlay, gst_gpu_overlay, GST, GPU_OVERLAY, GstBaseTransform);

GST_ELEMENT_REGISTER_DECLARE (gpuoverlay);

G_END_DECLS
