/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpupublish: publishes results. Skeleton: registration only, to be written.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpupublish/gstgpupublish.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_publish_debug);
#define GST_CAT_DEFAULT gst_gpu_publish_debug

struct _GstGpuPublish
{
  GstElement parent;
};

G_DEFINE_TYPE (GstGpuPublish, gst_gpu_publish, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpupublish, "gpupublish", GST_RANK_NONE,
    GST_TYPE_GPU_PUBLISH,
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_publish_debug, "gpupublish", 0, "publishes results"));

static void
gst_gpu_publish_class_init (GstGpuPublishClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gst_element_class_set_static_metadata (element_class, "Result publisher",
      "Sink/Metadata",
      "Publishes the decoded results of each batch item as JSON lines, "
      "messages or a Redis stream",
      "gst-gpustream");
}

static void
gst_gpu_publish_init (GstGpuPublish *self)
{
}
