/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuunbatch output=frames: the original frames kept in the batch meta come
 * out with their caps, timestamps and results as region-of-interest metas.
 * Batches are built by hand (tensor content from gpuunbatchtest.c, one
 * frame per valid slot).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/video/video.h>

#include "gst/gstgpuresultsmeta.h"
#include "gpuunbatchtest.h"

#define N_FRAME_SOURCES 3

/* Each source has its own frame size, so caps sent to the wrong pad show. */
static GstCaps *
frame_caps (guint src, guint width)
{
  return gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      "width", G_TYPE_INT, (gint)width, "height", G_TYPE_INT, 8 + (gint)src,
      "framerate", GST_TYPE_FRACTION, 25, 1, NULL);
}

static guint
frame_width (guint src)
{
  return 16 + 4 * src;
}

/* A frame of source @src, item @seq, @width pixels wide: RGB, two memories
 * (so that memory sharing is checked per memory), timestamps of the item. */
static GstSample *
make_frame (guint src, guint seq, guint width)
{
  GstCaps *caps = frame_caps (src, width);
  gsize size = (gsize)width * (8 + src) * 3, half = size / 2;
  GstBuffer *buffer = gst_buffer_new ();
  GstSample *sample;
  GstMapInfo map;
  guint m;
  gsize i;

  for (m = 0; m < 2; m++) {
    GstMemory *mem
        = gst_allocator_alloc (NULL, m == 0 ? half : size - half, NULL);

    fail_unless (gst_memory_map (mem, &map, GST_MAP_WRITE));
    for (i = 0; i < map.size; i++)
      map.data[i] = item_byte (src, seq, m, i);
    gst_memory_unmap (mem, &map);
    gst_buffer_append_memory (buffer, mem);
  }
  GST_BUFFER_PTS (buffer) = item_pts (src, seq);
  GST_BUFFER_DTS (buffer) = item_dts (src, seq);
  GST_BUFFER_DURATION (buffer) = item_duration (src, seq);
  sample = gst_sample_new (buffer, caps, NULL, NULL);
  gst_buffer_unref (buffer);
  gst_caps_unref (caps);
  return sample;
}

/* make_batch () with @frames[s] kept in slot s (NULL: no frame) and the
 * slot's size set to the frame's. */
static GstBuffer *
make_frames_batch (const SlotSpec *spec, guint n_valid, GstSample **frames)
{
  GstBuffer *batch = make_batch (spec, n_valid);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (batch);
  guint s;

  for (s = 0; s < n_valid; s++) {
    GstVideoInfo info;

    if (frames[s] == NULL)
      continue;
    fail_unless (
        gst_video_info_from_caps (&info, gst_sample_get_caps (frames[s])));
    gst_gpu_batch_slot_set_frame (&meta->slots[s], frames[s]);
    meta->slots[s].width = GST_VIDEO_INFO_WIDTH (&info);
    meta->slots[s].height = GST_VIDEO_INFO_HEIGHT (&info);
  }
  return batch;
}

static GstHarness *
setup_frames_harness (Collector *c, GstBus **bus, GstState state)
{
  GstElement *unbatch = gst_element_factory_make ("gpuunbatch", NULL);
  GstHarness *h;

  /* before the harness starts it: the mode is read at READY->PAUSED */
  fail_unless (unbatch != NULL);
  gst_util_set_object_arg (G_OBJECT (unbatch), "output", "frames");
  h = gst_harness_new_with_element (unbatch, "sink", NULL);
  gst_object_unref (unbatch);
  collector_init (c, h->element);
  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  if (state == GST_STATE_PLAYING)
    gst_harness_play (h);
  else
    fail_unless_equals_int (
        gst_element_set_state (h->element, state), GST_STATE_CHANGE_SUCCESS);
  fail_unless (push_stream_start (h, CAPS_2T));
  return h;
}

