/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The Redis tier of gpukvcache (see gstgpukvredis.h). Keys are stored as
 * "gkv:" followed by the 32 hex digits of the 128-bit key, values as the
 * raw value bytes, so every pipeline using the same Redis database shares
 * entries whatever its cache-name.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpukvredis.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_kv_cache_debug);
#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

#define REDIS_KEY_LEN 36 /* "gkv:" + 32 hex digits */
#define BACKOFF_MIN_US (50 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF_MAX_US (5 * G_TIME_SPAN_SECOND)
#define DEFAULT_PORT 6379
#define MAX_DB 15
#define ENV_PASSWORD "GST_GPUSTREAM_REDIS_PASSWORD"

/* One batch of entries to write: keys then values, in one allocation. */
typedef struct
{
  guint n;
  guint value_size;
  GstGpuKvKey *keys;
  guint8 *values;
} WriteJob;

struct _GstGpuKvRedis
{
  /* set by new, then read-only */
  gchar *host;        /* TCP, or NULL */
  gint port;          /* TCP */
  gchar *socket_path; /* unix:, or NULL */
  guint db;
  gchar *password; /* never logged */
  gchar *masked_url;
  guint timeout_ms;
  guint ttl_s;
  GstGpuKvRedisOutageFunc outage;
  gpointer user_data;
  GThread *writer;

  GMutex lock; /* everything below up to the connections */
  GCond cond;  /* the queue or writes_pending changed */
  /* circuit breaker */
  gboolean failing;       /* open: since a failure, until a success */
  gboolean trial;         /* the one attempt after the back-off is running */
  gint64 next_attempt_us; /* monotonic */
  gint64 backoff_us;
  GstGpuKvRedisCounters counters;
  GQueue queue; /* of WriteJob */
  gboolean stopping;

  /* the reader's connection and scratch: the mget caller's thread only */
  redisContext *rctx;
  guint cap;
  gchar *key_text;
  const char **argv;
  size_t *argvlen;

  /* the writer thread only */
  redisContext *wctx;
};

gchar *
gst_gpu_kv_redis_mask_url (const gchar *url)
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

/* db from "/N" (redis://) or "db=N" (unix:); FALSE with @error set when it
 * is not a number 0-15. */
static gboolean
parse_db (const gchar *text, const gchar *masked, guint *db, GError **error)
{
  guint64 v = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 0, MAX_DB, &v, NULL)) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "backing-store '%s': database '%s' is not a number 0-15", masked, text);
    return FALSE;
  }
  *db = (guint)v;
  return TRUE;
}

/* redis://[:password@]host[:port][/db] */
static gboolean
parse_tcp (GstGpuKvRedis *redis, GUri *uri, GError **error)
{
  const gchar *host = g_uri_get_host (uri), *path = g_uri_get_path (uri);
  gint port = g_uri_get_port (uri);

  if (!host || !*host) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
        "backing-store '%s' has no host", redis->masked_url);
    return FALSE;
  }
  if (port == 0) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PORT,
        "backing-store '%s': port 0 is out of range (1-65535; default %d)",
        redis->masked_url, DEFAULT_PORT);
    return FALSE;
  }
  if (path && path[0] == '/' && path[1]) {
    if (!parse_db (path + 1, redis->masked_url, &redis->db, error))
      return FALSE;
  } else if (path && *path && g_strcmp0 (path, "/") != 0) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "backing-store '%s': bad database path", redis->masked_url);
    return FALSE;
  }
  if (g_uri_get_query (uri)) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_QUERY,
        "backing-store '%s': a redis:// URL takes no '?' options (the "
        "database is the path: redis://host:port/db)",
        redis->masked_url);
    return FALSE;
  }
  redis->host = g_strdup (host);
  redis->port = port > 0 ? port : DEFAULT_PORT;
  return TRUE;
}

