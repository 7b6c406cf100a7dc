/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The gpustream tracer: serves the metrics of every pipeline in the process
 * over HTTP (docs/tracer.md).
 *
 *   GST_TRACERS="gpustream(port=9464,address=127.0.0.1,interval=1000)"
 *
 * It keeps weak references to the top-level bins it sees (element-new,
 * bin-add-post, element-change-state-post); every `interval` ms its server
 * thread walks them, reads each gpustream element's `stats` and the pad
 * counts and processing times the pad-push hooks collect, and renders
 * /metrics (Prometheus text) and /api/stats (JSON). The dashboard page and
 * its chart library are served from a GResource.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <libsoup/soup.h>

#include "tracer/gstgpustreamdashboard.h"
#include "tracer/gstgpustreammetrics.h"
#include "tracer/gstgpustreamtracer.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_stream_tracer_debug);
#define GST_CAT_DEFAULT gst_gpu_stream_tracer_debug

#define DEFAULT_PORT 9464
#define DEFAULT_ADDRESS "127.0.0.1"
#define DEFAULT_INTERVAL_MS 1000
#define MIN_INTERVAL_MS 10
#define RESOURCE_PREFIX "/org/gpustream/tracer/dashboard"

struct _GstGpuStreamTracer
{
  GstTracer parent;

  /* parameters, set in constructed () */
  guint port;
  gchar *address;
  guint interval_ms;

  /* top-level bins seen: GstObject* -> GWeakRef*; under lock */
  GMutex lock;
  GHashTable *bins;
  /* the latest rendering; under lock */
  GBytes *prometheus;
  GBytes *json;

  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
};

G_DEFINE_TYPE (GstGpuStreamTracer, gst_gpu_stream_tracer, GST_TYPE_TRACER);

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Any thread (tracer hooks); takes the tracer lock. */
static void
track_top_level (GstGpuStreamTracer *self, GstObject *object)
{
  GstObject *top = gst_object_ref (object), *parent;
  GWeakRef *ref;
  GObject *alive;

  while ((parent = gst_object_get_parent (top))) {
    gst_object_unref (top);
    top = parent;
  }
  if (!GST_IS_BIN (top)) {
    gst_object_unref (top);
    return;
  }

  g_mutex_lock (&self->lock);
  ref = g_hash_table_lookup (self->bins, top);
  if (!ref) {
    ref = g_new0 (GWeakRef, 1);
    g_weak_ref_init (ref, top);
    g_hash_table_insert (self->bins, top, ref);
  } else if ((alive = g_weak_ref_get (ref)) != G_OBJECT (top)) {
    /* a freed bin's address, reused */
    g_weak_ref_set (ref, top);
    g_clear_object (&alive);
  } else
    g_object_unref (alive);
  g_mutex_unlock (&self->lock);
  gst_object_unref (top);
}

/* The hooks run in the thread of whoever creates, adds, changes or pushes;
 * they take the tracer lock (tracking) or per-object locks (pushes). */
static void
on_element_new (GstTracer *tracer, GstClockTime ts, GstElement *element)
{
  if (GST_IS_BIN (element))
    track_top_level (GST_GPU_STREAM_TRACER (tracer), GST_OBJECT (element));
}

static void
on_bin_add_post (GstTracer *tracer, GstClockTime ts, GstBin *bin,
    GstElement *element, gboolean result)
{
  if (result)
    track_top_level (GST_GPU_STREAM_TRACER (tracer), GST_OBJECT (bin));
}

static void
on_change_state_post (GstTracer *tracer, GstClockTime ts, GstElement *element,
    GstStateChange change, GstStateChangeReturn result)
{
  if (GST_IS_BIN (element))
    track_top_level (GST_GPU_STREAM_TRACER (tracer), GST_OBJECT (element));
}

static void
on_push_pre (GstTracer *tracer, GstClockTime ts, GstPad *pad, GstBuffer *buf)
{
  gst_gpu_stream_metrics_push_pre (ts, pad, 1);
}

static void
on_push_list_pre (
    GstTracer *tracer, GstClockTime ts, GstPad *pad, GstBufferList *list)
{
  gst_gpu_stream_metrics_push_pre (ts, pad, gst_buffer_list_length (list));
}

static void
on_push_post (GstTracer *tracer, GstClockTime ts, GstPad *pad, GstFlowReturn r)
{
  gst_gpu_stream_metrics_push_post (ts);
}

