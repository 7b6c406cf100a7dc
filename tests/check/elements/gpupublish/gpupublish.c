/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpupublish: batches built by hand (batch meta + results meta) go
 * through unchanged; the JSON lines, element messages and Redis stream
 * entries parse with json-glib and agree with the metas; bad settings
 * fail at NULL->READY; a Redis server (a real redis-server child) killed
 * mid-stream costs counted failures, not the pipeline, and publishing
 * resumes when it is back. The Redis tests are skipped without
 * redis-server.
 */
#include "tests/check/common/elementcheck.h"
#include "tests/check/common/redischild.h"

#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpuresultsmeta.h"

#define CAPS                                                                   \
  "other/tensors, format=(string)static, num_tensors=(int)1, "                 \
  "dimensions=(string)\"4:4\", types=(string)\"uint8\", "                      \
  "framerate=(fraction)0/1"
#define N_SLOTS 4
#define FRAME_W 640
#define FRAME_H 480

/* A batch of N_SLOTS with @n_valid slots from sources @first, @first + 1,
 * ... and results: slot 0 two boxes (one labelled, with keypoints), slot 1
 * none, slot 2 a whole-frame class, slot 3 one box. */
static GstBuffer *
make_batch (guint n_valid, guint first, GstClockTime pts)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 4 * N_SLOTS, NULL);
  GstGpuBatchMeta *bmeta = gst_buffer_add_gpu_batch_meta (buf, N_SLOTS);
  GstGpuResultsMeta *rmeta = gst_buffer_add_gpu_results_meta (buf);
  GstGpuResult r;
  guint i, k;

  gst_buffer_memset (buf, 0, 0x5a, 4 * N_SLOTS);
  bmeta->n_valid = n_valid;
  for (i = 0; i < n_valid; i++) {
    bmeta->slots[i].pad_index = first + i;
    bmeta->slots[i].pts = pts + i * GST_MSECOND;
    bmeta->slots[i].width = FRAME_W + i;
    bmeta->slots[i].height = FRAME_H;
    bmeta->slots[i].status = GST_GPU_SLOT_STATUS_OK;
  }

  memset (&r, 0, sizeof (r));
  r.kind = GST_GPU_RESULT_BOX;
  r.label = g_quark_from_static_string ("face \"front\"");
  r.confidence = 0.75f;
  r.x = 10.5f;
  r.y = 20.25f;
  r.width = 100.f;
  r.height = 120.5f;
  r.n_keypoints = 6;
  for (k = 0; k < 12; k++)
    r.keypoints[k] = 30.f + k;
  gst_gpu_results_meta_add (rmeta, &r);
  memset (&r, 0, sizeof (r));
  r.kind = GST_GPU_RESULT_BOX;
  r.class_id = 3;
  r.confidence = 0.5f;
  r.x = 1.f;
  r.y = 2.f;
  r.width = 3.f;
  r.height = 4.f;
  gst_gpu_results_meta_add (rmeta, &r);
  if (n_valid > 2) {
    memset (&r, 0, sizeof (r));
    r.slot = 2;
    r.kind = GST_GPU_RESULT_CLASS;
    r.class_id = 7;
    r.label = g_quark_from_static_string ("cat");
    r.confidence = 0.25f;
    r.width = FRAME_W;
    r.height = FRAME_H;
    gst_gpu_results_meta_add (rmeta, &r);
  }
  if (n_valid > 3) {
    memset (&r, 0, sizeof (r));
    r.slot = 3;
    r.kind = GST_GPU_RESULT_BOX;
    r.class_id = 1;
    r.confidence = 0.125f;
    r.width = 5.f;
    r.height = 6.f;
    gst_gpu_results_meta_add (rmeta, &r);
  }
  return buf;
}

static void
check_double (JsonObject *o, const gchar *name, gdouble want)
{
  fail_unless (json_object_has_member (o, name), "no %s", name);
  fail_unless (
      G_APPROX_VALUE (json_object_get_double_member (o, name), want, 1e-6),
      "%s: %f, want %f", name, json_object_get_double_member (o, name), want);
}

