/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plan: which queues go (fusion), what size the others get, which class
 * each thread domain has, and the record of what each thread really got.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "optimizer/gstgpuoptplan.h"

#include <sched.h>

#define GST_CAT_DEFAULT gst_gpu_opt_debug

static void
queue_plan_free (GstGpuOptQueuePlan *qp)
{
  g_free (qp->reason);
  g_free (qp);
}

static void
thread_record_free (GstGpuOptThreadRecord *rec)
{
  gst_object_unref (rec->element);
  g_free (rec);
}

/* Highest class among the domains that contain @node. */
static GstGpuOptClass
class_of_domains_with (GstGpuOptGraph *graph, GstGpuOptNode *node)
{
  GstGpuOptClass cls = GST_GPU_OPT_CLASS_NONE;
  guint i, j;

  for (i = 0; i < graph->domains->len; i++) {
    GstGpuOptDomain *domain = g_ptr_array_index (graph->domains, i);

    for (j = 0; j < domain->members->len; j++) {
      if (g_ptr_array_index (domain->members, j) == node && domain->cls > cls)
        cls = domain->cls;
    }
  }
  return cls == GST_GPU_OPT_CLASS_NONE ? GST_GPU_OPT_CLASS_NORMAL : cls;
}

static void
plan_queue (GstGpuOptPlan *plan, GstGpuOptNode *node)
{
  GstGpuOptQueuePlan *qp = g_new0 (GstGpuOptQueuePlan, 1);
  GstGpuOptDomain *own;
  const gchar *which = NULL;
  gint leaky = 0;
  guint i;

  qp->queue = node;
  own = gst_gpu_opt_graph_domain_of_root (plan->graph, node->element);
  qp->down_cls = own ? own->cls : GST_GPU_OPT_CLASS_NORMAL;
  qp->up_cls = GST_GPU_OPT_CLASS_NONE;
  for (i = 0; i < node->upstream->len; i++) {
    GstGpuOptClass c = class_of_domains_with (
        plan->graph, g_ptr_array_index (node->upstream, i));

    qp->up_cls = MAX (qp->up_cls, c);
  }
  if (qp->up_cls == GST_GPU_OPT_CLASS_NONE)
    qp->up_cls = GST_GPU_OPT_CLASS_NORMAL;
  g_object_get (node->element, "leaky", &leaky, NULL);

  if (leaky != 0) {
    qp->action = "leaky";
    qp->reason = g_strdup ("leaky queue: its limits decide what is dropped");
  } else if (gst_gpu_opt_queue_has_user_limits (node->element, &which)) {
    qp->action = "user-set";
    qp->reason = g_strdup_printf ("%s set by the user", which);
  } else if (!plan->cfg.enable_priorities) {
    qp->action = "unchanged";
    qp->reason = g_strdup ("enable-priorities is off");
  } else {
    qp->action = "resized";
    qp->size = gst_gpu_opt_priority_queue_size (qp->up_cls, qp->down_cls);
    qp->reason
        = g_strdup_printf ("edge %s -> %s", gst_gpu_opt_class_name (qp->up_cls),
            gst_gpu_opt_class_name (qp->down_cls));
  }
  gst_gpu_opt_plan_decide (plan, "%s: %s%s%.0u (%s)", node->name, qp->action,
      qp->size ? " to max-size-buffers=" : "", qp->size, qp->reason);
  g_ptr_array_add (plan->queues, qp);
}

