/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One Redis server behind a circuit breaker, with a writer thread (see
 * gstgpuredislink.h). Shared by gpukvcache's tier and gpupublish.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpuredislink.h"

#include <errno.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_gpu_redis_debug);
#define GST_CAT_DEFAULT gst_gpu_redis_debug

#define BACKOFF_MIN_US (50 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF_MAX_US (5 * G_TIME_SPAN_SECOND)
#define DEFAULT_PORT 6379
#define MAX_DB 15
#define ENV_PASSWORD "GST_GPUSTREAM_REDIS_PASSWORD"

typedef struct
{
  gpointer job;
  guint n;
} QueuedJob;

struct _GstGpuRedisLink
{
  /* set by new, then read-only */
  gchar *host;        /* TCP, or NULL */
  gint port;          /* TCP */
  gchar *socket_path; /* unix:, or NULL */
  guint db;
  gchar *password; /* never logged */
  gchar *masked_url;
  guint timeout_ms;
  guint max_queued;
  GstGpuRedisAppendFunc append;
  GDestroyNotify free_job;
  GstGpuRedisOutageFunc outage;
  gpointer user_data;
  GThread *writer;

  GMutex lock; /* everything below up to the writer's connection */
  GCond cond;  /* the queue or writes_pending changed */
  /* circuit breaker */
  gboolean failing;       /* open: since a failure, until a success */
  gboolean trial;         /* the one attempt after the back-off is running */
  gint64 next_attempt_us; /* monotonic */
  gint64 backoff_us;
  gboolean ever_connected;
  GstGpuRedisCounters counters;
  GQueue queue; /* of QueuedJob */
  gboolean stopping;

  /* the writer thread only */
  redisContext *wctx;
};

gchar *
gst_gpu_redis_mask_url (const gchar *url)
{
  const gchar *scheme_end, *at, *slash;

  if (!url)
    return g_strdup ("(null)");
  scheme_end = strstr (url, "://");
  if (!scheme_end)
    return g_strdup (url);
  scheme_end += 3;
  at = strrchr (scheme_end, '@');
  slash = strchr (scheme_end, '/');
  if (!at || (slash && slash < at))
    return g_strdup (url);
  return g_strdup_printf ("%.*s***%s", (int)(scheme_end - url), url, at);
}

const gchar *
gst_gpu_redis_link_get_masked_url (GstGpuRedisLink *link)
{
  return link->masked_url;
}

/* db from "/N" (redis://) or "db=N" (unix:); FALSE with @error set when it
 * is not a number 0-15. */
static gboolean
parse_db (const gchar *text, const gchar *property, const gchar *masked,
    guint *db, GError **error)
{
  guint64 v = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 0, MAX_DB, &v, NULL)) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "%s '%s': database '%s' is not a number 0-15", property, masked, text);
    return FALSE;
  }
  *db = (guint)v;
  return TRUE;
}

/* redis://[:password@]host[:port][/db] */
static gboolean
parse_tcp (
    GstGpuRedisLink *link, GUri *uri, const gchar *property, GError **error)
{
  const gchar *host = g_uri_get_host (uri), *path = g_uri_get_path (uri);
  gint port = g_uri_get_port (uri);

  if (!host || !*host) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
        "%s '%s' has no host", property, link->masked_url);
    return FALSE;
  }
  if (port == 0) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PORT,
        "%s '%s': port 0 is out of range (1-65535; default %d)", property,
        link->masked_url, DEFAULT_PORT);
    return FALSE;
  }
  if (path && path[0] == '/' && path[1]) {
    if (!parse_db (path + 1, property, link->masked_url, &link->db, error))
      return FALSE;
  } else if (path && *path && g_strcmp0 (path, "/") != 0) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "%s '%s': bad database path", property, link->masked_url);
    return FALSE;
  }
  if (g_uri_get_query (uri)) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_QUERY,
        "%s '%s': a redis:// URL takes no '?' options (the database is the "
        "path: redis://host:port/db)",
        property, link->masked_url);
    return FALSE;
  }
  link->host = g_strdup (host);
  link->port = port > 0 ? port : DEFAULT_PORT;
  return TRUE;
}

/* unix:///path/to/socket[?db=N] or unix:/path/to/socket[?db=N] */
static gboolean
parse_unix (
    GstGpuRedisLink *link, GUri *uri, const gchar *property, GError **error)
{
  const gchar *path = g_uri_get_path (uri), *query = g_uri_get_query (uri);

  if ((g_uri_get_host (uri) && *g_uri_get_host (uri)) || !path
      || path[0] != '/') {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "%s '%s': a unix: URL needs an absolute socket path "
        "(unix:///path/to/redis.sock[?db=N])",
        property, link->masked_url);
    return FALSE;
  }
  if (query) {
    if (!g_str_has_prefix (query, "db=")) {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_QUERY,
          "%s '%s': the only option of a unix: URL is ?db=N", property,
          link->masked_url);
      return FALSE;
    }
    if (!parse_db (query + 3, property, link->masked_url, &link->db, error))
      return FALSE;
  }
  link->socket_path = g_strdup (path);
  return TRUE;
}

