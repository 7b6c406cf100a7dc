/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The gpustream tracer, through its HTTP server, with real pipelines:
 * /metrics checked by promtool and scraped by a real Prometheus, counts
 * against the elements' own stats, elements and pipelines that come and go,
 * and the dashboard in headless Chromium.
 *
 * The tracer starts in gst_init (GST_TRACERS), so main () sets the
 * environment; tests run without fork, in the process that has the
 * tracer's server thread.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define INTERVAL_MS 50

static guint tracer_port;

static guint
free_port (void)
{
  GSocket *sock
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new (lo, 0);
  GSocketAddress *bound;
  guint port;

  g_assert_true (g_socket_bind (sock, any, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (any);
  g_object_unref (lo);
  g_object_unref (sock);
  return port;
}

/* GET http://127.0.0.1:@port@path; NULL unless 200. */
static gchar *
http_get (guint port, const gchar *path, gsize *len)
{
  SoupSession *session = soup_session_new ();
  gchar *uri = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  SoupMessage *msg = soup_message_new ("GET", uri);
  GBytes *body = soup_session_send_and_read (session, msg, NULL, NULL);
  gchar *text = NULL;

  if (body && soup_message_get_status (msg) == SOUP_STATUS_OK)
    text = g_strndup (g_bytes_get_data (body, len), g_bytes_get_size (body));
  if (body)
    g_bytes_unref (body);
  g_object_unref (msg);
  g_free (uri);
  g_object_unref (session);
  return text;
}

/* The value of the first sample of @family whose labels contain @labels,
 * or -1. */
static gdouble
metric_value (const gchar *text, const gchar *family, const gchar *labels)
{
  gchar **lines = g_strsplit (text, "\n", -1);
  gdouble value = -1;
  guint i;

  for (i = 0; lines[i]; i++) {
    const gchar *l = lines[i];

    if (g_str_has_prefix (l, family) && l[strlen (family)] == '{'
        && strstr (l, labels)) {
      value = g_ascii_strtod (strrchr (l, ' ') + 1, NULL);
      break;
    }
  }
  g_strfreev (lines);
  return value;
}

/* Polls /metrics until the sample equals @expected (the tracer refreshes
 * every INTERVAL_MS) or 5 s pass; returns the last value seen. */
static gdouble
wait_for_metric (const gchar *family, const gchar *labels, gdouble expected)
{
  gdouble value = -1;
  gint tries;

  for (tries = 0; tries < 100 && value != expected; tries++) {
    gchar *text = http_get (tracer_port, "/metrics", NULL);

    value = text ? metric_value (text, family, labels) : -1;
    g_free (text);
    if (value != expected)
      g_usleep (INTERVAL_MS * 1000);
  }
  return value;
}

static guint64
stats_uint64 (GstElement *pipeline, const gchar *name, const gchar *field)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstStructure *s;
  guint64 v = 0;

  fail_unless (e != NULL);
  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v));
  gst_structure_free (s);
  gst_object_unref (e);
  return v;
}

#define TWO_SOURCES                                                            \
  "gpubatch name=b max-batch-size=4 adaptive=false ! gpuunbatch name=u "       \
  "videotestsrc num-buffers=%d ! video/x-raw,width=32,height=24 ! b.sink_0 "   \
  "videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=32,height=24 " \
  "! b.sink_1 u.src_0 ! queue ! fakesink name=f0 u.src_1 ! queue ! fakesink "  \
  "name=f1"

/* Two sources of @n0 and @n1 frames through gpubatch and gpuunbatch, in a
 * pipeline named @name, run to EOS; left PLAYING. */
static GstElement *
run_to_eos (const gchar *name, gint n0, gint n1)
{
  gchar *description = g_strdup_printf (TWO_SOURCES, n0, n1);
  GstElement *pipeline = gst_parse_launch (description, NULL);
  GstBus *bus;
  GstMessage *msg;

  fail_unless (pipeline != NULL);
  g_free (description);
  gst_object_set_name (GST_OBJECT (pipeline), name);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (
      bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  return pipeline;
}

static void
stop (GstElement *pipeline)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}


/* items-in of element @name of pipeline @pipeline in /api/stats, or -1 */
static gdouble
json_items_in (JsonParser *parser, const gchar *pipeline, const gchar *name)
{
  JsonArray *pipelines = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "pipelines");
  guint i, j;

  for (i = 0; i < json_array_get_length (pipelines); i++) {
    JsonObject *p = json_array_get_object_element (pipelines, i);
    JsonArray *elements = json_object_get_array_member (p, "elements");

    if (!g_str_equal (json_object_get_string_member (p, "name"), pipeline))
      continue;
    for (j = 0; j < json_array_get_length (elements); j++) {
      JsonObject *e = json_array_get_object_element (elements, j);

      if (g_str_equal (json_object_get_string_member (e, "name"), name))
        return json_object_get_double_member (
            json_object_get_object_member (e, "stats"), "items-in");
    }
  }
  return -1;
}

