/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers every part of gpuoptbin uses (the debug category, iteration,
 * class names, the configuration, string lists, queue limits, the plan's
 * decision log), so that the parts depend on this file and not on each other.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "optimizer/gstgpuoptplan.h"

#include <stdarg.h>
#include <string.h>

GST_DEBUG_CATEGORY (gst_gpu_opt_debug);
#define GST_CAT_DEFAULT gst_gpu_opt_debug

void
gst_gpu_opt_debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_opt_debug, "gpuoptbin", 0, "gpuoptbin pipeline optimizer");
    g_once_init_leave (&done, 1);
  }
}

void
gst_gpu_opt_iterate (
    GstIterator *it, GstIteratorForeachFunction func, gpointer user_data)
{
  while (gst_iterator_foreach (it, func, user_data) == GST_ITERATOR_RESYNC)
    gst_iterator_resync (it);
  gst_iterator_free (it);
}

const gchar *
gst_gpu_opt_class_name (GstGpuOptClass cls)
{
  switch (cls) {
    case GST_GPU_OPT_CLASS_LOW:
      return "low";
    case GST_GPU_OPT_CLASS_NORMAL:
      return "normal";
    case GST_GPU_OPT_CLASS_HIGH:
      return "high";
    case GST_GPU_OPT_CLASS_REALTIME:
      return "realtime";
    case GST_GPU_OPT_CLASS_NONE:
    default:
      return "none";
  }
}

void
gst_gpu_opt_config_init (GstGpuOptConfig *cfg)
{
  memset (cfg, 0, sizeof (*cfg));
}

void
gst_gpu_opt_config_copy (GstGpuOptConfig *dst, const GstGpuOptConfig *src)
{
  *dst = *src;
  dst->fusion_whitelist = g_strdupv (src->fusion_whitelist);
  dst->force_dedicated = g_strdupv (src->force_dedicated);
  dst->background = g_strdupv (src->background);
}

void
gst_gpu_opt_config_clear (GstGpuOptConfig *cfg)
{
  g_clear_pointer (&cfg->fusion_whitelist, g_strfreev);
  g_clear_pointer (&cfg->force_dedicated, g_strfreev);
  g_clear_pointer (&cfg->background, g_strfreev);
}

gboolean
gst_gpu_opt_strv_has (gchar **strv, const gchar *s)
{
  if (strv == NULL || s == NULL)
    return FALSE;
  return g_strv_contains ((const gchar *const *)strv, s);
}

static const gchar *queue_limit_props[] = {
  "max-size-buffers",
  "max-size-bytes",
  "max-size-time",
  "min-threshold-buffers",
  "min-threshold-bytes",
  "min-threshold-time",
};

gboolean
gst_gpu_opt_queue_has_user_limits (GstElement *queue, const gchar **which)
{
  gboolean user_set = FALSE;
  guint i;

  /* A value equal to the default cannot be told from an unset one; that is
   * the documented limit of this check. */
  for (i = 0; i < G_N_ELEMENTS (queue_limit_props) && !user_set; i++) {
    GParamSpec *pspec = g_object_class_find_property (
        G_OBJECT_GET_CLASS (queue), queue_limit_props[i]);
    GValue value = G_VALUE_INIT;

    if (pspec == NULL)
      continue;
    g_value_init (&value, pspec->value_type);
    g_object_get_property (G_OBJECT (queue), pspec->name, &value);
    if (!g_param_value_defaults (pspec, &value)) {
      user_set = TRUE;
      if (which)
        *which = queue_limit_props[i];
    }
    g_value_unset (&value);
  }
  return user_set;
}

void
gst_gpu_opt_plan_decide (GstGpuOptPlan *plan, const gchar *format, ...)
{
  va_list args;
  gchar *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  GST_INFO ("plan %u: %s", plan->generation, text);
  g_ptr_array_add (plan->decisions, text);
}
