/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache: memoisation around a real gpuinfer (single.pt) against the
 * output without the cache, and key/value streams (get/put/erase). Bad
 * input and settings are in gpukvcachesettings.c, the Redis tier in
 * gpukvcacheredis.c.
 */
#include "tests/check/elements/gpukvcache/kvcachecheck.h"

#include <math.h>
#include <string.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpukvcachemeta.h"

#define N_SLOTS 8
#define SINGLE_IN 16
#define SINGLE_OUT 4
#define TOLERANCE 1e-4f

/* ---- memoisation ---- */

#ifdef GPUINFER_MODELS_DIR
static gfloat *
load_raw (const gchar *name, gsize n_floats)
{
  gchar *path = g_build_filename (GPUINFER_MODELS_DIR, name, NULL);
  gchar *data = NULL;
  gsize len = 0;

  fail_unless (
      g_file_get_contents (path, &data, &len, NULL), "cannot read %s", path);
  fail_unless_equals_uint64 (len, n_floats * sizeof (gfloat));
  g_free (path);
  return (gfloat *)data;
}

/* A full batch whose slot s holds reference item order[s]. */
static GstBuffer *
make_batch (const gfloat *items, const guint *order)
{
  gfloat *data = g_new (gfloat, SINGLE_IN * N_SLOTS);
  GstBuffer *buf;
  GstGpuBatchMeta *meta;
  guint s;

  for (s = 0; s < N_SLOTS; s++)
    memcpy (data + s * SINGLE_IN, items + order[s] * SINGLE_IN,
        SINGLE_IN * sizeof (gfloat));
  buf = gst_buffer_new_wrapped (data, SINGLE_IN * N_SLOTS * sizeof (gfloat));
  meta = gst_buffer_add_gpu_batch_meta (buf, N_SLOTS);
  meta->n_valid = N_SLOTS;
  for (s = 0; s < N_SLOTS; s++)
    meta->slots[s].pts = s * GST_MSECOND;
  return buf;
}

static GstHarness *
memo_harness (const gchar *pipeline)
{
  gchar *model = g_build_filename (GPUINFER_MODELS_DIR, "single.pt", NULL);
  gchar *desc = g_strdup_printf (pipeline, model);
  gchar *caps = tensors_caps (1, "16:8", "float32");
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  g_free (desc);
  g_free (model);
  return h;
}

/* Pushes each batch of @orders through @h; returns the outputs' floats. */
static gfloat *
run_batches (GstHarness *h, const gfloat *items, const guint (*orders)[N_SLOTS],
    guint n_batches)
{
  gfloat *outs = g_new0 (gfloat, n_batches * N_SLOTS * SINGLE_OUT);
  guint b, s;

  for (b = 0; b < n_batches; b++) {
    GstBuffer *out;
    GstGpuBatchMeta *meta;

    fail_unless_equals_int (
        gst_harness_push (h, make_batch (items, orders[b])), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out != NULL);
    fail_unless_equals_uint64 (
        gst_buffer_get_size (out), N_SLOTS * SINGLE_OUT * sizeof (gfloat));
    gst_buffer_extract (out, 0, outs + b * N_SLOTS * SINGLE_OUT,
        N_SLOTS * SINGLE_OUT * sizeof (gfloat));
    meta = gst_buffer_get_gpu_batch_meta (out);
    fail_unless (meta != NULL);
    for (s = 0; s < N_SLOTS; s++)
      fail_unless_equals_int (meta->slots[s].status, GST_GPU_SLOT_STATUS_OK);
    gst_buffer_unref (out);
  }
  return outs;
}

static const guint memo_orders[4][N_SLOTS] = {
  { 0, 1, 2, 3, 4, 5, 6, 7 },
  { 0, 1, 2, 3, 4, 5, 6, 7 },
  { 7, 6, 0, 1, 5, 4, 3, 2 },
  { 3, 3, 3, 3, 0, 0, 1, 1 },
};

/* lookup -> gpuinfer -> store gives what gpuinfer alone gives, and the
 * reference outputs. */
