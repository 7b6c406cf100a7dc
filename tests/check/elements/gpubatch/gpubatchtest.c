/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpubatch GstCheck files: elements and harnesses,
 * test buffers, stats getters, a gated downstream consumer, a producer
 * thread.
 */
#include "gpubatchtest.h"

/* "k=v k=v" onto a new gpubatch (device=cpu unless given). */
GstElement *
make_batch (const gchar *props)
{
  GstElement *e = gst_element_factory_make ("gpubatch", NULL);
  gchar **kv, **p;

  fail_unless (e != NULL, "gpubatch not found: is the plugin built?");
  gst_util_set_object_arg (G_OBJECT (e), "device", "cpu");
  kv = g_strsplit (props ? props : "", " ", -1);
  for (p = kv; *p; p++) {
    gchar **pair;

    if (**p == '\0')
      continue;
    pair = g_strsplit (*p, "=", 2);
    fail_unless (pair[1] != NULL);
    gst_util_set_object_arg (G_OBJECT (e), pair[0], pair[1]);
    g_strfreev (pair);
  }
  g_strfreev (kv);
  return e;
}

GstHarness *
batch_harness (const gchar *props, const gchar *caps)
{
  GstElement *e = make_batch (props);
  GstHarness *h = gst_harness_new_with_element (e, "sink_%u", "src");

  gst_object_unref (e);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

GstBuffer *
video_buffer (const GstVideoInfo *info, guint seed, GstClockTime pts)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;
  gsize i;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < map.size; i++)
    map.data[i] = (guint8)((i * 7 + seed * 31 + (i >> 5)) & 0xff);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = 40 * GST_MSECOND;
  return buf;
}

GstBuffer *
gray_buffer (guint seed, GstClockTime pts)
{
  GstVideoInfo info;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 4, 4);
  return video_buffer (&info, seed, pts);
}

guint64
stat_field_u64 (const GstStructure *s, const gchar *field)
{
  guint64 v = 0;
  guint u;

  /* counters are guint64; items-held is a guint on gpubatch */
  if (gst_structure_get_uint (s, field, &u))
    return u;
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no field %s", field);
  return v;
}

guint64
stat_u64 (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  v = stat_field_u64 (s, field);
  gst_structure_free (s);
  return v;
}

guint
stat_uint (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  guint v = 0;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint (s, field, &v), "no field %s", field);
  gst_structure_free (s);
  return v;
}

gboolean
stat_bool (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  gboolean v = FALSE;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_boolean (s, field, &v));
  gst_structure_free (s);
  return v;
}

GstGpuBatchMeta *
batch_meta (GstBuffer *buf)
{
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);

  fail_unless (meta != NULL, "batch without GstGpuBatchMeta");
  return meta;
}

void
count_finalized (gpointer counter, GstMiniObject *obj)
{
  g_atomic_int_inc ((gint *)counter);
}

static GstPadProbeReturn
sink_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Sink *sink = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);
  guint i;

  g_mutex_lock (&sink->lock);
  sink->entered++;
  g_cond_broadcast (&sink->cond);
  while (sink->allowed != G_MAXUINT && sink->entered > sink->allowed)
    g_cond_wait (&sink->cond, &sink->lock);
  sink->batches++;
  if (meta) {
    sink->slots += meta->n_valid;
    if (meta->n_valid == meta->n_slots)
      sink->full_batches++;
    for (i = 0; i < meta->n_valid; i++) {
      g_array_append_val (sink->pts, meta->slots[i].pts);
      g_array_append_val (sink->pad_index, meta->slots[i].pad_index);
    }
  }
  g_mutex_unlock (&sink->lock);

  if (meta && (sink->cost_a_us || sink->cost_b_us)) {
    guint64 cost = sink->cost_a_us + sink->cost_b_us * meta->n_valid;

    if (meta->n_valid > sink->budget)
      cost += sink->penalty_us * (meta->n_valid - sink->budget);
    g_usleep (cost);
  }
  return GST_PAD_PROBE_DROP;
}

Sink *
sink_new (GstPad *pad, guint allowed)
{
  Sink *sink = g_new0 (Sink, 1);

  g_mutex_init (&sink->lock);
  g_cond_init (&sink->cond);
  sink->allowed = allowed;
  sink->pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  sink->pad_index = g_array_new (FALSE, FALSE, sizeof (guint));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, sink_probe, sink, NULL);
  return sink;
}

void
sink_allow (Sink *sink, guint allowed)
{
  g_mutex_lock (&sink->lock);
  sink->allowed = allowed;
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->lock);
}

void
sink_wait_entered (Sink *sink, guint n)
{
  g_mutex_lock (&sink->lock);
  while (sink->entered < n)
    g_cond_wait (&sink->cond, &sink->lock);
  g_mutex_unlock (&sink->lock);
}

guint
sink_get (Sink *sink, guint *field)
{
  guint v;

  g_mutex_lock (&sink->lock);
  v = *field;
  g_mutex_unlock (&sink->lock);
  return v;
}

void
sink_free (Sink *sink)
{
  g_array_unref (sink->pts);
  g_array_unref (sink->pad_index);
  g_mutex_clear (&sink->lock);
  g_cond_clear (&sink->cond);
  g_free (sink);
}

void
wait_eos_event (GstHarness *h)
{
  GstEvent *ev;

  while ((ev = gst_harness_pull_event (h))) {
    gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;

    gst_event_unref (ev);
    if (eos)
      return;
  }
  fail ("no EOS");
}

gpointer
producer_thread (gpointer data)
{
  Producer *p = data;
  guint i;

  for (i = 0; i < p->n && !g_atomic_int_get (&p->stop); i++) {
    GstFlowReturn ret
        = gst_harness_push (p->h, gray_buffer (i, (p->first + i) * GST_SECOND));

    if (ret != GST_FLOW_OK)
      break;
    if (i < G_N_ELEMENTS (p->held_after))
      p->held_after[i] = stat_uint (p->h->element, "items-held");
    g_atomic_int_inc (&p->done);
  }
  return NULL;
}

GstPadProbeReturn
count_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Count *c = user_data;
  GstGpuBatchMeta *meta
      = gst_buffer_get_gpu_batch_meta (GST_PAD_PROBE_INFO_BUFFER (info));
  guint i;

  c->batches++;
  if (!meta)
    return GST_PAD_PROBE_OK;
  c->slots += meta->n_valid;
  if (meta->n_valid == meta->n_slots)
    c->full++;
  for (i = 0; i < meta->n_valid; i++) {
    if (meta->slots[i].pad_index < G_N_ELEMENTS (c->per_pad))
      c->per_pad[meta->slots[i].pad_index]++;
    else
      c->bad_index = TRUE;
  }
  return GST_PAD_PROBE_OK;
}

/* Runs @pipeline to EOS (or error) and counts what reaches "sink". */
GstMessage *
run_pipeline (GstElement *pipeline, Count *count)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, count, NULL);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
           == GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "pipeline did not finish");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  return msg;
}