/* @out is a shallow copy of @in: the same memories, same timestamps. */
static void
check_same_frame (GstBuffer *out, GstBuffer *in)
{
  guint m;

  fail_unless (out != in);
  fail_unless_equals_int (gst_buffer_n_memory (out), gst_buffer_n_memory (in));
  for (m = 0; m < gst_buffer_n_memory (in); m++)
    fail_unless (
        gst_buffer_peek_memory (out, m) == gst_buffer_peek_memory (in, m));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (in));
  fail_unless_equals_uint64 (GST_BUFFER_DTS (out), GST_BUFFER_DTS (in));
  fail_unless_equals_uint64 (
      GST_BUFFER_DURATION (out), GST_BUFFER_DURATION (in));
  fail_unless (gst_buffer_get_gpu_batch_meta (out) == NULL);
}

static guint
count_rois (GstBuffer *buffer)
{
  gpointer state = NULL;
  guint n = 0;

  while (gst_buffer_iterate_meta_filtered (
      buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    n++;
  return n;
}

static GstGpuResult
make_result (guint slot, GstGpuResultKind kind, gint class_id,
    const gchar *label, gfloat confidence, gfloat x, gfloat y, gfloat w,
    gfloat h, guint n_keypoints)
{
  GstGpuResult r;
  guint k;

  memset (&r, 0, sizeof (r));
  r.slot = slot;
  r.kind = kind;
  r.class_id = class_id;
  r.label = label ? g_quark_from_string (label) : 0;
  r.confidence = confidence;
  r.x = x;
  r.y = y;
  r.width = w;
  r.height = h;
  r.n_keypoints = n_keypoints;
  for (k = 0; k < 2 * n_keypoints; k++)
    r.keypoints[k] = x + k;
  return r;
}

/* The ROI meta with id @id on @buffer is @r: box, type, one param
 * structure with confidence, class id, label, keypoints. */
static void
check_roi (GstBuffer *buffer, gint id, const GstGpuResult *r, const gchar *type,
    guint frame_w, guint frame_h)
{
  GstVideoRegionOfInterestMeta *roi
      = gst_buffer_get_video_region_of_interest_meta_id (buffer, id);
  const gchar *name = r->kind == GST_GPU_RESULT_BOX
                          ? GST_GPU_RESULT_DETECTION_NAME
                          : GST_GPU_RESULT_CLASSIFICATION_NAME;
  const GValue *points;
  GstStructure *s;
  gdouble confidence;
  gint class_id;
  guint k;

  fail_unless (roi != NULL, "no ROI meta %d", id);
  fail_unless_equals_string (g_quark_to_string (roi->roi_type), type);
  if (r->kind == GST_GPU_RESULT_BOX) {
    fail_unless_equals_int (roi->x, (gint)r->x);
    fail_unless_equals_int (roi->y, (gint)r->y);
    fail_unless_equals_int (roi->w, (gint)r->width);
    fail_unless_equals_int (roi->h, (gint)r->height);
  } else {
    fail_unless_equals_int (roi->x, 0);
    fail_unless_equals_int (roi->y, 0);
    fail_unless_equals_int (roi->w, frame_w);
    fail_unless_equals_int (roi->h, frame_h);
  }
  fail_unless_equals_int (g_list_length (roi->params), 1);
  s = gst_video_region_of_interest_meta_get_param (roi, name);
  fail_unless (s != NULL, "no %s param", name);
  fail_unless (gst_structure_get_double (s, "confidence", &confidence));
  fail_unless (G_APPROX_VALUE (confidence, r->confidence, 1e-6));
  fail_unless (gst_structure_get_int (s, "class-id", &class_id));
  fail_unless_equals_int (class_id, r->class_id);
  fail_unless_equals_string (gst_structure_get_string (s, "label"), type);
  points = gst_structure_get_value (s, "keypoints");
  if (r->n_keypoints == 0) {
    fail_unless (points == NULL || gst_value_array_get_size (points) == 0);
    return;
  }
  fail_unless (points != NULL && GST_VALUE_HOLDS_ARRAY (points));
  fail_unless_equals_int (
      gst_value_array_get_size (points), 2 * r->n_keypoints);
  for (k = 0; k < 2 * r->n_keypoints; k++)
    fail_unless (G_APPROX_VALUE (
        g_value_get_double (gst_value_array_get_value (points, k)),
        r->keypoints[k], 1e-4));
}

/* The caps of the last CAPS event on @o. */
static GstCaps *
output_caps (Output *o)
{
  GstEvent *ev = output_find_event (o, GST_EVENT_CAPS);
  GstCaps *caps;

  fail_unless (ev != NULL);
  gst_event_parse_caps (ev, &caps);
  return caps;
}

GST_START_TEST (test_frames_come_out_with_caps_timestamps_and_results)
{
  SlotSpec spec[2 * N_FRAME_SOURCES];
  GstSample *frames[2 * N_FRAME_SOURCES];
  GstGpuResult results[3];
  GstGpuResultsMeta *rmeta;
  GstBuffer *batch;
  GstHarness *h;
  Collector c;
  GstBus *bus;
  guint i, src;

  /* slot i: source i % 3, item i / 3 */
  for (i = 0; i < 2 * N_FRAME_SOURCES; i++) {
    spec[i].src = i % N_FRAME_SOURCES;
    spec[i].seq = i / N_FRAME_SOURCES;
    spec[i].status = GST_GPU_SLOT_STATUS_OK;
    frames[i]
        = make_frame (spec[i].src, spec[i].seq, frame_width (spec[i].src));
  }
  batch = make_frames_batch (spec, 2 * N_FRAME_SOURCES, frames);
  /* two faces with keypoints in slot 0 (source 0), a class of the whole
   * frame without a label in slot 4 (source 1); source 2 has none */
  results[0]
      = make_result (0, GST_GPU_RESULT_BOX, 0, "face", 0.75f, 2, 3, 5, 4, 6);
  results[1]
      = make_result (0, GST_GPU_RESULT_BOX, 0, "face", 0.5f, 9, 1, 6, 5, 0);
  results[2] = make_result (
      4, GST_GPU_RESULT_CLASS, 7, NULL, 0.9f, 0, 0, frame_width (1), 9, 0);
  rmeta = gst_buffer_add_gpu_results_meta (batch);
  for (i = 0; i < G_N_ELEMENTS (results); i++)
    gst_gpu_results_meta_add (rmeta, &results[i]);

  h = setup_frames_harness (&c, &bus, GST_STATE_PLAYING);
  fail_unless_equals_int (gst_harness_push (h, batch), GST_FLOW_OK);

  for (src = 0; src < N_FRAME_SOURCES; src++) {
    Output *o = &c.out[src];
    GstCaps *want = frame_caps (src, frame_width (src));

    fail_unless_equals_int (g_queue_get_length (&o->buffers), 2);
    fail_unless (gst_caps_is_equal (output_caps (o), want));
    gst_caps_unref (want);
    /* the first buffer of each pad is a discontinuity */
    fail_unless (GST_BUFFER_FLAG_IS_SET (
        g_queue_peek_nth (&o->buffers, 0), GST_BUFFER_FLAG_DISCONT));
    fail_if (GST_BUFFER_FLAG_IS_SET (
        g_queue_peek_nth (&o->buffers, 1), GST_BUFFER_FLAG_DISCONT));
    for (i = 0; i < 2; i++) {
      GstBuffer *in = gst_sample_get_buffer (frames[i * N_FRAME_SOURCES + src]);

      check_same_frame (g_queue_peek_nth (&o->buffers, i), in);
      /* the input frame itself got no meta */
      fail_unless_equals_int (count_rois (in), 0);
    }
  }
  /* results on the frames of their slots only */
  fail_unless_equals_int (
      count_rois (g_queue_peek_nth (&c.out[0].buffers, 0)), 2);
  check_roi (g_queue_peek_nth (&c.out[0].buffers, 0), 0, &results[0], "face",
      frame_width (0), 8);
  check_roi (g_queue_peek_nth (&c.out[0].buffers, 0), 1, &results[1], "face",
      frame_width (0), 8);
  fail_unless_equals_int (
      count_rois (g_queue_peek_nth (&c.out[0].buffers, 1)), 0);
  fail_unless_equals_int (
      count_rois (g_queue_peek_nth (&c.out[1].buffers, 0)), 0);
  fail_unless_equals_int (
      count_rois (g_queue_peek_nth (&c.out[1].buffers, 1)), 1);
  check_roi (g_queue_peek_nth (&c.out[1].buffers, 1), 0, &results[2], "class-7",
      frame_width (1), 9);
  fail_unless_equals_int (
      count_rois (g_queue_peek_nth (&c.out[2].buffers, 0)), 0);
  fail_unless_equals_int (
      count_rois (g_queue_peek_nth (&c.out[2].buffers, 1)), 0);

  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), 6);
  for (i = 0; i < 2 * N_FRAME_SOURCES; i++)
    gst_sample_unref (frames[i]);
  teardown (h, &c, bus);
}

