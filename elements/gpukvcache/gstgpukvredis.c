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
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_kv_cache_debug);
#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

#define REDIS_KEY_LEN 36 /* "gkv:" + 32 hex digits */

/* One batch of entries to write: keys then values, in one allocation. */
typedef struct
{
  guint n;
  guint value_size;
  guint ttl_s;
  GstGpuKvKey *keys;
  guint8 *values;
} WriteJob;

struct _GstGpuKvRedis
{
  /* set by new, then read-only */
  GstGpuRedisLink *link;
  guint ttl_s;

  /* the reader's connection and scratch: the mget caller's thread only */
  redisContext *rctx;
  guint cap;
  gchar *key_text;
  const char **argv;
  size_t *argvlen;
};

static gint append_sets (redisContext *c, gpointer job);

GstGpuKvRedis *
gst_gpu_kv_redis_new (const gchar *url, guint timeout_ms, guint ttl_s,
    GstGpuRedisOutageFunc outage, gpointer user_data, GError **error)
{
  GstGpuKvRedis *redis = g_new0 (GstGpuKvRedis, 1);

  redis->ttl_s = ttl_s;
  redis->link = gst_gpu_redis_link_new (url, "backing-store", timeout_ms,
      GST_GPU_KV_REDIS_MAX_QUEUED, append_sets, g_free, outage, user_data,
      error);
  if (!redis->link) {
    g_free (redis);
    return NULL;
  }
  GST_INFO ("redis tier %s (timeout %u ms, ttl %u s)",
      gst_gpu_redis_link_get_masked_url (redis->link), timeout_ms, ttl_s);
  return redis;
}

void
gst_gpu_kv_redis_free (GstGpuKvRedis *redis)
{
  if (!redis)
    return;
  gst_gpu_redis_link_free (redis->link);
  g_clear_pointer (&redis->rctx, redisFree);
  g_free (redis->key_text);
  g_free (redis->argv);
  g_free (redis->argvlen);
  g_free (redis);
}

void
gst_gpu_kv_redis_get_counters (
    GstGpuKvRedis *redis, GstGpuKvRedisCounters *counters)
{
  gst_gpu_redis_link_get_counters (redis->link, counters);
}

void
gst_gpu_kv_redis_reset_counters (GstGpuKvRedis *redis)
{
  gst_gpu_redis_link_reset_counters (redis->link);
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
  GstGpuRedisFailure failure = GST_GPU_REDIS_FAILURE_REPLY;
  redisReply *reply = NULL;
  gchar *detail = NULL;
  gboolean trial;
  guint i;

  *n_found = 0;
  if (n_idx == 0)
    return GST_GPU_KV_REDIS_OK;
  if (!gst_gpu_redis_link_enter (redis->link, &trial))
    return GST_GPU_KV_REDIS_SKIPPED;
  if (!redis->rctx) {
    redis->rctx = gst_gpu_redis_link_connect (redis->link, &failure, &detail);
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
    failure = gst_gpu_redis_io_failure (redis->rctx, errno, &detail);
    goto failed;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    failure = gst_gpu_redis_reply_failure (reply, "MGET", &detail);
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
  gst_gpu_redis_link_success (redis->link);
  return GST_GPU_KV_REDIS_OK;

failed:
  if (reply)
    freeReplyObject (reply);
  g_clear_pointer (&redis->rctx, redisFree);
  gst_gpu_redis_link_failure (redis->link, trial, failure, "MGET", detail);
  g_free (detail);
  return GST_GPU_KV_REDIS_FAILED;
}

/* ---- writes (the link's writer thread) ---- */

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
  job->ttl_s = redis->ttl_s;
  job->keys = (GstGpuKvKey *)(job + 1);
  job->values = (guint8 *)(job->keys + n_idx);
  for (i = 0; i < n_idx; i++) {
    job->keys[i] = keys[idx[i]];
    memcpy (job->values + (gsize)i * value_size,
        values + (gsize)idx[i] * value_size, value_size);
  }
  gst_gpu_redis_link_queue (redis->link, job, n_idx);
}

/* Appends one SET (EX ttl when set) per entry of @job. */
static gint
append_sets (redisContext *c, gpointer data)
{
  const WriteJob *job = data;
  int argc = job->ttl_s ? 5 : 3;
  gchar ttl_text[16];
  guint i;

  g_snprintf (ttl_text, sizeof (ttl_text), "%u", job->ttl_s);

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
    if (redisAppendCommandArgv (c, argc, argv, argvlen) != REDIS_OK)
      return -1;
  }
  return (gint)job->n;
}

void
gst_gpu_kv_redis_drain (GstGpuKvRedis *redis)
{
  gst_gpu_redis_link_drain (redis->link);
}