GST_START_TEST (test_memoised_output_equals_uncached)
{
  gfloat *items = load_raw ("single-in.raw", N_SLOTS * SINGLE_IN);
  gfloat *ref = load_raw ("single-out.raw", N_SLOTS * SINGLE_OUT);
  GstHarness *plain = memo_harness ("gpuinfer model=%s");
  GstHarness *memo = memo_harness (
      "gpukvcache mode=lookup cache-name=memo-eq ! gpuinfer model=%s ! "
      "gpukvcache mode=store cache-name=memo-eq");
  gfloat *a = run_batches (plain, items, memo_orders, 4);
  gfloat *b = run_batches (memo, items, memo_orders, 4);
  guint i, bt, s;

  for (i = 0; i < 4 * N_SLOTS * SINGLE_OUT; i++)
    fail_unless (
        fabsf (a[i] - b[i]) <= 0.0f, "output %u: %g vs %g", i, a[i], b[i]);
  for (bt = 0; bt < 4; bt++)
    for (s = 0; s < N_SLOTS; s++)
      for (i = 0; i < SINGLE_OUT; i++)
        fail_unless (fabsf (b[(bt * N_SLOTS + s) * SINGLE_OUT + i]
                            - ref[memo_orders[bt][s] * SINGLE_OUT + i])
                     <= TOLERANCE);
  g_free (a);
  g_free (b);
  g_free (items);
  g_free (ref);
  gst_harness_teardown (plain);
  gst_harness_teardown (memo);
}

GST_END_TEST;

/* The engine runs once per distinct content: 8 items over 4 batches. */
GST_START_TEST (test_repeated_content_runs_engine_once)
{
  gfloat *items = load_raw ("single-in.raw", N_SLOTS * SINGLE_IN);
  GstHarness *memo
      = memo_harness ("gpukvcache mode=lookup name=lk cache-name=memo-once ! "
                      "gpuinfer name=inf model=%s ! "
                      "gpukvcache mode=store name=st cache-name=memo-once");
  GstElement *inf = gst_bin_get_by_name (GST_BIN (memo->element), "inf");
  GstElement *lk = gst_bin_get_by_name (GST_BIN (memo->element), "lk");
  GstElement *st = gst_bin_get_by_name (GST_BIN (memo->element), "st");
  gfloat *out;

  out = run_batches (memo, items, memo_orders, 1);
  g_free (out);
  fail_unless_equals_uint64 (stats_uint64 (inf, "items-computed"), 8);
  out = run_batches (memo, items, memo_orders + 1, 3);
  g_free (out);
  fail_unless_equals_uint64 (stats_uint64 (inf, "items-computed"), 8);
  fail_unless_equals_uint64 (stats_uint64 (lk, "items-hit"), 24);
  fail_unless_equals_uint64 (stats_uint64 (lk, "items-missed"), 8);
  fail_unless_equals_uint64 (stats_uint64 (st, "items-stored"), 8);
  fail_unless_equals_uint64 (stats_uint64 (st, "items-filled"), 24);
  fail_unless_equals_uint64 (stats_uint64 (st, "entries"), 8);
  gst_object_unref (inf);
  gst_object_unref (lk);
  gst_object_unref (st);
  g_free (items);
  gst_harness_teardown (memo);
}

GST_END_TEST;

/* A lookup alone marks hits as CACHE_HIT once a store alone (nothing in
 * between: values are the inputs) has stored them. */
GST_START_TEST (test_lookup_marks_hits_in_batch_meta)
{
  gfloat *items = load_raw ("single-in.raw", N_SLOTS * SINGLE_IN);
  static const guint order[N_SLOTS] = { 0, 1, 2, 3, 4, 5, 6, 7 };
  gchar *caps = tensors_caps (1, "16:8", "float32");
  GstHarness *lk = kv_harness (kv_element (0, "memo-meta"), caps);
  GstHarness *st = kv_harness (kv_element (1, "memo-meta"), caps);
  GstBuffer *out;
  GstGpuBatchMeta *meta;
  guint s;

  out = gst_harness_push_and_pull (lk, make_batch (items, order));
  meta = gst_buffer_get_gpu_batch_meta (out);
  for (s = 0; s < N_SLOTS; s++)
    fail_unless_equals_int (meta->slots[s].status, GST_GPU_SLOT_STATUS_OK);
  fail_unless (
      gst_buffer_get_meta (out, g_type_from_name ("GstGpuKvCacheMetaAPI"))
      != NULL);
  out = gst_harness_push_and_pull (st, out);
  /* the store consumed the keys */
  fail_unless (
      gst_buffer_get_meta (out, g_type_from_name ("GstGpuKvCacheMetaAPI"))
      == NULL);
  gst_buffer_unref (out);

  out = gst_harness_push_and_pull (lk, make_batch (items, order));
  meta = gst_buffer_get_gpu_batch_meta (out);
  for (s = 0; s < N_SLOTS; s++)
    fail_unless_equals_int (
        meta->slots[s].status, GST_GPU_SLOT_STATUS_CACHE_HIT);
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-missed"), 8);
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-hit"), 8);
  g_free (items);
  g_free (caps);
  gst_harness_teardown (lk);
  gst_harness_teardown (st);
}

