/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache: memoisation around a real gpuinfer (single.pt) against the
 * output without the cache; key/value streams (get/put/erase); shared
 * tables; bad input; and the Redis tier against a real redis-server child
 * on a loopback port chosen here.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <hiredis/hiredis.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpukvcachemeta.h"
#include "gpu/device/gstgpudevice.h"

#define N_SLOTS 8
#define SINGLE_IN 16
#define SINGLE_OUT 4
#define TOLERANCE 1e-4f

static gchar *
tensors_caps (guint n, const gchar *dims, const gchar *types)
{
  return g_strdup_printf ("other/tensors, format=(string)static, "
                          "num_tensors=(int)%u, dimensions=(string)\"%s\", "
                          "types=(string)\"%s\", framerate=(fraction)0/1",
      n, dims, types);
}

static guint64
stats_uint64 (GstElement *e, const gchar *field)
{
  GstStructure *s = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

/* Pops the ERROR (or WARNING) message and checks it names @needle. */
static void
expect_message (GstBus *bus, GstMessageType type, const gchar *needle)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, type);
  GError *err = NULL;
  gchar *dbg = NULL, *all;

  fail_unless (msg != NULL, "no %s posted", gst_message_type_get_name (type));
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &dbg);
  else
    gst_message_parse_warning (msg, &err, &dbg);
  all = g_strdup_printf ("%s | %s", err->message, GST_STR_NULL (dbg));
  GST_INFO ("message: %s", all);
  fail_unless (
      strstr (all, needle) != NULL, "'%s' does not mention '%s'", all, needle);
  g_free (all);
  g_free (dbg);
  g_error_free (err);
  gst_message_unref (msg);
}

/* A harness around @e (reference taken), properties already set; @caps
 * may be NULL. @bus (nullable) is set before the element starts. */
static GstHarness *
kv_harness_full (GstElement *e, const gchar *caps, GstBus *bus)
{
  GstHarness *h;

  if (bus)
    gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* Tears down a harness made with a bus: the messages queued on @bus hold
 * the element, which holds the bus, so the bus is detached first. */
static void
kv_harness_teardown_bus (GstHarness *h, GstBus *bus)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

static GstHarness *
kv_harness (GstElement *e, const gchar *caps)
{
  return kv_harness_full (e, caps, NULL);
}

static GstElement *
kv_element (guint mode, const gchar *name)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (e, "mode", mode, "cache-name", name, NULL);
  return e;
}

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

/* put harness: keys uint64 (1:N), values uint8 (vs:N) */
static GstHarness *
put_harness_bus (
    const gchar *name, guint n, guint vs, const gchar *extra, GstBus *bus)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);
  gchar *dims = g_strdup_printf ("1:%u,%u:%u", n, vs, n);
  gchar *caps = tensors_caps (2, dims, "uint64,uint8");
  GstHarness *h;

  g_object_set (e, "mode", 3, "cache-name", name, "backing-store", extra, NULL);
  h = kv_harness_full (e, caps, bus);
  g_free (caps);
  g_free (dims);
  return h;
}

static GstHarness *
put_harness (const gchar *name, guint n, guint vs, const gchar *extra)
{
  return put_harness_bus (name, n, vs, extra, NULL);
}

static GstHarness *
get_harness (const gchar *name, guint n, guint vs, const gchar *extra)
{
  GstElement *e = kv_element (2, name);
  gchar *dims = g_strdup_printf ("1:%u", n);
  gchar *caps = tensors_caps (1, dims, "uint64");
  GstHarness *h;

  g_object_set (e, "value-size", vs, "backing-store", extra, NULL);
  h = kv_harness (e, caps);
  g_free (caps);
  g_free (dims);
  return h;
}

/* value of key k: vs bytes of (k * 7 + i) */
static void
fill_value (guint8 *v, guint64 k, guint vs)
{
  guint i;
  for (i = 0; i < vs; i++)
    v[i] = (guint8)(k * 7 + i + 1);
}

static GstFlowReturn
push_put (GstHarness *h, const guint64 *keys, guint n, guint vs)
{
  guint8 *data = g_malloc (n * 8 + n * vs);
  guint i;
  GstBuffer *out;
  GstFlowReturn ret;

  memcpy (data, keys, n * 8);
  for (i = 0; i < n; i++)
    fill_value (data + n * 8 + i * vs, keys[i], vs);
  ret = gst_harness_push (h, gst_buffer_new_wrapped (data, n * 8 + n * vs));
  if (ret == GST_FLOW_OK) {
    out = gst_harness_pull (h);
    gst_buffer_unref (out);
  }
  return ret;
}

/* Gets @keys; checks found against @expect_found and the values. */
static void
check_get (GstHarness *h, const guint64 *keys, guint n, guint vs,
    const gboolean *expect_found)
{
  GstBuffer *out;
  GstMapInfo map;
  guint8 *want = g_malloc (vs);
  guint i;

  out = gst_harness_push_and_pull (
      h, gst_buffer_new_memdup (keys, n * sizeof (guint64)));
  fail_unless (out != NULL);
  fail_unless_equals_int (gst_buffer_n_memory (out), 2);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, n * vs + n);
  for (i = 0; i < n; i++) {
    fail_unless_equals_int (map.data[n * vs + i], expect_found[i] ? 1 : 0);
    if (expect_found[i]) {
      fill_value (want, keys[i], vs);
      fail_unless (memcmp (map.data + i * vs, want, vs) == 0, "key %u", i);
    }
  }
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  g_free (want);
}

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

