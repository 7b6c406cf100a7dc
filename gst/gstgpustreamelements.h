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


G_END_DECLS
