/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The gpustream tracer. Skeleton: registration only, to be written.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tracer/gstgpustreamtracer.h"

struct _GstGpuStreamTracer
{
  GstTracer parent;
};

G_DEFINE_TYPE (GstGpuStreamTracer, gst_gpu_stream_tracer, GST_TYPE_TRACER);

static void
gst_gpu_stream_tracer_class_init (GstGpuStreamTracerClass *klass)
{
}

static void
gst_gpu_stream_tracer_init (GstGpuStreamTracer *self)
{
}
