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
#include <glib/gstdio.h>
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

/* Fails unless `promtool check metrics` accepts /metrics as served now. */
static void
check_promtool (void)
{
  gchar *text, *out = NULL, *err = NULL;
  const gchar *argv[] = { "promtool", "check", "metrics", NULL };
  GSubprocess *proc;

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
}

GST_START_TEST (test_metrics_pass_promtool)
{
  GstElement *pipeline = run_to_eos ("lint", 8, 8);

  fail_unless_equals_int (wait_for_metric ("gpustream_items_in_total",
                              "pipeline=\"lint\",element=\"b\"", 16),
      16);
  check_promtool ();
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

/* Applications rename pipelines and bins while they run: the tracer must
 * copy names, not read them while they are freed (AddressSanitizer in the
 * sanitizer build), and serve the last one. */
GST_START_TEST (test_renamed_while_serving)
{
  GstElement *pipeline = gst_parse_launch (
      "bin name=inner ( fakesrc num-buffers=0 ! fakesink )", NULL);
  GstElement *inner;
  gchar *name;
  gint i;

  fail_unless (pipeline != NULL);
  inner = gst_bin_get_by_name (GST_BIN (pipeline), "inner");
  fail_unless (inner != NULL);
  gst_object_set_name (GST_OBJECT (pipeline), "renamed");
  fail_unless (wait_for_stats ("{\"name\":\"renamed\"", TRUE));
  /* about 20 refreshes while both names change */
  for (i = 0; i < 20000; i++) {
    name = g_strdup_printf ("renamed-%d", i);
    gst_object_set_name (GST_OBJECT (pipeline), name);
    gst_object_set_name (GST_OBJECT (inner), name);
    g_free (name);
    if (i % 20 == 0)
      g_usleep (1000);
  }
  fail_unless (wait_for_stats ("{\"name\":\"renamed-19999\"", TRUE));
  gst_object_unref (inner);
  gst_object_unref (pipeline);
  fail_unless (wait_for_stats ("{\"name\":\"renamed-19999\"", FALSE));
}

GST_END_TEST;

static void
remove_tree (const gchar *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
    g_free (child);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

/* The value of the first sample a PromQL instant @query returns from the
 * Prometheus server on @port, or -1. */
static gdouble
promql_value (guint port, const gchar *query)
{
  gchar *escaped = g_uri_escape_string (query, NULL, FALSE);
  gchar *path = g_strdup_printf ("/api/v1/query?query=%s", escaped);
  gchar *answer = http_get (port, path, NULL);
  JsonParser *parser = json_parser_new ();
  gdouble value = -1;

  if (answer && json_parser_load_from_data (parser, answer, -1, NULL)) {
    JsonObject *data = json_object_get_object_member (
        json_node_get_object (json_parser_get_root (parser)), "data");
    JsonArray *result = json_object_get_array_member (data, "result");

    if (json_array_get_length (result) > 0) {
      JsonArray *sample = json_object_get_array_member (
          json_array_get_object_element (result, 0), "value");

      value = g_ascii_strtod (json_array_get_string_element (sample, 1), NULL);
    }
  }
  g_object_unref (parser);
  g_free (answer);
  g_free (path);
  g_free (escaped);
  return value;
}

/* Starts a real Prometheus server scraping the tracer every 100 ms and
 * asks it @query until it answers @want (30 s at most, for start-up and
 * the first scrapes on a loaded machine); returns its last answer. */
static gdouble
prometheus_query (const gchar *query, gdouble want)
{
  gchar *dir = g_dir_make_tmp ("gpustream-prometheus-XXXXXX", NULL);
  gchar *config = g_build_filename (dir, "prometheus.yml", NULL);
  gchar *data = g_build_filename (dir, "data", NULL);
  guint port = free_port ();
  gchar *yml = g_strdup_printf ("global:\n"
                                "  scrape_interval: 100ms\n"
                                "  scrape_timeout: 100ms\n"
                                "scrape_configs:\n"
                                "  - job_name: gpustream\n"
                                "    static_configs:\n"
                                "      - targets: ['127.0.0.1:%u']\n",
      tracer_port);
  gchar *config_arg = g_strconcat ("--config.file=", config, NULL);
  gchar *data_arg = g_strconcat ("--storage.tsdb.path=", data, NULL);
  gchar *listen_arg
      = g_strdup_printf ("--web.listen-address=127.0.0.1:%u", port);
  GSubprocess *prometheus;
  gdouble value = -1;
  gint tries;

  fail_unless (g_file_set_contents (config, yml, -1, NULL));
  prometheus = g_subprocess_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
      NULL, "prometheus", config_arg, data_arg, listen_arg, NULL);
  fail_unless (prometheus != NULL, "prometheus (Debian package) missing");

  for (tries = 0; tries < 300 && value != want; tries++) {
    value = promql_value (port, query);
    if (value != want)
      g_usleep (100 * 1000);
  }
  g_subprocess_send_signal (prometheus, SIGTERM);
  g_subprocess_wait (prometheus, NULL, NULL);

  g_object_unref (prometheus);
  remove_tree (dir);
  g_free (listen_arg);
  g_free (data_arg);
  g_free (config_arg);
  g_free (yml);
  g_free (data);
  g_free (config);
  g_free (dir);
  return value;
}

GST_START_TEST (test_prometheus_scrapes_items_count)
{
  GstElement *pipeline = run_to_eos ("scraped", 19, 11);
  guint64 in = stats_uint64 (pipeline, "b", "items-in");

  fail_unless_equals_int (in, 30);
  fail_unless_equals_int (
      prometheus_query (
          "gpustream_items_in_total{pipeline=\"scraped\",element=\"b\"}", in),
      in);
  stop (pipeline);
}

GST_END_TEST;

#ifdef TRACER_DEMO_MODEL
/* The README's demo: four 320x240 sources, gpubatch to 224x224 with
 * ImageNet normalisation, gpuinfer on mobilenet_v3_small, gpuunbatch. */
#define README_DEMO_SOURCE                                                     \
  "videotestsrc num-buffers=16 ! video/x-raw,format=RGB,width=320,"            \
  "height=240,framerate=30/1 ! b.sink_%d u.src_%d ! queue ! fakesink "

GST_START_TEST (test_readme_demo_scraped)
{
  gchar *description = g_strdup_printf (
      "gpubatch name=b max-batch-size=8 width=224 height=224 "
      "mean=\"<0.485,0.456,0.406>\" std=\"<0.229,0.224,0.225>\" ! "
      "gpuinfer name=i model=%s ! gpuunbatch name=u " README_DEMO_SOURCE
          README_DEMO_SOURCE README_DEMO_SOURCE README_DEMO_SOURCE,
      TRACER_DEMO_MODEL, 0, 0, 1, 1, 2, 2, 3, 3);
  GstElement *pipeline = gst_parse_launch (description, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  guint64 computed;

  gst_object_set_name (GST_OBJECT (pipeline), "demo");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);

  computed = stats_uint64 (pipeline, "i", "items-computed");
  fail_unless_equals_int (computed, 64);
  fail_unless_equals_int (wait_for_metric ("gpustream_items_computed_total",
                              "pipeline=\"demo\",element=\"i\"", 64),
      64);
  check_promtool ();
  fail_unless_equals_int (
      prometheus_query ("gpustream_items_computed_total{pipeline=\"demo\","
                        "element=\"i\",kind=\"gpuinfer\"}",
          computed),
      computed);

  gst_object_unref (bus);
  g_free (description);
  stop (pipeline);
}

GST_END_TEST;
#endif

/* The text of the element with id="@id" in serialised HTML (no markup
 * inside), or NULL. */
static gchar *
element_text (const gchar *html, const gchar *id)
{
  gchar *open = g_strdup_printf ("id=\"%s\"", id);
  const gchar *start = strstr (html, open), *end;

  g_free (open);
  if (!start || !(start = strchr (start, '>')) || !(end = strchr (start, '<')))
    return NULL;
  return g_strndup (start + 1, end - start - 1);
}

GST_START_TEST (test_dashboard_updates_in_chromium)
{
  GstElement *pipeline = gst_parse_launch (
      "gpubatch name=b max-batch-size=4 ! gpuunbatch name=u "
      "videotestsrc is-live=true ! video/x-raw,width=32,height=24,"
      "framerate=200/1 ! b.sink_0 videotestsrc is-live=true pattern=ball ! "
      "video/x-raw,width=32,height=24,framerate=100/1 ! b.sink_1 "
      "u.src_0 ! queue ! fakesink u.src_1 ! queue ! fakesink",
      NULL);
  gchar *profile = g_dir_make_tmp ("gpustream-chromium-XXXXXX", NULL);
  gchar *profile_arg = g_strconcat ("--user-data-dir=", profile, NULL);
  gchar *shot = g_build_filename (g_getenv ("GST_GPUSTREAM_BUILD_ROOT"),
      "tests", "check", "tracer", "dashboard.png", NULL);
  gchar *shot_arg = g_strconcat ("--screenshot=", shot, NULL);
  gchar *url = g_strdup_printf ("http://127.0.0.1:%u/", tracer_port);
  gchar *dom = NULL, *log = NULL, *text;
  GSubprocess *chromium;
  JsonParser *parser = json_parser_new ();
  JsonObject *selftest;

  gst_object_set_name (GST_OBJECT (pipeline), "live");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  fail_unless (wait_for_stats ("\"state\":\"PLAYING\"", TRUE));
  g_unlink (shot);

  /* virtual time: eight 1 s refreshes of the page without waiting 8 s;
   * each fetch still waits for the tracer, which refreshes every 50 ms */
  chromium = g_subprocess_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL,
      "chromium", "--headless", "--no-sandbox", "--disable-gpu",
      "--no-first-run", "--disable-extensions",
      "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--password-store=basic", profile_arg,
      "--window-size=1280,1500", "--virtual-time-budget=8000", "--dump-dom",
      shot_arg, url, NULL);
  fail_unless (chromium != NULL, "chromium (Debian package) missing");
  fail_unless (
      g_subprocess_communicate_utf8 (chromium, NULL, NULL, &dom, &log, NULL));
  fail_unless (
      g_subprocess_get_exit_status (chromium) == 0, "chromium: %s", log);

  text = element_text (dom, "selftest");
  fail_unless (text != NULL, "no self-test record in the page: %s", dom);
  GST_INFO ("dashboard self-test: %s", text);
  fail_unless (json_parser_load_from_data (parser, text, -1, NULL), "%s", text);
  selftest = json_node_get_object (json_parser_get_root (parser));
  fail_unless_equals_int (
      json_array_get_length (json_object_get_array_member (selftest, "errors")),
      0);
  fail_unless (
      json_object_get_int_member (selftest, "updates") >= 3, "%s", text);
  /* charts of buffers/s and processing time, and gpubatch's */
  fail_unless (
      json_object_get_int_member (selftest, "charts") >= 5, "%s", text);
  fail_unless (
      json_object_get_int_member (selftest, "points") >= 15, "%s", text);
  fail_unless (
      json_object_get_boolean_member (selftest, "changed"), "%s", text);
  fail_unless (strstr (dom, "class=\"uplot") != NULL,
      "no uPlot chart in the page (uPlot not fetched at build time?)");
  fail_unless (
      g_file_test (shot, G_FILE_TEST_EXISTS), "no screenshot %s", shot);

  g_object_unref (parser);
  g_free (text);
  g_free (dom);
  g_free (log);
  g_object_unref (chromium);
  remove_tree (profile);
  g_free (url);
  g_free (shot_arg);
  g_free (shot);
  g_free (profile_arg);
  g_free (profile);
  stop (pipeline);
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
  tcase_add_test (tc, test_renamed_while_serving);
  tcase_add_test (tc, test_prometheus_scrapes_items_count);
  tcase_add_test (tc, test_dashboard_updates_in_chromium);
#ifdef TRACER_DEMO_MODEL
  tcase_add_test (tc, test_readme_demo_scraped);
#endif
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