/* unix:///path/to/socket[?db=N] or unix:/path/to/socket[?db=N] */
static gboolean
parse_unix (GstGpuKvRedis *redis, GUri *uri, GError **error)
{
  const gchar *path = g_uri_get_path (uri), *query = g_uri_get_query (uri);

  if ((g_uri_get_host (uri) && *g_uri_get_host (uri)) || !path
      || path[0] != '/') {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "backing-store '%s': a unix: URL needs an absolute socket path "
        "(unix:///path/to/redis.sock[?db=N])",
        redis->masked_url);
    return FALSE;
  }
  if (query) {
    if (!g_str_has_prefix (query, "db=")) {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_QUERY,
          "backing-store '%s': the only option of a unix: URL is ?db=N",
          redis->masked_url);
      return FALSE;
    }
    if (!parse_db (query + 3, redis->masked_url, &redis->db, error))
      return FALSE;
  }
  redis->socket_path = g_strdup (path);
  return TRUE;
}

static gpointer writer_main (gpointer data);

GstGpuKvRedis *
gst_gpu_kv_redis_new (const gchar *url, guint timeout_ms, guint ttl_s,
    GstGpuKvRedisOutageFunc outage, gpointer user_data, GError **error)
{
  GstGpuKvRedis *redis = g_new0 (GstGpuKvRedis, 1);
  GError *uri_error = NULL;
  GUri *uri;
  gboolean ok = FALSE;

  redis->masked_url = gst_gpu_kv_redis_mask_url (url);
  uri = g_uri_parse (url ? url : "", G_URI_FLAGS_HAS_PASSWORD, &uri_error);
  if (!uri && g_error_matches (uri_error, G_URI_ERROR, G_URI_ERROR_BAD_PORT)) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PORT,
        "backing-store '%s': the port is out of range or not a number "
        "(1-65535; default %d)",
        redis->masked_url, DEFAULT_PORT);
  } else if (uri && g_strcmp0 (g_uri_get_scheme (uri), "redis") == 0) {
    ok = parse_tcp (redis, uri, error);
  } else if (uri && g_strcmp0 (g_uri_get_scheme (uri), "unix") == 0) {
    ok = parse_unix (redis, uri, error);
  } else {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
        "backing-store '%s' is not a redis://[:password@]host[:port][/db] "
        "or unix:///path/to/socket[?db=N] URL",
        redis->masked_url);
  }
  if (!ok)
    goto failed;

  if (g_uri_get_password (uri) && *g_uri_get_password (uri))
    redis->password = g_strdup (g_uri_get_password (uri));
  else if (g_getenv (ENV_PASSWORD) && *g_getenv (ENV_PASSWORD))
    redis->password = g_strdup (g_getenv (ENV_PASSWORD));
  redis->timeout_ms = MAX (timeout_ms, 1);
  redis->ttl_s = ttl_s;
  redis->outage = outage;
  redis->user_data = user_data;
  redis->backoff_us = BACKOFF_MIN_US;
  g_mutex_init (&redis->lock);
  g_cond_init (&redis->cond);
  g_queue_init (&redis->queue);
  redis->writer = g_thread_new ("gpukvredis-w", writer_main, redis);
  GST_INFO ("redis tier %s (timeout %u ms, ttl %u s)", redis->masked_url,
      redis->timeout_ms, ttl_s);
  g_uri_unref (uri);
  g_clear_error (&uri_error);
  return redis;

failed:
  g_clear_pointer (&uri, g_uri_unref);
  g_clear_error (&uri_error);
  g_free (redis->host);
  g_free (redis->socket_path);
  g_free (redis->masked_url);
  g_free (redis);
  return NULL;
}

void
gst_gpu_kv_redis_free (GstGpuKvRedis *redis)
{
  if (!redis)
    return;
  g_mutex_lock (&redis->lock);
  redis->stopping = TRUE;
  g_cond_broadcast (&redis->cond);
  g_mutex_unlock (&redis->lock);
  g_thread_join (redis->writer);

  g_clear_pointer (&redis->rctx, redisFree);
  g_mutex_clear (&redis->lock);
  g_cond_clear (&redis->cond);
  g_free (redis->host);
  g_free (redis->socket_path);
  if (redis->password)
    memset (redis->password, 0, strlen (redis->password));
  g_free (redis->password);
  g_free (redis->masked_url);
  g_free (redis->key_text);
  g_free (redis->argv);
  g_free (redis->argvlen);
  g_free (redis);
}