/* ---- bad input ---- */

GST_START_TEST (test_get_rejects_float_keys)
{
  GstBus *bus = gst_bus_new ();
  gchar *caps = tensors_caps (1, "1:4", "float32");
  GstElement *e = kv_element (2, NULL);
  GstHarness *h;

  g_object_set (e, "value-size", 8, NULL);
  h = kv_harness_full (e, caps, bus);
  expect_message (bus, GST_MESSAGE_ERROR, "Key tensor is float32");
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_allocate (NULL, 16, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  g_free (caps);
  kv_harness_teardown_bus (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_put_rejects_value_size_mismatch)
{
  GstBus *bus = gst_bus_new ();
  gchar *caps = tensors_caps (2, "1:4,4:4", "uint64,uint8");
  GstElement *e = kv_element (3, NULL);
  GstHarness *h;

  g_object_set (e, "value-size", 8, NULL);
  h = kv_harness_full (e, caps, bus);
  expect_message (bus, GST_MESSAGE_ERROR, "value-size is 8");
  g_free (caps);
  kv_harness_teardown_bus (h, bus);
}

GST_END_TEST;

/* the sink template takes other/tensors only: video caps are refused at
 * negotiation and data after them is not-negotiated */
GST_START_TEST (test_rejects_non_tensor_caps)
{
  GstHarness *h = kv_harness (kv_element (2, NULL), NULL);
  GstCaps *video = gst_caps_from_string (
      "video/x-raw, format=RGB, width=2, height=2, framerate=0/1");

  fail_if (gst_pad_query_accept_caps (h->element->sinkpads->data, video));
  gst_harness_set_src_caps (h, video);
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_allocate (NULL, 12, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Sets @e to READY, expects failure and an error naming @needle. */
static void
expect_ready_fails (GstElement *e, const gchar *needle)
{
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (e, bus);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  expect_message (bus, GST_MESSAGE_ERROR, needle);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
}

GST_START_TEST (test_capacity_zero_fails)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (e, "capacity", (guint64)0, "value-size", 8, NULL);
  expect_ready_fails (e, "capacity");
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_shared_value_size_mismatch_fails)
{
  GstElement *a = gst_element_factory_make ("gpukvcache", "first");
  GstElement *b = gst_element_factory_make ("gpukvcache", "second");

  g_object_set (a, "cache-name", "mm-vs", "value-size", 8, NULL);
  g_object_set (b, "cache-name", "mm-vs", "value-size", 16, NULL);
  fail_unless_equals_int (
      gst_element_set_state (a, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  expect_ready_fails (b, "value-size 16 of second differs from value-size 8");
  gst_element_set_state (a, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_shared_capacity_mismatch_fails)
{
  GstElement *a = gst_element_factory_make ("gpukvcache", "first");
  GstElement *b = gst_element_factory_make ("gpukvcache", "second");

  g_object_set (a, "cache-name", "mm-cap", "capacity", (guint64)1024, NULL);
  g_object_set (b, "cache-name", "mm-cap", "capacity", (guint64)2048, NULL);
  fail_unless_equals_int (
      gst_element_set_state (a, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  expect_ready_fails (b, "capacity 2048");
  gst_element_set_state (a, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* the table is released with the last element: a new one may differ */
GST_START_TEST (test_shared_table_released_with_last_element)
{
  GstElement *a = gst_element_factory_make ("gpukvcache", NULL);
  GstElement *b = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (a, "cache-name", "rel", "value-size", 8, NULL);
  g_object_set (b, "cache-name", "rel", "value-size", 16, NULL);
  fail_unless_equals_int (
      gst_element_set_state (a, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (a, GST_STATE_NULL);
  fail_unless_equals_int (
      gst_element_set_state (b, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (b, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_device_cuda_fails_without_gpu)
{
  GstElement *e = kv_element (0, "on-cuda");

  if (gst_gpu_device_cuda_available ()) {
    GST_INFO ("a GPU is usable here: nothing to check");
    gst_object_unref (e);
    return;
  }
  g_object_set (e, "value-size", 8, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "device", "cuda");
  expect_ready_fails (e, "device");
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_stats_report_table_device)
{
  GstElement *e = kv_element (0, "on-auto");
  GstStructure *stats = NULL;

  g_object_set (e, "value-size", 8, NULL);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  g_object_get (e, "stats", &stats, NULL);
  /* device=auto: the GPU when one is usable, else the CPU */
  fail_unless_equals_string (gst_structure_get_string (stats, "device"),
      gst_gpu_device_cuda_available () ? "cuda" : "cpu");
  gst_structure_free (stats);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_malformed_url_fails)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);

  g_object_set (e, "backing-store", "http://:secret@host:1/0", NULL);
  expect_ready_fails (e, "backing-store");
  g_object_set (e, "backing-store", "redis://:secret@host:1/notadb", NULL);
  expect_ready_fails (e, "backing-store 'redis://***@host:1/notadb'");
  /* issue 10 item 10: port 99999 said only "not a redis:// URL"; port 0
   * was taken as the default */
  g_object_set (e, "backing-store", "redis://127.0.0.1:99999/0", NULL);
  expect_ready_fails (e, "port is out of range");
  g_object_set (e, "backing-store", "redis://127.0.0.1:0/0", NULL);
  expect_ready_fails (e, "port 0 is out of range");
  g_object_set (e, "backing-store", "unix:relative.sock", NULL);
  expect_ready_fails (e, "absolute socket path");
  g_object_set (e, "backing-store", "unix:///tmp/r.sock?db=99", NULL);
  expect_ready_fails (e, "database '99' is not a number 0-15");
  gst_object_unref (e);
}

GST_END_TEST;

/* The blurb of @factory's @prop holds every one of the NULL-terminated
 * @needles. */
static void
assert_blurb_says (const gchar *factory, const gchar *prop, ...)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GParamSpec *pspec
      = g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop);
  const gchar *blurb, *needle;
  va_list args;

  fail_unless (pspec != NULL, "%s has no %s", factory, prop);
  blurb = g_param_spec_get_blurb (pspec);
  va_start (args, prop);
  while ((needle = va_arg (args, const gchar *)) != NULL)
    fail_unless (strstr (blurb, needle) != NULL, "%s:%s '%s' does not say '%s'",
        factory, prop, blurb, needle);
  va_end (args);
  gst_object_unref (e);
}

/* Issue 10 item 15: the gst-inspect texts must let a user set a property
 * without the docs (units, defaults, ranges). */
GST_START_TEST (test_property_blurbs_say_units_and_defaults)
{
  GstElement *e = gst_element_factory_make ("gpukvcache", NULL);
  GParamSpec **pspecs;
  guint n, i;

  /* every property of ours gives its default (or says it is read-only) */
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);
  for (i = 0; i < n; i++) {
    const gchar *blurb = g_param_spec_get_blurb (pspecs[i]);
    gchar *lower;

    if (pspecs[i]->owner_type != G_OBJECT_TYPE (e))
      continue;
    lower = g_ascii_strdown (blurb, -1);
    fail_unless (strstr (lower, "default") != NULL
                     || !(pspecs[i]->flags & G_PARAM_WRITABLE),
        "%s: '%s' gives no default", pspecs[i]->name, blurb);
    g_free (lower);
  }
  g_free (pspecs);
  gst_object_unref (e);

  assert_blurb_says ("gpukvcache", "device", "fails to start", NULL);
  assert_blurb_says ("gpukvcache", "mode", "lookup (", "store (", "get (",
      "put (", "erase (", "Default: lookup", NULL);
  assert_blurb_says ("gpukvcache", "stats", "items-in", "items-failed",
      "redis-errors", "hit-ratio", "device", NULL);
  assert_blurb_says ("gpukvcache", "backing-store", "6379", "0-15", "1-65535",
      "GST_GPUSTREAM_REDIS_PASSWORD", "unix:", NULL);
  assert_blurb_says ("gpukvcache", "capacity", "rounded up", NULL);
  assert_blurb_says ("gpukvcache", "max-bytes", "41 + value-size", NULL);
  assert_blurb_says ("gpukvcache", "stats-interval", "10 ms", NULL);
  assert_blurb_says (
      "gpuoptbin", "plan", "threads", "queues", "fused", "decisions", NULL);
  assert_blurb_says (
      "gpuoptbin", "profile", "mean-us", "elements", "avg-us", NULL);
}

GST_END_TEST;

/* ---- Redis tier ---- */

typedef struct
{
  GPid pid;
  guint port;
  const gchar *password; /* nullable: --requirepass */
  gchar *unix_socket;    /* nullable: --unixsocket */
} RedisChild;

static const gchar *
redis_server_path (void)
{
  static gchar *path = NULL;
  if (!path)
    path = g_find_program_in_path ("redis-server");
  if (!path && g_file_test ("/usr/bin/redis-server", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/bin/redis-server");
  return path;
}

static guint
free_port (void)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof (addr);
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port;

  memset (&addr, 0, sizeof (addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0);
  fail_unless (getsockname (fd, (struct sockaddr *)&addr, &len) == 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static redisContext *
redis_connect (guint port)
{
  struct timeval tv = { 0, 200000 };
  redisContext *c = redisConnectWithTimeout ("127.0.0.1", port, tv);

  if (c && c->err) {
    redisFree (c);
    c = NULL;
  }
  return c;
}

/* a failing test exits without redis_stop (): take the server with it */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
redis_start (RedisChild *child)
{
  gchar *port = g_strdup_printf ("%u", child->port);
  const gchar *argv[18] = { redis_server_path (), "--port", port, "--bind",
    "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" };
  guint argc = 11;
  GError *error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  gboolean up = FALSE;

  fail_unless (argv[0] != NULL, "redis-server not found");
  if (child->password) {
    argv[argc++] = "--requirepass";
    argv[argc++] = child->password;
  }
  if (child->unix_socket) {
    argv[argc++] = "--unixsocket";
    argv[argc++] = child->unix_socket;
    argv[argc++] = "--unixsocketperm";
    argv[argc++] = "700";
  }
  fail_unless (g_spawn_async (NULL, (gchar **)argv, NULL,
                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                   die_with_parent, NULL, &child->pid, &error),
      "cannot start redis-server: %s", error ? error->message : "");
  while (!up && g_get_monotonic_time () < deadline) {
    redisContext *c = redis_connect (child->port);
    if (c) {
      redisReply *r = redisCommand (c, "PING");
      /* with a password PING answers NOAUTH: still up */
      up = r != NULL;
      if (r)
        freeReplyObject (r);
      redisFree (c);
    }
    if (!up)
      g_usleep (20000);
  }
  fail_unless (up, "redis-server did not answer PING on port %u", child->port);
  g_free (port);
}

static void
redis_stop (RedisChild *child)
{
  if (child->pid <= 0)
    return;
  kill (child->pid, SIGKILL);
  waitpid (child->pid, NULL, 0);
  g_spawn_close_pid (child->pid);
  child->pid = 0;
}

static gchar *
redis_url (RedisChild *child)
{
  return g_strdup_printf ("redis://127.0.0.1:%u/0", child->port);
}

/* Waits (bounded) until the tier's writer thread has written or dropped
 * every queued entry of @e. */
static void
wait_writes (GstElement *e)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  while (stats_uint64 (e, "redis-writes-pending") > 0) {
    fail_unless (g_get_monotonic_time () < deadline, "writes never settled");
    g_usleep (1000);
  }
}

/* the Redis key of integer key k */
static gchar *
int_key_text (guint64 k)
{
  return g_strdup_printf ("gkv:%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER
                          "x",
      (guint64)0xC0FFEE5EEDC0FFEEull, k);
}

GST_START_TEST (test_redis_write_through)
{
  RedisChild child = { 0, free_port (), NULL };
  const guint64 keys[3] = { 100, 200, 300 };
  gchar *url, *key;
  GstHarness *put;
  redisContext *c;
  redisReply *r;
  guint8 want[8];
  guint i;

  redis_start (&child);
  url = redis_url (&child);
  put = put_harness ("rd-wt", 3, 8, url);
  fail_unless_equals_int (push_put (put, keys, 3, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-writes"), 3);
  c = redis_connect (child.port);
  fail_unless (c != NULL);
  for (i = 0; i < 3; i++) {
    key = int_key_text (keys[i]);
    r = redisCommand (c, "GET %s", key);
    fail_unless (r && r->type == REDIS_REPLY_STRING && r->len == 8, "%s", key);
    fill_value (want, keys[i], 8);
    fail_unless (memcmp (r->str, want, 8) == 0);
    freeReplyObject (r);
    g_free (key);
  }
  redisFree (c);
  gst_harness_teardown (put);
  redis_stop (&child);
  g_free (url);
}

GST_END_TEST;

GST_START_TEST (test_redis_read_through_promotes)
{
  RedisChild child = { 0, free_port (), NULL };
  const guint64 keys[2] = { 7, 8 };
  const gboolean found[2] = { TRUE, FALSE };
  gchar *url, *key = int_key_text (7);
  GstHarness *get;
  redisContext *c;
  redisReply *r;
  guint8 value[8];

  redis_start (&child);
  url = redis_url (&child);
  fill_value (value, 7, 8);
  c = redis_connect (child.port);
  r = redisCommand (c, "SET %s %b", key, value, (size_t)8);
  fail_unless (r != NULL);
  freeReplyObject (r);
  redisFree (c);

  get = get_harness ("rd-rt", 2, 8, url);
  check_get (get, keys, 2, 8, found);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "redis-hits"), 1);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "hits"), 0);
  /* promoted: the second lookup is a table hit */
  check_get (get, keys, 2, 8, found);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "hits"), 1);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "redis-hits"), 1);
  gst_harness_teardown (get);
  redis_stop (&child);
  g_free (url);
  g_free (key);
}

GST_END_TEST;

/* two pipelines with their own tables share entries through Redis */
GST_START_TEST (test_redis_shared_between_pipelines)
{
  RedisChild child = { 0, free_port (), NULL };
  const guint64 keys[4] = { 1, 2, 3, 4 };
  const gboolean found[4] = { TRUE, TRUE, TRUE, TRUE };
  gchar *url;
  GstHarness *put, *get;

  redis_start (&child);
  url = redis_url (&child);
  put = put_harness ("rd-host-a", 4, 16, url);
  get = get_harness ("rd-host-b", 4, 16, url);
  fail_unless_equals_int (push_put (put, keys, 4, 16), GST_FLOW_OK);
  wait_writes (put->element);
  check_get (get, keys, 4, 16, found);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "redis-hits"), 4);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
  redis_stop (&child);
  g_free (url);
}

GST_END_TEST;

GST_START_TEST (test_redis_killed_mid_stream_keeps_running)
{
  RedisChild child = { 0, free_port (), NULL };
  const guint64 keys[2] = { 11, 12 };
  const gboolean found[2] = { TRUE, TRUE };
  GstBus *bus = gst_bus_new ();
  gchar *url;
  GstHarness *put, *get;
  guint i;

  redis_start (&child);
  url = redis_url (&child);
  put = put_harness_bus ("rd-kill", 2, 8, url, bus);
  get = get_harness ("rd-kill", 2, 8, url);
  fail_unless_equals_int (push_put (put, keys, 2, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-errors"), 0);
  redis_stop (&child);
  for (i = 0; i < 5; i++)
    fail_unless_equals_int (push_put (put, keys, 2, 8), GST_FLOW_OK);
  wait_writes (put->element);
  /* the table alone still answers */
  check_get (get, keys, 2, 8, found);
  fail_unless (stats_uint64 (put->element, "redis-errors") >= 1);
  expect_message (bus, GST_MESSAGE_WARNING, "unreachable");
  /* warned once for the outage */
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  kv_harness_teardown_bus (put, bus);
  gst_harness_teardown (get);
  g_free (url);
}

GST_END_TEST;

/* a stalled server (SIGSTOP) costs one redis-timeout, not a hang */
GST_START_TEST (test_redis_stalled_times_out)
{
  RedisChild child = { 0, free_port (), NULL };
  const guint64 keys[1] = { 5 };
  const gboolean found[1] = { TRUE };
  GstElement *e = kv_element (3, "rd-stall");
  gchar *caps = tensors_caps (2, "1:1,8:1", "uint64,uint8");
  gchar *url;
  GstHarness *put, *get;

  redis_start (&child);
  url = redis_url (&child);
  g_object_set (e, "backing-store", url, "redis-timeout", 50, NULL);
  put = kv_harness (e, caps);
  get = get_harness ("rd-stall", 1, 8, NULL);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  kill (child.pid, SIGSTOP);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-errors"), 1);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-timeouts"), 1);
  check_get (get, keys, 1, 8, found);
  kill (child.pid, SIGCONT);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
  redis_stop (&child);
  g_free (url);
  g_free (caps);
}

GST_END_TEST;

GST_START_TEST (test_redis_restarted_reconnects)
{
  RedisChild child = { 0, free_port (), NULL };
  const guint64 keys[1] = { 77 };
  gchar *url, *key = int_key_text (77);
  GstHarness *put;
  gint64 deadline;
  gboolean connected = FALSE;
  redisContext *c;
  redisReply *r;

  redis_start (&child);
  url = redis_url (&child);
  put = put_harness ("rd-restart", 1, 8, url);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  redis_stop (&child);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless (stats_uint64 (put->element, "redis-errors") >= 1);
  redis_start (&child);
  /* the back-off expires on the monotonic clock; keep streaming until a
   * batch goes through (bounded wait, not a timing assertion) */
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (!connected && g_get_monotonic_time () < deadline) {
    GstStructure *s = NULL;
    fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
    wait_writes (put->element);
    g_object_get (put->element, "stats", &s, NULL);
    gst_structure_get_boolean (s, "redis-connected", &connected);
    gst_structure_free (s);
    if (!connected)
      g_usleep (20000);
  }
  fail_unless (connected, "did not reconnect");
  c = redis_connect (child.port);
  r = redisCommand (c, "EXISTS %s", key);
  fail_unless (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
  freeReplyObject (r);
  redisFree (c);
  gst_harness_teardown (put);
  redis_stop (&child);
  g_free (url);
  g_free (key);
}

GST_END_TEST;

GST_START_TEST (test_redis_password_from_environment)
{
  RedisChild child = { 0, free_port (), "s3cret-pw" };
  const guint64 keys[1] = { 3 };
  gchar *url;
  GstHarness *put;

  redis_start (&child);
  url = redis_url (&child);
  /* without the password AUTH is missing: every write fails */
  put = put_harness ("rd-env-a", 1, 8, url);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-writes"), 0);
  fail_unless (stats_uint64 (put->element, "redis-errors") >= 1);
  gst_harness_teardown (put);
  g_setenv ("GST_GPUSTREAM_REDIS_PASSWORD", "s3cret-pw", TRUE);
  put = put_harness ("rd-env-b", 1, 8, url);
  g_unsetenv ("GST_GPUSTREAM_REDIS_PASSWORD");
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-writes"), 1);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-errors"), 0);
  gst_harness_teardown (put);
  redis_stop (&child);
  g_free (url);
}

GST_END_TEST;

GST_START_TEST (test_redis_url_password_is_masked)
{
  GstBus *bus = gst_bus_new ();
  guint port = free_port ();
  gchar *url = g_strdup_printf ("redis://:hunter2@127.0.0.1:%u/0", port);
  GstHarness *put;
  const guint64 keys[1] = { 1 };
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  /* nothing listens on @port: the warning names the masked URL */
  put = put_harness_bus ("rd-mask", 1, 8, url, bus);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &err, &dbg);
  fail_unless (
      strstr (err->message, "***@127.0.0.1") != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "hunter2") == NULL);
  fail_unless (dbg == NULL || strstr (dbg, "hunter2") == NULL);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  kv_harness_teardown_bus (put, bus);
  g_free (url);
}

GST_END_TEST;

/* Pushes get batches of fresh keys (table misses, so every batch asks
 * Redis) for @us microseconds; returns how many. Every batch comes out. */
static guint
push_gets_for (GstHarness *get, guint64 *next_key, gint64 us)
{
  gint64 end = g_get_monotonic_time () + us;
  guint n = 0;

  while (g_get_monotonic_time () < end) {
    guint64 keys[2] = { (*next_key)++, (*next_key)++ };
    GstBuffer *out = gst_harness_push_and_pull (
        get, gst_buffer_new_memdup (keys, sizeof (keys)));
    fail_unless (out != NULL);
    gst_buffer_unref (out);
    n++;
    /* a stream, not a busy loop */
    g_usleep (1000);
  }
  return n;
}

/* Failures a tier that never answers may cost over @elapsed_us: the first,
 * then one trial per back-off, the back-off starting at 50 ms and
 * doubling; plus one for a trial in flight at the end. */
static guint64
max_failures_with_backoff (gint64 elapsed_us)
{
  guint64 n = 1;
  gint64 waited = 0, backoff = 50000;

  while (waited + backoff <= elapsed_us) {
    waited += backoff;
    backoff = MIN (backoff * 2, 5 * G_USEC_PER_SEC);
    n++;
  }
  return n + 1;
}

/* Issue 10 item 9: a stopped server still accepts TCP connections, which
 * reset the back-off, so every batch waited a timeout (throughput -90 %).
 * Only a round trip that succeeds may close the breaker now: the failures
 * (all timeouts) over the outage follow the doubling back-off. */
GST_START_TEST (test_redis_hung_costs_one_timeout_per_backoff)
{
  RedisChild child = { 0, free_port (), NULL };
  GstElement *e = kv_element (2, "rd-hung");
  gchar *caps = tensors_caps (1, "1:2", "uint64");
  guint64 next_key = 1000, errors, bound;
  gint64 start, elapsed, deadline;
  gboolean connected = FALSE;
  GstHarness *get;
  gchar *url;
  guint n;

  redis_start (&child);
  url = redis_url (&child);
  g_object_set (
      e, "value-size", 8, "backing-store", url, "redis-timeout", 50, NULL);
  get = kv_harness (e, caps);
  push_gets_for (get, &next_key, 0);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "redis-errors"), 0);

  kill (child.pid, SIGSTOP);
  start = g_get_monotonic_time ();
  n = push_gets_for (get, &next_key, 1500 * G_TIME_SPAN_MILLISECOND);
  elapsed = g_get_monotonic_time () - start;
  errors = stats_uint64 (get->element, "redis-errors");
  bound = max_failures_with_backoff (elapsed);
  GST_INFO ("%u batches, %" G_GUINT64_FORMAT " failures in %" G_GINT64_FORMAT
            " us (at most %" G_GUINT64_FORMAT ")",
      n, errors, elapsed, bound);
  fail_unless (errors >= 1);
  fail_unless (errors <= bound,
      "%" G_GUINT64_FORMAT " timeouts in %" G_GINT64_FORMAT " us, more "
      "than one per back-off period (%" G_GUINT64_FORMAT ")",
      errors, elapsed, bound);
  fail_unless_equals_uint64 (
      stats_uint64 (get->element, "redis-timeouts"), errors);

  /* resumed: a trial after the back-off closes the breaker */
  kill (child.pid, SIGCONT);
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  while (!connected && g_get_monotonic_time () < deadline) {
    GstStructure *s = NULL;
    push_gets_for (get, &next_key, 20 * G_TIME_SPAN_MILLISECOND);
    g_object_get (get->element, "stats", &s, NULL);
    gst_structure_get_boolean (s, "redis-connected", &connected);
    gst_structure_free (s);
  }
  fail_unless (connected, "did not recover after SIGCONT");
  gst_harness_teardown (get);
  redis_stop (&child);
  g_free (url);
  g_free (caps);
}