GST_END_TEST;

/* A batch without GstGpuResultsMeta: the frames come out without ROI
 * metas. */
GST_START_TEST (test_frames_without_results_meta)
{
  SlotSpec spec[2]
      = { { 0, 0, GST_GPU_SLOT_STATUS_OK }, { 1, 0, GST_GPU_SLOT_STATUS_OK } };
  GstSample *frames[2];
  GstHarness *h;
  Collector c;
  GstBus *bus;
  guint i;

  for (i = 0; i < 2; i++)
    frames[i] = make_frame (i, 0, frame_width (i));
  h = setup_frames_harness (&c, &bus, GST_STATE_PLAYING);
  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (spec, 2, frames)), GST_FLOW_OK);
  for (i = 0; i < 2; i++) {
    GstBuffer *out = g_queue_peek_head (&c.out[i].buffers);

    fail_unless_equals_int (g_queue_get_length (&c.out[i].buffers), 1);
    check_same_frame (out, gst_sample_get_buffer (frames[i]));
    fail_unless_equals_int (count_rois (out), 0);
    gst_sample_unref (frames[i]);
  }
  teardown (h, &c, bus);
}

GST_END_TEST;

/* Source 0 changes size after its first frame: caps follow, in the sticky
 * order (stream-start, caps, segment, then the new caps), and caps that
 * did not change are not sent again. */
