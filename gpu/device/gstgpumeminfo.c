/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Host memory figures for the CPU device: /proc/meminfo, else sysconf().
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/device/gstgpudeviceprivate.h"

#include <string.h>
#include <unistd.h>

/* Finds "@key <value> kB" in /proc/meminfo contents. */
static gboolean
meminfo_field (const gchar *contents, const gchar *key, guint64 *bytes)
{
  const gchar *p = contents;
  gsize key_len = strlen (key);
  gchar *end = NULL;
  guint64 kib;

  /* Keys start a line. */
  while (p && strncmp (p, key, key_len) != 0) {
    p = strchr (p, '\n');
    if (p)
      p++;
  }
  if (!p)
    return FALSE;

  kib = g_ascii_strtoull (p + key_len, &end, 10);
  if (end == p + key_len || kib == 0 || kib > G_MAXUINT64 / 1024)
    return FALSE;

  *bytes = kib * 1024;
  return TRUE;
}

gboolean
gst_gpu_host_get_memory_info (guint64 *free_bytes, guint64 *total_bytes)
{
  gchar *contents = NULL;
  guint64 avail = 0, total = 0;
  long pages, avpages, page_size;

  if (g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL)
      && meminfo_field (contents, "MemTotal:", &total)
      && meminfo_field (contents, "MemAvailable:", &avail)) {
    g_free (contents);
    *free_bytes = avail;
    *total_bytes = total;
    return TRUE;
  }
  g_free (contents);

  pages = sysconf (_SC_PHYS_PAGES);
  avpages = sysconf (_SC_AVPHYS_PAGES);
  page_size = sysconf (_SC_PAGESIZE);
  if (pages <= 0 || avpages < 0 || page_size <= 0)
    return FALSE;
  *total_bytes = (guint64)pages * (guint64)page_size;
  *free_bytes = (guint64)avpages * (guint64)page_size;
  return TRUE;
}
