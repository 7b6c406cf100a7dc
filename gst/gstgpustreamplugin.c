/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The gpustream plugin: registers every element. One element failing to
 * register does not take the others down.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gst/gstgpustreamelements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (gpubatch, plugin);
  ret |= GST_ELEMENT_REGISTER (gpuunbatch, plugin);
  ret |= GST_ELEMENT_REGISTER (gpuinfer, plugin);
  ret |= GST_ELEMENT_REGISTER (gpuoptbin, plugin);
  ret |= GST_ELEMENT_REGISTER (gpukvcache, plugin);
  ret |= GST_ELEMENT_REGISTER (gpudecode, plugin);
  ret |= GST_ELEMENT_REGISTER (gpuoverlay, plugin);
  ret |= GST_ELEMENT_REGISTER (gpupublish, plugin);
  ret |= gst_tracer_register (
      plugin, "gpustream", gst_gpu_stream_tracer_get_type ());

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, gpustream,
    "GPU batching, inference, caching and pipeline optimisation", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