GST_END_TEST;
#endif /* GPUINFER_MODELS_DIR */

/* Two slots of 4 floats, slot s filled with contents[s]; @keys (nullable)
 * gives slot s the integer key keys[s] when it is not 0, in a
 * GstGpuKvCacheMeta of @meta_slots slots. */
static GstBuffer *
keyed_batch (const gfloat *contents, const guint64 *keys, guint meta_slots)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 2 * 4 * sizeof (gfloat), 0);
  GstGpuBatchMeta *bmeta = gst_buffer_add_gpu_batch_meta (buf, 2);
  GstMapInfo map;
  guint s, i;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (s = 0; s < 2; s++)
    for (i = 0; i < 4; i++)
      ((gfloat *)map.data)[s * 4 + i] = contents[s] + i;
  gst_buffer_unmap (buf, &map);
  bmeta->n_valid = 2;
  if (keys) {
    GstGpuKvCacheMeta *cmeta
        = gst_buffer_add_gpu_kv_cache_meta (buf, meta_slots, 0);

    for (s = 0; s < MIN (2, meta_slots); s++) {
      if (keys[s] == 0)
        continue;
      cmeta->keyed[s] = 1;
      cmeta->keys[s] = gst_gpu_kv_key_from_uint64 (keys[s]);
    }
  }
  return buf;
}

static gfloat
slot_first_float (GstBuffer *buf, guint s)
{
  gfloat v;

  gst_buffer_extract (buf, s * 4 * sizeof (gfloat), &v, sizeof (v));
  return v;
}

GST_START_TEST (test_lookup_uses_keys_given_in_meta)
{
  gchar *caps = tensors_caps (1, "4:2", "float32");
  GstHarness *lk = kv_harness (kv_element (0, "given-keys"), caps);
  GstHarness *st = kv_harness (kv_element (1, "given-keys"), caps);
  const gfloat a[2] = { 10, 20 }, b[2] = { 30, 20 }, c[2] = { 10, 20 };
  const guint64 a_keys[2] = { 100, 0 }, b_keys[2] = { 100, 0 };
  const guint64 c_keys[2] = { 0, 7 };
  GstBuffer *out;

  /* slot 0 stored under the given key 100, slot 1 under its content key */
  out = gst_harness_push_and_pull (lk, keyed_batch (a, a_keys, 2));
  gst_buffer_unref (gst_harness_push_and_pull (st, out));
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-missed"), 2);

  /* new content under key 100 hits and gets the value stored for it; the
   * same content as before in slot 1 hits by content */
  out = gst_harness_push_and_pull (lk, keyed_batch (b, b_keys, 2));
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-hit"), 2);
  out = gst_harness_push_and_pull (st, out);
  fail_unless_equals_float (slot_first_float (out, 0), 10);
  fail_unless_equals_float (slot_first_float (out, 1), 20);
  gst_buffer_unref (out);

  /* slot 0's content was stored under key 100, not under its content key;
   * slot 1 under a key never stored: both miss */
  out = gst_harness_push_and_pull (lk, keyed_batch (c, c_keys, 2));
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-hit"), 2);
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-missed"), 4);
  gst_buffer_unref (out);
  g_free (caps);
  gst_harness_teardown (lk);
  gst_harness_teardown (st);
}

GST_END_TEST;

GST_START_TEST (test_lookup_rejects_key_meta_of_other_batch_size)
{
  gchar *caps = tensors_caps (1, "4:2", "float32");
  GstBus *bus = gst_bus_new ();
  GstHarness *lk = kv_harness_full (kv_element (0, "bad-keys"), caps, bus);
  const gfloat a[2] = { 1, 2 };
  const guint64 keys[2] = { 5, 6 };

  fail_unless_equals_int (
      gst_harness_push (lk, keyed_batch (a, keys, 3)), GST_FLOW_ERROR);
  expect_message (bus, GST_MESSAGE_ERROR, "keys 3 slots");
  g_free (caps);
  /* queued messages hold the element, which holds the bus */
  kv_harness_teardown_bus (lk, bus);
}

GST_END_TEST;

/* in = out + dropped + failed + held, read from one stats structure */
static void
assert_counters_balance (GstElement *e, guint64 want_in)
{
  GstStructure *s = NULL;
  guint64 in = 0, out = 0, dropped = 0, failed = 0, held = 0;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get (s, "items-in", G_TYPE_UINT64, &in,
      "items-out", G_TYPE_UINT64, &out, "items-dropped", G_TYPE_UINT64,
      &dropped, "items-failed", G_TYPE_UINT64, &failed, "items-held",
      G_TYPE_UINT64, &held, NULL));
  gst_structure_free (s);
  GST_INFO ("in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
            " dropped %" G_GUINT64_FORMAT " failed %" G_GUINT64_FORMAT,
      in, out, dropped, failed);
  fail_unless_equals_uint64 (in, want_in);
  fail_unless_equals_uint64 (in, out + dropped + failed + held);
}

