/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpubatch on the CPU path: flush rules, timestamps and slot meta, inputs
 * (video formats against the plain C reference, audio windows, tensors),
 * backpressure and drop policies, adaptive batch size, LATENCY, errors,
 * dynamic pads and state changes.
 */
#include <stdio.h>
#include <string.h>
#include <math.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gst/gstgpubatchmeta.h"
#include "gpu/convert/gstgpuconvert.h"

/* --- helpers -------------------------------------------------------------- */

/* "k=v k=v" onto a new gpubatch (device=cpu unless given). */
static GstElement *
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

static GstHarness *
batch_harness (const gchar *props, const gchar *caps)
{
  GstElement *e = make_batch (props);
  GstHarness *h = gst_harness_new_with_element (e, "sink_%u", "src");

  gst_object_unref (e);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

static GstBuffer *
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

static GstBuffer *
gray_buffer (guint seed, GstClockTime pts)
{
  GstVideoInfo info;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_GRAY8, 4, 4);
  return video_buffer (&info, seed, pts);
}

#define GRAY_CAPS                                                              \
  "video/x-raw, format=GRAY8, width=4, height=4, "                             \
  "framerate=25/1"

static guint64
stat_u64 (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v = 0;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no field %s", field);
  gst_structure_free (s);
  return v;
}

static guint
stat_uint (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  guint v = 0;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint (s, field, &v), "no field %s", field);
  gst_structure_free (s);
  return v;
}

static gboolean
stat_bool (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  gboolean v = FALSE;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_boolean (s, field, &v));
  gst_structure_free (s);
  return v;
}

/* Polls @cond for up to 20 s; the waits are for state, not for timing. */
#define WAIT_UNTIL(cond)                                                       \
  G_STMT_START                                                                 \
  {                                                                            \
    gint64 _end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;               \
    while (!(cond) && g_get_monotonic_time () < _end)                          \
      g_usleep (500);                                                          \
    fail_unless (cond, "timed out waiting for " #cond);                        \
  }                                                                            \
  G_STMT_END

static GstGpuBatchMeta *
batch_meta (GstBuffer *buf)
{
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);

  fail_unless (meta != NULL, "batch without GstGpuBatchMeta");
  return meta;
}

/* A downstream consumer on the harness sink pad: records batches, may
 * block on a gate (released batch by batch) and may cost a + b*n (+ a
 * penalty beyond k items) of sleep; drops the buffer so the pool refills. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint entered;
  guint allowed; /* G_MAXUINT: open */
  guint batches;
  guint slots;
  guint full_batches;
  GArray *pts;       /* GstClockTime of every valid slot */
  GArray *pad_index; /* guint of every valid slot */
  guint64 cost_a_us, cost_b_us, penalty_us;
  guint budget;
} Sink;

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

static Sink *
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

static void
sink_allow (Sink *sink, guint allowed)
{
  g_mutex_lock (&sink->lock);
  sink->allowed = allowed;
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->lock);
}

static void
sink_wait_entered (Sink *sink, guint n)
{
  g_mutex_lock (&sink->lock);
  while (sink->entered < n)
    g_cond_wait (&sink->cond, &sink->lock);
  g_mutex_unlock (&sink->lock);
}

static guint
sink_get (Sink *sink, guint *field)
{
  guint v;

  g_mutex_lock (&sink->lock);
  v = *field;
  g_mutex_unlock (&sink->lock);
  return v;
}

static void
sink_free (Sink *sink)
{
  g_array_unref (sink->pts);
  g_array_unref (sink->pad_index);
  g_mutex_clear (&sink->lock);
  g_cond_clear (&sink->cond);
  g_free (sink);
}

static void
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

/* --- flush rules ---------------------------------------------------------- */

GST_START_TEST (test_full_batch_flush)
{
  GstHarness *h = batch_harness ("max-batch-size=4 adaptive=false "
                                 "max-latency=0",
      GRAY_CAPS);
  GstClockTime in_pts[] = { 3, 1, 2, 4 };
  GstGpuBatchMeta *meta;
  GstBuffer *out;
  guint i;

  for (i = 0; i < 3; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gray_buffer (i, in_pts[i] * GST_SECOND)),
        GST_FLOW_OK);
  /* three items are not a batch */
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_int (
      gst_harness_push (h, gray_buffer (3, in_pts[3] * GST_SECOND)),
      GST_FLOW_OK);

  out = gst_harness_pull (h);
  meta = batch_meta (out);
  fail_unless_equals_int (meta->n_slots, 4);
  fail_unless_equals_int (meta->n_valid, 4);
  /* 4 slots x 3 channels (rgb by default) x 4x4 pixels x float32 */
  fail_unless_equals_int (gst_buffer_get_size (out), 4 * 3 * 4 * 4 * 4);
  /* batch PTS is the earliest slot PTS */
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 1 * GST_SECOND);
  for (i = 0; i < 4; i++) {
    fail_unless_equals_uint64 (meta->slots[i].pts, in_pts[i] * GST_SECOND);
    fail_unless_equals_int (meta->slots[i].pad_index, 0);
    fail_unless_equals_int (meta->slots[i].width, 4);
    fail_unless_equals_int (meta->slots[i].status, GST_GPU_SLOT_STATUS_OK);
  }
  gst_buffer_unref (out);
  fail_unless (gst_harness_try_pull (h) == NULL);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A pad's input size changes mid-stream: the new frames are scaled into
 * the same slot shape, the batch caps stay as negotiated. */