GST_END_TEST;

/* Issue 10 item 9, writes: they are queued to the tier's writer thread, so
 * a hung server costs the streaming thread nothing; every queued entry is
 * written or counted as dropped by EOS. */
GST_START_TEST (test_redis_hung_writes_are_queued_and_counted)
{
  RedisChild child = { 0, free_port (), NULL };
  GstElement *e = kv_element (3, "rd-hung-w");
  gchar *caps = tensors_caps (2, "1:4,8:4", "uint64,uint8");
  guint64 keys[4], written, dropped, errors;
  gint64 start, elapsed, deadline;
  GstHarness *put;
  gchar *url;
  guint i, k;

  redis_start (&child);
  url = redis_url (&child);
  g_object_set (e, "backing-store", url, "redis-timeout", 50, NULL);
  put = kv_harness (e, caps);
  kill (child.pid, SIGSTOP);
  start = g_get_monotonic_time ();
  for (i = 0; i < 50; i++) {
    for (k = 0; k < 4; k++)
      keys[k] = i * 4 + k + 1;
    fail_unless_equals_int (push_put (put, keys, 4, 8), GST_FLOW_OK);
  }
  /* the streaming thread went on while the writer waits for the server */
  fail_unless_equals_uint64 (stats_uint64 (put->element, "items-out"), 200);
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  while (stats_uint64 (put->element, "redis-timeouts") == 0)
    fail_unless (
        g_get_monotonic_time () < deadline, "the writer never timed out");
  kill (child.pid, SIGCONT);
  fail_unless (gst_harness_push_event (put, gst_event_new_eos ()));
  elapsed = g_get_monotonic_time () - start;
  /* EOS waited for the queue */
  fail_unless_equals_uint64 (
      stats_uint64 (put->element, "redis-writes-pending"), 0);
  written = stats_uint64 (put->element, "redis-writes");
  dropped = stats_uint64 (put->element, "redis-writes-dropped");
  errors = stats_uint64 (put->element, "redis-errors");
  GST_INFO ("written %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT
            " errors %" G_GUINT64_FORMAT,
      written, dropped, errors);
  fail_unless_equals_uint64 (written + dropped, 200);
  fail_unless (errors <= max_failures_with_backoff (elapsed));
  gst_harness_teardown (put);
  redis_stop (&child);
  g_free (url);
  g_free (caps);
}

