/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The gpustream tracer: serves metrics of every pipeline in the process.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GPU_STREAM_TRACER (gst_gpu_stream_tracer_get_type ())
G_DECLARE_FINAL_TYPE (GstGpuStreamTracer, gst_gpu_stream_tracer, GST,
    GPU_STREAM_TRACER, GstTracer);

G_END_DECLS
