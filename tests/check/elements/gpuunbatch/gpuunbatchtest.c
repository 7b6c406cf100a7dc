/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpuunbatch GstCheck files.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpuunbatchtest.h"

GstFlowReturn
collector_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  Collector *c = g_object_get_data (G_OBJECT (pad), "collector");
  Output *o = g_object_get_data (G_OBJECT (pad), "output");

  g_mutex_lock (&c->lock);
  g_queue_push_tail (&o->buffers, buffer);
  g_mutex_unlock (&c->lock);
  return GST_FLOW_OK;
}

gboolean
collector_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  Collector *c = g_object_get_data (G_OBJECT (pad), "collector");
  Output *o = g_object_get_data (G_OBJECT (pad), "output");

  g_mutex_lock (&c->lock);
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    o->eos = TRUE;
  g_queue_push_tail (&o->events, event);
  g_mutex_unlock (&c->lock);
  return TRUE;
}

guint
pad_index (GstPad *pad)
{
  const gchar *name = GST_PAD_NAME (pad);

  fail_unless (g_str_has_prefix (name, "src_"));
  return (guint)g_ascii_strtoull (name + 4, NULL, 10);
}

static GstStaticPadTemplate collector_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

void
collector_link (Collector *c, GstPad *srcpad)
{
  guint index = pad_index (srcpad);
  Output *o;

  fail_unless (index < MAX_SOURCES);
  o = &c->out[index];
  fail_unless (o->sinkpad == NULL, "src_%u linked twice", index);
  /* takes any caps, also when they change (a pad without template only
   * accepts its current caps) */
  o->sinkpad = gst_pad_new_from_static_template (&collector_template, "sink");
  g_object_set_data (G_OBJECT (o->sinkpad), "collector", c);
  g_object_set_data (G_OBJECT (o->sinkpad), "output", o);
  gst_pad_set_chain_function (o->sinkpad, collector_chain);
  gst_pad_set_event_function (o->sinkpad, collector_event);
  gst_pad_set_active (o->sinkpad, TRUE);
  fail_unless_equals_int (gst_pad_link (srcpad, o->sinkpad), GST_PAD_LINK_OK);
}

void
on_pad_added (GstElement *element, GstPad *pad, Collector *c)
{
  guint index = pad_index (pad);

  c->pads_added++;
  if (index < 32 && (c->unlinked_mask & (1u << index)))
    return;
  collector_link (c, pad);
}

void
collector_init (Collector *c, GstElement *unbatch)
{
  memset (c, 0, sizeof (*c));
  g_mutex_init (&c->lock);
  g_signal_connect (unbatch, "pad-added", G_CALLBACK (on_pad_added), c);
}

void
output_clear (Output *o)
{
  g_queue_clear_full (&o->buffers, (GDestroyNotify)gst_buffer_unref);
  g_queue_clear_full (&o->events, (GDestroyNotify)gst_event_unref);
  if (o->sinkpad) {
    GstPad *peer = gst_pad_get_peer (o->sinkpad);

    if (peer) {
      gst_pad_unlink (peer, o->sinkpad);
      gst_object_unref (peer);
    }
    gst_pad_set_active (o->sinkpad, FALSE);
    gst_clear_object (&o->sinkpad);
  }
  o->eos = FALSE;
}

void
collector_clear (Collector *c)
{
  guint i;

  for (i = 0; i < MAX_SOURCES; i++)
    output_clear (&c->out[i]);
  g_mutex_clear (&c->lock);
}

/* Returns: (transfer none) (nullable): the last event of @type on @o. */
GstEvent *
output_find_event (Output *o, GstEventType type)
{
  GList *l;

  for (l = o->events.tail; l != NULL; l = l->prev)
    if (GST_EVENT_TYPE (l->data) == type)
      return l->data;
  return NULL;
}

guint
output_count_events (Output *o, GstEventType type)
{
  GList *l;
  guint n = 0;

  for (l = o->events.head; l != NULL; l = l->next)
    n += GST_EVENT_TYPE (l->data) == type;
  return n;
}

/* Every byte of an item tells which source, sequence number and tensor it
 * belongs to, so a slot sent to the wrong pad or sliced at the wrong
 * offset shows up. */
guint8
item_byte (guint src, guint seq, guint tensor, gsize i)
{
  return (guint8)(src * 37 + seq * 11 + tensor * 101 + i * 3);
}