GST_END_TEST;

/* Pops the WARNING on @bus; checks it says @needle and not @secret. */
static void
expect_warning_without (GstBus *bus, const gchar *needle, const gchar *secret)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  GError *err = NULL;
  gchar *dbg = NULL;

  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, &dbg);
  GST_INFO ("warning: %s | %s", err->message, GST_STR_NULL (dbg));
  fail_unless (strstr (err->message, needle) != NULL, "'%s' does not say '%s'",
      err->message, needle);
  fail_unless (strstr (err->message, secret) == NULL);
  fail_unless (dbg == NULL || strstr (dbg, secret) == NULL);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
}

/* Issue 10 item 10: a wrong or missing password said "unreachable or too
 * slow" */
GST_START_TEST (test_redis_bad_password_says_authentication_failed)
{
  RedisChild child = { 0, free_port (), "right-pw" };
  const guint64 keys[1] = { 1 };
  GstBus *bus = gst_bus_new ();
  gchar *url;
  GstHarness *put;

  redis_start (&child);
  url = g_strdup_printf ("redis://:wrong-pw@127.0.0.1:%u/0", child.port);
  put = put_harness_bus ("rd-auth-a", 1, 8, url, bus);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  expect_warning_without (bus, "authentication failed", "wrong-pw");
  kv_harness_teardown_bus (put, bus);
  g_free (url);

  /* no password at all */
  bus = gst_bus_new ();
  url = redis_url (&child);
  put = put_harness_bus ("rd-auth-b", 1, 8, url, bus);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  expect_warning_without (bus, "authentication failed", "right-pw");
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-writes"), 0);
  kv_harness_teardown_bus (put, bus);
  redis_stop (&child);
  g_free (url);
}