/* @json is the object of slot @i of @batch, results included. */
static void
check_object (const gchar *json, GstBuffer *batch, guint i)
{
  GstGpuBatchMeta *bmeta = gst_buffer_get_gpu_batch_meta (batch);
  GstGpuResultsMeta *rmeta = gst_buffer_get_gpu_results_meta (batch);
  const GstGpuBatchSlot *slot = &bmeta->slots[i];
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  const GstGpuResult *res;
  JsonObject *o;
  JsonArray *results;
  guint n, j, k;

  fail_unless (json_parser_load_from_data (parser, json, -1, &error),
      "'%s' does not parse: %s", json, error ? error->message : "");
  o = json_node_get_object (json_parser_get_root (parser));
  fail_unless (o != NULL, "'%s' is not an object", json);
  fail_unless_equals_int (
      json_object_get_int_member (o, "source"), slot->pad_index);
  fail_unless_equals_uint64 (json_object_get_int_member (o, "pts"), slot->pts);
  fail_unless_equals_int (json_object_get_int_member (o, "width"), slot->width);
  fail_unless_equals_int (
      json_object_get_int_member (o, "height"), slot->height);
  fail_unless_equals_string (json_object_get_string_member (o, "status"),
      gst_gpu_slot_status_to_string (slot->status));
  res = gst_gpu_results_meta_get_slot (rmeta, i, &n);
  results = json_object_get_array_member (o, "results");
  fail_unless (results != NULL);
  fail_unless_equals_int (json_array_get_length (results), n);
  for (j = 0; j < n; j++) {
    JsonObject *r = json_array_get_object_element (results, j);
    gchar *label = gst_gpu_result_dup_label (&res[j]);

    fail_unless_equals_string (
        json_object_get_string_member (r, "label"), label);
    fail_unless_equals_int (
        json_object_get_int_member (r, "class_id"), res[j].class_id);
    check_double (r, "confidence", res[j].confidence);
    if (res[j].kind == GST_GPU_RESULT_BOX) {
      JsonObject *box = json_object_get_object_member (r, "box");
      fail_unless (box != NULL);
      check_double (box, "x", res[j].x);
      check_double (box, "y", res[j].y);
      check_double (box, "width", res[j].width);
      check_double (box, "height", res[j].height);
    } else {
      fail_if (json_object_has_member (r, "box"), "a class has no box");
    }
    if (res[j].n_keypoints > 0) {
      JsonArray *kp = json_object_get_array_member (r, "keypoints");
      fail_unless_equals_int (json_array_get_length (kp), res[j].n_keypoints);
      for (k = 0; k < res[j].n_keypoints; k++) {
        JsonArray *p = json_array_get_array_element (kp, k);
        fail_unless_equals_int (json_array_get_length (p), 2);
        fail_unless (G_APPROX_VALUE (json_array_get_double_element (p, 0),
            res[j].keypoints[2 * k], 1e-6));
        fail_unless (G_APPROX_VALUE (json_array_get_double_element (p, 1),
            res[j].keypoints[2 * k + 1], 1e-6));
      }
    } else {
      fail_if (json_object_has_member (r, "keypoints"));
    }
    g_free (label);
  }
  g_object_unref (parser);
}

/* A started harness around @e (reference taken; properties set). */
static GstHarness *
publish_harness (GstElement *e, GstBus *bus)
{
  GstHarness *h;

  if (bus)
    gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* Pushes @batch (kept) through @h and checks it comes out unchanged. */
static void
push_through (GstHarness *h, GstBuffer *batch)
{
  GstBuffer *out;

  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_ref (batch)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out == batch, "the batch was not passed through in place");
  gst_buffer_unref (out);
}

