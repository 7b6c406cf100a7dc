/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache's Redis tier against a real redis-server child on a loopback
 * port (or unix socket) chosen here: write-through, read-through,
 * outages, timeouts, passwords. Skipped without redis-server.
 */
#include "tests/check/common/redischild.h"
#include "tests/check/elements/gpukvcache/kvcachecheck.h"

#include <glib/gstdio.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

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
gpukvcacheredis_suite (void)
{
  Suite *s = suite_create ("gpukvcache-redis");
  TCase *tr = tcase_create ("redis");

  if (!redis_server_path ())
    return s;
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
  return s;
}

GST_CHECK_MAIN (gpukvcacheredis);