/* Names are copied under each object's lock: they may change meanwhile. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  gchar *name_a = gst_object_get_name (*(GstObject **)a);
  gchar *name_b = gst_object_get_name (*(GstObject **)b);
  gint order = g_strcmp0 (name_a, name_b);

  g_free (name_a);
  g_free (name_b);
  return order;
}

/* Server thread: renders every live top-level bin, drops the dead ones. */
static gboolean
refresh (gpointer user_data)
{
  GstGpuStreamTracer *self = user_data;
  GPtrArray *tops = g_ptr_array_new_with_free_func (gst_object_unref);
  GBytes *prometheus, *json;
  GHashTableIter iter;
  gpointer ref;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->bins);
  while (g_hash_table_iter_next (&iter, NULL, &ref)) {
    GstObject *bin = g_weak_ref_get (ref);
    GstObject *parent = bin ? gst_object_get_parent (bin) : NULL;

    if (!bin) {
      g_hash_table_iter_remove (&iter);
    } else if (parent) {
      /* added to a bin since: rendered from its top */
      gst_object_unref (parent);
      gst_object_unref (bin);
    } else {
      g_ptr_array_add (tops, bin);
    }
  }
  g_mutex_unlock (&self->lock);
  g_ptr_array_sort (tops, compare_names);

  gst_gpu_stream_metrics_render (
      tops, gst_util_get_timestamp (), self->interval_ms, &prometheus, &json);
  g_ptr_array_unref (tops);

  g_mutex_lock (&self->lock);
  g_bytes_unref (self->prometheus);
  g_bytes_unref (self->json);
  self->prometheus = prometheus;
  self->json = json;
  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static void
respond_bytes (SoupServerMessage *msg, const gchar *type, GBytes *body)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Cache-Control", "no-store");
  soup_message_headers_set_content_type (
      soup_server_message_get_response_headers (msg), type, NULL);
  if (g_bytes_get_size (body) > 0)
    soup_message_body_append_bytes (
        soup_server_message_get_response_body (msg), body);
}

/* Server thread: /metrics, /api/stats, and the dashboard's files. */
static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  GstGpuStreamTracer *self = user_data;
  const gchar *method = soup_server_message_get_method (msg);
  GBytes *body = NULL;
  const gchar *type = NULL;
  gchar *resource;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }

  if (g_str_equal (path, "/metrics") || g_str_equal (path, "/api/stats")) {
    gboolean metrics = g_str_equal (path, "/metrics");

    g_mutex_lock (&self->lock);
    body = g_bytes_ref (metrics ? self->prometheus : self->json);
    g_mutex_unlock (&self->lock);
    type = metrics ? "text/plain; version=0.0.4; charset=utf-8"
                   : "application/json";
  } else {
    resource = g_strconcat (
        RESOURCE_PREFIX, g_str_equal (path, "/") ? "/index.html" : path, NULL);
    body = g_resource_lookup_data (gst_gpu_stream_dashboard_get_resource (),
        resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
    if (g_str_has_suffix (resource, ".html"))
      type = "text/html; charset=utf-8";
    else if (g_str_has_suffix (resource, ".js"))
      type = "text/javascript; charset=utf-8";
    else if (g_str_has_suffix (resource, ".css"))
      type = "text/css; charset=utf-8";
    else
      type = "application/octet-stream";
    g_free (resource);
  }

  if (!body) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  respond_bytes (msg, type, body);
  g_bytes_unref (body);
}

/* Server thread: a server listening on address:port, or NULL (and a line
 * on stderr naming the parameter to change). */
static SoupServer *
listen_server (GstGpuStreamTracer *self)
{
  SoupServer *server
      = soup_server_new ("server-header", "gst-gpustream ", NULL);
  GInetAddress *inet = g_inet_address_new_from_string (self->address);
  GSocketAddress *address;
  GError *err = NULL;
  GSList *uris;
  gboolean ok;

  if (!inet)
    goto bad_address;
  address = g_inet_socket_address_new (inet, self->port);
  ok = soup_server_listen (server, address, 0, &err);
  g_object_unref (address);
  g_object_unref (inet);
  if (!ok)
    goto listen_failed;

  soup_server_add_handler (server, NULL, handle_request, self, NULL);
  uris = soup_server_get_uris (server);
  if (uris) {
    gchar *uri = g_uri_to_string (uris->data);

    /* with port=0 this is where to find the port the system chose */
    GST_INFO_OBJECT (self, "serving on %s", uri);
    g_free (uri);
  }
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return server;

  /* ERRORS */
bad_address:
  g_printerr ("gpustream tracer: the address parameter \"%s\" is not an IP "
              "address; nothing is served\n",
      self->address);
  g_object_unref (server);
  return NULL;
listen_failed:
  g_printerr ("gpustream tracer: cannot serve on %s port %u (%s); choose "
              "another with the port parameter\n",
      self->address, self->port, err->message);
  g_clear_error (&err);
  g_object_unref (server);
  return NULL;
}

/* The server thread: its own main context, so that serving never depends
 * on the application running a main loop. */
