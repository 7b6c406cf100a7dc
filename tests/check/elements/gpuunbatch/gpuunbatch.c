/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuunbatch: batches built by hand with GstGpuBatchMeta go in, one stream
 * per source comes out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgputensorinfo.h"

#define MAX_SOURCES 32

/* Two tensors, batch of 8: uint8 16:8 (16 bytes a slot) and float32 4:2:8
 * (32 bytes a slot). */
#define BATCH 8
#define SLOT0 16
#define SLOT1 32
#define CAPS_2T                                                                \
  "other/tensors, format=(string)static, num_tensors=(int)2, "                 \
  "dimensions=(string)\"16:8,4:2:8\", types=(string)\"uint8,float32\", "       \
  "framerate=(fraction)30/1"

/* ------------------------------------------------------------------------ */
/* Collecting what each src pad emits                                       */

typedef struct
{
  GstPad *sinkpad;
  GQueue buffers;
  GQueue events;
  gboolean eos;
} Output;

typedef struct
{
  GMutex lock;
  Output out[MAX_SOURCES];
  guint pads_added;
  /* bit N set: do not link src_N when it appears */
  guint32 unlinked_mask;
} Collector;

static GstFlowReturn
collector_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  Collector *c = g_object_get_data (G_OBJECT (pad), "collector");
  Output *o = g_object_get_data (G_OBJECT (pad), "output");

  g_mutex_lock (&c->lock);
  g_queue_push_tail (&o->buffers, buffer);
  g_mutex_unlock (&c->lock);
  return GST_FLOW_OK;
}

static gboolean
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

static guint
pad_index (GstPad *pad)
{
  const gchar *name = GST_PAD_NAME (pad);

  fail_unless (g_str_has_prefix (name, "src_"));
  return (guint)g_ascii_strtoull (name + 4, NULL, 10);
}

static void
collector_link (Collector *c, GstPad *srcpad)
{
  guint index = pad_index (srcpad);
  Output *o;

  fail_unless (index < MAX_SOURCES);
  o = &c->out[index];
  fail_unless (o->sinkpad == NULL, "src_%u linked twice", index);
  o->sinkpad = gst_pad_new ("sink", GST_PAD_SINK);
  g_object_set_data (G_OBJECT (o->sinkpad), "collector", c);
  g_object_set_data (G_OBJECT (o->sinkpad), "output", o);
  gst_pad_set_chain_function (o->sinkpad, collector_chain);
  gst_pad_set_event_function (o->sinkpad, collector_event);
  gst_pad_set_active (o->sinkpad, TRUE);
  fail_unless_equals_int (gst_pad_link (srcpad, o->sinkpad), GST_PAD_LINK_OK);
}

static void
on_pad_added (GstElement *element, GstPad *pad, Collector *c)
{
  guint index = pad_index (pad);

  c->pads_added++;
  if (index < 32 && (c->unlinked_mask & (1u << index)))
    return;
  collector_link (c, pad);
}

static void
collector_init (Collector *c, GstElement *unbatch)
{
  memset (c, 0, sizeof (*c));
  g_mutex_init (&c->lock);
  g_signal_connect (unbatch, "pad-added", G_CALLBACK (on_pad_added), c);
}

static void
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

static void
collector_clear (Collector *c)
{
  guint i;

  for (i = 0; i < MAX_SOURCES; i++)
    output_clear (&c->out[i]);
  g_mutex_clear (&c->lock);
}

/* Returns: (transfer none) (nullable): the last event of @type on @o. */
static GstEvent *
output_find_event (Output *o, GstEventType type)
{
  GList *l;

  for (l = o->events.tail; l != NULL; l = l->prev)
    if (GST_EVENT_TYPE (l->data) == type)
      return l->data;
  return NULL;
}

static guint
output_count_events (Output *o, GstEventType type)
{
  GList *l;
  guint n = 0;

  for (l = o->events.head; l != NULL; l = l->next)
    n += GST_EVENT_TYPE (l->data) == type;
  return n;
}

/* ------------------------------------------------------------------------ */
/* Building batches                                                         */

/* Every byte of an item tells which source, sequence number and tensor it
 * belongs to, so a slot sent to the wrong pad or sliced at the wrong
 * offset shows up. */
static guint8
item_byte (guint src, guint seq, guint tensor, gsize i)
{
  return (guint8)(src * 37 + seq * 11 + tensor * 101 + i * 3);
}

static GstClockTime
item_pts (guint src, guint seq)
{
  return (seq + 1) * 40 * GST_MSECOND + src * GST_USECOND;
}

static GstClockTime
item_dts (guint src, guint seq)
{
  return item_pts (src, seq) - 5 * GST_MSECOND - src;
}

static GstClockTime
item_duration (guint src, guint seq)
{
  return 40 * GST_MSECOND + src * 7 + seq;
}

typedef struct
{
  guint src;
  guint seq;
  GstGpuSlotStatus status;
} SlotSpec;

/* A batch of @n_slots (n_valid = @n_valid) in two memories, one per tensor;
 * padding slots carry garbage that must never come out. */
static GstBuffer *
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

static GstBuffer *
make_batch (const SlotSpec *spec, guint n_valid)
{
  return make_batch_full (spec, n_valid, BATCH, TRUE);
}

static void
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

/* ------------------------------------------------------------------------ */
/* Harness set-up                                                           */

static GstHarness *
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
static gboolean
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

static guint64
stats_get (GstElement *element, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (element, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v),
      "no %s in %" GST_PTR_FORMAT, field, s);
  gst_structure_free (s);
  return v;
}

/* Per-pad counter of src_@index in the stats, or G_MAXUINT64. */
static guint64
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

static guint
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
static void
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

