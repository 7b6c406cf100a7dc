/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The graph gpuoptbin plans on: every non-bin element inside the bin (sub-bins
 * included, ghost pads looked through), its links, and its thread domains. A
 * thread domain is what one pad task drives: from the element owning the task
 * down to the next decoupling element (queue, aggregator) or sink.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "optimizer/gstgpuoptplan.h"

#include <gst/base/gstaggregator.h>
#include <string.h>

#define GST_CAT_DEFAULT gst_gpu_opt_debug

/* Looks through ghost pads (into a bin) and the internal pads of ghost pads
 * (out of a bin) until a pad of a real element is reached. */
GstPad *
gst_gpu_opt_resolve_peer (GstPad *pad)
{
  GstPad *peer = gst_pad_get_peer (pad);
  guint hops = 0;

  while (peer != NULL && hops++ < 64) {
    GstPad *next;
    GstObject *parent;

    if (GST_IS_GHOST_PAD (peer)) {
      next = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    } else if (GST_IS_PROXY_PAD (peer)
               && (parent = gst_object_get_parent (GST_OBJECT (peer)))
                      != NULL) {
      if (GST_IS_GHOST_PAD (parent)) {
        next = gst_pad_get_peer (GST_PAD (parent));
        gst_object_unref (parent);
      } else {
        gst_object_unref (parent);
        break;
      }
    } else {
      break;
    }
    gst_object_unref (peer);
    peer = next;
  }
  return peer;
}

static void
node_free (GstGpuOptNode *node)
{
  gst_object_unref (node->element);
  g_free (node->name);
  g_free (node->path);
  g_free (node->class_reason);
  g_ptr_array_unref (node->downstream);
  g_ptr_array_unref (node->upstream);
  g_free (node);
}

static void
domain_free (GstGpuOptDomain *domain)
{
  g_ptr_array_unref (domain->members);
  g_free (domain);
}

/* The element's factory name, or its type name when it has no factory. */
static const gchar *
factory_name (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory != NULL
             ? gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory))
             : G_OBJECT_TYPE_NAME (element);
}

static gboolean
element_is_decoupler (GstElement *element, const gchar *factory)
{
  /* These own a src pad task that pushes what their sink side received
   * from another thread. */
  return g_str_equal (factory, "queue") || g_str_equal (factory, "queue2")
         || g_str_equal (factory, "multiqueue") || GST_IS_AGGREGATOR (element);
}

static void
count_pads (GstElement *element, guint *n_sink, guint *n_src,
    guint *n_sink_linked, guint *n_src_linked)
{
  GList *l;

  GST_OBJECT_LOCK (element);
  *n_sink = element->numsinkpads;
  *n_src = element->numsrcpads;
  *n_sink_linked = *n_src_linked = 0;
  for (l = element->pads; l != NULL; l = l->next) {
    GstPad *pad = l->data;

    if (!gst_pad_is_linked (pad))
      continue;
    if (GST_PAD_IS_SINK (pad))
      (*n_sink_linked)++;
    else if (GST_PAD_IS_SRC (pad))
      (*n_src_linked)++;
  }
  GST_OBJECT_UNLOCK (element);
}

static GstGpuOptNode *
node_new (GstElement *element, GstBin *top, const GstGpuOptConfig *cfg)
{
  GstGpuOptNode *node = g_new0 (GstGpuOptNode, 1);
  guint n_sink, n_src;

  node->element = gst_object_ref (element);
  node->name = gst_object_get_name (GST_OBJECT (element));
  node->path = gst_object_get_path_string (GST_OBJECT (element));
  node->factory = factory_name (element);
  count_pads (
      element, &n_sink, &n_src, &node->n_sink_linked, &node->n_src_linked);
  node->is_source = n_sink == 0 && n_src > 0;
  node->is_decoupler = element_is_decoupler (element, node->factory);
  if (node->is_decoupler) {
    node->cls = GST_GPU_OPT_CLASS_NONE;
    node->class_reason = g_strdup ("decoupling element");
  } else {
    node->cls = gst_gpu_opt_priority_classify_in (
        element, top, cfg, TRUE, &node->class_reason);
  }
  node->downstream = g_ptr_array_new ();
  node->upstream = g_ptr_array_new ();
  return node;
}

