/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuunbatch: batches built by hand with GstGpuBatchMeta go in, one stream
 * per source comes out: slots, memory, caps and events.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpuunbatchtest.h"

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
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-in"), total);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), total);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "batches"), batches);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-dropped"), 0);

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

  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-in"), 8);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-out"), 3);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-dropped"), 3);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-failed"), 2);
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
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-cache-hit"), 1);

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
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-in"), 3);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "batches"), 2);

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

  return s;
}

GST_CHECK_MAIN (gpuunbatch);