GST_START_TEST (test_caps_change_mid_stream_keeps_batch_shape)
{
  GstHarness *h = batch_harness ("max-batch-size=2 adaptive=false "
                                 "max-latency=0 width=4 height=4",
      GRAY_CAPS);
  GstVideoInfo big;
  GstGpuBatchMeta *meta;
  GstCaps *caps;
  GstBuffer *out;

  fail_unless_equals_int (
      gst_harness_push (h, gray_buffer (0, 0)), GST_FLOW_OK);
  gst_harness_set_src_caps_str (
      h, "video/x-raw, format=GRAY8, width=8, height=6, framerate=25/1");
  gst_video_info_set_format (&big, GST_VIDEO_FORMAT_GRAY8, 8, 6);
  fail_unless_equals_int (
      gst_harness_push (h, video_buffer (&big, 1, GST_SECOND)), GST_FLOW_OK);

  out = gst_harness_pull (h);
  meta = batch_meta (out);
  fail_unless_equals_int (meta->n_valid, 2);
  fail_unless_equals_int (meta->slots[0].width, 4);
  fail_unless_equals_int (meta->slots[1].width, 8);
  fail_unless_equals_int (meta->slots[1].height, 6);
  fail_unless_equals_int (gst_buffer_get_size (out), 2 * 3 * 4 * 4 * 4);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless_equals_string (
      gst_structure_get_string (gst_caps_get_structure (caps, 0), "dimensions"),
      "4:4:3:2");
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_output_caps_nchw)
{
  GstHarness *h = batch_harness ("max-batch-size=5 adaptive=false "
                                 "width=6 height=2 layout=nchw color=rgb",
      "video/x-raw, format=RGB, width=4, height=4, framerate=30/1");
  GstVideoInfo info;
  GstCaps *caps;
  GstStructure *s;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 4, 4);
  gst_harness_push (h, video_buffer (&info, 0, 0));
  /* WAIT_UNTIL evaluates its condition twice: no reference taken in it */
  WAIT_UNTIL (gst_pad_has_current_caps (h->sinkpad));
  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (s, "other/tensors"));
  fail_unless_equals_string (
      gst_structure_get_string (s, "dimensions"), "6:2:3:5");
  fail_unless_equals_string (gst_structure_get_string (s, "types"), "float32");
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_deadline_flush)
{
  const GstClockTime max_latency = 50 * GST_MSECOND;
  GstHarness *h = batch_harness ("max-batch-size=8 adaptive=false "
                                 "max-latency=50000000",
      GRAY_CAPS);
  GstGpuBatchMeta *meta;
  GstBuffer *out;
  gint64 t0, elapsed;
  guint i;

  t0 = g_get_monotonic_time ();
  for (i = 0; i < 3; i++)
    gst_harness_push (h, gray_buffer (i, i * GST_SECOND));
  /* arrives by itself (pull waits), never before max-latency */
  out = gst_harness_pull (h);
  elapsed = (g_get_monotonic_time () - t0) * 1000;
  fail_unless (out != NULL);
  fail_unless (elapsed >= (gint64)max_latency,
      "partial batch after %" G_GINT64_FORMAT " ns < max-latency", elapsed);
  meta = batch_meta (out);
  fail_unless_equals_int (meta->n_valid, 3);
  fail_unless_equals_int (meta->n_slots, 8);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_eos_pushes_partial_batch)
{
  GstHarness *h = batch_harness ("max-batch-size=8 adaptive=false "
                                 "max-latency=0",
      GRAY_CAPS);
  GstGpuBatchMeta *meta;
  GstBuffer *out;
  guint i;

  for (i = 0; i < 13; i++)
    gst_harness_push (h, gray_buffer (i, i * GST_SECOND));
  gst_harness_push_event (h, gst_event_new_eos ());

  out = gst_harness_pull (h);
  fail_unless_equals_int (batch_meta (out)->n_valid, 8);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  meta = batch_meta (out);
  fail_unless_equals_int (meta->n_valid, 5);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 8 * GST_SECOND);
  gst_buffer_unref (out);
  wait_eos_event (h);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-out"), 13);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_flush_drops_pending)
{
  GstHarness *h = batch_harness ("max-batch-size=4 adaptive=false "
                                 "max-latency=0",
      GRAY_CAPS);
  GstSegment seg;
  GstBuffer *out;
  GstEvent *ev;
  gboolean got_start = FALSE, got_stop = FALSE;
  guint i;

  for (i = 0; i < 3; i++)
    gst_harness_push (h, gray_buffer (i, i * GST_SECOND));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));

  /* the element keeps working: four new items make one batch */
  for (i = 10; i < 14; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gray_buffer (i, i * GST_SECOND)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (batch_meta (out)->n_valid, 4);
  fail_unless_equals_uint64 (batch_meta (out)->slots[0].pts, 10 * GST_SECOND);
  gst_buffer_unref (out);
  fail_unless (gst_harness_try_pull (h) == NULL);

  while ((ev = gst_harness_try_pull_event (h))) {
    got_start |= GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_START;
    got_stop |= GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP;
    gst_event_unref (ev);
  }
  fail_unless (got_start && got_stop, "flush not forwarded downstream");
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 3);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-out"), 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* --- many sources, pipelines ---------------------------------------------- */

typedef struct
{
  guint batches;
  guint full;
  guint slots;
  guint per_pad[32];
  gboolean bad_index;
} Count;

static GstPadProbeReturn
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
static GstMessage *
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

GST_START_TEST (test_done_means_pipeline)
{
  GstElement *pipeline = gst_parse_launch (
      "videotestsrc num-buffers=1000 ! "
      "gpubatch max-batch-size=8 adaptive=false ! fakesink name=sink",
      NULL);
  Count count = {
    0,
  };
  GstMessage *msg;

  fail_unless (pipeline != NULL);
  msg = run_pipeline (pipeline, &count);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (count.batches, 125);
  fail_unless_equals_int (count.full, 125);
  fail_unless_equals_int (count.slots, 1000);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_many_sources)
{
  const guint n_src = 16, n_buf = 25;
  GString *desc
      = g_string_new ("gpubatch name=b max-batch-size=8 "
                      "adaptive=false device=cpu ! fakesink name=sink ");
  GstElement *pipeline;
  Count count = {
    0,
  };
  GstMessage *msg;
  guint i;

  for (i = 0; i < n_src; i++)
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=%u ! "
        "video/x-raw,format=RGBx,width=%u,height=8 ! b.sink_%u ",
        n_buf, i % 8, 8 + 2 * i, i);
  pipeline = gst_parse_launch (desc->str, NULL);
  g_string_free (desc, TRUE);
  fail_unless (pipeline != NULL);

  msg = run_pipeline (pipeline, &count);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (count.slots, n_src * n_buf);
  fail_if (count.bad_index);
  for (i = 0; i < n_src; i++)
    fail_unless_equals_int (count.per_pad[i], n_buf);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* --- inputs --------------------------------------------------------------- */

