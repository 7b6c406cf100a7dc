/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A real redis-server child for the tests that talk to Redis (gpukvcache's
 * tier, gpupublish's stream): on a free loopback port, optionally with a
 * password or a unix socket, killed with the test process.
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <hiredis/hiredis.h>

typedef struct
{
  GPid pid;
  guint port;
  const gchar *password; /* nullable: --requirepass */
  gchar *unix_socket;    /* nullable: --unixsocket */
} RedisChild;

/* Returns: (transfer none) (nullable): redis-server's path, NULL when it
 * is not installed (the tests are then skipped). */
const gchar *redis_server_path (void);

/* A loopback TCP port nothing listens on right now. */
guint free_port (void);

/* Returns: (transfer full) (nullable): a connection to 127.0.0.1:@port. */
redisContext *redis_connect (guint port);

/* Starts @child's server and waits (10 s at most) until it answers PING;
 * fails the test otherwise. */
void redis_start (RedisChild *child);

/* Kills @child's server (SIGKILL) and reaps it; nothing when not running. */
void redis_stop (RedisChild *child);

/* Returns: (transfer full): redis://127.0.0.1:port/0 of @child. */
gchar *redis_url (RedisChild *child);