/* Issue 10 item 6: items counted in but neither out nor dropped nor failed
 * (a batch the element errored on, one downstream refused) */
GST_START_TEST (test_counters_balance_after_eos_flush_and_error)
{
  gchar *caps = tensors_caps (1, "4:2", "float32");
  GstBus *bus = gst_bus_new ();
  GstHarness *lk = kv_harness_full (kv_element (0, "balance"), caps, bus);
  const gfloat a[2] = { 1, 2 };
  const guint64 keys[2] = { 5, 6 };
  GstSegment segment;
  guint i;

  for (i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (lk, keyed_batch (a, NULL, 0)));
  fail_unless (gst_harness_push_event (lk, gst_event_new_eos ()));
  assert_counters_balance (lk->element, 6);
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-out"), 6);

  /* downstream flushing: the batch is refused, counted as dropped */
  fail_unless (gst_harness_push_event (lk, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (lk, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (lk, gst_event_new_segment (&segment)));
  gst_pad_set_active (lk->sinkpad, FALSE);
  fail_unless_equals_int (
      gst_harness_push (lk, keyed_batch (a, NULL, 0)), GST_FLOW_FLUSHING);
  gst_pad_set_active (lk->sinkpad, TRUE);
  assert_counters_balance (lk->element, 8);
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-dropped"), 2);

  /* an error on a batch: its items count as failed */
  fail_unless_equals_int (
      gst_harness_push (lk, keyed_batch (a, keys, 3)), GST_FLOW_ERROR);
  expect_message (bus, GST_MESSAGE_ERROR, "keys 3 slots");
  assert_counters_balance (lk->element, 10);
  fail_unless_equals_uint64 (stats_uint64 (lk->element, "items-failed"), 2);
  g_free (caps);
  kv_harness_teardown_bus (lk, bus);
}

GST_END_TEST;

/* ---- key/value streams ---- */

GST_START_TEST (test_put_then_get_returns_values_and_mask)
{
  const guint64 put_keys[4] = { 10, 20, 30, 40 };
  const guint64 get_keys[4] = { 20, 99, 40, 10 };
  const gboolean found[4] = { TRUE, FALSE, TRUE, TRUE };
  GstHarness *put = put_harness ("kv-get", 4, 24, NULL);
  GstHarness *get = get_harness ("kv-get", 4, 24, NULL);

  fail_unless_equals_int (push_put (put, put_keys, 4, 24), GST_FLOW_OK);
  check_get (get, get_keys, 4, 24, found);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "items-hit"), 3);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "items-missed"), 1);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
}

GST_END_TEST;

GST_START_TEST (test_get_output_caps_are_values_and_mask)
{
  GstHarness *get = get_harness ("kv-caps", 5, 12, NULL);
  GstCaps *caps = gst_pad_get_current_caps (get->sinkpad);
  GstStructure *s = gst_caps_get_structure (caps, 0);

  fail_unless_equals_string (
      gst_structure_get_string (s, "dimensions"), "12:5,1:5");
  fail_unless_equals_string (
      gst_structure_get_string (s, "types"), "uint8,uint8");
  gst_caps_unref (caps);
  gst_harness_teardown (get);
}

GST_END_TEST;

GST_START_TEST (test_sixteen_byte_keys_round_trip)
{
  guint8 keys[2][16];
  GstHarness *put, *get;
  gchar *caps;
  guint8 *data = g_malloc (32 + 8);
  GstBuffer *out;
  GstMapInfo map;

  memset (keys, 0, sizeof (keys));
  keys[0][0] = 1;
  keys[1][15] = 0x12;
  caps = tensors_caps (2, "16:2,4:2", "uint8,uint8");
  put = kv_harness (kv_element (3, "kv-16"), caps);
  g_free (caps);
  memcpy (data, keys, 32);
  memcpy (data + 32, "AAAABBBB", 8);
  gst_buffer_unref (
      gst_harness_push_and_pull (put, gst_buffer_new_wrapped (data, 40)));

  caps = tensors_caps (1, "16:2", "uint8");
  get = kv_harness (kv_element (2, "kv-16"), caps);
  g_free (caps);
  /* reversed order */
  data = g_malloc (32);
  memcpy (data, keys[1], 16);
  memcpy (data + 16, keys[0], 16);
  out = gst_harness_push_and_pull (get, gst_buffer_new_wrapped (data, 32));
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless (memcmp (map.data, "BBBBAAAA", 8) == 0);
  fail_unless_equals_int (map.data[8], 1);
  fail_unless_equals_int (map.data[9], 1);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
}