static const gfloat *
slot_f32 (GstMapInfo *map, guint slot, gsize item_bytes)
{
  return (const gfloat *)(map->data + slot * item_bytes);
}

GST_START_TEST (test_audio_windows_s16)
{
  /* 2 channels, window 4, hop 2 at 1000 Hz: a window every 2 ms */
  GstHarness *h = batch_harness ("max-batch-size=8 adaptive=false "
                                 "max-latency=0 window-samples=4 hop-samples=2",
      "audio/x-raw, format=S16LE, layout=interleaved, rate=1000, "
      "channels=2");
  GstGpuBatchMeta *meta;
  GstBuffer *buf, *out;
  GstMapInfo map;
  gint16 *d;
  guint b, f, w, c;

  /* two buffers of 5 frames; sample = frame * 10 + channel */
  for (b = 0; b < 2; b++) {
    buf = gst_buffer_new_allocate (NULL, 5 * 2 * 2, NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    d = (gint16 *)map.data;
    for (f = 0; f < 5; f++)
      for (c = 0; c < 2; c++)
        d[f * 2 + c] = (gint16)((b * 5 + f) * 10 + c);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = b * 5 * GST_MSECOND;
    gst_harness_push (h, buf);
  }
  gst_harness_push_event (h, gst_event_new_eos ());

  out = gst_harness_pull (h);
  meta = batch_meta (out);
  /* windows start at frames 0, 2, 4, 6; frames 8-9 were all sent */
  fail_unless_equals_int (meta->n_valid, 4);
  gst_buffer_map (out, &map, GST_MAP_READ);
  for (w = 0; w < 4; w++) {
    const gfloat *s = slot_f32 (&map, w, 4 * 2 * sizeof (gfloat));

    fail_unless_equals_uint64 (meta->slots[w].pts, 2 * w * GST_MSECOND);
    fail_unless_equals_uint64 (meta->slots[w].duration, 4 * GST_MSECOND);
    fail_unless_equals_int (meta->slots[w].width, 4);
    fail_unless_equals_int (meta->slots[w].height, 2);
    for (f = 0; f < 4; f++)
      for (c = 0; c < 2; c++)
        fail_unless_equals_float (
            s[f * 2 + c], ((2 * w + f) * 10 + c) / 32768.0f);
  }
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  wait_eos_event (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_audio_windows_f32_hop_gap)
{
  /* mono, window 3, hop 5 at 100 Hz: windows at 0, 50, 100 ms; the last
   * one only has 2 real frames at EOS and is zero-padded */
  GstHarness *h = batch_harness ("max-batch-size=8 adaptive=false "
                                 "max-latency=0 window-samples=3 hop-samples=5",
      "audio/x-raw, format=F32LE, layout=interleaved, rate=100, "
      "channels=1");
  GstGpuBatchMeta *meta;
  GstBuffer *buf, *out;
  GstMapInfo map;
  guint b, f, w;
  guint starts[] = { 0, 5, 10 };

  for (b = 0; b < 3; b++) {
    gfloat *d;

    buf = gst_buffer_new_allocate (NULL, 4 * sizeof (gfloat), NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    d = (gfloat *)map.data;
    for (f = 0; f < 4; f++)
      d[f] = (gfloat)(b * 4 + f);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = b * 40 * GST_MSECOND;
    gst_harness_push (h, buf);
  }
  gst_harness_push_event (h, gst_event_new_eos ());

  out = gst_harness_pull (h);
  meta = batch_meta (out);
  fail_unless_equals_int (meta->n_valid, 3);
  gst_buffer_map (out, &map, GST_MAP_READ);
  for (w = 0; w < 3; w++) {
    const gfloat *s = slot_f32 (&map, w, 3 * sizeof (gfloat));

    fail_unless_equals_uint64 (
        meta->slots[w].pts, starts[w] * 10 * GST_MSECOND);
    for (f = 0; f < 3; f++) {
      gfloat want = starts[w] + f < 12 ? (gfloat)(starts[w] + f) : 0.0f;

      fail_unless_equals_float (s[f], want);
    }
  }
  fail_unless_equals_int (meta->slots[2].width, 2);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_tensor_input)
{
  GstHarness *h = batch_harness ("max-batch-size=4 adaptive=false "
                                 "max-latency=0 dtype=float32",
      "other/tensors, format=static, "
      "num_tensors=1, dimensions=(string)4:3, types=(string)uint8, "
      "framerate=(fraction)0/1");
  GstBuffer *buf, *out;
  GstMapInfo map;
  GstCaps *caps;
  guint i, k;

  for (k = 0; k < 2; k++) {
    buf = gst_buffer_new_allocate (NULL, 12, NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    for (i = 0; i < 12; i++)
      map.data[i] = (guint8)(k * 100 + i);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = k * GST_SECOND;
    gst_harness_push (h, buf);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  out = gst_harness_pull (h);
  fail_unless_equals_int (batch_meta (out)->n_valid, 2);
  fail_unless_equals_int (gst_buffer_get_size (out), 4 * 12 * 4);
  gst_buffer_map (out, &map, GST_MAP_READ);
  for (k = 0; k < 2; k++)
    for (i = 0; i < 12; i++)
      fail_unless_equals_float (
          slot_f32 (&map, k, 48)[i], (gfloat)(k * 100 + i));
  gst_buffer_unmap (out, &map);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless_equals_string (
      gst_structure_get_string (gst_caps_get_structure (caps, 0), "dimensions"),
      "4:3:4");
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Converts one frame of @format through the element (mean/std, NCHW or
 * NHWC, float32) and compares the slot with the plain C reference. */
static void
check_video_against_reference (GstVideoFormat format, guint in_w, guint in_h,
    guint out_w, guint out_h, const gchar *layout)
{
  GstVideoInfo info;
  GstGpuVideoSlotFormat fmt;
  GstHarness *h;
  GstBuffer *in, *out;
  GstVideoFrame frame;
  GstMapInfo map;
  gchar *props, *caps;
  gfloat *ref;
  gsize n, i;
  const gfloat *got;

  gst_video_info_set_format (&info, format, in_w, in_h);
  caps = g_strdup_printf ("video/x-raw, format=%s, width=%u, height=%u, "
                          "framerate=30/1",
      gst_video_format_to_string (format), in_w, in_h);
  props = g_strdup_printf (
      "max-batch-size=2 adaptive=false max-latency=0 "
      "width=%u height=%u layout=%s mean=<0.485,0.456,0.406> "
      "std=<0.229,0.224,0.225>",
      out_w, out_h, layout);
  h = batch_harness (props, caps);

  in = video_buffer (&info, format, 0);
  gst_harness_push (h, gst_buffer_ref (in));
  gst_harness_push (h, video_buffer (&info, 1, GST_SECOND));
  out = gst_harness_pull (h);

  memset (&fmt, 0, sizeof (fmt));
  fmt.width = out_w;
  fmt.height = out_h;
  fmt.color = GST_GPU_COLOR_RGB;
  fmt.layout = g_str_equal (layout, "nhwc") ? GST_GPU_LAYOUT_NHWC
                                            : GST_GPU_LAYOUT_NCHW;
  fmt.dtype = GST_GPU_DTYPE_FLOAT32;
  {
    const gfloat mean[] = { 0.485f, 0.456f, 0.406f };
    const gfloat std[] = { 0.229f, 0.224f, 0.225f };

    for (i = 0; i < 3; i++) {
      fmt.scale[i] = 1.0f / (255.0f * std[i]);
      fmt.offset[i] = -mean[i] / std[i];
    }
  }
  n = (gsize)out_w * out_h * 3;
  ref = g_new0 (gfloat, n);
  fail_unless (gst_video_frame_map (&frame, &info, in, GST_MAP_READ));
  gst_gpu_video_convert_reference (&frame, &fmt, ref);
  gst_video_frame_unmap (&frame);

  gst_buffer_map (out, &map, GST_MAP_READ);
  got = (const gfloat *)map.data;
  for (i = 0; i < n; i++)
    fail_unless (fabsf (got[i] - ref[i]) <= 1e-6f * MAX (1.0f, fabsf (ref[i])),
        "%s %ux%u->%ux%u %s: element %g != reference %g at %" G_GSIZE_FORMAT,
        gst_video_format_to_string (format), in_w, in_h, out_w, out_h, layout,
        got[i], ref[i], i);
  gst_buffer_unmap (out, &map);

  g_free (ref);
  g_free (props);
  g_free (caps);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static const GstVideoFormat formats[] = {
  GST_VIDEO_FORMAT_RGB,
  GST_VIDEO_FORMAT_BGR,
  GST_VIDEO_FORMAT_RGBA,
  GST_VIDEO_FORMAT_BGRA,
  GST_VIDEO_FORMAT_RGBx,
  GST_VIDEO_FORMAT_BGRx,
  GST_VIDEO_FORMAT_GRAY8,
  GST_VIDEO_FORMAT_NV12,
  GST_VIDEO_FORMAT_I420,
};

GST_START_TEST (test_video_format_matches_reference)
{
  check_video_against_reference (formats[__i__], 10, 6, 10, 6, "nchw");
}

GST_END_TEST;

GST_START_TEST (test_video_scaling_matches_reference)
{
  check_video_against_reference (formats[__i__], 16, 12, 7, 5, "nchw");
  check_video_against_reference (formats[__i__], 6, 4, 12, 10, "nhwc");
}

GST_END_TEST;

GST_START_TEST (test_layout_nhwc_is_nchw_transposed)
{
  const gchar *caps = "video/x-raw, format=RGB, width=5, height=3, "
                      "framerate=30/1";
  GstHarness *hc = batch_harness ("max-batch-size=1 adaptive=false "
                                  "layout=nchw",
      caps);
  GstHarness *hh = batch_harness ("max-batch-size=1 adaptive=false "
                                  "layout=nhwc",
      caps);
  GstVideoInfo info;
  GstBuffer *a, *b;
  GstMapInfo ma, mb;
  const gfloat *c, *l;
  guint x, y, ch;
  GstCaps *oc;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 5, 3);
  gst_harness_push (hc, video_buffer (&info, 5, 0));
  gst_harness_push (hh, video_buffer (&info, 5, 0));
  a = gst_harness_pull (hc);
  b = gst_harness_pull (hh);
  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  c = (const gfloat *)ma.data;
  l = (const gfloat *)mb.data;
  for (y = 0; y < 3; y++)
    for (x = 0; x < 5; x++)
      for (ch = 0; ch < 3; ch++)
        fail_unless_equals_float (
            l[(y * 5 + x) * 3 + ch], c[ch * 15 + y * 5 + x]);
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  oc = gst_pad_get_current_caps (hh->sinkpad);
  fail_unless_equals_string (
      gst_structure_get_string (gst_caps_get_structure (oc, 0), "dimensions"),
      "3:5:3:1");
  gst_caps_unref (oc);
  oc = gst_pad_get_current_caps (hc->sinkpad);
  fail_unless_equals_string (
      gst_structure_get_string (gst_caps_get_structure (oc, 0), "dimensions"),
      "5:3:3:1");
  gst_caps_unref (oc);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_harness_teardown (hc);
  gst_harness_teardown (hh);
}

GST_END_TEST;

/* --- backpressure --------------------------------------------------------- */

/* capacity 8, batches of 4, downstream blocked on its first batch: after
 * 4 + 8 items the element is full. */
static GstHarness *
overflow_harness (const gchar *policy, Sink **sink)
{
  gchar *props = g_strdup_printf ("max-batch-size=4 adaptive=false "
                                  "max-latency=0 capacity=8 overflow=%s",
      policy);
  GstHarness *h = batch_harness (props, GRAY_CAPS);
  guint i;

  g_free (props);
  *sink = sink_new (h->sinkpad, 0);
  for (i = 0; i < 4; i++)
    gst_harness_push (h, gray_buffer (i, i * GST_SECOND));
  sink_wait_entered (*sink, 1);
  return h;
}

GST_START_TEST (test_overflow_drop_newest)
{
  Sink *sink;
  GstHarness *h = overflow_harness ("drop-newest", &sink);
  guint i;

  for (i = 4; i < 24; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gray_buffer (i, i * GST_SECOND)), GST_FLOW_OK);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 12);
  sink_allow (sink, G_MAXUINT);
  gst_harness_push_event (h, gst_event_new_eos ());
  wait_eos_event (h);
  fail_unless_equals_int (sink_get (sink, &sink->slots), 12);
  /* the survivors are the oldest twelve */
  for (i = 0; i < 12; i++)
    fail_unless_equals_uint64 (
        g_array_index (sink->pts, GstClockTime, i), i * GST_SECOND);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-in"), 24);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

GST_START_TEST (test_overflow_drop_oldest)
{
  Sink *sink;
  GstHarness *h = overflow_harness ("drop-oldest", &sink);
  guint i;

  for (i = 4; i < 24; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gray_buffer (i, i * GST_SECOND)), GST_FLOW_OK);
  /* items 4-7, 8-11 and 12-15 made way for newer ones */
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 12);
  sink_allow (sink, G_MAXUINT);
  gst_harness_push_event (h, gst_event_new_eos ());
  wait_eos_event (h);
  fail_unless_equals_int (sink_get (sink, &sink->slots), 12);
  for (i = 0; i < 4; i++)
    fail_unless_equals_uint64 (
        g_array_index (sink->pts, GstClockTime, i), i * GST_SECOND);
  for (i = 4; i < 12; i++)
    fail_unless_equals_uint64 (
        g_array_index (sink->pts, GstClockTime, i), (i + 12) * GST_SECOND);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  guint n;
  guint first;
  guint done;           /* pushes completed, atomic */
  guint held_after[64]; /* items-held right after each push */
  gboolean stop;
} Producer;

static gpointer
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

GST_START_TEST (test_overflow_block_loses_nothing)
{
  Sink *sink;
  GstHarness *h = overflow_harness ("block", &sink);
  Producer p = { h, 20, 4, 0,
    {
        0,
    },
    FALSE };
  GThread *t = g_thread_new ("producer", producer_thread, &p);

  WAIT_UNTIL (stat_bool (h->element, "paused"));
  fail_unless (g_atomic_int_get (&p.done) < 20);
  sink_allow (sink, G_MAXUINT);
  g_thread_join (t);
  fail_unless_equals_int (p.done, 20);
  gst_harness_push_event (h, gst_event_new_eos ());
  wait_eos_event (h);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 0);
  fail_unless_equals_int (sink_get (sink, &sink->slots), 24);
  fail_unless (stat_u64 (h->element, "pause-count") >= 1);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

GST_START_TEST (test_memory_limit_caps_capacity)
{
  /* GRAY 4x4 float32 items are 64 bytes: 300 bytes hold 4 items */
  GstHarness *h = batch_harness (
      "max-batch-size=2 adaptive=false "
      "max-latency=0 capacity=100 memory-limit=300 overflow=drop-newest "
      "color=gray",
      GRAY_CAPS);
  Sink *sink = sink_new (h->sinkpad, 0);
  guint i;

  gst_harness_push (h, gray_buffer (0, 0));
  gst_harness_push (h, gray_buffer (1, GST_SECOND));
  sink_wait_entered (sink, 1);
  for (i = 2; i < 12; i++)
    gst_harness_push (h, gray_buffer (i, i * GST_SECOND));
  fail_unless_equals_int (stat_uint (h->element, "capacity"), 4);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 6);
  sink_allow (sink, G_MAXUINT);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

GST_START_TEST (test_memory_limit_bounds_adaptive_batches)
{
  /* GRAY 4x4 float32 items are 64 bytes, batches of 16 take 1024 bytes:
   * memory-limit 3072 allows 48 items but only 3 batch buffers. The
   * adaptive target starts at 1, so each held batch holds one item: the
   * buffers, not the items, must stop the producer at 3. */
  GstHarness *h = batch_harness ("max-batch-size=16 adaptive=true "
                                 "max-latency=0 memory-limit=3072 color=gray",
      GRAY_CAPS);
  Sink *sink = sink_new (h->sinkpad, 0);
  Producer p = { h, 40, 1, 0,
    {
        0,
    },
    FALSE };
  GThread *t;

  /* batch 0 is stuck downstream: the target cannot change meanwhile */
  gst_harness_push (h, gray_buffer (0, 0));
  sink_wait_entered (sink, 1);
  t = g_thread_new ("producer", producer_thread, &p);
  WAIT_UNTIL (stat_uint (h->element, "items-held") >= 3);
  /* a producer not held back would go on well past 3 meanwhile */
  g_usleep (200 * 1000);
  fail_unless_equals_int (stat_uint (h->element, "items-held"), 3);
  fail_unless (g_atomic_int_get (&p.done) <= 3);
  sink_allow (sink, G_MAXUINT);
  g_thread_join (t);
  fail_unless_equals_int (p.done, 40);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

GST_START_TEST (test_hysteresis_resumes_below_resume_threshold)
{
  /* capacity 10: pause at held >= 9, resume at held < 5; one item per
   * batch so every batch released downstream removes one held item */
  GstHarness *h = batch_harness (
      "max-batch-size=1 adaptive=false "
      "max-latency=0 capacity=10 pause-threshold=0.9 resume-threshold=0.5",
      GRAY_CAPS);
  Sink *sink = sink_new (h->sinkpad, 0);
  Producer p = { h, 29, 1, 0,
    {
        0,
    },
    FALSE };
  GThread *t;
  guint released = 0;

  /* item 0 is stuck downstream before the producer starts, so it never
   * counts as held; items 1-9 are held and the producer's 10th push
   * blocks */
  gst_harness_push (h, gray_buffer (0, 0));
  sink_wait_entered (sink, 1);
  t = g_thread_new ("producer", producer_thread, &p);
  WAIT_UNTIL (stat_bool (h->element, "paused"));
  fail_unless_equals_int (stat_uint (h->element, "items-held"), 9);
  fail_unless_equals_int (g_atomic_int_get (&p.done), 9);

  /* release one batch at a time; until held < 5 the producer stays put */
  while (stat_uint (h->element, "items-held") >= 6) {
    released++;
    sink_allow (sink, released);
    sink_wait_entered (sink, released + 1);
    fail_unless (stat_bool (h->element, "paused"));
    fail_unless_equals_int (g_atomic_int_get (&p.done), 9);
  }
  fail_unless_equals_int (stat_uint (h->element, "items-held"), 5);
  released++;
  sink_allow (sink, released);
  /* held is 4 now: the producer wakes and adds its item */
  WAIT_UNTIL (g_atomic_int_get (&p.done) > 9);
  /* nothing left downstream in between: at wake-up held was exactly 4 */
  fail_unless_equals_int (p.held_after[9], 5);

  g_atomic_int_set (&p.stop, TRUE);
  sink_allow (sink, G_MAXUINT);
  g_thread_join (t);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 0);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

/* --- adaptive ------------------------------------------------------------- */

GST_START_TEST (test_adaptive_converges_to_best_size)
{
  /* downstream costs 20 ms + 1.5 ms per item, plus 50 ms per item beyond
   * 5: items/s peaks at n = 5 (costs large against scheduling noise) */
  GstHarness *h = batch_harness ("max-batch-size=12 min-batch-size=1 "
                                 "adaptive=true max-latency=0 capacity=48",
      GRAY_CAPS);
  Sink *sink = sink_new (h->sinkpad, G_MAXUINT);
  Producer p = { h, 100000, 0, 0,
    {
        0,
    },
    FALSE };
  GThread *t;
  guint target;

  sink->cost_a_us = 20000;
  sink->cost_b_us = 1500;
  sink->penalty_us = 50000;
  sink->budget = 5;
  t = g_thread_new ("producer", producer_thread, &p);
  WAIT_UNTIL (sink_get (sink, &sink->batches) >= 150);
  target = stat_uint (h->element, "target-batch-size");
  g_atomic_int_set (&p.stop, TRUE);
  g_thread_join (t);
  fail_unless (
      target >= 4 && target <= 6, "target batch size %u, best is 5", target);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

/* Holds the first buffer pushed through @pad until gate_open (). */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean entered;
  gboolean open;
} Gate;

static GstPadProbeReturn
gate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Gate *gate = user_data;

  g_mutex_lock (&gate->lock);
  gate->entered = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
  return GST_PAD_PROBE_OK;
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  while (!gate->entered)
    g_cond_wait (&gate->cond, &gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

GST_START_TEST (test_adaptive_backlog_regrouped_when_target_grows)
{
  /* While downstream is blocked, 12 items queue up as batches of one (the
   * sweep starts at 1). Once the sweep has measured 4 batches at 1 and
   * raised the target to 2, the backlog leaves in batches of 2, not of 1,
   * with every item's data and description in arrival order. Every batch
   * buffer counts against memory however few items it holds: capacity 48
   * allows 48 / 4 + 1 = 13 of them. */
  GstHarness *h = batch_harness ("max-batch-size=4 min-batch-size=1 "
                                 "adaptive=true max-latency=0 capacity=48",
      GRAY_CAPS);
  /* the reference's batches wait in the harness: room for all 12 */
  GstHarness *ref = batch_harness ("max-batch-size=1 adaptive=false "
                                   "max-latency=0 capacity=16",
      GRAY_CAPS);
  const guint sizes[] = { 1, 1, 1, 1, 2, 2, 2, 2 };
  Gate gate = { 0 };
  guint b, i, item = 0;

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  gst_pad_add_probe (
      h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, gate_probe, &gate, NULL);
  for (i = 0; i < 12; i++) {
    fail_unless_equals_int (
        gst_harness_push (h, gray_buffer (i, i * 40 * GST_MSECOND)),
        GST_FLOW_OK);
    fail_unless_equals_int (
        gst_harness_push (ref, gray_buffer (i, i * 40 * GST_MSECOND)),
        GST_FLOW_OK);
  }
  gate_open (&gate);

  for (b = 0; b < G_N_ELEMENTS (sizes); b++) {
    GstBuffer *out = gst_harness_pull (h);
    GstGpuBatchMeta *meta = batch_meta (out);
    GstMapInfo map;
    gsize item_size = gst_buffer_get_size (out) / meta->n_slots;

    fail_unless_equals_int (meta->n_valid, sizes[b]);
    gst_buffer_map (out, &map, GST_MAP_READ);
    for (i = 0; i < meta->n_valid; i++, item++) {
      GstBuffer *one = gst_harness_pull (ref);
      GstMapInfo one_map;

      fail_unless_equals_uint64 (meta->slots[i].pts, item * 40 * GST_MSECOND);
      fail_unless_equals_int (meta->slots[i].status, GST_GPU_SLOT_STATUS_OK);
      gst_buffer_map (one, &one_map, GST_MAP_READ);
      fail_unless_equals_int (one_map.size, item_size);
      fail_unless (
          memcmp (map.data + i * item_size, one_map.data, item_size) == 0,
          "batch %u slot %u does not hold item %u", b, i, item);
      gst_buffer_unmap (one, &one_map);
      gst_buffer_unref (one);
    }
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (item, 12);
  fail_unless_equals_int (stat_uint (h->element, "target-batch-size"), 4);
  gst_harness_teardown (h);
  gst_harness_teardown (ref);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

GST_END_TEST;

/* --- latency, errors ------------------------------------------------------ */

static gboolean
upstream_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_set_latency (query, TRUE, 20 * GST_MSECOND, 500 * GST_MSECOND);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

GST_START_TEST (test_latency_query)
{
  GstElement *e = make_batch ("max-batch-size=4 max-latency=30000000 "
                              "capacity=10");
  GstPad *src = gst_pad_new ("upstream", GST_PAD_SRC);
  GstPad *sinkpad = gst_element_request_pad_simple (e, "sink_%u");
  GstPad *epad = gst_element_get_static_pad (e, "src");
  GstCaps *caps = gst_caps_from_string (GRAY_CAPS);
  GstSegment seg;
  GstQuery *q;
  gboolean live;
  GstClockTime min, max;

  gst_pad_set_query_function (src, upstream_query);
  fail_unless_equals_int (gst_pad_link (src, sinkpad), GST_PAD_LINK_OK);
  gst_pad_set_active (src, TRUE);
  fail_unless (
      gst_element_set_state (e, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
  gst_pad_push_event (src, gst_event_new_stream_start ("s"));
  gst_pad_push_event (src, gst_event_new_caps (caps));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (src, gst_event_new_segment (&seg));

  q = gst_query_new_latency ();
  fail_unless (gst_pad_query (epad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless (live);
  /* min: upstream 20 ms + max-latency 30 ms */
  fail_unless_equals_uint64 (min, 50 * GST_MSECOND);
  /* max: upstream 500 ms + 30 ms + capacity 10 x 40 ms (25 fps) */
  fail_unless_equals_uint64 (max, 930 * GST_MSECOND);
  gst_query_unref (q);

  gst_element_set_state (e, GST_STATE_NULL);
  gst_caps_unref (caps);
  gst_object_unref (epad);
  gst_element_release_request_pad (e, sinkpad);
  gst_object_unref (sinkpad);
  gst_object_unref (src);
  gst_object_unref (e);
}

GST_END_TEST;

static gchar *
pop_error (GstBus *bus)
{
  GstMessage *msg
      = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *text;

  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return text;
}

/* The harness asserts that caps are accepted: push them by hand. */
static void
push_caps (GstHarness *h, const gchar *str)
{
  GstCaps *caps = gst_caps_from_string (str);
  GstSegment seg;

  gst_pad_push_event (h->srcpad, gst_event_new_caps (caps));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (h->srcpad, gst_event_new_segment (&seg));
  gst_caps_unref (caps);
}

GST_START_TEST (test_caps_rejects_audio_on_video_batch)
{
  GstHarness *h = batch_harness ("max-batch-size=4", GRAY_CAPS);
  GstHarness *h2 = gst_harness_new_with_element (h->element, "sink_%u", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *text;

  gst_element_set_bus (h->element, bus);
  gst_harness_push (h, gray_buffer (0, 0));
  push_caps (h2, "audio/x-raw, format=F32LE, layout=interleaved, "
                 "rate=16000, channels=1");
  text = pop_error (bus);
  fail_unless (strstr (text, "sink_1") != NULL, "%s", text);
  fail_unless (strstr (text, "audio/x-raw") != NULL, "%s", text);
  fail_unless (strstr (text, "video") != NULL, "%s", text);
  g_free (text);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h2);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_caps_rejects_channel_mismatch)
{
  GstHarness *h = batch_harness ("max-batch-size=4 window-samples=16",
      "audio/x-raw, format=S16LE, layout=interleaved, rate=16000, "
      "channels=2");
  GstHarness *h2 = gst_harness_new_with_element (h->element, "sink_%u", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *text;

  gst_element_set_bus (h->element, bus);
  push_caps (h2, "audio/x-raw, format=S16LE, layout=interleaved, "
                 "rate=16000, channels=1");
  text = pop_error (bus);
  fail_unless (strstr (text, "sink_1") != NULL, "%s", text);
  fail_unless (strstr (text, "channels") != NULL, "%s", text);
  g_free (text);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h2);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_device_cuda_fails_without_gpu)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=4 ! "
                                           "gpubatch device=cuda ! fakesink",
      NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  gchar *text, *lower;

  if (gst_gpu_device_cuda_available ()) {
    GST_INFO ("a GPU is usable here: nothing to check");
    goto out;
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  text = pop_error (bus);
  lower = g_ascii_strdown (text, -1);
  fail_unless (strstr (lower, "cuda") != NULL || strstr (lower, "gpu") != NULL,
      "%s", text);
  g_free (lower);
  g_free (text);

out:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* --- states, dynamic pads, stats ------------------------------------------ */

static GstPadProbeReturn
counter_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  g_atomic_int_inc ((gint *)user_data);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_state_changes_back_and_forth)
{
  GstElement *pipeline = gst_parse_launch (
      "videotestsrc ! "
      "video/x-raw,width=16,height=16 ! gpubatch device=cpu "
      "max-batch-size=4 ! fakesink name=sink",
      NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gint count = 0;
  guint round;

  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER, counter_probe, &count, NULL);
  for (round = 0; round < 3; round++) {
    gint before = g_atomic_int_get (&count);

    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
             == GST_STATE_CHANGE_FAILURE);
    WAIT_UNTIL (g_atomic_int_get (&count) >= before + 5);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
        GST_STATE_CHANGE_ASYNC);
    fail_unless_equals_int (
        gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_pads_requested_and_released_while_playing)
{
  GstElement *pipeline = gst_parse_launch (
      "gpubatch name=b device=cpu "
      "max-batch-size=4 adaptive=false ! fakesink name=sink "
      "videotestsrc num-buffers=300 ! video/x-raw,width=8,height=8 ! b.sink_0 "
      "videotestsrc name=forever ! video/x-raw,width=8,height=8 ! "
      "queue name=q ! b.sink_1",
      NULL);
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstElement *forever = gst_bin_get_by_name (GST_BIN (pipeline), "forever");
  GstElement *q = gst_bin_get_by_name (GST_BIN (pipeline), "q");
  GstElement *late, *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstPad *p1 = gst_element_get_static_pad (b, "sink_1"), *p2, *lsrc;
  GstBus *bus = gst_element_get_bus (pipeline);
  Count count = {
    0,
  };
  GstMessage *msg;
  guint late_index = 0;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, &count, NULL);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
           == GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (
      gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE),
      GST_STATE_CHANGE_SUCCESS);
  WAIT_UNTIL (g_atomic_int_get (&count.per_pad[1]) > 10);

  /* a new source joins on a new pad... */
  late = gst_parse_bin_from_description ("videotestsrc num-buffers=50 ! "
                                         "video/x-raw,width=8,height=8",
      TRUE, NULL);
  gst_bin_add (GST_BIN (pipeline), late);
  p2 = gst_element_request_pad_simple (b, "sink_%u");
  fail_unless (sscanf (GST_PAD_NAME (p2), "sink_%u", &late_index) == 1);
  fail_unless (late_index >= 2 && late_index < G_N_ELEMENTS (count.per_pad));
  lsrc = gst_element_get_static_pad (late, "src");
  fail_unless_equals_int (gst_pad_link (lsrc, p2), GST_PAD_LINK_OK);
  gst_element_sync_state_with_parent (late);

  /* ...and the endless one leaves, giving its pad back */
  gst_element_set_locked_state (forever, TRUE);
  gst_element_set_locked_state (q, TRUE);
  gst_element_set_state (forever, GST_STATE_NULL);
  gst_element_set_state (q, GST_STATE_NULL);
  gst_bin_remove_many (GST_BIN (pipeline), forever, q, NULL);
  gst_element_release_request_pad (b, p1);

  /* the stream ends when sink_0 and the new pad are done */
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (count.per_pad[0], 300);
  fail_unless_equals_int (count.per_pad[late_index], 50);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (lsrc);
  gst_object_unref (p2);
  gst_object_unref (p1);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (q);
  gst_object_unref (forever);
  gst_object_unref (b);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_stats_counts_and_message)
{
  GstElement *pipeline = gst_parse_launch (
      "videotestsrc num-buffers=40 ! "
      "video/x-raw,width=8,height=8 ! gpubatch name=b device=cpu "
      "max-batch-size=8 adaptive=false stats-interval=20000000 ! "
      "identity sleep-time=10000 ! fakesink name=sink",
      NULL);
  GstElement *b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstStructure *s = NULL;
  GstMessage *msg;
  gboolean got_stats = FALSE;
  guint64 v;
  gdouble d;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    if (type == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "gpubatch-stats"))
      got_stats = TRUE;
    gst_message_unref (msg);
    if (type != GST_MESSAGE_ELEMENT)
      break;
  }
  fail_unless (got_stats, "no gpubatch-stats message");

  g_object_get (b, "stats", &s, NULL);
  fail_unless (gst_structure_has_name (s, "gpubatch-stats"));
  fail_unless (gst_structure_get_uint64 (s, "items-in", &v) && v == 40);
  fail_unless (gst_structure_get_uint64 (s, "items-out", &v) && v == 40);
  fail_unless (gst_structure_get_uint64 (s, "batches", &v) && v == 5);
  fail_unless (gst_structure_get_double (s, "average-batch-size", &d));
  fail_unless_equals_float (d, 8.0);
  fail_unless (gst_structure_get_double (s, "batch-efficiency", &d));
  fail_unless_equals_float (d, 1.0);
  fail_unless (gst_structure_get_double (s, "latency-p99-us", &d) && d > 0);
  fail_unless (gst_structure_has_field (s, "throughput"));
  fail_unless (gst_structure_has_field (s, "peak-throughput"));
  fail_unless (gst_structure_has_field (s, "pause-time"));
  fail_unless_equals_string (gst_structure_get_string (s, "device"), "cpu");
  fail_unless (gst_structure_get_string (s, "device-name") != NULL);
  gst_structure_free (s);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (b);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
gpubatch_suite (void)
{
  Suite *s = suite_create ("gpubatch");
  TCase *tc = tcase_create ("general");
  GstElement *e;

  /* load the plugin (and the libraries it links) once, before the tests
   * fork, instead of once per test */
  e = gst_element_factory_make ("gpubatch", NULL);
  if (e)
    gst_object_unref (e);

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_full_batch_flush);
  tcase_add_test (tc, test_output_caps_nchw);
  tcase_add_test (tc, test_deadline_flush);
  tcase_add_test (tc, test_eos_pushes_partial_batch);
  tcase_add_test (tc, test_flush_drops_pending);
  tcase_add_test (tc, test_done_means_pipeline);
  tcase_add_test (tc, test_many_sources);
  tcase_add_test (tc, test_audio_windows_s16);
  tcase_add_test (tc, test_audio_windows_f32_hop_gap);
  tcase_add_test (tc, test_tensor_input);
  tcase_add_loop_test (
      tc, test_video_format_matches_reference, 0, G_N_ELEMENTS (formats));
  tcase_add_loop_test (
      tc, test_video_scaling_matches_reference, 0, G_N_ELEMENTS (formats));
  tcase_add_test (tc, test_layout_nhwc_is_nchw_transposed);
  tcase_add_test (tc, test_caps_change_mid_stream_keeps_batch_shape);
  tcase_add_test (tc, test_overflow_drop_newest);
  tcase_add_test (tc, test_overflow_drop_oldest);
  tcase_add_test (tc, test_overflow_block_loses_nothing);
  tcase_add_test (tc, test_memory_limit_caps_capacity);
  tcase_add_test (tc, test_memory_limit_bounds_adaptive_batches);
  tcase_add_test (tc, test_hysteresis_resumes_below_resume_threshold);
  tcase_add_test (tc, test_adaptive_converges_to_best_size);
  tcase_add_test (tc, test_adaptive_backlog_regrouped_when_target_grows);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_caps_rejects_audio_on_video_batch);
  tcase_add_test (tc, test_caps_rejects_channel_mismatch);
  tcase_add_test (tc, test_device_cuda_fails_without_gpu);
  tcase_add_test (tc, test_state_changes_back_and_forth);
  tcase_add_test (tc, test_pads_requested_and_released_while_playing);
  tcase_add_test (tc, test_stats_counts_and_message);
  return s;
}

GST_CHECK_MAIN (gpubatch);