static gchar *
temp_path (void)
{
  gchar *dir = g_dir_make_tmp ("gpupublish-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "results.jsonl", NULL);

  g_free (dir);
  return path;
}

static void
remove_temp (gchar *path)
{
  gchar *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
  g_free (dir);
  g_free (path);
}

static gchar **
read_lines (const gchar *path, guint *n)
{
  gchar *text = NULL;
  gchar **lines;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  fail_unless (g_str_has_suffix (text, "\n"));
  text[strlen (text) - 1] = '\0';
  lines = g_strsplit (text, "\n", -1);
  *n = g_strv_length (lines);
  g_free (text);
  return lines;
}

GST_START_TEST (test_json_lines_agree_with_meta)
{
  gchar *path = temp_path ();
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBuffer *b0 = make_batch (3, 0, 0), *b1 = make_batch (4, 2, GST_SECOND);
  GstHarness *h;
  gchar **lines;
  guint n, i;

  g_file_set_contents (path, "old line\n", -1, NULL);
  g_object_set (e, "location", path, NULL);
  h = publish_harness (e, NULL);
  push_through (h, b0);
  push_through (h, b1);
  lines = read_lines (path, &n);
  /* truncated at start, one line per valid slot */
  fail_unless_equals_int (n, 7);
  for (i = 0; i < 3; i++)
    check_object (lines[i], b0, i);
  for (i = 0; i < 4; i++)
    check_object (lines[3 + i], b1, i);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "lines"), 7);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "items-in"), 7);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "batches"), 2);
  g_strfreev (lines);
  gst_harness_teardown (h);

  /* append=true keeps them */
  e = gst_element_factory_make ("gpupublish", NULL);
  g_object_set (e, "location", path, "append", TRUE, NULL);
  h = publish_harness (e, NULL);
  push_through (h, b0);
  gst_harness_teardown (h);
  lines = read_lines (path, &n);
  fail_unless_equals_int (n, 10);
  check_object (lines[9], b0, 2);
  g_strfreev (lines);

  gst_buffer_unref (b0);
  gst_buffer_unref (b1);
  remove_temp (path);
}

GST_END_TEST;

GST_START_TEST (test_messages_carry_json_and_fields)
{
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBus *bus = gst_bus_new ();
  GstBuffer *batch = make_batch (4, 5, 3 * GST_SECOND);
  GstHarness *h;
  guint i;

  g_object_set (e, "messages", TRUE, NULL);
  h = publish_harness (e, bus);
  push_through (h, batch);
  for (i = 0; i < 4; i++) {
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    const GstStructure *s;
    guint source, width, n_results, want_n;
    guint64 pts;

    fail_unless (m != NULL, "message %u missing", i);
    s = gst_message_get_structure (m);
    fail_unless (gst_structure_has_name (s, "gpupublish-result"));
    fail_unless (gst_structure_get (s, "source", G_TYPE_UINT, &source, "pts",
        G_TYPE_UINT64, &pts, "width", G_TYPE_UINT, &width, "n-results",
        G_TYPE_UINT, &n_results, NULL));
    fail_unless_equals_int (source, 5 + i);
    fail_unless_equals_uint64 (pts, 3 * GST_SECOND + i * GST_MSECOND);
    fail_unless_equals_int (width, FRAME_W + i);
    gst_gpu_results_meta_get_slot (
        gst_buffer_get_gpu_results_meta (batch), i, &want_n);
    fail_unless_equals_int (n_results, want_n);
    fail_unless_equals_string (gst_structure_get_string (s, "status"), "ok");
    check_object (gst_structure_get_string (s, "json"), batch, i);
    gst_message_unref (m);
  }
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "messages"), 4);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  gst_buffer_unref (batch);
}

GST_END_TEST;

/* a buffer without batch meta passes through, with one warning */
GST_START_TEST (test_not_a_batch_passes_with_a_warning)
{
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBus *bus = gst_bus_new ();
  GstBuffer *plain = gst_buffer_new_allocate (NULL, 16, NULL);
  GstHarness *h;

  g_object_set (e, "messages", TRUE, NULL);
  h = publish_harness (e, bus);
  push_through (h, plain);
  push_through (h, plain);
  expect_message (bus, GST_MESSAGE_WARNING, "not a batch");
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  gst_buffer_unref (plain);
}

GST_END_TEST;

/* settings refused at NULL->READY, and what the error names */
static const gchar *bad_settings[][4] = {
  /* location, append, redis-address, needle */
  { NULL, NULL, NULL, "set location, messages=true or redis-address" },
  { NULL, "1", "127.0.0.1:1", "append=true needs location" },
  { "/nonexistent-gpupublish/r.jsonl", NULL, NULL,
      "\"/nonexistent-gpupublish/r.jsonl\"" },
  { NULL, NULL, "redis://127.0.0.1:99999/0", "redis-address" },
  { NULL, NULL, "redis://host/notadb", "database 'notadb'" },
};

