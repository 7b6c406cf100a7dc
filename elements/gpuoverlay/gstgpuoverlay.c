/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuoverlay: draws results on video. Skeleton: registration only, to be written.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpuoverlay/gstgpuoverlay.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_overlay_debug);
#define GST_CAT_DEFAULT gst_gpu_overlay_debug

struct _GstGpuOverlay
{
  GstElement parent;
};

G_DEFINE_TYPE (GstGpuOverlay, gst_gpu_overlay, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpuoverlay, "gpuoverlay", GST_RANK_NONE,
    GST_TYPE_GPU_OVERLAY,
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_overlay_debug, "gpuoverlay", 0, "draws results on video"));

static void
gst_gpu_overlay_class_init (GstGpuOverlayClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gst_element_class_set_static_metadata (element_class, "Result overlay",
      "Filter/Editor/Video",
      "Draws the boxes, labels, scores and keypoints of region-of-interest "
      "metadata on raw video",
      "gst-gpustream");
}

static void
gst_gpu_overlay_init (GstGpuOverlay *self)
{
}