typedef struct
{
  GstGpuOptGraph *graph;
  GstGpuOptNode *node;
} EdgeWalk;

static void
add_edge (const GValue *item, gpointer user_data)
{
  EdgeWalk *walk = user_data;
  GstPad *peer = gst_gpu_opt_resolve_peer (g_value_get_object (item));
  GstElement *peer_elem = peer ? gst_pad_get_parent_element (peer) : NULL;
  GstGpuOptNode *down
      = peer_elem ? g_hash_table_lookup (walk->graph->by_element, peer_elem)
                  : NULL;

  if (down != NULL) {
    g_ptr_array_add (walk->node->downstream, down);
    g_ptr_array_add (down->upstream, walk->node);
  }
  gst_clear_object (&peer_elem);
  gst_clear_object (&peer);
}

static void
add_edges (GstGpuOptGraph *graph, GstGpuOptNode *node)
{
  EdgeWalk walk = { graph, node };

  /* on a resync the edges collected so far stay valid; duplicates are
   * harmless */
  gst_gpu_opt_iterate (
      gst_element_iterate_src_pads (node->element), add_edge, &walk);
}

typedef struct
{
  GstGpuOptGraph *graph;
  const GstGpuOptConfig *cfg;
} NodeWalk;

static void
add_node (const GValue *item, gpointer user_data)
{
  NodeWalk *walk = user_data;
  GstElement *element = g_value_get_object (item);

  if (!GST_IS_BIN (element)
      && !g_hash_table_contains (walk->graph->by_element, element)) {
    GstGpuOptNode *node = node_new (element, walk->graph->top, walk->cfg);

    g_ptr_array_add (walk->graph->nodes, node);
    g_hash_table_insert (walk->graph->by_element, element, node);
  }
}

GstGpuOptGraph *
gst_gpu_opt_graph_build (GstBin *bin, const GstGpuOptConfig *cfg)
{
  GstGpuOptGraph *graph = g_new0 (GstGpuOptGraph, 1);
  NodeWalk walk = { graph, cfg };
  guint i;

  gst_gpu_opt_debug_init ();
  graph->top = bin;
  graph->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify)node_free);
  graph->by_element = g_hash_table_new (NULL, NULL);
  graph->domains = g_ptr_array_new_with_free_func ((GDestroyNotify)domain_free);
  gst_gpu_opt_iterate (gst_bin_iterate_recurse (bin), add_node, &walk);

  for (i = 0; i < graph->nodes->len; i++)
    add_edges (graph, g_ptr_array_index (graph->nodes, i));
  gst_gpu_opt_graph_compute_domains (graph);
  return graph;
}

void
gst_gpu_opt_graph_free (GstGpuOptGraph *graph)
{
  if (graph == NULL)
    return;
  g_ptr_array_unref (graph->domains);
  g_hash_table_unref (graph->by_element);
  g_ptr_array_unref (graph->nodes);
  g_free (graph);
}

GstGpuOptNode *
gst_gpu_opt_graph_lookup (GstGpuOptGraph *graph, GstElement *element)
{
  return g_hash_table_lookup (graph->by_element, element);
}

/* Walks downstream from @node adding members until a decoupler or a sink;
 * removed queues are walked through since they will not exist. */
static void
collect_domain (GstGpuOptDomain *domain, GstGpuOptNode *node, GHashTable *seen)
{
  guint i;

  for (i = 0; i < node->downstream->len; i++) {
    GstGpuOptNode *down = g_ptr_array_index (node->downstream, i);

    if (g_hash_table_contains (seen, down))
      continue;
    g_hash_table_add (seen, down);
    if (down->is_decoupler && !down->removed)
      continue;
    if (!down->removed)
      g_ptr_array_add (domain->members, down);
    collect_domain (domain, down, seen);
  }
}