static void
teardown (GstHarness *h, Collector *c, GstBus *bus)
{
  if (bus) {
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
  }
  gst_harness_teardown (h);
  collector_clear (c);
}

/* ------------------------------------------------------------------------ */
/* Round trip                                                               */

/* n_sources sources with items_per_source items each, interleaved in a
 * seeded random order, packed into batches of BATCH (the last partial). */
static void
run_round_trip (guint n_sources, guint items_per_source)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  guint total = n_sources * items_per_source;
  guint *next_seq = g_new0 (guint, n_sources);
  SlotSpec spec[BATCH];
  GRand *rand = g_rand_new_with_seed (n_sources);
  guint sent = 0, n = 0, src, i, batches = 0;

  fail_unless (push_stream_start (h, CAPS_2T));
  while (sent < total) {
    do
      src = g_rand_int_range (rand, 0, n_sources);
    while (next_seq[src] == items_per_source);
    spec[n].src = src;
    spec[n].seq = next_seq[src]++;
    spec[n].status = GST_GPU_SLOT_STATUS_OK;
    n++;
    sent++;
    if (n == BATCH || sent == total) {
      fail_unless_equals_int (
          gst_harness_push (h, make_batch (spec, n)), GST_FLOW_OK);
      batches++;
      n = 0;
    }
  }

  fail_unless_equals_int (count_src_pads (h->element), n_sources);
  fail_unless_equals_int (c.pads_added, n_sources);
  for (src = 0; src < n_sources; src++) {
    Output *o = &c.out[src];

    fail_unless_equals_int (g_queue_get_length (&o->buffers), items_per_source);
    for (i = 0; i < items_per_source; i++)
      check_item (g_queue_peek_nth (&o->buffers, i), src, i);
    fail_unless_equals_uint64 (
        stats_get_pad (h->element, src, "items-out"), items_per_source);
  }
  fail_unless_equals_uint64 (stats_get (h->element, "items-in"), total);
  fail_unless_equals_uint64 (stats_get (h->element, "items-out"), total);
  fail_unless_equals_uint64 (stats_get (h->element, "batches"), batches);
  fail_unless_equals_uint64 (stats_get (h->element, "items-dropped"), 0);

  g_rand_free (rand);
  g_free (next_seq);
  teardown (h, &c, NULL);
}

GST_START_TEST (test_round_trip_4_sources)
{
  run_round_trip (4, 25);
}

GST_END_TEST;

GST_START_TEST (test_round_trip_16_sources)
{
  run_round_trip (16, 13);
}

GST_END_TEST;

GST_START_TEST (test_dropped_and_failed_slots_are_counted_not_pushed)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[BATCH] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_DROPPED },
    { 0, 1, GST_GPU_SLOT_STATUS_FAILED },
    { 1, 1, GST_GPU_SLOT_STATUS_OK },
    { 2, 0, GST_GPU_SLOT_STATUS_DROPPED },
    { 0, 2, GST_GPU_SLOT_STATUS_OK },
    { 1, 2, GST_GPU_SLOT_STATUS_FAILED },
    { 1, 3, GST_GPU_SLOT_STATUS_DROPPED },
  };

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, BATCH)), GST_FLOW_OK);

  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 2);
  check_item (g_queue_peek_nth (&c.out[0].buffers, 0), 0, 0);
  check_item (g_queue_peek_nth (&c.out[0].buffers, 1), 0, 2);
  fail_unless_equals_int (g_queue_get_length (&c.out[1].buffers), 1);
  check_item (g_queue_peek_nth (&c.out[1].buffers, 0), 1, 1);
  /* a source seen only through a dropped slot still gets its pad */
  fail_unless_equals_int (g_queue_get_length (&c.out[2].buffers), 0);
  fail_unless_equals_int (count_src_pads (h->element), 3);

  fail_unless_equals_uint64 (stats_get (h->element, "items-in"), 8);
  fail_unless_equals_uint64 (stats_get (h->element, "items-out"), 3);
  fail_unless_equals_uint64 (stats_get (h->element, "items-dropped"), 3);
  fail_unless_equals_uint64 (stats_get (h->element, "items-failed"), 2);
  fail_unless_equals_uint64 (stats_get_pad (h->element, 0, "items-failed"), 1);
  fail_unless_equals_uint64 (stats_get_pad (h->element, 1, "items-dropped"), 2);
  fail_unless_equals_uint64 (stats_get_pad (h->element, 1, "items-failed"), 1);
  fail_unless_equals_uint64 (stats_get_pad (h->element, 2, "items-dropped"), 1);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_cache_hit_slots_are_pushed)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[2] = {
    { 0, 0, GST_GPU_SLOT_STATUS_CACHE_HIT },
    { 0, 1, GST_GPU_SLOT_STATUS_OK },
  };

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 2)), GST_FLOW_OK);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 2);
  check_item (g_queue_peek_nth (&c.out[0].buffers, 0), 0, 0);
  check_item (g_queue_peek_nth (&c.out[0].buffers, 1), 0, 1);
  fail_unless_equals_uint64 (stats_get (h->element, "items-cache-hit"), 1);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_partial_batch_ignores_padding_slots)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[3] = {
    { 3, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
    { 3, 1, GST_GPU_SLOT_STATUS_OK },
  };

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 3)), GST_FLOW_OK);
  /* an empty batch is fine too */
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 0)), GST_FLOW_OK);

  fail_unless_equals_int (count_src_pads (h->element), 2);
  fail_unless (gst_element_get_static_pad (h->element, "src_30") == NULL);
  fail_unless_equals_int (g_queue_get_length (&c.out[3].buffers), 2);
  check_item (g_queue_peek_nth (&c.out[3].buffers, 0), 3, 0);
  check_item (g_queue_peek_nth (&c.out[3].buffers, 1), 3, 1);
  fail_unless_equals_int (g_queue_get_length (&c.out[1].buffers), 1);
  check_item (g_queue_peek_nth (&c.out[1].buffers, 0), 1, 0);
  fail_unless_equals_uint64 (stats_get (h->element, "items-in"), 3);
  fail_unless_equals_uint64 (stats_get (h->element, "batches"), 2);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_batch_without_meta_is_source_0)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[BATCH];
  GstBuffer *batch;
  guint i;

  for (i = 0; i < BATCH; i++) {
    spec[i].src = 0;
    spec[i].seq = i;
    spec[i].status = GST_GPU_SLOT_STATUS_OK;
  }
  batch = make_batch_full (spec, BATCH, BATCH, FALSE);
  GST_BUFFER_PTS (batch) = 2 * GST_SECOND;
  GST_BUFFER_DTS (batch) = GST_SECOND;
  GST_BUFFER_DURATION (batch) = 320 * GST_MSECOND;

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (gst_harness_push (h, batch), GST_FLOW_OK);
  fail_unless_equals_int (count_src_pads (h->element), 1);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), BATCH);
  for (i = 0; i < BATCH; i++) {
    GstBuffer *item = g_queue_peek_nth (&c.out[0].buffers, i);
    GstMapInfo map;

    fail_unless_equals_uint64 (GST_BUFFER_PTS (item), 2 * GST_SECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DTS (item), GST_SECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (item), 320 * GST_MSECOND);
    fail_unless (gst_buffer_map (item, &map, GST_MAP_READ));
    fail_unless_equals_int (map.data[0], item_byte (0, i, 0, 0));
    fail_unless_equals_int (map.data[SLOT0 + 5], item_byte (0, i, 1, 5));
    gst_buffer_unmap (item, &map);
  }

  teardown (h, &c, NULL);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