GstGpuOptPlan *
gst_gpu_opt_plan_compute (GstBin *bin, const GstGpuOptConfig *cfg,
    GHashTable *profile, guint generation)
{
  GstGpuOptPlan *plan = g_new0 (GstGpuOptPlan, 1);
  guint i;

  plan->generation = generation;
  gst_gpu_opt_config_copy (&plan->cfg, cfg);
  plan->queues
      = g_ptr_array_new_with_free_func ((GDestroyNotify)queue_plan_free);
  plan->fusions = g_ptr_array_new_with_free_func (
      (GDestroyNotify)gst_gpu_opt_fusion_free);
  plan->decisions = g_ptr_array_new_with_free_func (g_free);
  plan->threads
      = g_ptr_array_new_with_free_func ((GDestroyNotify)thread_record_free);
  g_mutex_init (&plan->lock);

  plan->graph = gst_gpu_opt_graph_build (bin, cfg);
  for (i = 0; i < plan->graph->nodes->len; i++) {
    GstGpuOptNode *node = g_ptr_array_index (plan->graph->nodes, i);

    if (node->cls != GST_GPU_OPT_CLASS_NONE)
      gst_gpu_opt_plan_decide (plan, "%s: class %s (%s)", node->name,
          gst_gpu_opt_class_name (node->cls), node->class_reason);
  }

  if (cfg->enable_fusion)
    gst_gpu_opt_fusion_plan (plan, profile);
  gst_gpu_opt_graph_compute_domains (plan->graph);

  for (i = 0; i < plan->graph->domains->len; i++) {
    GstGpuOptDomain *domain = g_ptr_array_index (plan->graph->domains, i);
    GstGpuOptThreadRecord *rec = g_new0 (GstGpuOptThreadRecord, 1);

    rec->element = gst_object_ref (domain->root->element);
    rec->cls = domain->cls;
    rec->planned = TRUE;
    rec->applied.how = "not-started";
    g_ptr_array_add (plan->threads, rec);
    gst_gpu_opt_plan_decide (plan, "thread of %s: %s (%s)", domain->root->name,
        gst_gpu_opt_class_name (domain->cls),
        domain->cls_from ? domain->cls_from->name : "no classified element");
  }

  for (i = 0; i < plan->graph->nodes->len; i++) {
    GstGpuOptNode *node = g_ptr_array_index (plan->graph->nodes, i);

    if (!g_str_equal (node->factory, "queue"))
      continue;
    if (node->removed) {
      GstGpuOptQueuePlan *qp = g_new0 (GstGpuOptQueuePlan, 1);

      qp->queue = node;
      qp->action = "removed";
      qp->up_cls = qp->down_cls = GST_GPU_OPT_CLASS_NONE;
      qp->reason = g_strdup ("fused");
      g_ptr_array_add (plan->queues, qp);
    } else {
      plan_queue (plan, node);
    }
  }
  return plan;
}

void
gst_gpu_opt_plan_free (GstGpuOptPlan *plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->threads);
  g_ptr_array_unref (plan->decisions);
  g_ptr_array_unref (plan->fusions);
  g_ptr_array_unref (plan->queues);
  gst_gpu_opt_graph_free (plan->graph);
  gst_gpu_opt_config_clear (&plan->cfg);
  g_mutex_clear (&plan->lock);
  g_free (plan);
}

/* Application thread (READY→PAUSED), not streaming. */
void
gst_gpu_opt_plan_apply_queue_sizes (GstGpuOptPlan *plan)
{
  guint i;

  for (i = 0; i < plan->queues->len; i++) {
    GstGpuOptQueuePlan *qp = g_ptr_array_index (plan->queues, i);

    if (qp->size == 0 || qp->resized)
      continue;
    g_object_get (qp->queue->element, "max-size-buffers", &qp->old_buffers,
        "max-size-bytes", &qp->old_bytes, "max-size-time", &qp->old_time, NULL);
    /* buffers governs: the time and byte limits would otherwise cut in
     * first on large or long buffers */
    g_object_set (qp->queue->element, "max-size-buffers", qp->size,
        "max-size-bytes", 0, "max-size-time", (guint64)0, NULL);
    qp->resized = TRUE;
  }
}

/* Application thread (PAUSED→READY), not streaming. */
void
gst_gpu_opt_plan_restore_queue_sizes (GstGpuOptPlan *plan)
{
  guint i;

  for (i = 0; i < plan->queues->len; i++) {
    GstGpuOptQueuePlan *qp = g_ptr_array_index (plan->queues, i);

    if (!qp->resized)
      continue;
    g_object_set (qp->queue->element, "max-size-buffers", qp->old_buffers,
        "max-size-bytes", qp->old_bytes, "max-size-time", qp->old_time, NULL);
    qp->resized = FALSE;
  }
}

