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

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_kv_cache_debug);
#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

#define REDIS_KEY_LEN 36 /* "gkv:" + 32 hex digits */
#define BACKOFF_MIN_US (50 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF_MAX_US (5 * G_TIME_SPAN_SECOND)
#define ENV_PASSWORD "GST_GPUSTREAM_REDIS_PASSWORD"

struct _GstGpuKvRedis
{
  gchar *host;
  gint port;
  guint db;
  gchar *password; /* never logged */
  gchar *masked_url;
  guint timeout_ms;
  guint ttl_s;

  redisContext *ctx;
  gint64 next_attempt_us; /* monotonic; 0 = now */
  gint64 backoff_us;
  guint64 errors;

  /* per-batch scratch, grown when a larger batch comes (not per item) */
  guint cap;
  gchar *key_text;
  const char **argv;
  size_t *argvlen;
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

GstGpuKvRedis *
gst_gpu_kv_redis_new (
    const gchar *url, guint timeout_ms, guint ttl_s, GError **error)
{
  GstGpuKvRedis *redis = NULL;
  GUri *uri = NULL;
  const gchar *path, *host;
  gchar *masked = gst_gpu_kv_redis_mask_url (url);
  guint64 db = 0;

  uri = g_uri_parse (url ? url : "", G_URI_FLAGS_HAS_PASSWORD, NULL);
  if (!uri || g_strcmp0 (g_uri_get_scheme (uri), "redis") != 0) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
        "backing-store '%s' is not a redis://[:password@]host:port/db URL",
        masked);
    goto out;
  }
  host = g_uri_get_host (uri);
  if (!host || !*host) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
        "backing-store '%s' has no host", masked);
    goto out;
  }
  path = g_uri_get_path (uri);
  if (path && path[0] == '/' && path[1]) {
    if (!g_ascii_string_to_unsigned (path + 1, 10, 0, 15, &db, NULL)) {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
          "backing-store '%s': database '%s' is not a number 0-15", masked,
          path + 1);
      goto out;
    }
  } else if (path && *path && g_strcmp0 (path, "/") != 0) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "backing-store '%s': bad database path", masked);
    goto out;
  }

  redis = g_new0 (GstGpuKvRedis, 1);
  redis->host = g_strdup (host);
  redis->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 6379;
  redis->db = db;
  if (g_uri_get_password (uri) && *g_uri_get_password (uri))
    redis->password = g_strdup (g_uri_get_password (uri));
  else if (g_getenv (ENV_PASSWORD) && *g_getenv (ENV_PASSWORD))
    redis->password = g_strdup (g_getenv (ENV_PASSWORD));
  redis->masked_url = masked;
  masked = NULL;
  redis->timeout_ms = MAX (timeout_ms, 1);
  redis->ttl_s = ttl_s;
  redis->backoff_us = BACKOFF_MIN_US;
  GST_INFO ("redis tier %s (timeout %u ms, ttl %u s)", redis->masked_url,
      redis->timeout_ms, ttl_s);

out:
  g_clear_pointer (&uri, g_uri_unref);
  g_free (masked);
  return redis;
}

void
gst_gpu_kv_redis_free (GstGpuKvRedis *redis)
{
  if (!redis)
    return;
  g_clear_pointer (&redis->ctx, redisFree);
  g_free (redis->host);
  if (redis->password)
    memset (redis->password, 0, strlen (redis->password));
  g_free (redis->password);
  g_free (redis->masked_url);
  g_free (redis->key_text);
  g_free (redis->argv);
  g_free (redis->argvlen);
  g_free (redis);
}

guint64
gst_gpu_kv_redis_get_errors (GstGpuKvRedis *redis)
{
  return redis->errors;
}

gboolean
gst_gpu_kv_redis_is_connected (GstGpuKvRedis *redis)
{
  return redis->ctx != NULL;
}

/* Drops the connection and schedules the next attempt. */
static void
redis_fail (GstGpuKvRedis *redis, const gchar *what)
{
  redis->errors++;
  GST_DEBUG ("redis %s: %s failed (%s); retry in %" G_GINT64_FORMAT " ms",
      redis->masked_url, what,
      redis->ctx && redis->ctx->errstr[0] ? redis->ctx->errstr : "no reply",
      redis->backoff_us / 1000);
  g_clear_pointer (&redis->ctx, redisFree);
  redis->next_attempt_us = g_get_monotonic_time () + redis->backoff_us;
  redis->backoff_us = MIN (redis->backoff_us * 2, BACKOFF_MAX_US);
}

/* One command with a status reply; TRUE when it is not an error. */
static gboolean
redis_simple (GstGpuKvRedis *redis, int argc, const char **argv)
{
  redisReply *reply = redisCommandArgv (redis->ctx, argc, argv, NULL);
  gboolean ok = reply && reply->type != REDIS_REPLY_ERROR;

  if (reply)
    freeReplyObject (reply);
  return ok;
}

static GstGpuKvRedisOutcome
redis_ensure (GstGpuKvRedis *redis)
{
  struct timeval tv;
  gchar db_text[8];

  if (redis->ctx)
    return GST_GPU_KV_REDIS_OK;
  if (g_get_monotonic_time () < redis->next_attempt_us)
    return GST_GPU_KV_REDIS_SKIPPED;

  tv.tv_sec = redis->timeout_ms / 1000;
  tv.tv_usec = (redis->timeout_ms % 1000) * 1000;
  redis->ctx = redisConnectWithTimeout (redis->host, redis->port, tv);
  if (!redis->ctx || redis->ctx->err
      || redisSetTimeout (redis->ctx, tv) != REDIS_OK)
    goto failed;
  if (redis->password) {
    const char *argv[] = { "AUTH", redis->password };
    if (!redis_simple (redis, 2, argv))
      goto failed;
  }
  if (redis->db) {
    const char *argv[] = { "SELECT", db_text };
    g_snprintf (db_text, sizeof (db_text), "%u", redis->db);
    if (!redis_simple (redis, 2, argv))
      goto failed;
  }
  GST_INFO ("connected to redis %s", redis->masked_url);
  redis->backoff_us = BACKOFF_MIN_US;
  return GST_GPU_KV_REDIS_OK;

failed:
  redis_fail (redis, "connect");
  return GST_GPU_KV_REDIS_FAILED;
}