GST_START_TEST (test_bad_settings_fail_at_ready)
{
  const gchar **c = bad_settings[__i__];
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBus *bus = gst_bus_new ();

  g_object_set (
      e, "location", c[0], "append", c[1] != NULL, "redis-address", c[2], NULL);
  gst_element_set_bus (e, bus);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  expect_message (bus, GST_MESSAGE_ERROR, c[3]);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_empty_stream_key_fails_at_ready)
{
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBus *bus = gst_bus_new ();

  g_object_set (e, "redis-address", "127.0.0.1:1", "redis-stream", "", NULL);
  gst_element_set_bus (e, bus);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  expect_message (bus, GST_MESSAGE_ERROR, "redis-stream is empty");
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

/* In a real pipeline after gpubatch: caps negotiate, every frame of
 * every source becomes one message, and the batches reach the sink. */
GST_START_TEST (test_pipeline_after_gpubatch)
{
  GstElement *pipe = gst_parse_launch (
      "gpubatch name=b max-batch-size=4 ! gpupublish name=p messages=true "
      "! fakesink name=s signal-handoffs=false "
      "videotestsrc num-buffers=6 ! video/x-raw,width=32,height=24 ! b.sink_0 "
      "videotestsrc num-buffers=6 ! video/x-raw,width=48,height=24 ! b.sink_1",
      NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstElement *p = gst_bin_get_by_name (GST_BIN (pipe), "p");
  guint per_source[2] = { 0, 0 };
  GstMessage *m;

  fail_unless (pipe != NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  while ((m = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (m);
    guint source, width;

    fail_if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR, "error");
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS) {
      gst_message_unref (m);
      break;
    }
    if (gst_structure_has_name (st, "gpupublish-result")) {
      fail_unless (gst_structure_get (st, "source", G_TYPE_UINT, &source,
          "width", G_TYPE_UINT, &width, NULL));
      fail_unless (source < 2);
      fail_unless_equals_int (width, source == 0 ? 32 : 48);
      per_source[source]++;
    }
    gst_message_unref (m);
  }
  fail_unless_equals_int (per_source[0], 6);
  fail_unless_equals_int (per_source[1], 6);
  fail_unless_equals_uint64 (stats_uint64 (p, "items-in"), 12);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (p);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* ---- Redis ---- */

/* Waits (bounded) until nothing is queued for Redis. */
static void
wait_pending (GstElement *e)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  while (stats_uint64 (e, "redis-pending") > 0) {
    fail_unless (g_get_monotonic_time () < deadline, "writes never settled");
    g_usleep (1000);
  }
}

/* XRANGE of @stream: the json fields of its entries, in order; checks
 * each entry's source field against its JSON. */
static GPtrArray *
read_stream (guint port, const gchar *stream)
{
  redisContext *c = redis_connect (port);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  redisReply *r;
  gsize i;

  fail_unless (c != NULL);
  r = redisCommand (c, "XRANGE %s - +", stream);
  fail_unless (r && r->type == REDIS_REPLY_ARRAY);
  for (i = 0; i < r->elements; i++) {
    redisReply *fields = r->element[i]->element[1];
    const gchar *json = NULL, *source = NULL;
    gsize f;

    for (f = 0; f + 1 < fields->elements; f += 2) {
      if (g_strcmp0 (fields->element[f]->str, "json") == 0)
        json = fields->element[f + 1]->str;
      else if (g_strcmp0 (fields->element[f]->str, "source") == 0)
        source = fields->element[f + 1]->str;
    }
    fail_unless (json && source, "entry %" G_GSIZE_FORMAT " lacks fields", i);
    g_ptr_array_add (out, g_strdup (json));
    fail_unless (strstr (json, "\"source\":") != NULL);
  }
  freeReplyObject (r);
  redisFree (c);
  return out;
}

GST_START_TEST (test_redis_entries_agree_with_meta)
{
  RedisChild child = { 0, free_port (), NULL };
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBuffer *b0 = make_batch (3, 0, 0), *b1 = make_batch (4, 8, GST_SECOND);
  gchar *address;
  GstHarness *h;
  GPtrArray *entries;
  guint i;

  redis_start (&child);
  address = g_strdup_printf ("127.0.0.1:%u", child.port);
  g_object_set (e, "redis-address", address, "redis-stream", "pub:test", NULL);
  h = publish_harness (e, NULL);
  push_through (h, b0);
  push_through (h, b1);
  wait_pending (h->element);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-published"), 7);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-failed"), 0);
  entries = read_stream (child.port, "pub:test");
  fail_unless_equals_int (entries->len, 7);
  for (i = 0; i < 3; i++)
    check_object (g_ptr_array_index (entries, i), b0, i);
  for (i = 0; i < 4; i++)
    check_object (g_ptr_array_index (entries, 3 + i), b1, i);
  g_ptr_array_unref (entries);
  gst_harness_teardown (h);
  redis_stop (&child);
  gst_buffer_unref (b0);
  gst_buffer_unref (b1);
  g_free (address);
}

