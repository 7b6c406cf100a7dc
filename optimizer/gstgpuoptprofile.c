/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Profiling with pad probes: an element's time per buffer is the time from a
 * buffer entering one of its sink pads to the element pushing on one of its
 * src pads in the same thread, i.e. its own work, without what downstream
 * does in the push. Sources, sinks and decouplers are not measured: their
 * time is waiting (for data, the clock or the other thread).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "optimizer/gstgpuoptplan.h"
#include "gst/gstgpustats.h"

#define GST_CAT_DEFAULT gst_gpu_opt_debug

/* weight of the newest sample in the rolling average */
#define AVG_ALPHA (1.0 / 32.0)

typedef struct
{
  GstGpuOptProfiler *profiler;
  GstElement *element; /* ref */
  gchar *name;
  gchar *path;
  const gchar *factory;
  GPtrArray *pads; /* GstPad *, refs; probe ids in probe_ids */
  GArray *probe_ids;

  GMutex lock; /* guards the fields below */
  GThread *in_thread;
  GstClockTime in_time;
  gdouble avg_ns;
  guint64 count;
  GstGpuLatencyHistogram hist;
} Entry;

struct _GstGpuOptProfiler
{
  GstElement *bin;    /* ref */
  GPtrArray *entries; /* Entry * */
  GstClockTime interval;
  GMutex post_lock;  /* one poster at a time */
  guint64 next_post; /* monotonic ns; atomic reads */
};

static GstPadProbeReturn
sink_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Entry *e = user_data;
  GstClockTime now = gst_util_get_timestamp ();

  /* streaming thread, takes the entry lock */
  g_mutex_lock (&e->lock);
  e->in_thread = g_thread_self ();
  e->in_time = now;
  g_mutex_unlock (&e->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
src_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Entry *e = user_data;
  GstGpuOptProfiler *p = e->profiler;
  GstClockTime now = gst_util_get_timestamp ();
  gboolean post = FALSE;

  /* streaming thread, takes the entry lock */
  g_mutex_lock (&e->lock);
  if (e->in_thread == g_thread_self ()
      && GST_CLOCK_TIME_IS_VALID (e->in_time)) {
    GstClockTime d = now - e->in_time;

    e->avg_ns = e->count == 0
                    ? (gdouble)d
                    : e->avg_ns + AVG_ALPHA * ((gdouble)d - e->avg_ns);
    e->count++;
    gst_gpu_latency_histogram_record (&e->hist, d);
    e->in_time = GST_CLOCK_TIME_NONE;
  }
  g_mutex_unlock (&e->lock);

  /* whichever streaming thread crosses the deadline first posts */
  if (p->interval > 0
      && now >= __atomic_load_n (&p->next_post, __ATOMIC_RELAXED)
      && g_mutex_trylock (&p->post_lock)) {
    if (now >= p->next_post) {
      __atomic_store_n (&p->next_post, now + p->interval, __ATOMIC_RELAXED);
      post = TRUE;
    }
    g_mutex_unlock (&p->post_lock);
  }
  if (post)
    gst_gpu_stats_post (p->bin, gst_gpu_opt_profiler_report (p));
  return GST_PAD_PROBE_OK;
}

static void
entry_free (Entry *e)
{
  gst_object_unref (e->element);
  g_free (e->name);
  g_free (e->path);
  g_ptr_array_unref (e->pads);
  g_array_unref (e->probe_ids);
  g_mutex_clear (&e->lock);
  g_free (e);
}

typedef struct
{
  Entry *entry;
  gboolean sink;
} ProbeWalk;

static void
add_probe (const GValue *item, gpointer user_data)
{
  ProbeWalk *walk = user_data;
  GstPad *pad = g_value_get_object (item);
  gulong id = gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      walk->sink ? sink_probe : src_probe, walk->entry, NULL);

  g_ptr_array_add (walk->entry->pads, gst_object_ref (pad));
  g_array_append_val (walk->entry->probe_ids, id);
}

static void
add_probes (Entry *e, gboolean sink)
{
  ProbeWalk walk = { e, sink };

  gst_gpu_opt_iterate (sink ? gst_element_iterate_sink_pads (e->element)
                            : gst_element_iterate_src_pads (e->element),
      add_probe, &walk);
}