GST_START_TEST (test_frames_caps_change_mid_stream)
{
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };
  static const guint widths[] = { 16, 32, 32 };
  const GstEventType order[] = { GST_EVENT_STREAM_START, GST_EVENT_CAPS,
    GST_EVENT_SEGMENT, GST_EVENT_CAPS };
  GstSegment segment;
  GstPad *requested;
  GstSample *frame;
  GstHarness *h;
  Collector c;
  GstBus *bus;
  GList *l;
  guint i;

  h = setup_frames_harness (&c, &bus, GST_STATE_PLAYING);
  /* a pad that exists before its first frame gets a segment meanwhile: it
   * must still come after the frame's caps */
  requested = gst_element_request_pad_simple (h->element, "src_0");
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (i = 0; i < G_N_ELEMENTS (widths); i++) {
    GstCaps *want = frame_caps (0, widths[i]);

    spec[0].seq = i;
    frame = make_frame (0, i, widths[i]);
    fail_unless_equals_int (
        gst_harness_push (h, make_frames_batch (spec, 1, &frame)), GST_FLOW_OK);
    fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), i + 1);
    check_same_frame (
        g_queue_peek_tail (&c.out[0].buffers), gst_sample_get_buffer (frame));
    fail_unless (gst_caps_is_equal (output_caps (&c.out[0]), want));
    gst_caps_unref (want);
    gst_sample_unref (frame);
  }
  fail_unless_equals_int (
      g_queue_get_length (&c.out[0].events), G_N_ELEMENTS (order));
  for (i = 0, l = c.out[0].events.head; l; l = l->next, i++)
    fail_unless_equals_int (GST_EVENT_TYPE (l->data), order[i]);
  gst_element_release_request_pad (h->element, requested);
  gst_object_unref (requested);
  teardown (h, &c, bus);
}