GST_END_TEST;

/* MAXLEN ~ keeps the stream near redis-maxlen (whole macro nodes of 100
 * entries are trimmed, so "near" is within a node) */
GST_START_TEST (test_redis_maxlen_trims_the_stream)
{
  RedisChild child = { 0, free_port (), NULL };
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBuffer *batch = make_batch (4, 0, 0);
  gchar *url;
  GstHarness *h;
  redisContext *c;
  redisReply *r;
  guint i;

  redis_start (&child);
  url = redis_url (&child);
  g_object_set (e, "redis-address", url, "redis-stream", "pub:trim",
      "redis-maxlen", 10, NULL);
  h = publish_harness (e, NULL);
  for (i = 0; i < 100; i++)
    push_through (h, batch);
  wait_pending (h->element);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-published"), 400);
  c = redis_connect (child.port);
  r = redisCommand (c, "XLEN pub:trim");
  fail_unless (r && r->type == REDIS_REPLY_INTEGER);
  fail_unless (r->integer >= 10 && r->integer <= 110, "XLEN %lld",
      (long long)r->integer);
  freeReplyObject (r);
  redisFree (c);
  gst_harness_teardown (h);
  redis_stop (&child);
  gst_buffer_unref (batch);
  g_free (url);
}

GST_END_TEST;

GST_START_TEST (test_redis_restart_survived_and_counted)
{
  RedisChild child = { 0, free_port (), NULL };
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBus *bus = gst_bus_new ();
  GstBuffer *batch = make_batch (2, 0, 0);
  gchar *url;
  GstHarness *h;
  GPtrArray *entries;
  gint64 deadline;
  guint i;

  redis_start (&child);
  url = redis_url (&child);
  g_object_set (e, "redis-address", url, "redis-stream", "pub:restart",
      "redis-timeout", 50, NULL);
  h = publish_harness (e, bus);
  push_through (h, batch);
  wait_pending (h->element);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-published"), 2);

  /* killed: batches keep flowing, entries are counted as failed */
  redis_stop (&child);
  for (i = 0; i < 5; i++)
    push_through (h, batch);
  wait_pending (h->element);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-published"), 2);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-failed"), 10);
  expect_message (bus, GST_MESSAGE_WARNING, "unreachable");
  /* one warning per outage */
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);

  /* back (empty, on the same port): publishing resumes after the
   * back-off */
  redis_start (&child);
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  while (stats_uint64 (h->element, "redis-published") == 2) {
    fail_unless (g_get_monotonic_time () < deadline, "never resumed");
    push_through (h, batch);
    wait_pending (h->element);
    g_usleep (20000);
  }
  push_through (h, batch);
  wait_pending (h->element);
  fail_unless (stats_uint64 (h->element, "redis-reconnects") >= 1);
  entries = read_stream (child.port, "pub:restart");
  fail_unless_equals_uint64 (
      entries->len, stats_uint64 (h->element, "redis-published") - 2);
  check_object (g_ptr_array_index (entries, entries->len - 1), batch, 1);
  g_ptr_array_unref (entries);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  redis_stop (&child);
  gst_buffer_unref (batch);
  g_free (url);
}

GST_END_TEST;

/* A server that stops answering (SIGSTOP) never blocks the streaming
 * thread, even with a long redis-timeout: the writer thread waits, the
 * queue fills to its bound and what does not fit is counted; once the
 * server answers again the queue is written. */
GST_START_TEST (test_redis_stalled_server_does_not_block)
{
  RedisChild child = { 0, free_port (), NULL };
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBuffer *batch = make_batch (2, 0, 0);
  const guint queued = 4096, pushed = 2100;
  gchar *url;
  GstHarness *h;
  guint i;

  redis_start (&child);
  url = redis_url (&child);
  g_object_set (e, "redis-address", url, "redis-stream", "pub:stall",
      "redis-timeout", 60000, NULL);
  h = publish_harness (e, NULL);
  push_through (h, batch);
  wait_pending (h->element);
  kill (child.pid, SIGSTOP);
  /* blocking here would hit the test case's timeout */
  for (i = 0; i < pushed; i++)
    push_through (h, batch);
  fail_unless_equals_uint64 (
      stats_uint64 (h->element, "redis-pending"), queued);
  fail_unless_equals_uint64 (
      stats_uint64 (h->element, "redis-failed"), 2 * pushed - queued);
  kill (child.pid, SIGCONT);
  wait_pending (h->element);
  fail_unless_equals_uint64 (
      stats_uint64 (h->element, "redis-published"), 2 + queued);
  gst_harness_teardown (h);
  redis_stop (&child);
  gst_buffer_unref (batch);
  g_free (url);
}

