/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuRedisLink: one Redis server as the elements reach it (gpukvcache's
 * tier, gpupublish's stream): its address, connections authenticated and
 * on their database, a circuit breaker, and a writer thread that sends
 * queued jobs as pipelines of commands so that streaming threads never
 * wait for Redis.
 *
 * Every connection of a link shares one circuit breaker. Any failure
 * (connection refused, a timeout, an error reply) drops that connection
 * and opens the breaker for an exponential back-off measured on the
 * monotonic clock (no sleep): while it is open nothing is sent. When it
 * expires one operation tries (the others are still skipped); only a
 * successful round trip closes the breaker and resets the back-off, so a
 * server that accepts connections but never answers (stopped, overloaded)
 * costs at most one timeout per back-off period, and the back-off keeps
 * doubling up to 5 s.
 */
#pragma once

#include <gst/gst.h>
#include <hiredis/hiredis.h>

G_BEGIN_DECLS

typedef struct _GstGpuRedisLink GstGpuRedisLink;

/**
 * GstGpuRedisFailure:
 * @GST_GPU_REDIS_FAILURE_UNREACHABLE: no connection (refused, no such
 *   host or socket) or the server closed it
 * @GST_GPU_REDIS_FAILURE_TIMEOUT: no answer within the timeout
 * @GST_GPU_REDIS_FAILURE_AUTH: the server refused the password, or wants
 *   one and none was given
 * @GST_GPU_REDIS_FAILURE_REPLY: the server answered with another error
 *   (e.g. out of memory, no such database, wrong type of key)
 */
typedef enum {
  GST_GPU_REDIS_FAILURE_UNREACHABLE,
  GST_GPU_REDIS_FAILURE_TIMEOUT,
  GST_GPU_REDIS_FAILURE_AUTH,
  GST_GPU_REDIS_FAILURE_REPLY,
} GstGpuRedisFailure;

/* Called, from whichever thread saw it and without any lock of the link
 * held, on the first failure after a success (or after the start): once
 * per outage. @detail is the client's or server's message (never the
 * password). */
typedef void (*GstGpuRedisOutageFunc) (
    GstGpuRedisFailure failure, const gchar *detail, gpointer user_data);

/**
 * GstGpuRedisAppendFunc:
 * @c: the writer's connection
 * @job: a job given to gst_gpu_redis_link_queue ()
 *
 * Appends @job's commands to @c (redisAppendCommandArgv); writer thread.
 *
 * Returns: how many commands were appended, or -1 when appending failed
 * (an I/O error on @c).
 */
typedef gint (*GstGpuRedisAppendFunc) (redisContext *c, gpointer job);

typedef struct
{
  guint64 errors;         /* failed connections and round trips */
  guint64 timeouts;       /* of which timed out */
  guint64 reconnects;     /* connections made after the first one */
  guint64 writes;         /* queued entries written */
  guint64 writes_dropped; /* entries not written (queue full, backing off,
                             failed round trip) */
  guint64 writes_pending; /* entries queued or being written */
  gboolean connected;     /* the last round trip succeeded */
} GstGpuRedisCounters;

/**
 * gst_gpu_redis_link_new:
 * @url: redis://[:password@]host[:port][/db] (port 1-65535, default 6379;
 *   db 0-15, default 0) or unix:///path/to/socket[?db=N] (also unix:/path).
 *   Without a password in @url, GST_GPUSTREAM_REDIS_PASSWORD is used when
 *   set.
 * @property: the element property @url came from, named in @error
 * @timeout_ms: connect and command timeout
 * @max_queued: entries the write queue holds at most
 * @append: writes one queued job
 * @free_job: frees a job once written or dropped
 * @outage: (nullable): called once per outage
 * @user_data: for @outage
 * @error: says what is wrong with @url
 *
 * Parses @url and starts the writer thread; does not connect (the first
 * operation does).
 *
 * Returns: (transfer full) (nullable): the link, NULL on a malformed URL.
 */
GstGpuRedisLink *gst_gpu_redis_link_new (const gchar *url,
    const gchar *property, guint timeout_ms, guint max_queued,
    GstGpuRedisAppendFunc append, GDestroyNotify free_job,
    GstGpuRedisOutageFunc outage, gpointer user_data, GError **error);
/* Writes (or drops, when the server is down) what is queued, then stops
 * the writer thread. */
void gst_gpu_redis_link_free (GstGpuRedisLink *link);

/* Returns: (transfer full): @url with any password replaced by "***". */
gchar *gst_gpu_redis_mask_url (const gchar *url);

/**
 * gst_gpu_redis_link_queue:
 * @job: (transfer full): what the append function writes
 * @n_entries: how many entries @job counts for in the counters
 *
 * Queues @job for the writer thread and returns at once. When the queue
 * would then hold more than max_queued entries, @job is freed and its
 * entries counted as dropped. Any thread.
 *
 * Returns: FALSE when @job was dropped.
 */
gboolean gst_gpu_redis_link_queue (
    GstGpuRedisLink *link, gpointer job, guint n_entries);

/* Waits until every queued entry is written or dropped: at most a few
 * timeouts, since the breaker skips the rest once one fails. */
void gst_gpu_redis_link_drain (GstGpuRedisLink *link);

void gst_gpu_redis_link_get_counters (
    GstGpuRedisLink *link, GstGpuRedisCounters *counters);
/* Zeroes the counters (not writes_pending). */
void gst_gpu_redis_link_reset_counters (GstGpuRedisLink *link);

/* For an operation on a connection of the caller's own (e.g. reads on a
 * streaming thread): */

/* TRUE when an operation may go ahead; *trial tells it is the one attempt
 * after a back-off, whose outcome decides the next. */
gboolean gst_gpu_redis_link_enter (GstGpuRedisLink *link, gboolean *trial);
/* A round trip succeeded: closes the breaker. */
void gst_gpu_redis_link_success (GstGpuRedisLink *link);
/* Counts a failure of @what; the first one (or the trial's) opens the
 * breaker for the back-off, which doubles. Reports the start of an
 * outage. */
void gst_gpu_redis_link_failure (GstGpuRedisLink *link, gboolean trial,
    GstGpuRedisFailure failure, const gchar *what, const gchar *detail);

/* Returns: (transfer full) (nullable): a connection, authenticated and on
 * the database, or NULL with *failure and *detail set. */
redisContext *gst_gpu_redis_link_connect (
    GstGpuRedisLink *link, GstGpuRedisFailure *failure, gchar **detail);

/* Why a call on @c failed; @saved_errno is errno right after it. Sets
 * *detail (transfer full). */
GstGpuRedisFailure gst_gpu_redis_io_failure (
    redisContext *c, int saved_errno, gchar **detail);
/* Why the server answered @reply (an error) to @what. Sets *detail
 * (transfer full). */
GstGpuRedisFailure gst_gpu_redis_reply_failure (
    const redisReply *reply, const gchar *what, gchar **detail);

const gchar *gst_gpu_redis_link_get_masked_url (GstGpuRedisLink *link);

G_END_DECLS
