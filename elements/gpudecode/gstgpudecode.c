/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpudecode: turns output tensors into results. Skeleton: registration only, to be written.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpudecode/gstgpudecode.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_decode_debug);
#define GST_CAT_DEFAULT gst_gpu_decode_debug

struct _GstGpuDecode
{
  GstElement parent;
};

G_DEFINE_TYPE (GstGpuDecode, gst_gpu_decode, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpudecode, "gpudecode", GST_RANK_NONE,
    GST_TYPE_GPU_DECODE,
    GST_DEBUG_CATEGORY_INIT (gst_gpu_decode_debug, "gpudecode", 0,
        "turns output tensors into results"));

static void
gst_gpu_decode_class_init (GstGpuDecodeClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gst_element_class_set_static_metadata (element_class, "GPU tensor decoder",
      "Filter/Tensor",
      "Decodes a batch's output tensors into boxes and classes per slot",
      "gst-gpustream");
}

static void
gst_gpu_decode_init (GstGpuDecode *self)
{
}