GST_START_TEST (test_system_memory_slices_share_batch_memory)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[2] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
  };
  GstBuffer *batch = make_batch (spec, 2), *item;
  GstMapInfo bmap[2], imap;
  guint t;

  fail_unless (push_stream_start (h, CAPS_2T));
  for (t = 0; t < 2; t++)
    fail_unless (gst_memory_map (
        gst_buffer_peek_memory (batch, t), &bmap[t], GST_MAP_READ));
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_ref (batch)), GST_FLOW_OK);

  item = g_queue_peek_head (&c.out[1].buffers);
  fail_unless (item != NULL);
  /* one memory per tensor, each a window into the batch's memory */
  fail_unless_equals_int (gst_buffer_n_memory (item), 2);
  for (t = 0; t < 2; t++) {
    GstMemory *mem = gst_buffer_peek_memory (item, t);

    fail_unless (gst_memory_map (mem, &imap, GST_MAP_READ));
    fail_unless (imap.data == bmap[t].data + (t == 0 ? SLOT0 : SLOT1),
        "tensor %u of slot 1 was copied", t);
    gst_memory_unmap (mem, &imap);
    gst_memory_unmap (gst_buffer_peek_memory (batch, t), &bmap[t]);
  }
  gst_buffer_unref (batch);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_device_batches_come_out_in_system_memory)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[3] = {
    { 2, 0, GST_GPU_SLOT_STATUS_OK },
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 2, 1, GST_GPU_SLOT_STATUS_OK },
  };
  GstBuffer *batch = make_batch (spec, 3), *item;
  GstMapInfo bmap, imap;
  GstCaps *caps;
  GstEvent *ev;
  gchar *caps_str;

  /* memory:GpuTensor caps; a system memory batch is mapped the same way a
   * device one is (the map stages to host), so the copy path runs here */
  caps_str = g_strdup_printf (
      "other/tensors(%s), format=(string)static, "
      "num_tensors=(int)2, dimensions=(string)\"16:8,4:2:8\", "
      "types=(string)\"uint8,float32\"",
      GST_CAPS_FEATURE_MEMORY_GPU_TENSOR);
  fail_unless (push_stream_start (h, caps_str));
  g_free (caps_str);
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_ref (batch)), GST_FLOW_OK);

  fail_unless_equals_int (g_queue_get_length (&c.out[2].buffers), 2);
  check_item (g_queue_peek_nth (&c.out[2].buffers, 0), 2, 0);
  check_item (g_queue_peek_nth (&c.out[2].buffers, 1), 2, 1);
  check_item (g_queue_peek_nth (&c.out[0].buffers, 0), 0, 0);

  /* copied, not shared */
  item = g_queue_peek_nth (&c.out[2].buffers, 1);
  fail_unless (
      gst_memory_map (gst_buffer_peek_memory (batch, 0), &bmap, GST_MAP_READ));
  fail_unless (
      gst_memory_map (gst_buffer_peek_memory (item, 0), &imap, GST_MAP_READ));
  fail_if (imap.data == bmap.data + 2 * SLOT0);
  gst_memory_unmap (gst_buffer_peek_memory (item, 0), &imap);
  gst_memory_unmap (gst_buffer_peek_memory (batch, 0), &bmap);

  /* outputs are announced as system memory */
  ev = output_find_event (&c.out[2], GST_EVENT_CAPS);
  fail_unless (ev != NULL);
  gst_event_parse_caps (ev, &caps);
  fail_unless (gst_caps_features_is_equal (
      gst_caps_get_features (caps, 0), GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY));
  gst_buffer_unref (batch);

  teardown (h, &c, NULL);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Events and caps                                                          */

