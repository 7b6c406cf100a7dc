/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpubatch on the CPU path, what goes into a batch: flush rules,
 * timestamps and slot meta, inputs (video formats against the plain C
 * reference, audio windows, tensors) and layouts.
 */
#include <stdio.h>

#include "gpu/convert/gstgpuconvert.h"
#include "gpubatchtest.h"

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
 * NHWC, float32, stretched or letterboxed) and compares the slot with the
 * plain C reference. */
static void
check_video_scaled_against_reference (GstVideoFormat format, guint in_w,
    guint in_h, guint out_w, guint out_h, const gchar *layout,
    GstGpuScaleMode mode)
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
      "std=<0.229,0.224,0.225> scale-mode=%s pad-value=114",
      out_w, out_h, layout,
      mode == GST_GPU_SCALE_LETTERBOX ? "letterbox" : "stretch");
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
  fmt.scale_mode = mode;
  fmt.pad_value = 114.0f;
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

static void
check_video_against_reference (GstVideoFormat format, guint in_w, guint in_h,
    guint out_w, guint out_h, const gchar *layout)
{
  check_video_scaled_against_reference (
      format, in_w, in_h, out_w, out_h, layout, GST_GPU_SCALE_STRETCH);
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

GST_START_TEST (test_video_letterbox_matches_reference)
{
  /* wider than the slot, then taller */
  check_video_scaled_against_reference (
      formats[__i__], 16, 6, 8, 8, "nchw", GST_GPU_SCALE_LETTERBOX);
  check_video_scaled_against_reference (
      formats[__i__], 6, 12, 10, 8, "nhwc", GST_GPU_SCALE_LETTERBOX);
}

GST_END_TEST;

/* --- slot geometry and frames --------------------------------------------- */

#define RGB_8X4_CAPS                                                           \
  "video/x-raw, format=RGB, width=8, height=4, framerate=25/1"

/* The meta says how large a slot is and where in it each 8x4 frame went. */
GST_START_TEST (test_slot_geometry_in_meta)
{
  static const struct
  {
    const gchar *props;
    guint slot_w, slot_h;
    GstGpuSlotRect rect;
  } cases[] = {
    { "", 8, 4, { 0, 0, 8, 4 } },
    { "width=6 height=6", 6, 6, { 0, 0, 6, 6 } },
    { "width=6 height=6 scale-mode=letterbox", 6, 6, { 0, 1, 6, 3 } },
    { "width=16 height=8 scale-mode=letterbox", 16, 8, { 0, 0, 16, 8 } },
    { "width=4 height=8 scale-mode=letterbox", 4, 8, { 0, 3, 4, 2 } },
  };
  GstVideoInfo info;
  guint c, i;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 8, 4);
  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    gchar *props = g_strdup_printf (
        "max-batch-size=2 adaptive=false max-latency=0 %s", cases[c].props);
    GstHarness *h = batch_harness (props, RGB_8X4_CAPS);
    GstGpuBatchMeta *meta;
    GstBuffer *out;

    for (i = 0; i < 2; i++)
      gst_harness_push (h, video_buffer (&info, i, i * GST_SECOND));
    out = gst_harness_pull (h);
    meta = batch_meta (out);
    fail_unless_equals_int (meta->slot_width, cases[c].slot_w);
    fail_unless_equals_int (meta->slot_height, cases[c].slot_h);
    for (i = 0; i < 2; i++) {
      const GstGpuBatchSlot *s = &meta->slots[i];

      fail_unless (s->x == cases[c].rect.x && s->y == cases[c].rect.y
                       && s->scaled_width == cases[c].rect.width
                       && s->scaled_height == cases[c].rect.height,
          "%s: slot %u rect %u,%u %ux%u", cases[c].props, i, s->x, s->y,
          s->scaled_width, s->scaled_height);
      /* frames are kept only when asked */
      fail_unless (s->frame == NULL);
    }
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    g_free (props);
  }
}

GST_END_TEST;

/* Audio and tensor batches have no spatial slots. */
GST_START_TEST (test_tensor_batch_has_no_slot_geometry)
{
  GstHarness *h = batch_harness ("max-batch-size=1 adaptive=false "
                                 "max-latency=0 keep-frames=true",
      "other/tensors, format=static, num_tensors=1, "
      "dimensions=(string)4:3, types=(string)uint8, "
      "framerate=(fraction)0/1");
  GstGpuBatchMeta *meta;
  GstBuffer *out;

  gst_harness_push (h, gst_buffer_new_allocate (NULL, 12, NULL));
  out = gst_harness_pull (h);
  meta = batch_meta (out);
  fail_unless_equals_int (meta->slot_width, 0);
  fail_unless_equals_int (meta->slot_height, 0);
  fail_unless_equals_int (meta->slots[0].scaled_width, 0);
  fail_unless_equals_int (meta->slots[0].scaled_height, 0);
  fail_unless (meta->slots[0].frame == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* keep-frames: each slot holds its input buffer and caps; they go when
 * the batch buffer returns to the pool (which keeps the buffer). */
GST_START_TEST (test_keep_frames_released_with_batch)
{
  GstHarness *h = batch_harness ("max-batch-size=2 adaptive=false "
                                 "max-latency=0 keep-frames=true",
      RGB_8X4_CAPS);
  GstBuffer *in[2], *out;
  GstGpuBatchMeta *meta;
  GstVideoInfo info;
  GstCaps *want = gst_caps_from_string (RGB_8X4_CAPS);
  gint gone = 0;
  guint i;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 8, 4);
  for (i = 0; i < 2; i++) {
    in[i] = video_buffer (&info, i, i * GST_SECOND);
    gst_mini_object_weak_ref (GST_MINI_OBJECT (in[i]), count_finalized, &gone);
    gst_harness_push (h, in[i]);
  }
  out = gst_harness_pull (h);
  meta = batch_meta (out);
  for (i = 0; i < 2; i++) {
    GstSample *frame = meta->slots[i].frame;

    fail_unless (frame != NULL, "slot %u has no frame", i);
    fail_unless (gst_sample_get_buffer (frame) == in[i]);
    fail_unless (gst_caps_is_equal (gst_sample_get_caps (frame), want));
  }
  fail_unless_equals_int (g_atomic_int_get (&gone), 0);
  /* the source task lets go of its reference after the push returns */
  gst_buffer_unref (out);
  WAIT_UNTIL (g_atomic_int_get (&gone) == 2);
  gst_caps_unref (want);
  gst_harness_teardown (h);
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
  tcase_add_loop_test (
      tc, test_video_letterbox_matches_reference, 0, G_N_ELEMENTS (formats));
  tcase_add_test (tc, test_slot_geometry_in_meta);
  tcase_add_test (tc, test_tensor_batch_has_no_slot_geometry);
  tcase_add_test (tc, test_keep_frames_released_with_batch);
  tcase_add_test (tc, test_caps_change_mid_stream_keeps_batch_shape);
  return s;
}

GST_CHECK_MAIN (gpubatch);
