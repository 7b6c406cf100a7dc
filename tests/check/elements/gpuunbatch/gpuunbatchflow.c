/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuunbatch: pads and flow, stats, bad input (table-driven), and real
 * pipelines (appsrc, gpubatch) to EOS.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpuunbatchtest.h"

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
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), 1);
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (only1, 1)), GST_FLOW_OK);

  /* once src_0 is unlinked too, upstream hears NOT_LINKED */
  fail_unless (
      gst_pad_unlink (GST_PAD_PEER (c.out[0].sinkpad), c.out[0].sinkpad));
  spec[0].seq = spec[1].seq = 2;
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 2)), GST_FLOW_NOT_LINKED);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), 1);

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
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-in"), 3);
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
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), 1);

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

/* Caps gpuunbatch cannot split, and what its error must name (NULL: the
 * caps are refused at negotiation, without an error). */
typedef struct
{
  const gchar *caps;
  const gchar *needles[3];
} BadCaps;

static const BadCaps bad_caps[] = {
  { "other/tensors, format=flexible", { NULL } },
  { "other/tensors, format=static, num_tensors=2, "
    "dimensions=(string)\"16:8,4:6\", types=(string)\"uint8,float32\"",
      { "16:8", "4:6", NULL } },
  { "other/tensors, format=static, num_tensors=1, "
    "dimensions=(string)\"16:0\", types=(string)\"uint8\"",
      { "gpuunbatch cannot split", NULL } },
};

GST_START_TEST (test_rejects_caps)
{
  const BadCaps *bad = &bad_caps[__i__];
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };

  fail_if (push_stream_start (h, bad->caps));
  if (bad->needles[0])
    check_error (bus, bad->needles);
  fail_unless_equals_int (
      gst_harness_push (h, make_batch (spec, 1)), GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (count_src_pads (h->element), 0);

  teardown (h, &c, bus);
}

GST_END_TEST;

/* Batches that disagree with their caps or their own meta. */

/* 8 slots of memory, but the meta says 4 */
static GstBuffer *
batch_meta_4_slots (void)
{
  SlotSpec spec[4] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
    { 0, 1, GST_GPU_SLOT_STATUS_OK },
    { 1, 1, GST_GPU_SLOT_STATUS_OK },
  };
  GstBuffer *batch = make_batch_full (spec, 4, BATCH, FALSE);

  gst_buffer_add_gpu_batch_meta (batch, 4)->n_valid = 4;
  return batch;
}

static GstBuffer *
batch_9_valid_of_8 (void)
{
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };
  GstBuffer *batch = make_batch (spec, 1);

  gst_buffer_get_gpu_batch_meta (batch)->n_valid = 9;
  return batch;
}

/* memory for 4 slots, meta and caps for 8 */
static GstBuffer *
batch_short (void)
{
  SlotSpec spec[2] = {
    { 0, 0, GST_GPU_SLOT_STATUS_OK },
    { 1, 0, GST_GPU_SLOT_STATUS_OK },
  };
  GstBuffer *batch = make_batch_full (spec, 2, 4, FALSE);

  gst_buffer_add_gpu_batch_meta (batch, BATCH)->n_valid = 2;
  return batch;
}

typedef struct
{
  GstBuffer *(*make) (void);
  const gchar *needles[4];
} BadBatch;

static const BadBatch bad_batches[] = {
  { batch_meta_4_slots, { "4 slots", "16:8", "batch size 8", NULL } },
  { batch_9_valid_of_8, { "9 valid slots out of 8", NULL } },
  { batch_short, { "need 384", NULL } },
};