GST_END_TEST;

/* A slot without a frame: an error telling to set keep-frames, naming the
 * slot and source in the debug text; the frames before it went out. */
GST_START_TEST (test_frames_missing_frame_is_an_error)
{
  SlotSpec spec[2]
      = { { 0, 0, GST_GPU_SLOT_STATUS_OK }, { 1, 0, GST_GPU_SLOT_STATUS_OK } };
  GstSample *frames[2] = { make_frame (0, 0, 16), NULL };
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;
  GstHarness *h;
  Collector c;
  GstBus *bus;

  h = setup_frames_harness (&c, &bus, GST_STATE_PLAYING);
  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (spec, 2, frames)),
      GST_FLOW_ERROR);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 1);
  fail_unless_equals_int (g_queue_get_length (&c.out[1].buffers), 0);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (strstr (err->message, "keep-frames=true on gpubatch") != NULL,
      "error: %s", err->message);
  fail_unless (strstr (debug, "slot 1 (source 1") != NULL, "debug: %s", debug);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);

  gst_sample_unref (frames[0]);
  teardown (h, &c, bus);
}

GST_END_TEST;

/* Failed slots still show their frame (without results), dropped ones do
 * not; both are counted. */
GST_START_TEST (test_frames_failed_pushed_dropped_not)
{
  SlotSpec spec[3] = { { 0, 0, GST_GPU_SLOT_STATUS_FAILED },
    { 0, 1, GST_GPU_SLOT_STATUS_DROPPED },
    { 0, 2, GST_GPU_SLOT_STATUS_CACHE_HIT } };
  GstSample *frames[3];
  GstHarness *h;
  Collector c;
  GstBus *bus;
  guint i;

  for (i = 0; i < 3; i++)
    frames[i] = make_frame (0, i, 16);
  h = setup_frames_harness (&c, &bus, GST_STATE_PLAYING);
  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (spec, 3, frames)), GST_FLOW_OK);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 2);
  check_same_frame (g_queue_peek_nth (&c.out[0].buffers, 0),
      gst_sample_get_buffer (frames[0]));
  check_same_frame (g_queue_peek_nth (&c.out[0].buffers, 1),
      gst_sample_get_buffer (frames[2]));
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-failed"), 1);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-dropped"), 1);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), 2);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-cache-hit"), 1);
  for (i = 0; i < 3; i++)
    gst_sample_unref (frames[i]);
  teardown (h, &c, bus);
}

GST_END_TEST;

/* EOS reaches the fed pads and a requested pad that never got a frame;
 * a flush makes the next frame a discontinuity after a new segment. */
GST_START_TEST (test_frames_eos_and_flush)
{
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };
  GstSample *frame;
  GstSegment segment;
  GstPad *requested;
  GstHarness *h;
  Collector c;
  GstBus *bus;

  h = setup_frames_harness (&c, &bus, GST_STATE_PLAYING);
  requested = gst_element_request_pad_simple (h->element, "src_3");
  fail_unless (requested != NULL);
  frame = make_frame (0, 0, 16);
  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (spec, 1, &frame)), GST_FLOW_OK);
  gst_sample_unref (frame);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  spec[0].seq = 1;
  frame = make_frame (0, 1, 16);
  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (spec, 1, &frame)), GST_FLOW_OK);
  gst_sample_unref (frame);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 2);
  fail_unless (GST_BUFFER_FLAG_IS_SET (
      g_queue_peek_tail (&c.out[0].buffers), GST_BUFFER_FLAG_DISCONT));
  fail_unless_equals_int (
      output_count_events (&c.out[0], GST_EVENT_FLUSH_STOP), 1);
  fail_unless_equals_int (
      output_count_events (&c.out[0], GST_EVENT_SEGMENT), 2);

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (c.out[0].eos);
  fail_unless (c.out[3].eos);
  /* the requested pad got no frame, so no caps, but a stream-start */
  fail_unless_equals_int (output_count_events (&c.out[3], GST_EVENT_CAPS), 0);
  fail_unless_equals_int (
      output_count_events (&c.out[3], GST_EVENT_STREAM_START), 1);

  gst_element_release_request_pad (h->element, requested);
  gst_object_unref (requested);
  teardown (h, &c, bus);
}

