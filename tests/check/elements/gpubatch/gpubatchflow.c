/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpubatch on the CPU path, how batches flow: backpressure and drop
 * policies, memory limits, adaptive batch size, LATENCY, caps errors,
 * state changes, dynamic pads and stats.
 */
#include "gpubatchtest.h"

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

/* Each drop policy with 24 items into capacity 8 (batches of 4) behind a
 * sink that holds the first batch: 12 are dropped; the survivors are the
 * first batch and then, from item 4 on, the items @shift later. */
static const struct
{
  const gchar *policy;
  guint shift;
} drop_cases[] = {
  /* the survivors are the oldest twelve */
  { "drop-newest", 0 },
  /* items 4-7, 8-11 and 12-15 made way for newer ones */
  { "drop-oldest", 12 },
};

GST_START_TEST (test_overflow_drop)
{
  Sink *sink;
  GstHarness *h = overflow_harness (drop_cases[__i__].policy, &sink);
  guint i;

  for (i = 4; i < 24; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gray_buffer (i, i * GST_SECOND)), GST_FLOW_OK);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 12);
  sink_allow (sink, G_MAXUINT);
  gst_harness_push_event (h, gst_event_new_eos ());
  wait_eos_event (h);
  fail_unless_equals_int (sink_get (sink, &sink->slots), 12);
  for (i = 0; i < 12; i++)
    fail_unless_equals_uint64 (g_array_index (sink->pts, GstClockTime, i),
        (i < 4 ? i : i + drop_cases[__i__].shift) * GST_SECOND);
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-in"), 24);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

GST_START_TEST (test_overflow_drop_oldest_releases_frames)
{
  GstHarness *h = batch_harness ("max-batch-size=4 adaptive=false "
                                 "max-latency=0 capacity=8 "
                                 "overflow=drop-oldest keep-frames=true",
      GRAY_CAPS);
  Sink *sink = sink_new (h->sinkpad, 0);
  gint gone = 0;
  guint i;

  for (i = 0; i < 24; i++) {
    GstBuffer *buf = gray_buffer (i, i * GST_SECOND);

    gst_mini_object_weak_ref (GST_MINI_OBJECT (buf), count_finalized, &gone);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    if (i == 3)
      sink_wait_entered (sink, 1);
  }
  /* as in test_overflow_drop with drop-oldest: items 4-15 dropped; the sink holds
   * 0-3 and gpubatch 16-23 */
  fail_unless_equals_uint64 (stat_u64 (h->element, "items-dropped"), 12);
  fail_unless_equals_int (g_atomic_int_get (&gone), 12);
  sink_allow (sink, G_MAXUINT);
  gst_harness_push_event (h, gst_event_new_eos ());
  wait_eos_event (h);
  fail_unless_equals_int (sink_get (sink, &sink->slots), 12);
  fail_unless_equals_int (g_atomic_int_get (&gone), 24);
  gst_harness_teardown (h);
  sink_free (sink);
}

GST_END_TEST;

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

typedef struct
{
  GstHarness *h;
  GstClockTime pts;
  gboolean done;
} OnePush;

static gpointer
one_push_thread (gpointer data)
{
  OnePush *p = data;

  gst_harness_push (p->h, gray_buffer (99, p->pts));
  g_atomic_int_set (&p->done, TRUE);
  return NULL;
}

/* Fair shares: source A keeps pushing; source B's one item waits while the
 * element is paused. When producers resume, the first batch formed must
 * hold B's item: A may not take its second slot while B, with none, waits
 * for one. */
GST_START_TEST (test_waiting_source_gets_a_slot_before_a_busy_one)
{
  GstHarness *h = batch_harness ("max-batch-size=2 adaptive=false "
                                 "max-latency=0 capacity=4 "
                                 "pause-threshold=1.0 resume-threshold=0.5",
      GRAY_CAPS);
  GstHarness *hb = gst_harness_new_with_element (h->element, "sink_%u", NULL);
  Sink *sink = sink_new (h->sinkpad, 0);
  Producer a = { h, 40, 0, 0,
    {
        0,
    },
    FALSE };
  OnePush b = { hb, 1000 * GST_SECOND, FALSE };
  GThread *ta, *tb;
  guint i, a_before, b_slot = G_MAXUINT;

  gst_harness_set_src_caps_str (hb, GRAY_CAPS);
  /* batch 0 (A0, A1) stuck downstream; A fills 4 more items and pauses */
  ta = g_thread_new ("a", producer_thread, &a);
  WAIT_UNTIL (stat_bool (h->element, "paused"));
  tb = g_thread_new ("b", one_push_thread, &b);
  /* B's item is waiting for a slot, A's next one too */
  g_usleep (100 * 1000);
  fail_if (g_atomic_int_get (&b.done));
  /* A's items 0..a_before-1 were taken; item a_before is blocked too */
  a_before = g_atomic_int_get (&a.done);

  sink_allow (sink, G_MAXUINT);
  g_thread_join (tb);
  g_atomic_int_set (&a.stop, TRUE);
  g_thread_join (ta);
  gst_harness_push_event (hb, gst_event_new_eos ());
  gst_harness_push_event (h, gst_event_new_eos ());
  wait_eos_event (h);

  for (i = 0; i < sink_get (sink, &sink->slots); i++)
    if (g_array_index (sink->pts, GstClockTime, i) == 1000 * GST_SECOND)
      b_slot = i;
  /* B's item goes out with at most A's blocked item before it, not behind
   * A's later ones */
  fail_unless (b_slot <= a_before + 1,
      "B's item went out as item %u, after %u of A's were taken before it "
      "waited",
      b_slot, a_before);
  gst_harness_teardown (hb);
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
gpubatchflow_suite (void)
{
  Suite *s = suite_create ("gpubatchflow");
  TCase *tc = tcase_create ("general");
  GstElement *e;

  /* load the plugin (and the libraries it links) once, before the tests
   * fork, instead of once per test */
  e = gst_element_factory_make ("gpubatch", NULL);
  if (e)
    gst_object_unref (e);

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_overflow_drop, 0, G_N_ELEMENTS (drop_cases));
  tcase_add_test (tc, test_overflow_drop_oldest_releases_frames);
  tcase_add_test (tc, test_overflow_block_loses_nothing);
  tcase_add_test (tc, test_waiting_source_gets_a_slot_before_a_busy_one);
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

GST_CHECK_MAIN (gpubatchflow);