static gpointer writer_main (gpointer data);

GstGpuRedisLink *
gst_gpu_redis_link_new (const gchar *url, const gchar *property,
    guint timeout_ms, guint max_queued, GstGpuRedisAppendFunc append,
    GDestroyNotify free_job, GstGpuRedisOutageFunc outage, gpointer user_data,
    GError **error)
{
  GstGpuRedisLink *link = g_new0 (GstGpuRedisLink, 1);
  GError *uri_error = NULL;
  GUri *uri;
  gboolean ok = FALSE;

  GST_DEBUG_CATEGORY_INIT (gst_gpu_redis_debug, "gpuredis", 0,
      "Redis connections of gpukvcache and gpupublish");
  link->masked_url = gst_gpu_redis_mask_url (url);
  uri = g_uri_parse (url ? url : "", G_URI_FLAGS_HAS_PASSWORD, &uri_error);
  if (!uri && g_error_matches (uri_error, G_URI_ERROR, G_URI_ERROR_BAD_PORT)) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PORT,
        "%s '%s': the port is out of range or not a number (1-65535; "
        "default %d)",
        property, link->masked_url, DEFAULT_PORT);
  } else if (uri && g_strcmp0 (g_uri_get_scheme (uri), "redis") == 0) {
    ok = parse_tcp (link, uri, property, error);
  } else if (uri && g_strcmp0 (g_uri_get_scheme (uri), "unix") == 0) {
    ok = parse_unix (link, uri, property, error);
  } else {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
        "%s '%s' is not a redis://[:password@]host[:port][/db] or "
        "unix:///path/to/socket[?db=N] URL",
        property, link->masked_url);
  }
  if (!ok)
    goto failed;

  if (g_uri_get_password (uri) && *g_uri_get_password (uri))
    link->password = g_strdup (g_uri_get_password (uri));
  else if (g_getenv (ENV_PASSWORD) && *g_getenv (ENV_PASSWORD))
    link->password = g_strdup (g_getenv (ENV_PASSWORD));
  link->timeout_ms = MAX (timeout_ms, 1);
  link->max_queued = max_queued;
  link->append = append;
  link->free_job = free_job;
  link->outage = outage;
  link->user_data = user_data;
  link->backoff_us = BACKOFF_MIN_US;
  g_mutex_init (&link->lock);
  g_cond_init (&link->cond);
  g_queue_init (&link->queue);
  link->writer = g_thread_new ("gpuredis-w", writer_main, link);
  GST_INFO ("redis %s (timeout %u ms)", link->masked_url, link->timeout_ms);
  g_uri_unref (uri);
  g_clear_error (&uri_error);
  return link;

failed:
  g_clear_pointer (&uri, g_uri_unref);
  g_clear_error (&uri_error);
  g_free (link->host);
  g_free (link->socket_path);
  g_free (link->masked_url);
  g_free (link);
  return NULL;
}

void
gst_gpu_redis_link_free (GstGpuRedisLink *link)
{
  if (!link)
    return;
  g_mutex_lock (&link->lock);
  link->stopping = TRUE;
  g_cond_broadcast (&link->cond);
  g_mutex_unlock (&link->lock);
  g_thread_join (link->writer);

  g_mutex_clear (&link->lock);
  g_cond_clear (&link->cond);
  g_free (link->host);
  g_free (link->socket_path);
  if (link->password)
    memset (link->password, 0, strlen (link->password));
  g_free (link->password);
  g_free (link->masked_url);
  g_free (link);
}

void
gst_gpu_redis_link_get_counters (
    GstGpuRedisLink *link, GstGpuRedisCounters *counters)
{
  g_mutex_lock (&link->lock);
  *counters = link->counters;
  g_mutex_unlock (&link->lock);
}

void
gst_gpu_redis_link_reset_counters (GstGpuRedisLink *link)
{
  g_mutex_lock (&link->lock);
  link->counters.errors = link->counters.timeouts = 0;
  link->counters.reconnects = 0;
  link->counters.writes = link->counters.writes_dropped = 0;
  g_mutex_unlock (&link->lock);
}

/* ---- circuit breaker ---- */