GST_END_TEST;

/* While prerolling, a fed branch's later frames are held until the other
 * announced source is fed; held frames are the input frames themselves
 * (shared memory), not copies. */
GST_START_TEST (test_frames_preroll_hold_keeps_frames)
{
  SlotSpec fed[2]
      = { { 0, 0, GST_GPU_SLOT_STATUS_OK }, { 0, 1, GST_GPU_SLOT_STATUS_OK } };
  SlotSpec missing[1] = { { 1, 0, GST_GPU_SLOT_STATUS_OK } };
  const guint indexes[2] = { 0, 1 };
  GstSample *frames[3];
  GstHarness *h;
  Collector c;
  GstBus *bus;
  guint i;

  frames[0] = make_frame (0, 0, 16);
  frames[1] = make_frame (0, 1, 16);
  frames[2] = make_frame (1, 0, 20);
  h = setup_frames_harness (&c, &bus, GST_STATE_PAUSED);
  fail_unless (
      gst_harness_push_event (h, gst_gpu_batch_sources_event_new (indexes, 2)));

  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (fed, 2, frames)), GST_FLOW_OK);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 1);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-held"), 1);

  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (missing, 1, &frames[2])),
      GST_FLOW_OK);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-held"), 0);
  fail_unless_equals_int (g_queue_get_length (&c.out[0].buffers), 2);
  fail_unless_equals_int (g_queue_get_length (&c.out[1].buffers), 1);
  for (i = 0; i < 2; i++)
    check_same_frame (g_queue_peek_nth (&c.out[0].buffers, i),
        gst_sample_get_buffer (frames[i]));
  check_same_frame (
      g_queue_peek_head (&c.out[1].buffers), gst_sample_get_buffer (frames[2]));
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), 3);

  for (i = 0; i < 3; i++)
    gst_sample_unref (frames[i]);
  teardown (h, &c, bus);
}

GST_END_TEST;

static GstFlowReturn
refusing_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

/* Downstream takes I420 only: the RGB frames are refused with an error
 * naming the pad, and nothing reaches it. */
GST_START_TEST (test_frames_refused_caps_fail_clearly)
{
  SlotSpec spec[1] = { { 0, 0, GST_GPU_SLOT_STATUS_OK } };
  GstStaticPadTemplate i420 = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK,
      GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw, format=I420"));
  const gchar *needles[] = { "src_0", "does not accept", NULL };
  GstPad *srcpad, *sinkpad;
  GstSample *frame;
  GstHarness *h;
  Collector c;
  GstBus *bus;

  h = setup_frames_harness (&c, &bus, GST_STATE_PLAYING);
  c.unlinked_mask = 1u << 0;
  srcpad = gst_element_request_pad_simple (h->element, "src_0");
  sinkpad = gst_pad_new_from_static_template (&i420, "sink");
  gst_pad_set_chain_function (sinkpad, refusing_chain);
  gst_pad_set_active (sinkpad, TRUE);
  fail_unless_equals_int (gst_pad_link (srcpad, sinkpad), GST_PAD_LINK_OK);

  frame = make_frame (0, 0, 16);
  fail_unless_equals_int (
      gst_harness_push (h, make_frames_batch (spec, 1, &frame)),
      GST_FLOW_NOT_NEGOTIATED);
  check_error (bus, needles);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-dropped"), 1);

  gst_sample_unref (frame);
  gst_pad_unlink (srcpad, sinkpad);
  gst_pad_set_active (sinkpad, FALSE);
  gst_object_unref (sinkpad);
  gst_element_release_request_pad (h->element, srcpad);
  gst_object_unref (srcpad);
  teardown (h, &c, bus);
}