GST_START_TEST (test_output_caps_have_batch_dim_1)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[2] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 5, 0, GST_GPU_SLOT_STATUS_OK },
  };
  GstGpuTensorsConfig config;
  GError *error = NULL;
  GstCaps *caps;
  guint i, src[2] = { 0, 5 };

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 2)), GST_FLOW_OK);

  for (i = 0; i < 2; i++) {
    GstEvent *ev = output_find_event (&c.out[src[i]], GST_EVENT_CAPS);

    fail_unless (ev != NULL);
    gst_event_parse_caps (ev, &caps);
    fail_unless (gst_gpu_tensors_config_from_caps (&config, caps, &error), "%s",
        error ? error->message : "");
    fail_unless_equals_int (config.num_tensors, 2);
    /* rank kept, outermost (batch) dimension 1 */
    fail_unless_equals_int (config.info[0].rank, 2);
    fail_unless_equals_uint64 (config.info[0].dims[0], 16);
    fail_unless_equals_uint64 (config.info[0].dims[1], 1);
    fail_unless_equals_int (config.info[0].dtype, GST_GPU_DTYPE_UINT8);
    fail_unless_equals_int (config.info[1].rank, 3);
    fail_unless_equals_uint64 (config.info[1].dims[0], 4);
    fail_unless_equals_uint64 (config.info[1].dims[1], 2);
    fail_unless_equals_uint64 (config.info[1].dims[2], 1);
    fail_unless_equals_int (config.info[1].dtype, GST_GPU_DTYPE_FLOAT32);
    fail_unless_equals_int (config.fps_n, 30);
    fail_unless_equals_int (config.fps_d, 1);
    fail_unless_equals_int (
        gst_gpu_tensors_config_get_size (&config), SLOT0 + SLOT1);
  }

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_output_caps_framerate_defaults_to_0_1)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };
  GstGpuTensorsConfig config;
  GstCaps *caps;
  GstEvent *ev;

  fail_unless (
      push_stream_start (h, "other/tensors, format=static, "
                            "num_tensors=2, dimensions=(string)\"16:8,4:2:8\", "
                            "types=(string)\"uint8,float32\""));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 1)), GST_FLOW_OK);
  ev = output_find_event (&c.out[0], GST_EVENT_CAPS);
  fail_unless (ev != NULL);
  gst_event_parse_caps (ev, &caps);
  fail_unless (gst_gpu_tensors_config_from_caps (&config, caps, NULL));
  fail_unless_equals_int (config.fps_n, 0);
  fail_unless_equals_int (config.fps_d, 1);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_stream_start_has_per_pad_stream_id)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[3] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
    { 2, 0, GST_GPU_SLOT_STATUS_OK },
  };
  const gchar *ids[3];
  guint i, group;

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 3)), GST_FLOW_OK);
  for (i = 0; i < 3; i++) {
    GstEvent *ev = output_find_event (&c.out[i], GST_EVENT_STREAM_START);
    GList *first = c.out[i].events.head;

    fail_unless (ev != NULL);
    /* stream-start comes first, then caps, then segment */
    fail_unless (GST_EVENT_TYPE (first->data) == GST_EVENT_STREAM_START);
    fail_unless (GST_EVENT_TYPE (first->next->data) == GST_EVENT_CAPS);
    fail_unless (GST_EVENT_TYPE (first->next->next->data) == GST_EVENT_SEGMENT);
    gst_event_parse_stream_start (ev, &ids[i]);
    fail_unless (g_str_has_prefix (ids[i], "upstream-id"), "%s", ids[i]);
    fail_unless (gst_event_parse_group_id (ev, &group));
    fail_unless_equals_int (group, 4242);
  }
  fail_if (g_str_equal (ids[0], ids[1]));
  fail_if (g_str_equal (ids[1], ids[2]));
  fail_if (g_str_equal (ids[0], ids[2]));

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_new_stream_start_reaches_every_src_pad)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[2] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
  };
  const gchar *id;
  guint i;

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 2)), GST_FLOW_OK);
  fail_unless (
      gst_harness_push_event (h, gst_event_new_stream_start ("second-stream")));
  for (i = 0; i < 2; i++) {
    fail_unless_equals_int (
        output_count_events (&c.out[i], GST_EVENT_STREAM_START), 2);
    gst_event_parse_stream_start (
        output_find_event (&c.out[i], GST_EVENT_STREAM_START), &id);
    fail_unless (g_str_has_prefix (id, "second-stream/"), "%s", id);
  }

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_eos_reaches_every_src_pad)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[4] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
    { 2, 0, GST_GPU_SLOT_STATUS_DROPPED },
    { 3, 0, GST_GPU_SLOT_STATUS_OK },
  };
  GstPad *requested;
  guint i;

  /* a pad requested up front that never gets data also gets EOS */
  requested = gst_element_request_pad_simple (h->element, "src_7");
  fail_unless (requested != NULL);
  fail_unless (c.out[7].sinkpad != NULL, "no pad-added for a request");

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 4)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  for (i = 0; i < 4; i++)
    fail_unless (c.out[i].eos, "src_%u got no EOS", i);
  fail_unless (c.out[7].eos);
  fail_unless (output_find_event (&c.out[7], GST_EVENT_STREAM_START) != NULL);
  fail_unless_equals_int (output_count_events (&c.out[7], GST_EVENT_EOS), 1);
  gst_object_unref (requested);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_segment_and_flush_reach_every_src_pad)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[3] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
    { 2, 0, GST_GPU_SLOT_STATUS_OK },
  };
  GstSegment segment;
  const GstSegment *seen;
  guint i;

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 3)), GST_FLOW_OK);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = 5 * GST_SECOND;
  segment.rate = 2.0;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  spec[0].seq = spec[1].seq = spec[2].seq = 1;
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 3)), GST_FLOW_OK);

  for (i = 0; i < 3; i++) {
    GstBuffer *after = g_queue_peek_nth (&c.out[i].buffers, 1);

    fail_unless_equals_int (
        output_count_events (&c.out[i], GST_EVENT_FLUSH_START), 1);
    fail_unless_equals_int (
        output_count_events (&c.out[i], GST_EVENT_FLUSH_STOP), 1);
    gst_event_parse_segment (
        output_find_event (&c.out[i], GST_EVENT_SEGMENT), &seen);
    fail_unless_equals_uint64 (seen->start, 5 * GST_SECOND);
    fail_unless_equals_float (seen->rate, 2.0);
    /* first buffer after a flush is a discontinuity */
    fail_unless (after != NULL);
    fail_unless (GST_BUFFER_FLAG_IS_SET (after, GST_BUFFER_FLAG_DISCONT));
    check_item (after, i, 1);
  }

  teardown (h, &c, NULL);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Pads and flow                                                            */