gboolean
gst_gpu_redis_link_enter (GstGpuRedisLink *link, gboolean *trial)
{
  gboolean go = TRUE;

  *trial = FALSE;
  g_mutex_lock (&link->lock);
  if (link->failing) {
    if (link->trial || g_get_monotonic_time () < link->next_attempt_us) {
      go = FALSE;
    } else {
      link->trial = TRUE;
      *trial = TRUE;
    }
  }
  g_mutex_unlock (&link->lock);
  return go;
}

void
gst_gpu_redis_link_success (GstGpuRedisLink *link)
{
  gboolean was_failing;

  g_mutex_lock (&link->lock);
  was_failing = link->failing;
  link->failing = link->trial = FALSE;
  link->backoff_us = BACKOFF_MIN_US;
  link->counters.connected = TRUE;
  g_mutex_unlock (&link->lock);
  if (was_failing)
    GST_INFO ("redis %s answers again", link->masked_url);
}

void
gst_gpu_redis_link_failure (GstGpuRedisLink *link, gboolean trial,
    GstGpuRedisFailure failure, const gchar *what, const gchar *detail)
{
  gboolean starts_outage;
  gint64 backoff = 0;

  g_mutex_lock (&link->lock);
  link->counters.errors++;
  if (failure == GST_GPU_REDIS_FAILURE_TIMEOUT)
    link->counters.timeouts++;
  link->counters.connected = FALSE;
  starts_outage = !link->failing;
  if (!link->failing || trial) {
    backoff = link->backoff_us;
    link->next_attempt_us = g_get_monotonic_time () + backoff;
    link->backoff_us = MIN (link->backoff_us * 2, BACKOFF_MAX_US);
    link->failing = TRUE;
  }
  if (trial)
    link->trial = FALSE;
  g_mutex_unlock (&link->lock);

  GST_DEBUG ("redis %s: %s failed (%s); next attempt in %" G_GINT64_FORMAT
             " ms",
      link->masked_url, what, detail, backoff / 1000);
  if (starts_outage && link->outage)
    link->outage (failure, detail, link->user_data);
}

/* ---- connections ---- */

GstGpuRedisFailure
gst_gpu_redis_io_failure (redisContext *c, int saved_errno, gchar **detail)
{
  *detail = g_strdup (c && c->errstr[0] ? c->errstr : "no reply");
  /* hiredis 0.14 reports a socket timeout as an I/O error with EAGAIN (a
   * read or write) or ETIMEDOUT (connect) */
  if (c && c->err == REDIS_ERR_IO
      && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK
          || saved_errno == ETIMEDOUT))
    return GST_GPU_REDIS_FAILURE_TIMEOUT;
  return GST_GPU_REDIS_FAILURE_UNREACHABLE;
}

GstGpuRedisFailure
gst_gpu_redis_reply_failure (
    const redisReply *reply, const gchar *what, gchar **detail)
{
  *detail = g_strdup_printf ("%s: %s", what, reply->str);
  /* NOAUTH: a password is required; WRONGPASS (Redis 6+) or "invalid
   * password" (older): it is wrong; AUTH without requirepass: an ERR */
  if (g_str_has_prefix (reply->str, "NOAUTH")
      || g_str_has_prefix (reply->str, "WRONGPASS")
      || strstr (reply->str, "invalid password")
      || g_strcmp0 (what, "AUTH") == 0)
    return GST_GPU_REDIS_FAILURE_AUTH;
  return GST_GPU_REDIS_FAILURE_REPLY;
}

/* One command with a status reply; FALSE with *failure and *detail set
 * when it fails or answers an error. */
static gboolean
redis_simple (redisContext *c, int argc, const char **argv,
    GstGpuRedisFailure *failure, gchar **detail)
{
  redisReply *reply = redisCommandArgv (c, argc, argv, NULL);
  int saved_errno = errno;
  gboolean ok = FALSE;

  if (!reply)
    *failure = gst_gpu_redis_io_failure (c, saved_errno, detail);
  else if (reply->type == REDIS_REPLY_ERROR)
    *failure = gst_gpu_redis_reply_failure (reply, argv[0], detail);
  else
    ok = TRUE;
  if (reply)
    freeReplyObject (reply);
  return ok;
}