void
gst_gpu_kv_redis_get_counters (
    GstGpuKvRedis *redis, GstGpuKvRedisCounters *counters)
{
  g_mutex_lock (&redis->lock);
  *counters = redis->counters;
  g_mutex_unlock (&redis->lock);
}

void
gst_gpu_kv_redis_reset_counters (GstGpuKvRedis *redis)
{
  g_mutex_lock (&redis->lock);
  redis->counters.errors = redis->counters.timeouts = 0;
  redis->counters.writes = redis->counters.writes_dropped = 0;
  g_mutex_unlock (&redis->lock);
}

/* ---- circuit breaker ---- */

/* TRUE when an operation may go ahead; *trial tells it is the one attempt
 * after a back-off, whose outcome decides the next. */
static gboolean
breaker_enter (GstGpuKvRedis *redis, gboolean *trial)
{
  gboolean go = TRUE;

  *trial = FALSE;
  g_mutex_lock (&redis->lock);
  if (redis->failing) {
    if (redis->trial || g_get_monotonic_time () < redis->next_attempt_us) {
      go = FALSE;
    } else {
      redis->trial = TRUE;
      *trial = TRUE;
    }
  }
  g_mutex_unlock (&redis->lock);
  return go;
}

/* A round trip succeeded: closes the breaker. */
static void
breaker_success (GstGpuKvRedis *redis)
{
  gboolean was_failing;

  g_mutex_lock (&redis->lock);
  was_failing = redis->failing;
  redis->failing = redis->trial = FALSE;
  redis->backoff_us = BACKOFF_MIN_US;
  redis->counters.connected = TRUE;
  g_mutex_unlock (&redis->lock);
  if (was_failing)
    GST_INFO ("redis %s answers again", redis->masked_url);
}

/* Counts a failure; the first one (or the trial's) opens the breaker for
 * the back-off, which doubles. Reports the start of an outage. */
static void
breaker_failure (GstGpuKvRedis *redis, gboolean trial,
    GstGpuKvRedisFailure failure, const gchar *what, const gchar *detail)
{
  gboolean starts_outage;
  gint64 backoff = 0;

  g_mutex_lock (&redis->lock);
  redis->counters.errors++;
  if (failure == GST_GPU_KV_REDIS_FAILURE_TIMEOUT)
    redis->counters.timeouts++;
  redis->counters.connected = FALSE;
  starts_outage = !redis->failing;
  if (!redis->failing || trial) {
    backoff = redis->backoff_us;
    redis->next_attempt_us = g_get_monotonic_time () + backoff;
    redis->backoff_us = MIN (redis->backoff_us * 2, BACKOFF_MAX_US);
    redis->failing = TRUE;
  }
  if (trial)
    redis->trial = FALSE;
  g_mutex_unlock (&redis->lock);

  GST_DEBUG ("redis %s: %s failed (%s); next attempt in %" G_GINT64_FORMAT
             " ms",
      redis->masked_url, what, detail, backoff / 1000);
  if (starts_outage && redis->outage)
    redis->outage (failure, detail, redis->user_data);
}

/* ---- connections ---- */

/* Why a call on @c failed; @saved_errno is errno right after it. */
static GstGpuKvRedisFailure
io_failure (redisContext *c, int saved_errno, gchar **detail)
{
  *detail = g_strdup (c && c->errstr[0] ? c->errstr : "no reply");
  /* hiredis 0.14 reports a socket timeout as an I/O error with EAGAIN (a
   * read or write) or ETIMEDOUT (connect) */
  if (c && c->err == REDIS_ERR_IO
      && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK
          || saved_errno == ETIMEDOUT))
    return GST_GPU_KV_REDIS_FAILURE_TIMEOUT;
  return GST_GPU_KV_REDIS_FAILURE_UNREACHABLE;
}