GST_END_TEST;

/* Issue 10 item 10: unix: socket URLs */
GST_START_TEST (test_redis_unix_socket)
{
  gchar *dir = g_dir_make_tmp ("gpukvredis-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "redis.sock", NULL);
  RedisChild child = { 0, free_port (), NULL, path };
  const guint64 keys[2] = { 21, 22 };
  const gboolean found[2] = { TRUE, TRUE };
  gchar *url = g_strdup_printf ("unix://%s?db=3", path);
  GstHarness *put, *get;
  redisContext *c;
  redisReply *r;
  gchar *key = int_key_text (21);

  redis_start (&child);
  put = put_harness ("rd-unix-a", 2, 8, url);
  get = get_harness ("rd-unix-b", 2, 8, url);
  fail_unless_equals_int (push_put (put, keys, 2, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-writes"), 2);
  check_get (get, keys, 2, 8, found);
  fail_unless_equals_uint64 (stats_uint64 (get->element, "redis-hits"), 2);
  /* in database 3, over TCP too */
  c = redis_connect (child.port);
  r = redisCommand (c, "SELECT 3");
  freeReplyObject (r);
  r = redisCommand (c, "EXISTS %s", key);
  fail_unless (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
  freeReplyObject (r);
  redisFree (c);
  gst_harness_teardown (put);
  gst_harness_teardown (get);
  redis_stop (&child);
  g_unlink (path);
  g_rmdir (dir);
  g_free (key);
  g_free (url);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* every line our categories log, at every level */
static GString *our_log;
static GMutex our_log_lock;

static void
capture_our_log (GstDebugCategory *category, GstDebugLevel level,
    const gchar *file, const gchar *function, gint line, GObject *object,
    GstDebugMessage *message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  if (!g_str_has_prefix (gst_debug_category_get_name (category), "gpu"))
    return;
  g_mutex_lock (&our_log_lock);
  g_string_append_printf (our_log, "%s: %s\n",
      gst_debug_category_get_name (category), text ? text : "");
  g_mutex_unlock (&our_log_lock);
}

/* Issue 10 item 14: nothing of ours logs the password, at any level, in
 * the paths that handle it: a URL password, the environment variable,
 * failed authentication, a connection that fails */
GST_START_TEST (test_redis_password_never_logged)
{
  RedisChild child = { 0, free_port (), "pw-Zq81x" };
  const guint64 keys[1] = { 4 };
  gchar *good, *bad, *refused;
  GstHarness *put;
  GstBus *bus;

  our_log = g_string_new (NULL);
  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_from_string ("gpu*:9", FALSE);
  gst_debug_add_log_function (capture_our_log, NULL, NULL);
  redis_start (&child);
  good = g_strdup_printf ("redis://:pw-Zq81x@127.0.0.1:%u/0", child.port);
  bad = g_strdup_printf ("redis://:pw-Zq81x-no@127.0.0.1:%u/0", child.port);
  refused = g_strdup_printf ("redis://:pw-Zq81x@127.0.0.1:%u/0", free_port ());

  put = put_harness ("rd-log-a", 1, 8, good);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-writes"), 1);
  gst_harness_teardown (put);

  bus = gst_bus_new ();
  put = put_harness_bus ("rd-log-b", 1, 8, bad, bus);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  expect_warning_without (bus, "authentication failed", "pw-Zq81x");
  kv_harness_teardown_bus (put, bus);

  put = put_harness ("rd-log-c", 1, 8, refused);
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  gst_harness_teardown (put);

  g_setenv ("GST_GPUSTREAM_REDIS_PASSWORD", "pw-Zq81x", TRUE);
  bad = (g_free (bad), redis_url (&child));
  put = put_harness ("rd-log-d", 1, 8, bad);
  g_unsetenv ("GST_GPUSTREAM_REDIS_PASSWORD");
  fail_unless_equals_int (push_put (put, keys, 1, 8), GST_FLOW_OK);
  wait_writes (put->element);
  fail_unless_equals_uint64 (stats_uint64 (put->element, "redis-writes"), 1);
  gst_harness_teardown (put);

  gst_debug_remove_log_function (capture_our_log);
  gst_debug_set_threshold_from_string ("gpu*:0", FALSE);
  /* the capture saw our lines, and none holds the password */
  fail_unless (strstr (our_log->str, "redis tier redis://***@") != NULL,
      "nothing of ours was logged");
  fail_unless (strstr (our_log->str, "pw-Zq81x") == NULL, "%s",
      strstr (our_log->str, "pw-Zq81x"));
  g_string_free (our_log, TRUE);
  redis_stop (&child);
  g_free (good);
  g_free (bad);
  g_free (refused);
}

GST_END_TEST;

static Suite *
gpukvcache_suite (void)
{
  Suite *s = suite_create ("gpukvcache");
  TCase *tc = tcase_create ("general");
  TCase *tr = tcase_create ("redis");

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
  tcase_add_test (tc, test_get_rejects_float_keys);
  tcase_add_test (tc, test_put_rejects_value_size_mismatch);
  tcase_add_test (tc, test_rejects_non_tensor_caps);
  tcase_add_test (tc, test_capacity_zero_fails);
  tcase_add_test (tc, test_shared_value_size_mismatch_fails);
  tcase_add_test (tc, test_shared_capacity_mismatch_fails);
  tcase_add_test (tc, test_shared_table_released_with_last_element);
  tcase_add_test (tc, test_malformed_url_fails);
  tcase_add_test (tc, test_property_blurbs_say_units_and_defaults);
  tcase_add_test (tc, test_device_cuda_fails_without_gpu);
  tcase_add_test (tc, test_stats_report_table_device);
  if (redis_server_path ()) {
    suite_add_tcase (s, tr);
    tcase_set_timeout (tr, 60);
    tcase_add_test (tr, test_redis_write_through);
    tcase_add_test (tr, test_redis_read_through_promotes);
    tcase_add_test (tr, test_redis_shared_between_pipelines);
    tcase_add_test (tr, test_redis_killed_mid_stream_keeps_running);
    tcase_add_test (tr, test_redis_stalled_times_out);
    tcase_add_test (tr, test_redis_restarted_reconnects);
    tcase_add_test (tr, test_redis_password_from_environment);
    tcase_add_test (tr, test_redis_url_password_is_masked);
    tcase_add_test (tr, test_redis_hung_costs_one_timeout_per_backoff);
    tcase_add_test (tr, test_redis_hung_writes_are_queued_and_counted);
    tcase_add_test (tr, test_redis_bad_password_says_authentication_failed);
    tcase_add_test (tr, test_redis_unix_socket);
    tcase_add_test (tr, test_redis_password_never_logged);
  }
  return s;
}

GST_CHECK_MAIN (gpukvcache);
