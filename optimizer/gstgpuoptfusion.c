/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fusion: a `queue` in front of a lightweight element is removed so that the
 * element runs in the thread that feeds the queue ("fuse into its parent").
 * Removed queues are kept aside and put back when the bin goes to READY, so
 * every plan starts from the graph the user built.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "optimizer/gstgpuoptplan.h"

#define GST_CAT_DEFAULT gst_gpu_opt_debug

static gboolean
is_dedicated (GstGpuOptPlan *plan, GstGpuOptNode *node)
{
  return gst_gpu_opt_strv_has (plan->cfg.force_dedicated, node->factory)
         || gst_gpu_opt_strv_has (plan->cfg.force_dedicated, node->name);
}

/* Lightweight: whitelisted, or measured under GST_GPU_OPT_LIGHT_US. */
static gboolean
is_lightweight (
    GstGpuOptPlan *plan, GstGpuOptNode *node, GHashTable *profile, gchar **why)
{
  gdouble *avg_us;

  if (gst_gpu_opt_strv_has (plan->cfg.fusion_whitelist, node->factory)) {
    *why = g_strdup_printf ("%s is on fusion-whitelist", node->factory);
    return TRUE;
  }
  avg_us = (plan->cfg.enable_profiling && profile)
               ? g_hash_table_lookup (profile, node->path)
               : NULL;
  if (avg_us != NULL) {
    *why = g_strdup_printf ("%s measured %.1f us per buffer (%s %.0f us)",
        node->name, *avg_us,
        *avg_us < GST_GPU_OPT_LIGHT_US ? "under" : "not under",
        GST_GPU_OPT_LIGHT_US);
    return *avg_us < GST_GPU_OPT_LIGHT_US;
  }
  *why = g_strdup_printf (
      "%s is neither whitelisted nor measured light", node->factory);
  return FALSE;
}

static void
plan_one (GstGpuOptPlan *plan, GstGpuOptNode *q, GHashTable *profile)
{
  GstGpuOptNode *up, *down;
  const gchar *which = NULL;
  gchar *why = NULL;
  gint leaky = 0;

  if (q->upstream->len != 1 || q->downstream->len != 1) {
    gst_gpu_opt_plan_decide (plan,
        "%s: kept (not linked to one element "
        "inside the bin on each side)",
        q->name);
    return;
  }
  up = g_ptr_array_index (q->upstream, 0);
  down = g_ptr_array_index (q->downstream, 0);
  g_object_get (q->element, "leaky", &leaky, NULL);

  if (leaky != 0) {
    gst_gpu_opt_plan_decide (plan, "%s: kept (leaky)", q->name);
  } else if (gst_gpu_opt_queue_has_user_limits (q->element, &which)) {
    gst_gpu_opt_plan_decide (
        plan, "%s: kept (%s set by the user)", q->name, which);
  } else if (is_dedicated (plan, up) || is_dedicated (plan, down)) {
    gst_gpu_opt_plan_decide (plan, "%s: kept (%s is on force-dedicated)",
        q->name, is_dedicated (plan, up) ? up->name : down->name);
  } else if (down->is_decoupler || down->n_src_linked == 0) {
    gst_gpu_opt_plan_decide (plan, "%s: kept (%s %s)", q->name, down->name,
        down->is_decoupler ? "decouples threads itself" : "is a sink");
  } else if (down->n_sink_linked != 1 || down->n_src_linked != 1) {
    gst_gpu_opt_plan_decide (plan,
        "%s: kept (%s has %u linked sink and %u "
        "linked src pads: fan-in or fan-out)",
        q->name, down->name, down->n_sink_linked, down->n_src_linked);
  } else if (up->n_src_linked != 1) {
    /* after a tee or demuxer the queue lets the branches run apart; without
     * it one blocked branch (a sink prerolling) would stall the others */
    gst_gpu_opt_plan_decide (plan, "%s: kept (%s fans out to %u pads)", q->name,
        up->name, up->n_src_linked);
  } else if (!is_lightweight (plan, down, profile, &why)) {
    gst_gpu_opt_plan_decide (plan, "%s: kept (%s)", q->name, why);
  } else {
    GstGpuOptFusion *f = g_new0 (GstGpuOptFusion, 1);

    f->queue = q;
    f->up = up;
    f->down = down;
    q->removed = TRUE;
    g_ptr_array_add (plan->fusions, f);
    gst_gpu_opt_plan_decide (plan,
        "%s: removed, %s runs in the thread of %s "
        "(%s)",
        q->name, down->name, up->name, why);
  }
  g_free (why);
}