static void
redis_reserve (GstGpuKvRedis *redis, guint n)
{
  if (n <= redis->cap)
    return;
  redis->cap = MAX (n, 2 * redis->cap);
  redis->key_text
      = g_realloc (redis->key_text, (gsize)redis->cap * REDIS_KEY_LEN);
  /* MGET + keys, or SET key value EX ttl */
  redis->argv = g_realloc_n (redis->argv, redis->cap + 5, sizeof (char *));
  redis->argvlen
      = g_realloc_n (redis->argvlen, redis->cap + 5, sizeof (size_t));
}

static const char *
redis_key (GstGpuKvRedis *redis, guint i, const GstGpuKvKey *key)
{
  gchar *text = redis->key_text + (gsize)i * REDIS_KEY_LEN;
  gchar tmp[REDIS_KEY_LEN + 1];

  g_snprintf (tmp, sizeof (tmp),
      "gkv:%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x",
      (guint64)key->hi, (guint64)key->lo);
  memcpy (text, tmp, REDIS_KEY_LEN);
  return text;
}

GstGpuKvRedisOutcome
gst_gpu_kv_redis_mget (GstGpuKvRedis *redis, const GstGpuKvKey *keys,
    const guint32 *idx, guint n_idx, guint value_size, guint8 *values,
    guint8 *found, guint *n_found)
{
  GstGpuKvRedisOutcome outcome;
  redisReply *reply = NULL;
  guint i;

  *n_found = 0;
  if (n_idx == 0)
    return GST_GPU_KV_REDIS_OK;
  outcome = redis_ensure (redis);
  if (outcome != GST_GPU_KV_REDIS_OK)
    goto out;

  redis_reserve (redis, n_idx);
  redis->argv[0] = "MGET";
  redis->argvlen[0] = 4;
  for (i = 0; i < n_idx; i++) {
    redis->argv[i + 1] = redis_key (redis, i, &keys[idx[i]]);
    redis->argvlen[i + 1] = REDIS_KEY_LEN;
  }
  if (redisAppendCommandArgv (
          redis->ctx, n_idx + 1, redis->argv, redis->argvlen)
          != REDIS_OK
      || redisGetReply (redis->ctx, (void **)&reply) != REDIS_OK || !reply
      || reply->type != REDIS_REPLY_ARRAY || reply->elements != n_idx) {
    redis_fail (redis, "MGET");
    outcome = GST_GPU_KV_REDIS_FAILED;
    goto out;
  }
  for (i = 0; i < n_idx; i++) {
    redisReply *r = reply->element[i];
    if (r->type == REDIS_REPLY_STRING && r->len == value_size) {
      memcpy (values + (gsize)idx[i] * value_size, r->str, value_size);
      found[idx[i]] = 1;
      (*n_found)++;
    }
  }

out:
  if (reply)
    freeReplyObject (reply);
  return outcome;
}

GstGpuKvRedisOutcome
gst_gpu_kv_redis_set (GstGpuKvRedis *redis, const GstGpuKvKey *keys,
    const guint32 *idx, guint n_idx, guint value_size, const guint8 *values)
{
  GstGpuKvRedisOutcome outcome;
  gchar ttl_text[16];
  int argc = redis->ttl_s ? 5 : 3;
  guint i, n_sent = 0, n_errors = 0;

  if (n_idx == 0)
    return GST_GPU_KV_REDIS_OK;
  outcome = redis_ensure (redis);
  if (outcome != GST_GPU_KV_REDIS_OK)
    return outcome;

  redis_reserve (redis, n_idx);
  g_snprintf (ttl_text, sizeof (ttl_text), "%u", redis->ttl_s);
  for (i = 0; i < n_idx; i++) {
    const char *argv[5];
    size_t argvlen[5];

    argv[0] = "SET";
    argvlen[0] = 3;
    argv[1] = redis_key (redis, i, &keys[idx[i]]);
    argvlen[1] = REDIS_KEY_LEN;
    argv[2] = (const char *)values + (gsize)idx[i] * value_size;
    argvlen[2] = value_size;
    argv[3] = "EX";
    argvlen[3] = 2;
    argv[4] = ttl_text;
    argvlen[4] = strlen (ttl_text);
    if (redisAppendCommandArgv (redis->ctx, argc, argv, argvlen) != REDIS_OK)
      goto failed;
    n_sent++;
  }
  for (i = 0; i < n_sent; i++) {
    redisReply *reply = NULL;
    if (redisGetReply (redis->ctx, (void **)&reply) != REDIS_OK || !reply)
      goto failed;
    /* e.g. NOAUTH or OOM: the write did not happen */
    n_errors += reply->type == REDIS_REPLY_ERROR;
    freeReplyObject (reply);
  }
  if (n_errors > 0)
    goto failed;
  return GST_GPU_KV_REDIS_OK;

failed:
  redis_fail (redis, "SET pipeline");
  return GST_GPU_KV_REDIS_FAILED;
}