GST_END_TEST;

/* What the real pipeline saw: per source, what went into gpubatch (first
 * memory and a checksum of the pixels, by PTS) and what each sink got.
 * Written from streaming threads, checked by the test thread. */
#define PIPE_SOURCES 3
#define PIPE_FRAMES 6

typedef struct
{
  GstMemory *mem;
  guint32 sum;
} FrameSeen;

typedef struct
{
  GMutex lock;
  FrameSeen in[PIPE_SOURCES][PIPE_FRAMES];
  guint n_in[PIPE_SOURCES];
  guint n_out[PIPE_SOURCES];
  guint bad_memory[PIPE_SOURCES];
  guint bad_content[PIPE_SOURCES];
  guint bad_pts[PIPE_SOURCES];
  guint bad_caps[PIPE_SOURCES];
  guint rois[PIPE_SOURCES];
} PipeSeen;

static const guint pipe_width[PIPE_SOURCES] = { 32, 40, 24 };

static guint32
frame_sum (GstBuffer *buffer)
{
  GstMapInfo map;
  guint32 sum = 0;
  gsize i;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return 0;
  for (i = 0; i < map.size; i++)
    sum = sum * 31 + map.data[i];
  gst_buffer_unmap (buffer, &map);
  return sum;
}

static guint
frame_index (GstBuffer *buffer)
{
  return (guint)gst_util_uint64_scale_round (
      GST_BUFFER_PTS (buffer), 30, GST_SECOND);
}

static GstPadProbeReturn
on_batch_input (GstPad *pad, GstPadProbeInfo *info, PipeSeen *seen)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint src = G_MAXUINT, k = frame_index (buffer);

  sscanf (GST_PAD_NAME (pad), "sink_%u", &src);
  g_mutex_lock (&seen->lock);
  if (src < PIPE_SOURCES && k < PIPE_FRAMES) {
    seen->in[src][k].mem = gst_buffer_peek_memory (buffer, 0);
    seen->in[src][k].sum = frame_sum (buffer);
    seen->n_in[src]++;
  }
  g_mutex_unlock (&seen->lock);
  return GST_PAD_PROBE_OK;
}

static void
on_frame_handoff (
    GstElement *sink, GstBuffer *buffer, GstPad *pad, PipeSeen *seen)
{
  guint src = 0, k = frame_index (buffer);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstStructure *st = caps ? gst_caps_get_structure (caps, 0) : NULL;
  gint width = 0;

  if (sscanf (GST_OBJECT_NAME (sink), "sink%u", &src) != 1
      || src >= PIPE_SOURCES) {
    gst_clear_caps (&caps);
    return;
  }
  g_mutex_lock (&seen->lock);
  if (k != seen->n_out[src]++ || k >= PIPE_FRAMES)
    seen->bad_pts[src]++;
  else if (seen->in[src][k].mem != gst_buffer_peek_memory (buffer, 0))
    seen->bad_memory[src]++;
  else if (seen->in[src][k].sum != frame_sum (buffer))
    seen->bad_content[src]++;
  if (st == NULL || !gst_structure_has_name (st, "video/x-raw")
      || !gst_structure_get_int (st, "width", &width)
      || width != (gint)pipe_width[src])
    seen->bad_caps[src]++;
  seen->rois[src] += count_rois (buffer);
  g_mutex_unlock (&seen->lock);
  gst_clear_caps (&caps);
}