GstClockTime
item_pts (guint src, guint seq)
{
  return (seq + 1) * 40 * GST_MSECOND + src * GST_USECOND;
}

GstClockTime
item_dts (guint src, guint seq)
{
  return item_pts (src, seq) - 5 * GST_MSECOND - src;
}

GstClockTime
item_duration (guint src, guint seq)
{
  return 40 * GST_MSECOND + src * 7 + seq;
}

/* A batch of @n_slots (n_valid = @n_valid) in two memories, one per tensor;
 * padding slots carry garbage that must never come out. */
GstBuffer *
make_batch_full (
    const SlotSpec *spec, guint n_valid, guint n_slots, gboolean with_meta)
{
  GstBuffer *batch = gst_buffer_new ();
  GstGpuBatchMeta *meta = NULL;
  gsize slot_size[2] = { SLOT0, SLOT1 };
  guint t, s;
  gsize i;

  for (t = 0; t < 2; t++) {
    GstMemory *mem = gst_allocator_alloc (NULL, slot_size[t] * n_slots, NULL);
    GstMapInfo map;

    fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
    memset (map.data, 0xee, map.size);
    for (s = 0; s < n_valid; s++)
      for (i = 0; i < slot_size[t]; i++)
        map.data[s * slot_size[t] + i]
            = item_byte (spec[s].src, spec[s].seq, t, i);
    gst_memory_unmap (mem, &map);
    gst_buffer_append_memory (batch, mem);
  }

  if (with_meta) {
    meta = gst_buffer_add_gpu_batch_meta (batch, n_slots);
    fail_unless (meta != NULL);
    meta->n_valid = n_valid;
    for (s = 0; s < n_slots; s++) {
      GstGpuBatchSlot *slot = &meta->slots[s];

      if (s < n_valid) {
        slot->pad_index = spec[s].src;
        slot->pts = item_pts (spec[s].src, spec[s].seq);
        slot->dts = item_dts (spec[s].src, spec[s].seq);
        slot->duration = item_duration (spec[s].src, spec[s].seq);
        slot->status = spec[s].status;
      } else {
        /* padding that looks like a real slot of an unknown source */
        slot->pad_index = 30;
        slot->pts = 0;
        slot->status = GST_GPU_SLOT_STATUS_OK;
      }
      slot->width = SLOT0;
      slot->height = 1;
    }
  }
  GST_BUFFER_PTS (batch) = 0;
  return batch;
}

GstBuffer *
make_batch (const SlotSpec *spec, guint n_valid)
{
  return make_batch_full (spec, n_valid, BATCH, TRUE);
}

void
check_item (GstBuffer *item, guint src, guint seq)
{
  gsize slot_size[2] = { SLOT0, SLOT1 };
  gsize offset = 0, i;
  GstMapInfo map;
  guint t;

  fail_unless_equals_uint64 (GST_BUFFER_PTS (item), item_pts (src, seq));
  fail_unless_equals_uint64 (GST_BUFFER_DTS (item), item_dts (src, seq));
  fail_unless_equals_uint64 (
      GST_BUFFER_DURATION (item), item_duration (src, seq));
  fail_unless_equals_int (gst_buffer_get_size (item), SLOT0 + SLOT1);
  fail_unless (gst_buffer_get_gpu_batch_meta (item) == NULL);

  fail_unless (gst_buffer_map (item, &map, GST_MAP_READ));
  for (t = 0; t < 2; t++) {
    for (i = 0; i < slot_size[t]; i++) {
      if (map.data[offset + i] != item_byte (src, seq, t, i))
        fail ("source %u item %u tensor %u byte %" G_GSIZE_FORMAT ": %u != %u",
            src, seq, t, i, map.data[offset + i], item_byte (src, seq, t, i));
    }
    offset += slot_size[t];
  }
  gst_buffer_unmap (item, &map);
}

GstHarness *
setup_harness (Collector *c, GstBus **bus)
{
  GstHarness *h = gst_harness_new_with_padnames ("gpuunbatch", "sink", NULL);

  collector_init (c, h->element);
  if (bus) {
    *bus = gst_bus_new ();
    gst_element_set_bus (h->element, *bus);
  }
  gst_harness_play (h);
  return h;
}

