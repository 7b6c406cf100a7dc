/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_OPT_BIN (gst_gpu_opt_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstGpuOptBin, gst_gpu_opt_bin, GST, GPU_OPT_BIN, GstBin)

G_END_DECLS