GST_START_TEST (test_requested_pad_receives_its_source)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[3] = {
    { 2, 0, GST_GPU_SLOT_STATUS_OK },
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 2, 1, GST_GPU_SLOT_STATUS_OK },
  };
  GstPad *requested, *any;

  requested = gst_element_request_pad_simple (h->element, "src_2");
  fail_unless (requested != NULL);
  fail_unless_equals_string (GST_PAD_NAME (requested), "src_2");
  /* a request without a name takes the lowest free index */
  any = gst_element_request_pad_simple (h->element, "src_%u");
  fail_unless (any != NULL);
  fail_unless_equals_string (GST_PAD_NAME (any), "src_0");

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 3)), GST_FLOW_OK);

  /* no duplicate pads were created for sources 0 and 2 */
  fail_unless_equals_int (count_src_pads (h->element), 2);
  fail_unless_equals_int (c.pads_added, 2);
  fail_unless_equals_int (g_queue_get_length (&c.out[2].buffers), 2);
  check_item (g_queue_peek_nth (&c.out[2].buffers, 0), 2, 0);
  check_item (g_queue_peek_nth (&c.out[2].buffers, 1), 2, 1);
  check_item (g_queue_peek_nth (&c.out[0].buffers, 0), 0, 0);

  gst_element_release_request_pad (h->element, any);
  fail_unless_equals_int (count_src_pads (h->element), 1);
  gst_object_unref (any);
  gst_object_unref (requested);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_flow_not_linked_only_when_all_unlinked)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[2] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
  };
  SlotSpec only1[1] = { { 1, 1, GST_GPU_SLOT_STATUS_OK } };

  c.unlinked_mask = 1u << 1;
  fail_unless (push_stream_start (h, CAPS_2T));
  /* src_0 linked, src_1 not: still OK */
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 2)), GST_FLOW_OK);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 1);
  fail_unless_equals_uint64 (stats_get (h->element, "items-out"), 1);
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (only1, 1)), GST_FLOW_OK);

  /* once src_0 is unlinked too, upstream hears NOT_LINKED */
  fail_unless (
      gst_pad_unlink (GST_PAD_PEER (c.out[0].sinkpad), c.out[0].sinkpad));
  spec[0].seq = spec[1].seq = 2;
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 2)), GST_FLOW_NOT_LINKED);
  fail_unless_equals_uint64 (stats_get (h->element, "items-out"), 1);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_state_change_removes_source_pads_keeps_requested)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[3] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
    { 4, 0, GST_GPU_SLOT_STATUS_OK },
  };
  GstPad *requested, *src0;
  guint i;

  requested = gst_element_request_pad_simple (h->element, "src_4");
  fail_unless (requested != NULL);
  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 3)), GST_FLOW_OK);
  fail_unless_equals_int (count_src_pads (h->element), 3);

  fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (count_src_pads (h->element), 1);
  src0 = gst_element_get_static_pad (h->element, "src_0");
  fail_unless (src0 == NULL);
  fail_unless (gst_element_get_static_pad (h->element, "src_4") == requested);
  gst_object_unref (requested);

  for (i = 0; i < 2; i++)
    output_clear (&c.out[i]);
  output_clear (&c.out[4]);
  collector_link (&c, requested);
  c.pads_added = 0;

  fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (push_stream_start (h, CAPS_2T));
  for (i = 0; i < 3; i++)
    spec[i].seq = 1;
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 3)), GST_FLOW_OK);
  /* source pads come back (pad-added again), the requested one resumes */
  fail_unless_equals_int (c.pads_added, 2);
  fail_unless_equals_int (count_src_pads (h->element), 3);
  check_item (g_queue_peek_head (&c.out[0].buffers), 0, 1);
  check_item (g_queue_peek_head (&c.out[4].buffers), 4, 1);
  fail_unless (output_find_event (&c.out[4], GST_EVENT_STREAM_START) != NULL);
  /* counters restart with the new run */
  fail_unless_equals_uint64 (stats_get (h->element, "items-in"), 3);
  gst_object_unref (requested);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_stats_are_posted_every_interval)
{
  GstElement *unbatch = gst_element_factory_make ("gpuunbatch", NULL);
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  Collector c;
  SlotSpec spec[2] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_DROPPED },
  };
  const GstStructure *s;
  GstMessage *msg;
  guint64 in = 0, out = 0, dropped = 0;

  /* the interval is read at READY->PAUSED: set it before the harness
   * starts the element */
  g_object_set (unbatch, "stats-interval", 10 * GST_MSECOND, NULL);
  collector_init (&c, unbatch);
  gst_element_set_bus (unbatch, bus);
  h = gst_harness_new_with_element (unbatch, "sink", NULL);
  gst_object_unref (unbatch);
  gst_harness_play (h);
  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 2)), GST_FLOW_OK);

  /* messages may predate the batch, or be taken in the middle of it (the
   * counters are updated slot by slot): wait for one with the whole batch,
   * checking that the counters never run ahead of items-in */
  while (in != 2 || dropped != 1) {
    msg = gst_bus_timed_pop_filtered (
        bus, 10 * GST_SECOND, GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL, "no complete gpuunbatch-stats message");
    s = gst_message_get_structure (msg);
    fail_unless (gst_structure_has_name (s, "gpuunbatch-stats"));
    fail_unless (gst_structure_get_uint64 (s, "items-in", &in));
    fail_unless (gst_structure_get_uint64 (s, "items-out", &out));
    fail_unless (gst_structure_get_uint64 (s, "items-dropped", &dropped));
    fail_unless (out + dropped <= in);
    gst_message_unref (msg);
  }
  fail_unless_equals_uint64 (stats_get (h->element, "items-out"), 1);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  collector_clear (&c);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Bad input                                                                */