GST_END_TEST;

/* redis-address as a bare socket path */
GST_START_TEST (test_redis_socket_path_address)
{
  gchar *dir = g_dir_make_tmp ("gpupublish-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "redis.sock", NULL);
  RedisChild child = { 0, free_port (), NULL, path };
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBuffer *batch = make_batch (2, 4, 0);
  GstHarness *h;
  GPtrArray *entries;

  redis_start (&child);
  g_object_set (e, "redis-address", path, "redis-stream", "pub:unix", NULL);
  h = publish_harness (e, NULL);
  push_through (h, batch);
  wait_pending (h->element);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-published"), 2);
  entries = read_stream (child.port, "pub:unix");
  fail_unless_equals_int (entries->len, 2);
  check_object (g_ptr_array_index (entries, 1), batch, 1);
  g_ptr_array_unref (entries);
  gst_harness_teardown (h);
  redis_stop (&child);
  gst_buffer_unref (batch);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static gpointer
resume_later (gpointer data)
{
  RedisChild *child = data;

  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  kill (child->pid, SIGCONT);
  return NULL;
}

/* EOS goes on only once what was queued is in the stream */
GST_START_TEST (test_redis_eos_waits_for_the_queue)
{
  RedisChild child = { 0, free_port (), NULL };
  GstElement *e = gst_element_factory_make ("gpupublish", NULL);
  GstBuffer *batch = make_batch (3, 0, 0);
  gchar *url;
  GstHarness *h;
  GThread *resumer;
  GstEvent *ev;
  gboolean eos = FALSE;

  redis_start (&child);
  url = redis_url (&child);
  g_object_set (e, "redis-address", url, "redis-stream", "pub:eos",
      "redis-timeout", 60000, NULL);
  h = publish_harness (e, NULL);
  push_through (h, batch);
  wait_pending (h->element);
  kill (child.pid, SIGSTOP);
  push_through (h, batch);
  push_through (h, batch);
  resumer = g_thread_new ("resume", resume_later, &child);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-pending"), 0);
  fail_unless_equals_uint64 (stats_uint64 (h->element, "redis-published"), 9);
  /* and EOS itself came out */
  while (!eos && (ev = gst_harness_try_pull_event (h))) {
    eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless (eos, "no EOS downstream");
  g_thread_join (resumer);
  gst_harness_teardown (h);
  redis_stop (&child);
  gst_buffer_unref (batch);
  g_free (url);
}

GST_END_TEST;

static Suite *
gpupublish_suite (void)
{
  Suite *s = suite_create ("gpupublish");
  TCase *tc = tcase_create ("general");
  TCase *tr = tcase_create ("redis");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_json_lines_agree_with_meta);
  tcase_add_test (tc, test_messages_carry_json_and_fields);
  tcase_add_test (tc, test_not_a_batch_passes_with_a_warning);
  tcase_add_loop_test (
      tc, test_bad_settings_fail_at_ready, 0, G_N_ELEMENTS (bad_settings));
  tcase_add_test (tc, test_empty_stream_key_fails_at_ready);
  tcase_add_test (tc, test_pipeline_after_gpubatch);
  if (!redis_server_path ())
    return s;
  suite_add_tcase (s, tr);
  tcase_set_timeout (tr, 60);
  tcase_add_test (tr, test_redis_entries_agree_with_meta);
  tcase_add_test (tr, test_redis_maxlen_trims_the_stream);
  tcase_add_test (tr, test_redis_socket_path_address);
  tcase_add_test (tr, test_redis_restart_survived_and_counted);
  tcase_add_test (tr, test_redis_stalled_server_does_not_block);
  tcase_add_test (tr, test_redis_eos_waits_for_the_queue);
  return s;
}

GST_CHECK_MAIN (gpupublish);