/* Why the server answered @reply (an error) to @what. */
static GstGpuKvRedisFailure
reply_failure (const redisReply *reply, const gchar *what, gchar **detail)
{
  *detail = g_strdup_printf ("%s: %s", what, reply->str);
  /* NOAUTH: a password is required; WRONGPASS (Redis 6+) or "invalid
   * password" (older): it is wrong; AUTH without requirepass: an ERR */
  if (g_str_has_prefix (reply->str, "NOAUTH")
      || g_str_has_prefix (reply->str, "WRONGPASS")
      || strstr (reply->str, "invalid password")
      || g_strcmp0 (what, "AUTH") == 0)
    return GST_GPU_KV_REDIS_FAILURE_AUTH;
  return GST_GPU_KV_REDIS_FAILURE_REPLY;
}

/* One command with a status reply; FALSE with *failure and *detail set
 * when it fails or answers an error. */
static gboolean
redis_simple (redisContext *c, int argc, const char **argv,
    GstGpuKvRedisFailure *failure, gchar **detail)
{
  redisReply *reply = redisCommandArgv (c, argc, argv, NULL);
  int saved_errno = errno;
  gboolean ok = FALSE;

  if (!reply)
    *failure = io_failure (c, saved_errno, detail);
  else if (reply->type == REDIS_REPLY_ERROR)
    *failure = reply_failure (reply, argv[0], detail);
  else
    ok = TRUE;
  if (reply)
    freeReplyObject (reply);
  return ok;
}

/* Returns: (transfer full) (nullable): a connection, authenticated and on
 * the database, or NULL with *failure and *detail set. */
static redisContext *
redis_connect (
    GstGpuKvRedis *redis, GstGpuKvRedisFailure *failure, gchar **detail)
{
  redisContext *c;
  struct timeval tv;
  gchar db_text[8];
  int saved_errno;

  tv.tv_sec = redis->timeout_ms / 1000;
  tv.tv_usec = (redis->timeout_ms % 1000) * 1000;
  if (redis->socket_path)
    c = redisConnectUnixWithTimeout (redis->socket_path, tv);
  else
    c = redisConnectWithTimeout (redis->host, redis->port, tv);
  saved_errno = errno;
  if (!c || c->err) {
    *failure = io_failure (c, saved_errno, detail);
    goto failed;
  }
  if (redisSetTimeout (c, tv) != REDIS_OK) {
    *failure = io_failure (c, errno, detail);
    goto failed;
  }
  if (redis->password) {
    const char *argv[] = { "AUTH", redis->password };
    if (!redis_simple (c, 2, argv, failure, detail))
      goto failed;
  }
  if (redis->db) {
    const char *argv[] = { "SELECT", db_text };
    g_snprintf (db_text, sizeof (db_text), "%u", redis->db);
    if (!redis_simple (c, 2, argv, failure, detail))
      goto failed;
  }
  GST_INFO ("connected to redis %s", redis->masked_url);
  return c;

failed:
  if (c)
    redisFree (c);
  return NULL;
}

static void
redis_key (gchar *text, const GstGpuKvKey *key)
{
  gchar tmp[REDIS_KEY_LEN + 1];

  g_snprintf (tmp, sizeof (tmp),
      "gkv:%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x",
      (guint64)key->hi, (guint64)key->lo);
  memcpy (text, tmp, REDIS_KEY_LEN);
}

/* ---- reads (caller's thread) ---- */

static void
redis_reserve (GstGpuKvRedis *redis, guint n)
{
  if (n <= redis->cap)
    return;
  redis->cap = MAX (n, 2 * redis->cap);
  redis->key_text
      = g_realloc (redis->key_text, (gsize)redis->cap * REDIS_KEY_LEN);
  redis->argv = g_realloc_n (redis->argv, redis->cap + 1, sizeof (char *));
  redis->argvlen
      = g_realloc_n (redis->argvlen, redis->cap + 1, sizeof (size_t));
}