static void
capture_warning (GstDebugCategory *category, GstDebugLevel level,
    const gchar *file, const gchar *function, gint line, GObject *object,
    GstDebugMessage *message, gpointer user_data)
{
  GString *log = user_data;

  if (level == GST_LEVEL_WARNING
      && g_str_equal (gst_debug_category_get_name (category), "gpuunbatch"))
    g_string_append (log, gst_debug_message_get (message));
}

GST_START_TEST (test_rejects_non_tensor_caps)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };
  GString *log = g_string_new (NULL);
  GstElement *src, *unbatch;

  gst_debug_set_threshold_for_name ("gpuunbatch", GST_LEVEL_WARNING);
  gst_debug_add_log_function (capture_warning, log, NULL);

  /* refused at negotiation, so no buffer reaches the element */
  fail_if (push_stream_start (h, "video/x-raw, format=RGB, width=16, "
                                 "height=8, framerate=30/1"));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 1)), GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (count_src_pads (h->element), 0);
  fail_unless (strstr (log->str, "takes other/tensors batches") != NULL,
      "no clear warning, log: %s", log->str);

  /* and a link from a video source fails up front */
  src = gst_element_factory_make ("videotestsrc", NULL);
  unbatch = gst_element_factory_make ("gpuunbatch", NULL);
  fail_if (gst_element_link (src, unbatch));
  gst_object_unref (src);
  gst_object_unref (unbatch);

  gst_debug_remove_log_function (capture_warning);
  g_string_free (log, TRUE);
  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_rejects_flexible_tensors)
{
  Collector c;
  GstHarness *h = setup_harness (&c, NULL);

  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };

  fail_if (push_stream_start (h, "other/tensors, format=flexible"));
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 1)), GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (count_src_pads (h->element), 0);

  teardown (h, &c, NULL);
}

GST_END_TEST;

GST_START_TEST (test_rejects_different_batch_dims)
{
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);
  const gchar *needles[] = { "16:8", "4:6", NULL };
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };

  fail_if (
      push_stream_start (h, "other/tensors, format=static, "
                            "num_tensors=2, dimensions=(string)\"16:8,4:6\", "
                            "types=(string)\"uint8,float32\""));
  check_error (bus, needles);
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 1)), GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (count_src_pads (h->element), 0);

  teardown (h, &c, bus);
}

GST_END_TEST;

GST_START_TEST (test_rejects_malformed_dimensions)
{
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);
  const gchar *needles[] = { "gpuunbatch cannot split", NULL };
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };

  fail_if (push_stream_start (h,
      "other/tensors, format=static, "
      "num_tensors=1, dimensions=(string)\"16:0\", types=(string)\"uint8\""));
  check_error (bus, needles);
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 1)), GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (count_src_pads (h->element), 0);

  teardown (h, &c, bus);
}

GST_END_TEST;

GST_START_TEST (test_rejects_meta_slot_count_mismatch)
{
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);
  SlotSpec spec[4] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
    { 0, 1, GST_GPU_SLOT_STATUS_OK },
    { 1, 1, GST_GPU_SLOT_STATUS_OK },
  };
  const gchar *needles[] = { "4 slots", "16:8", "batch size 8", NULL };
  GstBuffer *batch;

  fail_unless (push_stream_start (h, CAPS_2T));
  /* 8 slots of memory, but the meta says 4 */
  batch = make_batch_full (spec, 4, BATCH, FALSE);
  gst_buffer_add_gpu_batch_meta (batch, 4)->n_valid = 4;
  fail_unless_equals_int (gst_harness_push (h, batch), GST_FLOW_ERROR);
  check_error (bus, needles);
  fail_unless_equals_int (count_src_pads (h->element), 0);

  teardown (h, &c, bus);
}

GST_END_TEST;

GST_START_TEST (test_rejects_more_valid_than_slots)
{
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };
  const gchar *needles[] = { "9 valid slots out of 8", NULL };
  GstBuffer *batch = make_batch (spec, 1);

  fail_unless (push_stream_start (h, CAPS_2T));
  gst_buffer_get_gpu_batch_meta (batch)->n_valid = 9;
  fail_unless_equals_int (gst_harness_push (h, batch), GST_FLOW_ERROR);
  check_error (bus, needles);
  fail_unless_equals_int (count_src_pads (h->element), 0);

  teardown (h, &c, bus);
}

GST_END_TEST;

GST_START_TEST (test_rejects_short_buffer)
{
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);
  SlotSpec spec[4] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
  };
  const gchar *needles[] = { "need 384", NULL };
  GstBuffer *batch;

  fail_unless (push_stream_start (h, CAPS_2T));
  /* memory for 4 slots, meta and caps for 8 */
  batch = make_batch_full (spec, 2, 4, FALSE);
  gst_buffer_add_gpu_batch_meta (batch, BATCH)->n_valid = 2;
  fail_unless_equals_int (gst_harness_push (h, batch), GST_FLOW_ERROR);
  check_error (bus, needles);
  fail_unless_equals_int (count_src_pads (h->element), 0);

  teardown (h, &c, bus);
}