/* Sends stream-start, @caps_str and a time segment. Returns whether the
 * element took the caps (a sticky event push reports TRUE either way). */
gboolean
push_stream_start (GstHarness *h, const gchar *caps_str)
{
  GstEvent *ev = gst_event_new_stream_start ("upstream-id");
  GstCaps *caps = gst_caps_from_string (caps_str), *current;
  GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");
  GstSegment segment;
  gboolean ret;

  fail_unless (caps != NULL);
  gst_event_set_group_id (ev, 4242);
  fail_unless (gst_harness_push_event (h, ev));
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));

  current = gst_pad_get_current_caps (sinkpad);
  ret = current != NULL && gst_caps_is_equal (current, caps);
  gst_clear_caps (&current);
  gst_caps_unref (caps);
  gst_object_unref (sinkpad);
  return ret;
}

/* Per-pad counter of src_@index in the stats, or G_MAXUINT64. */
guint64
stats_get_pad (GstElement *element, guint index, const gchar *field)
{
  GstStructure *s = NULL;
  const GValue *pads;
  guint64 v = G_MAXUINT64;
  guint i, idx;

  g_object_get (element, "stats", &s, NULL);
  pads = gst_structure_get_value (s, "pads");
  fail_unless (pads != NULL && GST_VALUE_HOLDS_ARRAY (pads));
  for (i = 0; i < gst_value_array_get_size (pads); i++) {
    const GstStructure *p
        = gst_value_get_structure (gst_value_array_get_value (pads, i));

    fail_unless (gst_structure_get_uint (p, "index", &idx));
    if (idx == index)
      fail_unless (gst_structure_get_uint64 (p, field, &v));
  }
  gst_structure_free (s);
  return v;
}

guint
count_src_pads (GstElement *element)
{
  guint n;

  GST_OBJECT_LOCK (element);
  n = element->numsrcpads;
  GST_OBJECT_UNLOCK (element);
  return n;
}

/* Pops the error posted on @bus and checks its message contains every
 * string of @needles (NULL-terminated). */
void
check_error (GstBus *bus, const gchar *const *needles)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("error: %s (%s)", err->message, debug);
  for (; *needles; needles++)
    fail_unless (strstr (err->message, *needles) != NULL,
        "'%s' not in error '%s'", *needles, err->message);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
}

/* Completes @desc (transfer full; it ends with gpuunbatch named u) with
 * u.src_N ! queue ! fakesink name=sinkN for N < @n_sinks, fakesinks that
 * emit handoffs, and builds it. Returns: (transfer full): the pipeline. */
GstElement *
parse_with_sinks (GString *desc, guint n_sinks)
{
  GstElement *pipeline;
  guint s;

  for (s = 0; s < n_sinks; s++)
    g_string_append_printf (desc,
        " u.src_%u ! queue ! fakesink name=sink%u sync=false "
        "signal-handoffs=true",
        s, s);
  pipeline = gst_parse_launch (desc->str, NULL);
  fail_unless (pipeline != NULL, "cannot build %s", desc->str);
  g_string_free (desc, TRUE);
  return pipeline;
}

/* Connects @callback to the "handoff" signal of the fakesinks named sink0
 * to sink{@n_sinks - 1} in @pipeline. */
void
connect_handoffs (
    GstElement *pipeline, guint n_sinks, GCallback callback, gpointer data)
{
  GstElement *sink;
  gchar *name;
  guint s;

  for (s = 0; s < n_sinks; s++) {
    name = g_strdup_printf ("sink%u", s);
    sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
    fail_unless (sink != NULL, "no %s", name);
    g_signal_connect (sink, "handoff", callback, data);
    gst_object_unref (sink);
    g_free (name);
  }
}

/* Waits at most 30 s for EOS on the bus of the running @pipeline; an
 * error or no message fails the test. */
void
wait_for_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (
      bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  fail_unless (msg != NULL, "no EOS within 30 s");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
}

/* Plays @pipeline until EOS (wait_for_eos ()), then stops it. */
void
run_to_eos (GstElement *pipeline)
{
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  wait_for_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

void
teardown (GstHarness *h, Collector *c, GstBus *bus)
{
  if (bus) {
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
  }
  gst_harness_teardown (h);
  collector_clear (c);
}

/* n_sources sources with items_per_source items each, interleaved in a
 * seeded random order, packed into batches of BATCH (the last partial). */
