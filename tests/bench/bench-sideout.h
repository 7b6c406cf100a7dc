/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A benchmark's machine-readable side output: when the environment variable
 * names a file, lines are appended to it (scripts/bench-report.py sets the
 * variables and reads the files). The printed text stays the same.
 */
#pragma once

#include <errno.h>
#include <stdio.h>

#include <glib.h>

/* Appends line and a newline to the file named by $env, if it is set. */
static inline void
bench_sideout_append (const gchar *env, const gchar *line)
{
  const gchar *path = g_getenv (env);
  FILE *f;

  if (path == NULL)
    return;
  f = fopen (path, "a");
  if (f == NULL) {
    g_printerr ("%s: cannot open %s: %s\n", env, path, g_strerror (errno));
    return;
  }
  fprintf (f, "%s\n", line);
  fclose (f);
}