GST_END_TEST;

GST_START_TEST (test_eos_without_any_source_fails)
{
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);
  const gchar *needles[] = { "without seeing any source", NULL };

  fail_unless (push_stream_start (h, CAPS_2T));
  gst_harness_push_event (h, gst_event_new_eos ());
  check_error (bus, needles);

  teardown (h, &c, bus);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Real pipelines                                                           */

typedef struct
{
  GMutex lock;
  guint n[MAX_SOURCES];
  gboolean ok[MAX_SOURCES];
} Handoffs;

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, Handoffs *hs)
{
  guint src;

  fail_unless (sscanf (GST_OBJECT_NAME (sink), "sink%u", &src) == 1);
  g_mutex_lock (&hs->lock);
  /* in order, with the original timestamps and content */
  if (GST_BUFFER_PTS (buffer) != item_pts (src, hs->n[src])
      || GST_BUFFER_DURATION (buffer) != item_duration (src, hs->n[src]))
    hs->ok[src] = FALSE;
  else
    check_item (buffer, src, hs->n[src]);
  hs->n[src]++;
  g_mutex_unlock (&hs->lock);
}

/* appsrc -> gpuunbatch -> N queue ! fakesink linked by launch line (request
 * pads; a queue per branch, as after any demuxer, so that every sink can
 * preroll),
 * until EOS on the bus: every sink must get EOS for that message. */
GST_START_TEST (test_pipeline_round_trip_reaches_eos)
{
  const guint n_sources = 4, per_source = 10;
  GString *desc = g_string_new (NULL);
  GstElement *pipeline, *appsrc, *unbatch, *sink;
  GstCaps *caps = gst_caps_from_string (CAPS_2T);
  GstMessage *msg;
  GstBus *bus;
  Handoffs hs;
  SlotSpec spec[BATCH];
  GstFlowReturn fret;
  guint i, s, n = 0;
  gchar *name;

  memset (&hs, 0, sizeof (hs));
  g_mutex_init (&hs.lock);
  g_string_append (desc, "appsrc name=src format=time ! gpuunbatch name=u");
  for (s = 0; s < n_sources; s++)
    g_string_append_printf (desc,
        " u.src_%u ! queue ! fakesink name=sink%u "
        "sync=false signal-handoffs=true",
        s, s);
  pipeline = gst_parse_launch (desc->str, NULL);
  fail_unless (pipeline != NULL);
  g_string_free (desc, TRUE);

  appsrc = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (appsrc, "caps", caps, NULL);
  gst_caps_unref (caps);
  for (s = 0; s < n_sources; s++) {
    name = g_strdup_printf ("sink%u", s);
    sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &hs);
    hs.ok[s] = TRUE;
    gst_object_unref (sink);
    g_free (name);
  }

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  /* round robin, BATCH items a batch: 40 items, five batches */
  for (i = 0; i < per_source; i++) {
    for (s = 0; s < n_sources; s++) {
      spec[n].src = s;
      spec[n].seq = i;
      spec[n].status = GST_GPU_SLOT_STATUS_OK;
      if (++n == BATCH) {
        GstBuffer *batch = make_batch (spec, n);

        g_signal_emit_by_name (appsrc, "push-buffer", batch, &fret);
        fail_unless_equals_int (fret, GST_FLOW_OK);
        gst_buffer_unref (batch);
        n = 0;
      }
    }
  }
  fail_unless_equals_int (n, 0);
  g_signal_emit_by_name (appsrc, "end-of-stream", &fret);

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (
      bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  for (s = 0; s < n_sources; s++) {
    fail_unless_equals_int (hs.n[s], per_source);
    fail_unless (hs.ok[s], "source %u lost a timestamp", s);
  }
  unbatch = gst_bin_get_by_name (GST_BIN (pipeline), "u");
  fail_unless_equals_uint64 (
      stats_get (unbatch, "items-out"), n_sources * per_source);
  gst_object_unref (unbatch);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (appsrc);
  gst_object_unref (pipeline);
  g_mutex_clear (&hs.lock);
}

GST_END_TEST;

/* What the video round trip saw on one sink. Written from streaming
 * threads, checked by the test thread: a check failing in a streaming
 * thread would not be reported cleanly. */
typedef struct
{
  GMutex lock;
  guint n[4];
  guint bad_pts[4];
  guint bad_color[4];
} VideoHandoffs;

/* Solid colours of the four sources, as float32 RGB after scale 1/255. */
static const gfloat video_colors[4][3] = {
  { 0.0f, 0.0f, 0.0f }, /* black */
  { 1.0f, 1.0f, 1.0f }, /* white */
  { 1.0f, 0.0f, 0.0f }, /* red */
  { 0.0f, 0.0f, 1.0f }, /* blue */
};

#define VIDEO_W 16
#define VIDEO_H 8
#define VIDEO_FRAMES 12