GST_END_TEST;

GST_START_TEST (test_erase_removes_keys)
{
  const guint64 keys[3] = { 1, 2, 3 };
  const guint64 gone[1] = { 2 };
  const gboolean found[3] = { TRUE, FALSE, TRUE };
  GstHarness *put = put_harness ("kv-erase", 3, 8, NULL);
  GstHarness *get = get_harness ("kv-erase", 3, 8, NULL);
  gchar *caps = tensors_caps (1, "1", "uint64");
  GstHarness *erase = kv_harness (kv_element (4, "kv-erase"), caps);

  g_free (caps);
  fail_unless_equals_int (push_put (put, keys, 3, 8), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_push_and_pull (
      erase, gst_buffer_new_memdup (gone, sizeof (gone))));
  check_get (get, keys, 3, 8, found);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "erases"), 1);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
  gst_harness_teardown (erase);
}

GST_END_TEST;

/* different cache-names are different tables */
GST_START_TEST (test_different_cache_names_do_not_share)
{
  const guint64 keys[2] = { 5, 6 };
  const gboolean none[2] = { FALSE, FALSE };
  GstHarness *put = put_harness ("kv-a", 2, 8, NULL);
  GstHarness *get = get_harness ("kv-b", 2, 8, NULL);

  fail_unless_equals_int (push_put (put, keys, 2, 8), GST_FLOW_OK);
  check_get (get, keys, 2, 8, none);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
}

GST_END_TEST;

/* ttl reaches the table: with a 1 ns lifetime a put entry has expired by
 * the time it is read */
GST_START_TEST (test_ttl_expires_entries)
{
  const guint64 keys[1] = { 9 };
  const gboolean none[1] = { FALSE };
  GstElement *e = kv_element (3, "kv-ttl");
  gchar *caps = tensors_caps (2, "1:1,8:1", "uint64,uint8");
  GstHarness *put, *get;

  g_object_set (e, "ttl", (guint64)1, NULL);
  put = kv_harness (e, caps);
  get = get_harness ("kv-ttl", 1, 8, NULL);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  g_usleep (1000);
  check_get (get, keys, 1, 8, none);
  fail_unless (stats_uint64 (get->element, "expired") >= 1);
  g_free (caps);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
}

GST_END_TEST;

GST_START_TEST (test_stats_posted_every_interval)
{
  GstBus *bus = gst_bus_new ();
  GstElement *e = kv_element (2, NULL);
  GstHarness *h;
  GstMessage *msg;

  g_object_set (e, "value-size", 8, "stats-interval", 10 * GST_MSECOND, NULL);
  h = kv_harness_full (e, NULL, bus);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL, "no stats message");
  fail_unless (gst_structure_has_name (
      gst_message_get_structure (msg), "gpukvcache-stats"));
  fail_unless (gst_structure_has_field (
      gst_message_get_structure (msg), "redis-errors"));
  gst_message_unref (msg);
  kv_harness_teardown_bus (h, bus);
}

GST_END_TEST;

static Suite *
gpukvcache_suite (void)
{
  Suite *s = suite_create ("gpukvcache");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
#ifdef GPUINFER_MODELS_DIR
  tcase_add_test (tc, test_memoised_output_equals_uncached);
  tcase_add_test (tc, test_repeated_content_runs_engine_once);
  tcase_add_test (tc, test_lookup_marks_hits_in_batch_meta);
#endif
  tcase_add_test (tc, test_lookup_uses_keys_given_in_meta);
  tcase_add_test (tc, test_lookup_rejects_key_meta_of_other_batch_size);
  tcase_add_test (tc, test_counters_balance_after_eos_flush_and_error);
  tcase_add_test (tc, test_put_then_get_returns_values_and_mask);
  tcase_add_test (tc, test_get_output_caps_are_values_and_mask);
  tcase_add_test (tc, test_sixteen_byte_keys_round_trip);
  tcase_add_test (tc, test_erase_removes_keys);
  tcase_add_test (tc, test_different_cache_names_do_not_share);
  tcase_add_test (tc, test_ttl_expires_entries);
  tcase_add_test (tc, test_stats_posted_every_interval);
  return s;
}

GST_CHECK_MAIN (gpukvcache);