void
gst_gpu_opt_graph_compute_domains (GstGpuOptGraph *graph)
{
  guint i, j;

  g_ptr_array_set_size (graph->domains, 0);
  for (i = 0; i < graph->nodes->len; i++) {
    GstGpuOptNode *node = g_ptr_array_index (graph->nodes, i);
    GstGpuOptDomain *domain;
    GHashTable *seen;

    if (node->removed || !(node->is_source || node->is_decoupler))
      continue;
    domain = g_new0 (GstGpuOptDomain, 1);
    domain->root = node;
    domain->members = g_ptr_array_new ();
    g_ptr_array_add (domain->members, node);
    seen = g_hash_table_new (NULL, NULL);
    g_hash_table_add (seen, node);
    collect_domain (domain, node, seen);
    g_hash_table_unref (seen);

    /* the highest class in the domain; a domain of decouplers only is
     * normal */
    domain->cls = GST_GPU_OPT_CLASS_NONE;
    for (j = 0; j < domain->members->len; j++) {
      GstGpuOptNode *m = g_ptr_array_index (domain->members, j);
      GstGpuOptClass cls = gst_gpu_opt_priority_combine (domain->cls, m->cls);

      if (cls != domain->cls) {
        domain->cls = cls;
        domain->cls_from = m;
      }
    }
    if (domain->cls == GST_GPU_OPT_CLASS_NONE)
      domain->cls = GST_GPU_OPT_CLASS_NORMAL;
    g_ptr_array_add (graph->domains, domain);
  }
}

GstGpuOptDomain *
gst_gpu_opt_graph_domain_of_root (GstGpuOptGraph *graph, GstElement *root)
{
  guint i;

  for (i = 0; i < graph->domains->len; i++) {
    GstGpuOptDomain *domain = g_ptr_array_index (graph->domains, i);

    if (domain->root->element == root)
      return domain;
  }
  return NULL;
}

static GstGpuOptClass
live_element_class (
    GstGpuOptGraph *graph, GstElement *element, const GstGpuOptConfig *cfg)
{
  GstGpuOptNode *node
      = graph ? gst_gpu_opt_graph_lookup (graph, element) : NULL;
  GstGpuOptClass cls;
  gchar *reason = NULL;

  if (node != NULL)
    return node->cls;
  /* not planned (added while playing): klass only, no caps query from a
   * streaming thread */
  cls = gst_gpu_opt_priority_classify_in (
      element, graph ? graph->top : NULL, cfg, FALSE, &reason);
  g_free (reason);
  return cls;
}

typedef struct
{
  GstGpuOptGraph *graph;
  const GstGpuOptConfig *cfg;
  GHashTable *seen;
  GstGpuOptClass best;
  guint depth;
} LiveWalk;

/* Marks @element seen and folds its class into the walk's; FALSE when it
 * decouples its downstream into another thread. */
static gboolean
live_fold (LiveWalk *walk, GstElement *element)
{
  g_hash_table_add (walk->seen, element);
  if (element_is_decoupler (element, factory_name (element)))
    return FALSE;
  walk->best = gst_gpu_opt_priority_combine (
      walk->best, live_element_class (walk->graph, element, walk->cfg));
  return TRUE;
}

/* Visits the element behind one src pad and walks on from it. */
static void
live_visit_peer (const GValue *item, gpointer user_data)
{
  LiveWalk *walk = user_data;
  GstPad *peer = gst_gpu_opt_resolve_peer (g_value_get_object (item));
  GstElement *next = peer ? gst_pad_get_parent_element (peer) : NULL;

  if (next != NULL && !g_hash_table_contains (walk->seen, next)
      && live_fold (walk, next) && walk->depth < 256) {
    walk->depth++;
    gst_gpu_opt_iterate (
        gst_element_iterate_src_pads (next), live_visit_peer, walk);
    walk->depth--;
  }
  gst_clear_object (&next);
  gst_clear_object (&peer);
}

GstGpuOptClass
gst_gpu_opt_graph_live_class (
    GstGpuOptGraph *graph, GstElement *owner, const GstGpuOptConfig *cfg)
{
  LiveWalk walk = { graph, cfg, g_hash_table_new (NULL, NULL),
    GST_GPU_OPT_CLASS_NONE, 0 };

  live_fold (&walk, owner);
  gst_gpu_opt_iterate (
      gst_element_iterate_src_pads (owner), live_visit_peer, &walk);
  g_hash_table_unref (walk.seen);
  return walk.best == GST_GPU_OPT_CLASS_NONE ? GST_GPU_OPT_CLASS_NORMAL
                                             : walk.best;
}