static gpointer
serve (gpointer user_data)
{
  GstGpuStreamTracer *self = user_data;
  SoupServer *server;
  GSource *timer;

  g_main_context_push_thread_default (self->context);
  server = listen_server (self);
  if (server) {
    refresh (self);
    timer = g_timeout_source_new (self->interval_ms);
    g_source_set_callback (timer, refresh, self, NULL);
    g_source_attach (timer, self->context);
    g_main_loop_run (self->loop);
    g_source_destroy (timer);
    g_source_unref (timer);
    soup_server_disconnect (server);
    g_object_unref (server);
  }
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* Reads "port", "address" and "interval" from the tracer's params string
 * (GST_TRACERS="gpustream(port=9464)"). */
static void
parse_params (GstGpuStreamTracer *self)
{
  gchar *params = NULL, *str;
  GstStructure *s;
  gint port = DEFAULT_PORT, interval = DEFAULT_INTERVAL_MS;

  g_object_get (self, "params", &params, NULL);
  if (!params)
    return;
  str = g_strdup_printf ("gpustream,%s", params);
  s = gst_structure_from_string (str, NULL);
  g_free (str);
  if (!s)
    goto bad_params;

  if (gst_structure_has_field (s, "port")
      && (!gst_structure_get_int (s, "port", &port) || port < 0
          || port > 65535))
    goto bad_params;
  if (gst_structure_has_field (s, "interval")
      && (!gst_structure_get_int (s, "interval", &interval) || interval <= 0))
    goto bad_params;
  self->port = port;
  self->interval_ms = MAX (interval, MIN_INTERVAL_MS);
  if (gst_structure_has_field_typed (s, "address", G_TYPE_STRING)) {
    g_free (self->address);
    self->address = g_strdup (gst_structure_get_string (s, "address"));
  }
  gst_structure_free (s);
  g_free (params);
  return;

  /* ERRORS */
bad_params:
  g_clear_pointer (&s, gst_structure_free);
  g_printerr ("gpustream tracer: cannot parse the parameters \"%s\" (expected "
              "e.g. port=9464,address=127.0.0.1,interval=1000); using the "
              "defaults\n",
      params);
  g_free (params);
}

static void
gst_gpu_stream_tracer_constructed (GObject *object)
{
  GstGpuStreamTracer *self = GST_GPU_STREAM_TRACER (object);
  GstTracer *tracer = GST_TRACER (object);

  G_OBJECT_CLASS (gst_gpu_stream_tracer_parent_class)->constructed (object);
  parse_params (self);

  gst_tracing_register_hook (
      tracer, "element-new", G_CALLBACK (on_element_new));
  gst_tracing_register_hook (
      tracer, "bin-add-post", G_CALLBACK (on_bin_add_post));
  gst_tracing_register_hook (
      tracer, "element-change-state-post", G_CALLBACK (on_change_state_post));
  gst_tracing_register_hook (tracer, "pad-push-pre", G_CALLBACK (on_push_pre));
  gst_tracing_register_hook (
      tracer, "pad-push-post", G_CALLBACK (on_push_post));
  gst_tracing_register_hook (
      tracer, "pad-push-list-pre", G_CALLBACK (on_push_list_pre));
  gst_tracing_register_hook (
      tracer, "pad-push-list-post", G_CALLBACK (on_push_post));

  self->thread = g_thread_new ("gpustream-tracer", serve, self);
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
gst_gpu_stream_tracer_finalize (GObject *object)
{
  GstGpuStreamTracer *self = GST_GPU_STREAM_TRACER (object);

  /* through the context: a quit before the loop runs would be lost */
  g_main_context_invoke (self->context, quit_loop, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->bins);
  g_bytes_unref (self->prometheus);
  g_bytes_unref (self->json);
  g_mutex_clear (&self->lock);
  g_free (self->address);

  G_OBJECT_CLASS (gst_gpu_stream_tracer_parent_class)->finalize (object);
}

static void
gst_gpu_stream_tracer_class_init (GstGpuStreamTracerClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->constructed = gst_gpu_stream_tracer_constructed;
  gobject_class->finalize = gst_gpu_stream_tracer_finalize;

  GST_DEBUG_CATEGORY_INIT (gst_gpu_stream_tracer_debug, "gpustreamtracer", 0,
      "gpustream metrics tracer");
  /* the dashboard's files; the plugin is never unloaded */
  gst_gpu_stream_dashboard_register_resource ();
}

static void
gst_gpu_stream_tracer_init (GstGpuStreamTracer *self)
{
  self->port = DEFAULT_PORT;
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->interval_ms = DEFAULT_INTERVAL_MS;
  g_mutex_init (&self->lock);
  self->bins = g_hash_table_new_full (NULL, NULL, NULL, weak_ref_free);
  self->prometheus = g_bytes_new_static ("", 0);
  self->json = g_bytes_new_static ("{}", 2);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
}
