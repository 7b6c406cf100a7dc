/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A real redis-server child for tests (see redischild.h).
 */
#include "tests/check/common/redischild.h"

#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const gchar *
redis_server_path (void)
{
  static gchar *path = NULL;
  if (!path)
    path = g_find_program_in_path ("redis-server");
  if (!path && g_file_test ("/usr/bin/redis-server", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/bin/redis-server");
  return path;
}

guint
free_port (void)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof (addr);
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port;

  memset (&addr, 0, sizeof (addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0);
  fail_unless (getsockname (fd, (struct sockaddr *)&addr, &len) == 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

redisContext *
redis_connect (guint port)
{
  struct timeval tv = { 0, 200000 };
  redisContext *c = redisConnectWithTimeout ("127.0.0.1", port, tv);

  if (c && c->err) {
    redisFree (c);
    c = NULL;
  }
  return c;
}

/* a failing test exits without redis_stop (): take the server with it */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

void
redis_start (RedisChild *child)
{
  gchar *port = g_strdup_printf ("%u", child->port);
  const gchar *argv[18] = { redis_server_path (), "--port", port, "--bind",
    "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" };
  guint argc = 11;
  GError *error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  gboolean up = FALSE;

  fail_unless (argv[0] != NULL, "redis-server not found");
  if (child->password) {
    argv[argc++] = "--requirepass";
    argv[argc++] = child->password;
  }
  if (child->unix_socket) {
    argv[argc++] = "--unixsocket";
    argv[argc++] = child->unix_socket;
    argv[argc++] = "--unixsocketperm";
    argv[argc++] = "700";
  }
  fail_unless (g_spawn_async (NULL, (gchar **)argv, NULL,
                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                   die_with_parent, NULL, &child->pid, &error),
      "cannot start redis-server: %s", error ? error->message : "");
  while (!up && g_get_monotonic_time () < deadline) {
    redisContext *c = redis_connect (child->port);
    if (c) {
      redisReply *r = redisCommand (c, "PING");
      /* with a password PING answers NOAUTH: still up */
      up = r != NULL;
      if (r)
        freeReplyObject (r);
      redisFree (c);
    }
    if (!up)
      g_usleep (20000);
  }
  fail_unless (up, "redis-server did not answer PING on port %u", child->port);
  g_free (port);
}

void
redis_stop (RedisChild *child)
{
  if (child->pid <= 0)
    return;
  kill (child->pid, SIGKILL);
  waitpid (child->pid, NULL, 0);
  g_spawn_close_pid (child->pid);
  child->pid = 0;
}

gchar *
redis_url (RedisChild *child)
{
  return g_strdup_printf ("redis://127.0.0.1:%u/0", child->port);
}