static void
on_video_handoff (
    GstElement *sink, GstBuffer *buffer, GstPad *pad, VideoHandoffs *hs)
{
  guint src = 0, k, c;
  GstMapInfo map;
  const gfloat *px;

  if (sscanf (GST_OBJECT_NAME (sink), "sink%u", &src) != 1 || src >= 4)
    return;
  g_mutex_lock (&hs->lock);
  k = hs->n[src]++;
  if (GST_BUFFER_PTS (buffer) != gst_util_uint64_scale (k, GST_SECOND, 30)
      || GST_BUFFER_DURATION (buffer)
             != gst_util_uint64_scale (k + 1, GST_SECOND, 30)
                    - gst_util_uint64_scale (k, GST_SECOND, 30))
    hs->bad_pts[src]++;
  if (gst_buffer_get_size (buffer) != VIDEO_W * VIDEO_H * 3 * 4
      || !gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    hs->bad_color[src]++;
  } else {
    /* planar (NCHW): plane c starts at c * W * H; look at a middle pixel */
    px = (const gfloat *)map.data;
    for (c = 0; c < 3; c++) {
      gfloat v = px[c * VIDEO_W * VIDEO_H + (VIDEO_H / 2) * VIDEO_W + 3];

      if (ABS (v - video_colors[src][c]) > 0.02f)
        hs->bad_color[src]++;
    }
    gst_buffer_unmap (buffer, &map);
  }
  g_mutex_unlock (&hs->lock);
}

/* videotestsrc x4 (one colour each) -> gpubatch -> gpuunbatch -> 4 sinks:
 * every frame comes back on its own source's pad, in order, with its
 * timestamps and its colour. */
GST_START_TEST (test_pipeline_gpubatch_round_trip)
{
  const gchar *patterns[4] = { "black", "white", "red", "blue" };
  GString *desc = g_string_new (NULL);
  GstElement *pipeline, *sink, *unbatch, *batch;
  GstMessage *msg;
  GstBus *bus;
  VideoHandoffs hs;
  guint s;
  gchar *name;

  memset (&hs, 0, sizeof (hs));
  g_mutex_init (&hs.lock);
  for (s = 0; s < 4; s++)
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=%s ! video/x-raw, format=RGB, "
        "width=%u, height=%u, framerate=30/1 ! b.sink_%u ",
        VIDEO_FRAMES, patterns[s], VIDEO_W, VIDEO_H, s);
  g_string_append (desc, "gpubatch name=b device=cpu max-batch-size=4 "
                         "adaptive=false ! gpuunbatch name=u");
  for (s = 0; s < 4; s++)
    g_string_append_printf (desc,
        " u.src_%u ! queue ! fakesink name=sink%u sync=false "
        "signal-handoffs=true",
        s, s);
  pipeline = gst_parse_launch (desc->str, NULL);
  fail_unless (pipeline != NULL, "cannot build %s", desc->str);
  g_string_free (desc, TRUE);

  for (s = 0; s < 4; s++) {
    name = g_strdup_printf ("sink%u", s);
    sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_video_handoff), &hs);
    gst_object_unref (sink);
    g_free (name);
  }

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (
      bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS within 30 s");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  for (s = 0; s < 4; s++) {
    fail_unless_equals_int (hs.n[s], VIDEO_FRAMES);
    fail_unless_equals_int (hs.bad_pts[s], 0);
    fail_unless_equals_int (hs.bad_color[s], 0);
  }
  batch = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  unbatch = gst_bin_get_by_name (GST_BIN (pipeline), "u");
  fail_unless_equals_uint64 (stats_get (batch, "items-out"), 4 * VIDEO_FRAMES);
  fail_unless_equals_uint64 (stats_get (unbatch, "items-in"), 4 * VIDEO_FRAMES);
  fail_unless_equals_uint64 (
      stats_get (unbatch, "items-out"), 4 * VIDEO_FRAMES);
  for (s = 0; s < 4; s++)
    fail_unless_equals_uint64 (
        stats_get_pad (unbatch, s, "items-out"), VIDEO_FRAMES);
  gst_object_unref (batch);
  gst_object_unref (unbatch);

  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_mutex_clear (&hs.lock);
}

GST_END_TEST;

static Suite *
gpuunbatch_suite (void)
{
  Suite *s = suite_create ("gpuunbatch");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_round_trip_4_sources);
  tcase_add_test (tc, test_round_trip_16_sources);
  tcase_add_test (tc, test_dropped_and_failed_slots_are_counted_not_pushed);
  tcase_add_test (tc, test_cache_hit_slots_are_pushed);
  tcase_add_test (tc, test_partial_batch_ignores_padding_slots);
  tcase_add_test (tc, test_batch_without_meta_is_source_0);
  tcase_add_test (tc, test_system_memory_slices_share_batch_memory);
  tcase_add_test (tc, test_device_batches_come_out_in_system_memory);
  tcase_add_test (tc, test_output_caps_have_batch_dim_1);
  tcase_add_test (tc, test_output_caps_framerate_defaults_to_0_1);
  tcase_add_test (tc, test_stream_start_has_per_pad_stream_id);
  tcase_add_test (tc, test_new_stream_start_reaches_every_src_pad);
  tcase_add_test (tc, test_eos_reaches_every_src_pad);
  tcase_add_test (tc, test_segment_and_flush_reach_every_src_pad);
  tcase_add_test (tc, test_requested_pad_receives_its_source);
  tcase_add_test (tc, test_flow_not_linked_only_when_all_unlinked);
  tcase_add_test (tc, test_state_change_removes_source_pads_keeps_requested);
  tcase_add_test (tc, test_stats_are_posted_every_interval);
  tcase_add_test (tc, test_rejects_non_tensor_caps);
  tcase_add_test (tc, test_rejects_flexible_tensors);
  tcase_add_test (tc, test_rejects_different_batch_dims);
  tcase_add_test (tc, test_rejects_malformed_dimensions);
  tcase_add_test (tc, test_rejects_meta_slot_count_mismatch);
  tcase_add_test (tc, test_rejects_more_valid_than_slots);
  tcase_add_test (tc, test_rejects_short_buffer);
  tcase_add_test (tc, test_eos_without_any_source_fails);
  tcase_add_test (tc, test_pipeline_round_trip_reaches_eos);
  tcase_add_test (tc, test_pipeline_gpubatch_round_trip);

  return s;
}

GST_CHECK_MAIN (gpuunbatch);