void
gst_gpu_opt_fusion_plan (GstGpuOptPlan *plan, GHashTable *profile)
{
  guint i;

  for (i = 0; i < plan->graph->nodes->len; i++) {
    GstGpuOptNode *node = g_ptr_array_index (plan->graph->nodes, i);

    if (g_str_equal (node->factory, "queue"))
      plan_one (plan, node, profile);
  }
}

static GstPad *
queue_pad_peer (GstElement *queue, const gchar *name, GstPad **own)
{
  *own = gst_element_get_static_pad (queue, name);
  return *own ? gst_pad_get_peer (*own) : NULL;
}

/* Application thread (READY→PAUSED, before the children change state). */
guint
gst_gpu_opt_fusion_apply (GstGpuOptPlan *plan)
{
  guint i, n = 0;

  for (i = 0; i < plan->fusions->len; i++) {
    GstGpuOptFusion *f = g_ptr_array_index (plan->fusions, i);
    GstElement *q = f->queue->element;
    GstPad *qsink = NULL, *qsrc = NULL;
    GstPadLinkReturn res;

    if (f->applied)
      continue;
    f->up_pad = queue_pad_peer (q, "sink", &qsink);
    f->down_pad = queue_pad_peer (q, "src", &qsrc);
    f->parent = GST_BIN (gst_object_get_parent (GST_OBJECT (q)));
    if (f->up_pad == NULL || f->down_pad == NULL || f->parent == NULL) {
      GST_WARNING ("%s changed since planning; not fused", f->queue->name);
      goto next;
    }
    gst_pad_unlink (f->up_pad, qsink);
    gst_pad_unlink (qsrc, f->down_pad);
    res = gst_pad_link (f->up_pad, f->down_pad);
    if (res != GST_PAD_LINK_OK) {
      GST_WARNING ("could not link %" GST_PTR_FORMAT " to %" GST_PTR_FORMAT
                   " (%s); keeping %s",
          f->up_pad, f->down_pad, gst_pad_link_get_name (res), f->queue->name);
      gst_pad_link (f->up_pad, qsink);
      gst_pad_link (qsrc, f->down_pad);
      goto next;
    }
    /* keep the queue alive while it is out of the bin */
    gst_object_ref (q);
    gst_element_set_state (q, GST_STATE_NULL);
    gst_bin_remove (f->parent, q);
    f->applied = TRUE;
    n++;
  next:
    if (!f->applied) {
      gst_clear_object (&f->up_pad);
      gst_clear_object (&f->down_pad);
      gst_clear_object (&f->parent);
    }
    gst_clear_object (&qsink);
    gst_clear_object (&qsrc);
  }
  return n;
}

/* Application thread (PAUSED→READY, after the children stopped). */
void
gst_gpu_opt_fusion_restore (GstGpuOptPlan *plan)
{
  guint i;

  for (i = 0; i < plan->fusions->len; i++) {
    GstGpuOptFusion *f = g_ptr_array_index (plan->fusions, i);
    GstElement *q = f->queue->element;
    GstPad *qsink, *qsrc;

    if (!f->applied)
      continue;
    f->applied = FALSE;
    qsink = gst_element_get_static_pad (q, "sink");
    qsrc = gst_element_get_static_pad (q, "src");
    if (gst_pad_unlink (f->up_pad, f->down_pad) && gst_bin_add (f->parent, q)) {
      gst_pad_link (f->up_pad, qsink);
      gst_pad_link (qsrc, f->down_pad);
      gst_element_sync_state_with_parent (q);
    } else {
      /* the user relinked or removed things meanwhile: leave theirs */
      GST_WARNING ("%s: its neighbours were relinked; not putting it back",
          f->queue->name);
    }
    gst_object_unref (q);
    gst_object_unref (qsink);
    gst_object_unref (qsrc);
    gst_clear_object (&f->up_pad);
    gst_clear_object (&f->down_pad);
    gst_clear_object (&f->parent);
  }
}

void
gst_gpu_opt_fusion_free (GstGpuOptFusion *f)
{
  if (f->applied) {
    gst_element_set_state (f->queue->element, GST_STATE_NULL);
    gst_object_unref (f->queue->element);
  }
  gst_clear_object (&f->up_pad);
  gst_clear_object (&f->down_pad);
  gst_clear_object (&f->parent);
  g_free (f);
}