GST_START_TEST (test_served_counts_equal_element_stats)
{
  GstElement *pipeline = run_to_eos ("counts", 37, 23);
  guint64 in = stats_uint64 (pipeline, "b", "items-in");
  guint64 out = stats_uint64 (pipeline, "u", "items-out");
  gchar *json;
  JsonParser *parser = json_parser_new ();

  fail_unless_equals_int (in, 60);
  fail_unless_equals_int (out, 60);
  fail_unless_equals_int (wait_for_metric ("gpustream_items_in_total",
                              "pipeline=\"counts\",element=\"b\"", in),
      in);
  fail_unless_equals_int (wait_for_metric ("gpustream_items_out_total",
                              "pipeline=\"counts\",element=\"u\"", out),
      out);
  fail_unless_equals_int (wait_for_metric ("gpustream_pad_items_out_total",
                              "element=\"u\",kind=\"gpuunbatch\",device="
                              "\"cpu\",pad=\"src_0\",source=\"0\"",
                              37),
      37);
  /* every buffer the second source pushed, counted by the pad hooks */
  fail_unless_equals_int (wait_for_metric ("gpustream_pad_buffers_total",
                              "element=\"videotestsrc1\",kind=\"videotestsrc\","
                              "pad=\"src\"",
                              23),
      23);
  fail_unless (wait_for_metric ("gpustream_element_processing_seconds_count",
                   "element=\"f1\"", 23)
               == 23);

  json = http_get (tracer_port, "/api/stats", NULL);
  fail_unless (json != NULL);
  fail_unless (json_parser_load_from_data (parser, json, -1, NULL));
  fail_unless_equals_int (json_items_in (parser, "counts", "b"), in);
  g_object_unref (parser);
  g_free (json);
  stop (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_metrics_pass_promtool)
{
  GstElement *pipeline = run_to_eos ("lint", 8, 8);
  gchar *text, *out = NULL, *err = NULL;
  const gchar *argv[] = { "promtool", "check", "metrics", NULL };
  GSubprocess *proc;

  fail_unless_equals_int (wait_for_metric ("gpustream_items_in_total",
                              "pipeline=\"lint\",element=\"b\"", 16),
      16);
  text = http_get (tracer_port, "/metrics", NULL);
  fail_unless (text != NULL);

  proc = g_subprocess_newv (argv,
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
          | G_SUBPROCESS_FLAGS_STDERR_PIPE,
      NULL);
  fail_unless (proc != NULL, "promtool (Debian package prometheus) missing");
  fail_unless (
      g_subprocess_communicate_utf8 (proc, text, NULL, &out, &err, NULL));
  fail_unless (
      g_subprocess_get_exit_status (proc) == 0 && *out == '\0' && *err == '\0',
      "promtool check metrics: exit %d, %s%s",
      g_subprocess_get_exit_status (proc), out, err);

  g_free (out);
  g_free (err);
  g_free (text);
  g_object_unref (proc);
  stop (pipeline);
}

GST_END_TEST;

static gboolean
stats_has (const gchar *needle)
{
  gchar *json = http_get (tracer_port, "/api/stats", NULL);
  gboolean found = json && strstr (json, needle);

  g_free (json);
  return found;
}

static gboolean
wait_for_stats (const gchar *needle, gboolean present)
{
  gint tries;

  for (tries = 0; tries < 100; tries++) {
    if (stats_has (needle) == present)
      return TRUE;
    g_usleep (INTERVAL_MS * 1000);
  }
  return FALSE;
}

GST_START_TEST (test_elements_and_pipelines_come_and_go)
{
  GstElement *pipeline = run_to_eos ("cycle", 12, 12);
  GstElement *extra = gst_element_factory_make ("gpubatch", "extra");
  gint run;

  fail_unless (wait_for_stats ("{\"name\":\"extra\"", FALSE));
  fail_unless (gst_bin_add (GST_BIN (pipeline), extra));
  fail_unless (wait_for_stats ("{\"name\":\"extra\"", TRUE));
  gst_element_set_state (extra, GST_STATE_NULL);
  fail_unless (gst_bin_remove (GST_BIN (pipeline), extra));
  fail_unless (wait_for_stats ("{\"name\":\"extra\"", FALSE));

  /* the pipeline goes, then is built again under the same name: counts
   * start from the new elements' own */
  stop (pipeline);
  fail_unless (wait_for_stats ("{\"name\":\"cycle\"", FALSE));
  for (run = 0; run < 2; run++) {
    pipeline = run_to_eos ("cycle", 12, 12);
    fail_unless_equals_int (wait_for_metric ("gpustream_items_in_total",
                                "pipeline=\"cycle\",element=\"b\"", 24),
        24);
    /* restarted in place: READY resets the elements' counters */
    gst_element_set_state (pipeline, GST_STATE_READY);
    fail_unless (wait_for_stats ("\"name\":\"b\",\"kind\":\"gpubatch\","
                                 "\"parent\":\"cycle\",\"bin\":false,"
                                 "\"gpustream\":true,\"state\":\"READY\"",
        TRUE));
    stop (pipeline);
  }
  fail_unless (wait_for_stats ("{\"name\":\"cycle\"", FALSE));
}

GST_END_TEST;

static Suite *
tracer_suite (void)
{
  Suite *s = suite_create ("tracer");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_served_counts_equal_element_stats);
  tcase_add_test (tc, test_metrics_pass_promtool);
  tcase_add_test (tc, test_elements_and_pipelines_come_and_go);
  return s;
}

int
main (int argc, char **argv)
{
  gchar *tracers;
  Suite *s;

  tracer_port = free_port ();
  tracers = g_strdup_printf ("%s%sgpustream(port=%u,interval=%d)",
      g_getenv ("GST_TRACERS") ? g_getenv ("GST_TRACERS") : "",
      g_getenv ("GST_TRACERS") ? ";" : "", tracer_port, INTERVAL_MS);
  g_setenv ("GST_TRACERS", tracers, TRUE);
  g_free (tracers);
  /* the tracer's server thread lives in this process, not in a fork */
  g_setenv ("CK_FORK", "no", TRUE);

  gst_check_init (&argc, &argv);
  s = tracer_suite ();
  return gst_check_run_suite (s, "tracer", __FILE__);
}