GST_START_TEST (test_rejects_batch)
{
  const BadBatch *bad = &bad_batches[__i__];
  Collector c;
  GstBus *bus;
  GstHarness *h = setup_harness (&c, &bus);

  fail_unless (push_stream_start (h, CAPS_2T));
  fail_unless_equals_int (gst_harness_push (h, bad->make ()), GST_FLOW_ERROR);
  check_error (bus, bad->needles);
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
  GstElement *pipeline, *appsrc, *unbatch;
  GstCaps *caps = gst_caps_from_string (CAPS_2T);
  Handoffs hs;
  SlotSpec spec[BATCH];
  GstFlowReturn fret;
  guint i, s, n = 0;

  memset (&hs, 0, sizeof (hs));
  g_mutex_init (&hs.lock);
  g_string_append (desc, "appsrc name=src format=time ! gpuunbatch name=u");
  pipeline = parse_with_sinks (desc, n_sources);

  appsrc = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (appsrc, "caps", caps, NULL);
  gst_caps_unref (caps);
  for (s = 0; s < n_sources; s++)
    hs.ok[s] = TRUE;
  connect_handoffs (pipeline, n_sources, G_CALLBACK (on_handoff), &hs);

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
  wait_for_eos (pipeline);

  for (s = 0; s < n_sources; s++) {
    fail_unless_equals_int (hs.n[s], per_source);
    fail_unless (hs.ok[s], "source %u lost a timestamp", s);
  }
  unbatch = gst_bin_get_by_name (GST_BIN (pipeline), "u");
  fail_unless_equals_uint64 (
      stats_uint64 (unbatch, "items-out"), n_sources * per_source);
  gst_object_unref (unbatch);

  gst_element_set_state (pipeline, GST_STATE_NULL);
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
  GstElement *pipeline, *unbatch, *batch;
  VideoHandoffs hs;
  guint s;

  memset (&hs, 0, sizeof (hs));
  g_mutex_init (&hs.lock);
  for (s = 0; s < 4; s++)
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=%s ! video/x-raw, format=RGB, "
        "width=%u, height=%u, framerate=30/1 ! b.sink_%u ",
        VIDEO_FRAMES, patterns[s], VIDEO_W, VIDEO_H, s);
  g_string_append (desc, "gpubatch name=b device=cpu max-batch-size=4 "
                         "adaptive=false ! gpuunbatch name=u");
  pipeline = parse_with_sinks (desc, 4);

  connect_handoffs (pipeline, 4, G_CALLBACK (on_video_handoff), &hs);

  run_to_eos (pipeline);

  for (s = 0; s < 4; s++) {
    fail_unless_equals_int (hs.n[s], VIDEO_FRAMES);
    fail_unless_equals_int (hs.bad_pts[s], 0);
    fail_unless_equals_int (hs.bad_color[s], 0);
  }
  batch = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  unbatch = gst_bin_get_by_name (GST_BIN (pipeline), "u");
  fail_unless_equals_uint64 (
      stats_uint64 (batch, "items-out"), 4 * VIDEO_FRAMES);
  fail_unless_equals_uint64 (
      stats_uint64 (unbatch, "items-in"), 4 * VIDEO_FRAMES);
  fail_unless_equals_uint64 (
      stats_uint64 (unbatch, "items-out"), 4 * VIDEO_FRAMES);
  for (s = 0; s < 4; s++)
    fail_unless_equals_uint64 (
        stats_get_pad (unbatch, s, "items-out"), VIDEO_FRAMES);
  gst_object_unref (batch);
  gst_object_unref (unbatch);

  gst_object_unref (pipeline);
  g_mutex_clear (&hs.lock);
}

GST_END_TEST;

/* A live source and a non-live one whose first frame comes late, behind
 * queues of one buffer: with a live source the elements reach PLAYING
 * before the sinks have prerolled, so the live branch's items must still
 * be held back until the late source's first item has reached its sink,
 * or the live branch's full queue blocks the thread that would bring it
 * and the pipeline never prerolls. */
GST_START_TEST (test_pipeline_live_and_late_source_reaches_eos)
{
  const guint live_frames = 30, late_frames = 4;
  GstElement *pipeline, *unbatch;
  gchar *desc = g_strdup_printf (
      "videotestsrc is-live=true num-buffers=%u ! video/x-raw, format=RGB, "
      "width=%u, height=%u, framerate=30/1 ! b.sink_0 "
      "videotestsrc num-buffers=%u ! video/x-raw, format=RGB, width=%u, "
      "height=%u, framerate=30/1 ! identity sleep-time=300000 ! b.sink_1 "
      "gpubatch name=b device=cpu max-batch-size=2 adaptive=false "
      "max-latency=10000000 ! gpuunbatch name=u "
      "u.src_0 ! queue max-size-buffers=1 ! fakesink sync=false "
      "u.src_1 ! queue max-size-buffers=1 ! fakesink sync=false",
      live_frames, VIDEO_W, VIDEO_H, late_frames, VIDEO_W, VIDEO_H);

  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL, "cannot build %s", desc);
  g_free (desc);
  unbatch = gst_bin_get_by_name (GST_BIN (pipeline), "u");

  run_to_eos (pipeline);

  fail_unless_equals_uint64 (
      stats_get_pad (unbatch, 0, "items-out"), live_frames);
  fail_unless_equals_uint64 (
      stats_get_pad (unbatch, 1, "items-out"), late_frames);
  gst_object_unref (unbatch);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
gpuunbatchflow_suite (void)
{
  Suite *s = suite_create ("gpuunbatchflow");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_requested_pad_receives_its_source);
  tcase_add_test (tc, test_flow_not_linked_only_when_all_unlinked);
  tcase_add_test (tc, test_state_change_removes_source_pads_keeps_requested);
  tcase_add_test (tc, test_stats_are_posted_every_interval);
  tcase_add_test (tc, test_rejects_non_tensor_caps);
  tcase_add_loop_test (tc, test_rejects_caps, 0, G_N_ELEMENTS (bad_caps));
  tcase_add_loop_test (tc, test_rejects_batch, 0, G_N_ELEMENTS (bad_batches));
  tcase_add_test (tc, test_eos_without_any_source_fails);
  tcase_add_test (tc, test_pipeline_round_trip_reaches_eos);
  tcase_add_test (tc, test_pipeline_gpubatch_round_trip);
  tcase_add_test (tc, test_pipeline_live_and_late_source_reaches_eos);

  return s;
}

GST_CHECK_MAIN (gpuunbatchflow);