/* Application thread (READY→PAUSED), before data flows. */
GstGpuOptProfiler *
gst_gpu_opt_profiler_start (
    GstElement *bin, GstGpuOptGraph *graph, GstClockTime interval)
{
  GstGpuOptProfiler *p = g_new0 (GstGpuOptProfiler, 1);
  guint i;

  p->bin = gst_object_ref (bin);
  p->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  p->interval = interval;
  p->next_post = gst_util_get_timestamp () + interval;
  g_mutex_init (&p->post_lock);

  for (i = 0; i < graph->nodes->len; i++) {
    GstGpuOptNode *node = g_ptr_array_index (graph->nodes, i);
    Entry *e;

    if (node->removed || node->is_decoupler || node->is_source
        || node->n_src_linked == 0 || node->n_sink_linked == 0)
      continue;
    e = g_new0 (Entry, 1);
    e->profiler = p;
    e->element = gst_object_ref (node->element);
    e->name = g_strdup (node->name);
    e->path = g_strdup (node->path);
    e->factory = node->factory;
    e->pads = g_ptr_array_new_with_free_func (gst_object_unref);
    e->probe_ids = g_array_new (FALSE, FALSE, sizeof (gulong));
    g_mutex_init (&e->lock);
    e->in_time = GST_CLOCK_TIME_NONE;
    gst_gpu_latency_histogram_reset (&e->hist);
    g_ptr_array_add (p->entries, e);
    add_probes (e, TRUE);
    add_probes (e, FALSE);
  }
  return p;
}

/* Any thread; takes each entry lock in turn. */
GstStructure *
gst_gpu_opt_profiler_report (GstGpuOptProfiler *p)
{
  GstStructure *s;
  GValue elements = G_VALUE_INIT;
  gdouble *avg = g_new (gdouble, p->entries->len + 1);
  gdouble sum = 0.0, mean = 0.0;
  guint i, measured = 0, bottlenecks = 0;

  for (i = 0; i < p->entries->len; i++) {
    Entry *e = g_ptr_array_index (p->entries, i);

    g_mutex_lock (&e->lock);
    avg[i] = e->count ? e->avg_ns / 1000.0 : -1.0;
    g_mutex_unlock (&e->lock);
    if (avg[i] >= 0.0) {
      sum += avg[i];
      measured++;
    }
  }
  if (measured > 0)
    mean = sum / measured;

  g_value_init (&elements, GST_TYPE_ARRAY);
  for (i = 0; i < p->entries->len; i++) {
    Entry *e = g_ptr_array_index (p->entries, i);
    GValue v = G_VALUE_INIT;
    GstStructure *es;
    gdouble p99;
    guint64 count;
    gboolean bottleneck;

    if (avg[i] < 0.0)
      continue;
    g_mutex_lock (&e->lock);
    p99 = gst_gpu_latency_histogram_percentile (&e->hist, 0.99) / 1000.0;
    count = e->count;
    g_mutex_unlock (&e->lock);
    bottleneck = measured > 1 && avg[i] > 2.0 * mean;
    bottlenecks += bottleneck;
    es = gst_structure_new ("element", "name", G_TYPE_STRING, e->name,
        "factory", G_TYPE_STRING, e->factory, "avg-us", G_TYPE_DOUBLE, avg[i],
        "p99-us", G_TYPE_DOUBLE, p99, "buffers", G_TYPE_UINT64, count,
        "bottleneck", G_TYPE_BOOLEAN, bottleneck, "fusion-candidate",
        G_TYPE_BOOLEAN, avg[i] < GST_GPU_OPT_LIGHT_US, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, es);
    gst_value_array_append_and_take_value (&elements, &v);
  }
  s = gst_structure_new ("gpuoptbin-profile", "mean-us", G_TYPE_DOUBLE, mean,
      "measured", G_TYPE_UINT, measured, "bottlenecks", G_TYPE_UINT,
      bottlenecks, NULL);
  gst_structure_take_value (s, "elements", &elements);
  g_free (avg);
  return s;
}

/* Application thread (PAUSED→READY), after streaming stopped. */
void
gst_gpu_opt_profiler_stop (GstGpuOptProfiler *p, GHashTable *results)
{
  guint i, j;

  for (i = 0; i < p->entries->len; i++) {
    Entry *e = g_ptr_array_index (p->entries, i);

    for (j = 0; j < e->pads->len; j++)
      gst_pad_remove_probe (g_ptr_array_index (e->pads, j),
          g_array_index (e->probe_ids, gulong, j));
  }
  gst_gpu_stats_post (p->bin, gst_gpu_opt_profiler_report (p));
  for (i = 0; i < p->entries->len && results != NULL; i++) {
    Entry *e = g_ptr_array_index (p->entries, i);

    if (e->count > 0) {
      gdouble *avg_us = g_new (gdouble, 1);

      *avg_us = e->avg_ns / 1000.0;
      g_hash_table_insert (results, g_strdup (e->path), avg_us);
    }
  }
  g_ptr_array_unref (p->entries);
  gst_object_unref (p->bin);
  g_mutex_clear (&p->post_lock);
  g_free (p);
}
