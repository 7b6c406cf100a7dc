/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (gpubatch);
GST_ELEMENT_REGISTER_DECLARE (gpuunbatch);
GST_ELEMENT_REGISTER_DECLARE (gpuinfer);
GST_ELEMENT_REGISTER_DECLARE (gpuoptbin);
GST_ELEMENT_REGISTER_DECLARE (gpukvcache);
GST_ELEMENT_REGISTER_DECLARE (gpudecode);
GST_ELEMENT_REGISTER_DECLARE (gpuoverlay);
GST_ELEMENT_REGISTER_DECLARE (gpupublish);

GType gst_gpu_stream_tracer_get_type (void);

G_END_DECLS
