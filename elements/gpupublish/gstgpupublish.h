/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpupublish: publishes results.
 */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_PUBLISH (gst_gpu_publish_get_type ())
G_DECLARE_FINAL_TYPE (
    GstGpuPublish, gst_gpu_publish, GST, GPU_PUBLISH, GstBaseTransform);

GST_ELEMENT_REGISTER_DECLARE (gpupublish);

G_END_DECLS