/* videotestsrc x3 (sizes and formats of their own) -> gpubatch
 * keep-frames=true -> gpuunbatch output=frames -> 3 sinks: every frame
 * comes back on its source's pad, in order, in the memory it went in
 * with, unchanged, with its source's caps and no results (no decoder). */
GST_START_TEST (test_frames_pipeline_gpubatch_keep_frames)
{
  const gchar *formats[PIPE_SOURCES] = { "RGB", "I420", "BGRx" };
  const gchar *patterns[PIPE_SOURCES] = { "ball", "snow", "smpte" };
  GString *desc = g_string_new (NULL);
  GstElement *pipeline, *element;
  GstPad *pad;
  PipeSeen seen;
  guint s;
  gchar *name;

  memset (&seen, 0, sizeof (seen));
  g_mutex_init (&seen.lock);
  for (s = 0; s < PIPE_SOURCES; s++)
    g_string_append_printf (desc,
        "videotestsrc num-buffers=%u pattern=%s ! video/x-raw, format=%s, "
        "width=%u, height=%u, framerate=30/1 ! b.sink_%u ",
        PIPE_FRAMES, patterns[s], formats[s], pipe_width[s], pipe_width[s] / 2,
        s);
  g_string_append (desc,
      "gpubatch name=b device=cpu max-batch-size=2 adaptive=false "
      "width=16 height=16 keep-frames=true ! gpuunbatch name=u "
      "output=frames");
  pipeline = parse_with_sinks (desc, PIPE_SOURCES);

  element = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  for (s = 0; s < PIPE_SOURCES; s++) {
    name = g_strdup_printf ("sink_%u", s);
    pad = gst_element_get_static_pad (element, name);
    if (pad == NULL)
      pad = gst_element_request_pad_simple (element, name);
    fail_unless (pad != NULL);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
        (GstPadProbeCallback)on_batch_input, &seen, NULL);
    gst_object_unref (pad);
    g_free (name);
  }
  gst_object_unref (element);
  connect_handoffs (
      pipeline, PIPE_SOURCES, G_CALLBACK (on_frame_handoff), &seen);

  run_to_eos (pipeline);

  for (s = 0; s < PIPE_SOURCES; s++) {
    fail_unless_equals_int (seen.n_in[s], PIPE_FRAMES);
    fail_unless_equals_int (seen.n_out[s], PIPE_FRAMES);
    fail_unless_equals_int (seen.bad_pts[s], 0);
    fail_unless_equals_int (seen.bad_memory[s], 0);
    fail_unless_equals_int (seen.bad_content[s], 0);
    fail_unless_equals_int (seen.bad_caps[s], 0);
    fail_unless_equals_int (seen.rois[s], 0);
  }
  element = gst_bin_get_by_name (GST_BIN (pipeline), "u");
  fail_unless_equals_uint64 (
      stats_uint64 (element, "items-out"), PIPE_SOURCES * PIPE_FRAMES);
  gst_object_unref (element);

  gst_object_unref (pipeline);
  g_mutex_clear (&seen.lock);
}

GST_END_TEST;

static Suite *
gpuunbatchframes_suite (void)
{
  Suite *s = suite_create ("gpuunbatch-frames");
  TCase *tc = tcase_create ("frames");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frames_come_out_with_caps_timestamps_and_results);
  tcase_add_test (tc, test_frames_without_results_meta);
  tcase_add_test (tc, test_frames_caps_change_mid_stream);
  tcase_add_test (tc, test_frames_missing_frame_is_an_error);
  tcase_add_test (tc, test_frames_failed_pushed_dropped_not);
  tcase_add_test (tc, test_frames_eos_and_flush);
  tcase_add_test (tc, test_frames_preroll_hold_keeps_frames);
  tcase_add_test (tc, test_frames_refused_caps_fail_clearly);
  tcase_add_test (tc, test_frames_pipeline_gpubatch_keep_frames);
  return s;
}

GST_CHECK_MAIN (gpuunbatchframes);