redisContext *
gst_gpu_redis_link_connect (
    GstGpuRedisLink *link, GstGpuRedisFailure *failure, gchar **detail)
{
  redisContext *c;
  struct timeval tv;
  gchar db_text[8];
  int saved_errno;

  tv.tv_sec = link->timeout_ms / 1000;
  tv.tv_usec = (link->timeout_ms % 1000) * 1000;
  if (link->socket_path)
    c = redisConnectUnixWithTimeout (link->socket_path, tv);
  else
    c = redisConnectWithTimeout (link->host, link->port, tv);
  saved_errno = errno;
  if (!c || c->err) {
    *failure = gst_gpu_redis_io_failure (c, saved_errno, detail);
    goto failed;
  }
  if (redisSetTimeout (c, tv) != REDIS_OK) {
    *failure = gst_gpu_redis_io_failure (c, errno, detail);
    goto failed;
  }
  if (link->password) {
    const char *argv[] = { "AUTH", link->password };
    if (!redis_simple (c, 2, argv, failure, detail))
      goto failed;
  }
  if (link->db) {
    const char *argv[] = { "SELECT", db_text };
    g_snprintf (db_text, sizeof (db_text), "%u", link->db);
    if (!redis_simple (c, 2, argv, failure, detail))
      goto failed;
  }
  g_mutex_lock (&link->lock);
  if (link->ever_connected)
    link->counters.reconnects++;
  link->ever_connected = TRUE;
  g_mutex_unlock (&link->lock);
  GST_INFO ("connected to redis %s", link->masked_url);
  return c;

failed:
  if (c)
    redisFree (c);
  return NULL;
}

/* ---- writes (writer thread) ---- */

gboolean
gst_gpu_redis_link_queue (GstGpuRedisLink *link, gpointer job, guint n_entries)
{
  QueuedJob *q;

  g_mutex_lock (&link->lock);
  if (link->counters.writes_pending + n_entries > link->max_queued) {
    link->counters.writes_dropped += n_entries;
    g_mutex_unlock (&link->lock);
    GST_DEBUG ("redis %s: write queue full, %u entries dropped",
        link->masked_url, n_entries);
    link->free_job (job);
    return FALSE;
  }
  q = g_new (QueuedJob, 1);
  q->job = job;
  q->n = n_entries;
  link->counters.writes_pending += n_entries;
  g_queue_push_tail (&link->queue, q);
  g_cond_broadcast (&link->cond);
  g_mutex_unlock (&link->lock);
  return TRUE;
}

/* Sends @job as one pipeline; returns how many commands succeeded. */
static guint
link_write (GstGpuRedisLink *link, gpointer job)
{
  GstGpuRedisFailure failure = GST_GPU_REDIS_FAILURE_REPLY;
  gchar *detail = NULL;
  gint i, n_sent;
  guint n_written = 0;
  gboolean trial;

  if (!gst_gpu_redis_link_enter (link, &trial))
    return 0;
  if (!link->wctx) {
    link->wctx = gst_gpu_redis_link_connect (link, &failure, &detail);
    if (!link->wctx)
      goto failed;
  }
  n_sent = link->append (link->wctx, job);
  if (n_sent < 0) {
    failure = gst_gpu_redis_io_failure (link->wctx, errno, &detail);
    goto failed;
  }
  for (i = 0; i < n_sent; i++) {
    redisReply *reply = NULL;
    if (redisGetReply (link->wctx, (void **)&reply) != REDIS_OK || !reply) {
      failure = gst_gpu_redis_io_failure (link->wctx, errno, &detail);
      goto failed;
    }
    /* e.g. NOAUTH or OOM: the write did not happen */
    if (reply->type == REDIS_REPLY_ERROR && !detail)
      failure = gst_gpu_redis_reply_failure (reply, "write", &detail);
    else if (reply->type != REDIS_REPLY_ERROR)
      n_written++;
    freeReplyObject (reply);
  }
  if (detail)
    goto failed;
  gst_gpu_redis_link_success (link);
  return n_written;

failed:
  g_clear_pointer (&link->wctx, redisFree);
  gst_gpu_redis_link_failure (link, trial, failure, "write pipeline", detail);
  g_free (detail);
  return n_written;
}

/* Writes queued jobs until stopped with an empty queue. */
static gpointer
writer_main (gpointer data)
{
  GstGpuRedisLink *link = data;
  QueuedJob *q;

  g_mutex_lock (&link->lock);
  for (;;) {
    guint n_written;

    while (!link->stopping && g_queue_is_empty (&link->queue))
      g_cond_wait (&link->cond, &link->lock);
    q = g_queue_pop_head (&link->queue);
    if (!q)
      break;
    g_mutex_unlock (&link->lock);
    n_written = MIN (link_write (link, q->job), q->n);
    link->free_job (q->job);
    g_mutex_lock (&link->lock);
    link->counters.writes += n_written;
    link->counters.writes_dropped += q->n - n_written;
    link->counters.writes_pending -= q->n;
    g_cond_broadcast (&link->cond);
    g_free (q);
  }
  g_mutex_unlock (&link->lock);
  g_clear_pointer (&link->wctx, redisFree);
  return NULL;
}

void
gst_gpu_redis_link_drain (GstGpuRedisLink *link)
{
  g_mutex_lock (&link->lock);
  while (link->counters.writes_pending > 0)
    g_cond_wait (&link->cond, &link->lock);
  g_mutex_unlock (&link->lock);
}