GstGpuKvRedisOutcome
gst_gpu_kv_redis_mget (GstGpuKvRedis *redis, const GstGpuKvKey *keys,
    const guint32 *idx, guint n_idx, guint value_size, guint8 *values,
    guint8 *found, guint *n_found)
{
  GstGpuKvRedisFailure failure = GST_GPU_KV_REDIS_FAILURE_REPLY;
  redisReply *reply = NULL;
  gchar *detail = NULL;
  gboolean trial;
  guint i;

  *n_found = 0;
  if (n_idx == 0)
    return GST_GPU_KV_REDIS_OK;
  if (!breaker_enter (redis, &trial))
    return GST_GPU_KV_REDIS_SKIPPED;
  if (!redis->rctx) {
    redis->rctx = redis_connect (redis, &failure, &detail);
    if (!redis->rctx)
      goto failed;
  }

  redis_reserve (redis, n_idx);
  redis->argv[0] = "MGET";
  redis->argvlen[0] = 4;
  for (i = 0; i < n_idx; i++) {
    gchar *text = redis->key_text + (gsize)i * REDIS_KEY_LEN;
    redis_key (text, &keys[idx[i]]);
    redis->argv[i + 1] = text;
    redis->argvlen[i + 1] = REDIS_KEY_LEN;
  }
  if (redisAppendCommandArgv (
          redis->rctx, n_idx + 1, redis->argv, redis->argvlen)
          != REDIS_OK
      || redisGetReply (redis->rctx, (void **)&reply) != REDIS_OK || !reply) {
    failure = io_failure (redis->rctx, errno, &detail);
    goto failed;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    failure = reply_failure (reply, "MGET", &detail);
    goto failed;
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n_idx) {
    detail = g_strdup ("MGET: not an array of one reply per key");
    goto failed;
  }
  for (i = 0; i < n_idx; i++) {
    redisReply *r = reply->element[i];
    if (r->type == REDIS_REPLY_STRING && r->len == value_size) {
      memcpy (values + (gsize)idx[i] * value_size, r->str, value_size);
      found[idx[i]] = 1;
      (*n_found)++;
    }
  }
  freeReplyObject (reply);
  breaker_success (redis);
  return GST_GPU_KV_REDIS_OK;

failed:
  if (reply)
    freeReplyObject (reply);
  g_clear_pointer (&redis->rctx, redisFree);
  breaker_failure (redis, trial, failure, "MGET", detail);
  g_free (detail);
  return GST_GPU_KV_REDIS_FAILED;
}

/* ---- writes (writer thread) ---- */

void
gst_gpu_kv_redis_queue_set (GstGpuKvRedis *redis, const GstGpuKvKey *keys,
    const guint32 *idx, guint n_idx, guint value_size, const guint8 *values)
{
  WriteJob *job;
  guint i;

  if (n_idx == 0)
    return;
  job = g_malloc (sizeof (WriteJob) + (gsize)n_idx * sizeof (GstGpuKvKey)
                  + (gsize)n_idx * value_size);
  job->n = n_idx;
  job->value_size = value_size;
  job->keys = (GstGpuKvKey *)(job + 1);
  job->values = (guint8 *)(job->keys + n_idx);
  for (i = 0; i < n_idx; i++) {
    job->keys[i] = keys[idx[i]];
    memcpy (job->values + (gsize)i * value_size,
        values + (gsize)idx[i] * value_size, value_size);
  }

  g_mutex_lock (&redis->lock);
  if (redis->counters.writes_pending + n_idx > GST_GPU_KV_REDIS_MAX_QUEUED) {
    redis->counters.writes_dropped += n_idx;
    g_mutex_unlock (&redis->lock);
    GST_DEBUG ("redis %s: write queue full, %u entries dropped",
        redis->masked_url, n_idx);
    g_free (job);
    return;
  }
  redis->counters.writes_pending += n_idx;
  g_queue_push_tail (&redis->queue, job);
  g_cond_broadcast (&redis->cond);
  g_mutex_unlock (&redis->lock);
}