static GstGpuOptThreadRecord *
find_thread (GstGpuOptPlan *plan, GstElement *owner)
{
  guint i;

  for (i = 0; i < plan->threads->len; i++) {
    GstGpuOptThreadRecord *rec = g_ptr_array_index (plan->threads, i);

    if (rec->element == owner)
      return rec;
  }
  return NULL;
}

/* Streaming thread (STREAM_STATUS ENTER); takes plan->lock. */
GstGpuOptClass
gst_gpu_opt_plan_thread_class (GstGpuOptPlan *plan, GstElement *owner)
{
  GstGpuOptThreadRecord *rec;
  GstGpuOptClass cls = GST_GPU_OPT_CLASS_NONE;

  g_mutex_lock (&plan->lock);
  rec = find_thread (plan, owner);
  if (rec != NULL)
    cls = rec->cls;
  g_mutex_unlock (&plan->lock);
  if (cls != GST_GPU_OPT_CLASS_NONE)
    return cls;

  /* a thread the plan did not foresee: pull-mode task, pad added while
   * playing, element added after planning */
  cls = gst_gpu_opt_graph_live_class (plan->graph, owner, &plan->cfg);
  g_mutex_lock (&plan->lock);
  if (find_thread (plan, owner) == NULL) {
    rec = g_new0 (GstGpuOptThreadRecord, 1);
    rec->element = gst_object_ref (owner);
    rec->cls = cls;
    rec->applied.how = "not-started";
    g_ptr_array_add (plan->threads, rec);
  }
  g_mutex_unlock (&plan->lock);
  return cls;
}

/* Streaming thread (STREAM_STATUS ENTER); takes plan->lock. */
void
gst_gpu_opt_plan_thread_applied (GstGpuOptPlan *plan, GstElement *owner,
    GstGpuOptClass cls, const GstGpuOptApplied *applied)
{
  GstGpuOptThreadRecord *rec;

  g_mutex_lock (&plan->lock);
  rec = find_thread (plan, owner);
  if (rec != NULL) {
    rec->applied = *applied;
    rec->entered++;
  }
  g_mutex_unlock (&plan->lock);
}

static void
array_append_structure (GValue *array, GstStructure *s)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&v, s);
  gst_value_array_append_and_take_value (array, &v);
}

static void
array_append_string (GValue *array, const gchar *str)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, str);
  gst_value_array_append_and_take_value (array, &v);
}

static void
take_array (GstStructure *s, const gchar *field, GValue *array)
{
  gst_structure_take_value (s, field, array);
}

static const gchar *
policy_name (gint policy)
{
  switch (policy) {
    case SCHED_FIFO:
      return "fifo";
    case SCHED_RR:
      return "rr";
    case SCHED_OTHER:
      return "other";
    default:
      return "unknown";
  }
}

static GstStructure *
thread_structure (GstGpuOptPlan *plan, GstGpuOptThreadRecord *rec)
{
  GstGpuOptDomain *domain = rec->planned ? gst_gpu_opt_graph_domain_of_root (
                                plan->graph, rec->element)
                                         : NULL;
  GValue elements = G_VALUE_INIT;
  GstStructure *s;
  gchar *name = gst_object_get_name (GST_OBJECT (rec->element));
  guint j;

  g_value_init (&elements, GST_TYPE_ARRAY);
  if (domain != NULL) {
    for (j = 0; j < domain->members->len; j++) {
      GstGpuOptNode *m = g_ptr_array_index (domain->members, j);

      array_append_string (&elements, m->name);
    }
  } else {
    array_append_string (&elements, name);
  }
  s = gst_structure_new ("thread", "owner", G_TYPE_STRING, name, "class",
      G_TYPE_STRING, gst_gpu_opt_class_name (rec->cls), "planned",
      G_TYPE_BOOLEAN, rec->planned, "applied", G_TYPE_STRING, rec->applied.how,
      "applied-value", G_TYPE_INT, rec->applied.value, "policy", G_TYPE_STRING,
      rec->entered ? policy_name (rec->applied.policy) : "unknown", "error",
      G_TYPE_INT, rec->applied.error, "entered", G_TYPE_UINT, rec->entered,
      NULL);
  take_array (s, "elements", &elements);
  g_free (name);
  return s;
}