/* Sends @job as one pipeline of SETs; returns how many were written. */
static guint
redis_write (GstGpuKvRedis *redis, const WriteJob *job)
{
  GstGpuKvRedisFailure failure = GST_GPU_KV_REDIS_FAILURE_REPLY;
  gchar ttl_text[16], *detail = NULL;
  int argc = redis->ttl_s ? 5 : 3;
  guint i, n_sent = 0, n_written = 0;
  gboolean trial;

  if (!breaker_enter (redis, &trial))
    return 0;
  if (!redis->wctx) {
    redis->wctx = redis_connect (redis, &failure, &detail);
    if (!redis->wctx)
      goto failed;
  }
  g_snprintf (ttl_text, sizeof (ttl_text), "%u", redis->ttl_s);
  for (i = 0; i < job->n; i++) {
    const char *argv[5];
    size_t argvlen[5];
    gchar key[REDIS_KEY_LEN];

    redis_key (key, &job->keys[i]);
    argv[0] = "SET";
    argvlen[0] = 3;
    argv[1] = key;
    argvlen[1] = REDIS_KEY_LEN;
    argv[2] = (const char *)job->values + (gsize)i * job->value_size;
    argvlen[2] = job->value_size;
    argv[3] = "EX";
    argvlen[3] = 2;
    argv[4] = ttl_text;
    argvlen[4] = strlen (ttl_text);
    if (redisAppendCommandArgv (redis->wctx, argc, argv, argvlen) != REDIS_OK) {
      failure = io_failure (redis->wctx, errno, &detail);
      goto failed;
    }
    n_sent++;
  }
  for (i = 0; i < n_sent; i++) {
    redisReply *reply = NULL;
    if (redisGetReply (redis->wctx, (void **)&reply) != REDIS_OK || !reply) {
      failure = io_failure (redis->wctx, errno, &detail);
      goto failed;
    }
    /* e.g. NOAUTH or OOM: the write did not happen */
    if (reply->type == REDIS_REPLY_ERROR && !detail)
      failure = reply_failure (reply, "SET", &detail);
    else if (reply->type != REDIS_REPLY_ERROR)
      n_written++;
    freeReplyObject (reply);
  }
  if (detail)
    goto failed;
  breaker_success (redis);
  return n_written;

failed:
  g_clear_pointer (&redis->wctx, redisFree);
  breaker_failure (redis, trial, failure, "SET pipeline", detail);
  g_free (detail);
  return n_written;
}

/* Writes queued jobs until stopped with an empty queue. */
static gpointer
writer_main (gpointer data)
{
  GstGpuKvRedis *redis = data;
  WriteJob *job;

  g_mutex_lock (&redis->lock);
  for (;;) {
    guint n, n_written;

    while (!redis->stopping && g_queue_is_empty (&redis->queue))
      g_cond_wait (&redis->cond, &redis->lock);
    job = g_queue_pop_head (&redis->queue);
    if (!job)
      break;
    g_mutex_unlock (&redis->lock);
    n = job->n;
    n_written = redis_write (redis, job);
    g_free (job);
    g_mutex_lock (&redis->lock);
    redis->counters.writes += n_written;
    redis->counters.writes_dropped += n - n_written;
    redis->counters.writes_pending -= n;
    g_cond_broadcast (&redis->cond);
  }
  g_mutex_unlock (&redis->lock);
  g_clear_pointer (&redis->wctx, redisFree);
  return NULL;
}

void
gst_gpu_kv_redis_drain (GstGpuKvRedis *redis)
{
  g_mutex_lock (&redis->lock);
  while (redis->counters.writes_pending > 0)
    g_cond_wait (&redis->cond, &redis->lock);
  g_mutex_unlock (&redis->lock);
}