GstStructure *
gst_gpu_opt_plan_to_structure (GstGpuOptPlan *plan)
{
  GstStructure *s = gst_structure_new ("gpuoptbin-plan", "generation",
      G_TYPE_UINT, plan->generation, "priorities", G_TYPE_BOOLEAN,
      plan->cfg.enable_priorities, "fusion", G_TYPE_BOOLEAN,
      plan->cfg.enable_fusion, "profiling", G_TYPE_BOOLEAN,
      plan->cfg.enable_profiling, NULL);
  GValue threads = G_VALUE_INIT, queues = G_VALUE_INIT, fused = G_VALUE_INIT;
  GValue decisions = G_VALUE_INIT;
  guint i, j;

  g_value_init (&threads, GST_TYPE_ARRAY);
  g_value_init (&queues, GST_TYPE_ARRAY);
  g_value_init (&fused, GST_TYPE_ARRAY);
  g_value_init (&decisions, GST_TYPE_ARRAY);

  g_mutex_lock (&plan->lock);
  for (i = 0; i < plan->threads->len; i++)
    array_append_structure (&threads,
        thread_structure (plan, g_ptr_array_index (plan->threads, i)));
  g_mutex_unlock (&plan->lock);

  for (i = 0; i < plan->queues->len; i++) {
    GstGpuOptQueuePlan *qp = g_ptr_array_index (plan->queues, i);

    array_append_structure (&queues,
        gst_structure_new ("queue", "name", G_TYPE_STRING, qp->queue->name,
            "action", G_TYPE_STRING, qp->action, "upstream-class",
            G_TYPE_STRING, gst_gpu_opt_class_name (qp->up_cls),
            "downstream-class", G_TYPE_STRING,
            gst_gpu_opt_class_name (qp->down_cls), "max-size-buffers",
            G_TYPE_UINT, qp->size, "reason", G_TYPE_STRING, qp->reason, NULL));
  }

  /* one group per thread that took over fused elements */
  for (i = 0; i < plan->graph->domains->len; i++) {
    GstGpuOptDomain *domain = g_ptr_array_index (plan->graph->domains, i);
    GValue elements = G_VALUE_INIT, removed = G_VALUE_INIT;
    GstStructure *group;

    g_value_init (&removed, GST_TYPE_ARRAY);
    for (j = 0; j < plan->fusions->len; j++) {
      GstGpuOptFusion *f = g_ptr_array_index (plan->fusions, j);
      guint k;

      for (k = 0; k < domain->members->len; k++) {
        if (g_ptr_array_index (domain->members, k) == f->down)
          array_append_string (&removed, f->queue->name);
      }
    }
    if (gst_value_array_get_size (&removed) == 0) {
      g_value_unset (&removed);
      continue;
    }
    g_value_init (&elements, GST_TYPE_ARRAY);
    for (j = 0; j < domain->members->len; j++) {
      GstGpuOptNode *m = g_ptr_array_index (domain->members, j);

      array_append_string (&elements, m->name);
    }
    group = gst_structure_new (
        "group", "thread", G_TYPE_STRING, domain->root->name, NULL);
    take_array (group, "elements", &elements);
    take_array (group, "removed-queues", &removed);
    array_append_structure (&fused, group);
  }

  for (i = 0; i < plan->decisions->len; i++)
    array_append_string (&decisions, g_ptr_array_index (plan->decisions, i));

  take_array (s, "threads", &threads);
  take_array (s, "queues", &queues);
  take_array (s, "fused", &fused);
  take_array (s, "decisions", &decisions);
  return s;
}
