/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Unit tests of the device layer: device selection, the kind enum, memory
 * figures, tensor allocator, bounded pools and CUDA context sharing
 * without a GPU.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <dlfcn.h>
#include <string.h>

#include "gpu/device/gstgpudevice.h"
#include "gpu/device/gstgputensormemory.h"

/* Whether this machine has a CUDA driver at all: the tests that expect the
 * CPU fallback check the real situation rather than assume it. */
static gboolean
driver_library_present (void)
{
  void *handle = dlopen ("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);

  if (handle)
    dlclose (handle);
  return handle != NULL;
}

GST_START_TEST (test_kind_type_has_three_nicks)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_GPU_DEVICE_KIND);
  GEnumValue *v;

  fail_unless_equals_int (klass->n_values, 3);

  v = g_enum_get_value_by_nick (klass, "auto");
  fail_unless (v != NULL);
  fail_unless_equals_int (v->value, GST_GPU_DEVICE_KIND_AUTO);
  v = g_enum_get_value_by_nick (klass, "cuda");
  fail_unless (v != NULL);
  fail_unless_equals_int (v->value, GST_GPU_DEVICE_KIND_CUDA);
  v = g_enum_get_value_by_nick (klass, "cpu");
  fail_unless (v != NULL);
  fail_unless_equals_int (v->value, GST_GPU_DEVICE_KIND_CPU);

  g_type_class_unref (klass);
}

GST_END_TEST;

/* The smallest element carrying the shared device properties. */
typedef struct
{
  GstElement parent;
  GstGpuDeviceHandle handle;
} TestDevElement;

typedef struct
{
  GstElementClass parent_class;
} TestDevElementClass;

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_DEVICE_ID,
};

static GType test_dev_element_get_type (void);
G_DEFINE_TYPE (TestDevElement, test_dev_element, GST_TYPE_ELEMENT);

static void
test_dev_element_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TestDevElement *self = (TestDevElement *)object;

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_DEVICE)
    self->handle.kind = g_value_get_enum (value);
  else if (prop_id == PROP_DEVICE_ID)
    self->handle.device_id = g_value_get_int (value);
  GST_OBJECT_UNLOCK (self);
}

static void
test_dev_element_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestDevElement *self = (TestDevElement *)object;

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_DEVICE)
    g_value_set_enum (value, self->handle.kind);
  else if (prop_id == PROP_DEVICE_ID)
    g_value_set_int (value, self->handle.device_id);
  GST_OBJECT_UNLOCK (self);
}

static void
test_dev_element_finalize (GObject *object)
{
  TestDevElement *self = (TestDevElement *)object;

  gst_gpu_device_handle_clear (&self->handle);
  G_OBJECT_CLASS (test_dev_element_parent_class)->finalize (object);
}

static void
test_dev_element_class_init (TestDevElementClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->set_property = test_dev_element_set_property;
  gobject_class->get_property = test_dev_element_get_property;
  gobject_class->finalize = test_dev_element_finalize;
  gst_gpu_device_install_properties (
      gobject_class, PROP_DEVICE, PROP_DEVICE_ID);
}

static void
test_dev_element_init (TestDevElement *self)
{
  gst_gpu_device_handle_init (&self->handle);
}

GST_START_TEST (test_device_properties_parse_nicks)
{
  TestDevElement *element = g_object_new (test_dev_element_get_type (), NULL);
  GParamSpec *pspec;
  GstGpuDeviceKind kind;
  gint device_id;

  gst_object_ref_sink (element);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (element), "device");
  fail_unless (pspec != NULL);
  fail_unless (G_PARAM_SPEC_VALUE_TYPE (pspec) == GST_TYPE_GPU_DEVICE_KIND);
  g_object_get (element, "device", &kind, "device-id", &device_id, NULL);
  fail_unless_equals_int (kind, GST_GPU_DEVICE_KIND_AUTO);
  fail_unless_equals_int (device_id, -1);

  /* As gst-launch-1.0 sets them. */
  gst_util_set_object_arg (G_OBJECT (element), "device", "cpu");
  gst_util_set_object_arg (G_OBJECT (element), "device-id", "2");
  fail_unless_equals_int (element->handle.kind, GST_GPU_DEVICE_KIND_CPU);
  fail_unless_equals_int (element->handle.device_id, 2);
  gst_util_set_object_arg (G_OBJECT (element), "device", "cuda");
  fail_unless_equals_int (element->handle.kind, GST_GPU_DEVICE_KIND_CUDA);

  gst_object_unref (element);
}

GST_END_TEST;

GST_START_TEST (test_cuda_available_false_without_driver)
{
  gboolean present = driver_library_present ();

  /* Twice: the second answer is cached, and neither may abort. */
  if (!present) {
    fail_if (gst_gpu_device_cuda_available ());
    fail_if (gst_gpu_device_cuda_available ());
  } else {
    GST_INFO ("libcuda.so.1 present: availability depends on the devices");
    gst_gpu_device_cuda_available ();
  }
}

GST_END_TEST;

GST_START_TEST (test_auto_picks_cpu_and_names_it)
{
  GstElement *element = gst_bin_new ("auto-element");
  GstGpuDeviceHandle handle;
  GstGpuDevice *device;
  GError *error = NULL;
  gchar *expected;

  gst_gpu_device_handle_init (&handle);
  fail_unless_equals_int (handle.kind, GST_GPU_DEVICE_KIND_AUTO);
  fail_unless_equals_int (handle.device_id, -1);

  device = gst_gpu_device_handle_acquire (&handle, element, &error);
  fail_unless (device != NULL);
  fail_unless (error == NULL);

  if (gst_gpu_device_cuda_available ()) {
    fail_unless (gst_gpu_device_is_cuda (device));
    fail_unless (strstr (gst_gpu_device_get_name (device), "(cuda:") != NULL);
  } else {
    fail_if (gst_gpu_device_is_cuda (device));
    fail_unless_equals_string (gst_gpu_device_get_kind_name (device), "cpu");
    expected = g_strdup_printf ("CPU (%u core", g_get_num_processors ());
    fail_unless (g_str_has_prefix (gst_gpu_device_get_name (device), expected),
        "unexpected name %s", gst_gpu_device_get_name (device));
    g_free (expected);
    fail_unless_equals_int (gst_gpu_device_get_device_id (device), -1);
    fail_unless (gst_gpu_device_get_cuda_context (device) == NULL);
  }

  gst_object_unref (device);
  gst_gpu_device_handle_clear (&handle);
  gst_object_unref (element);
}

GST_END_TEST;

#ifndef GST_DISABLE_GST_DEBUG
typedef struct
{
  gboolean seen;
  gchar *message;
} LogCapture;

static void
capture_device_choice (GstDebugCategory *category, GstDebugLevel level,
    const gchar *file, const gchar *function, gint line, GObject *object,
    GstDebugMessage *message, gpointer user_data)
{
  LogCapture *capture = user_data;
  const gchar *text;

  if (level != GST_LEVEL_INFO
      || g_strcmp0 (gst_debug_category_get_name (category), "gpudevice") != 0)
    return;

  text = gst_debug_message_get (message);
  if (text && strstr (text, "device=auto") && !capture->seen) {
    capture->seen = TRUE;
    capture->message = g_strdup (text);
  }
}

GST_START_TEST (test_auto_logs_choice_and_reason)
{
  GstElement *element = gst_bin_new ("logging-element");
  GstGpuDeviceHandle handle;
  GstGpuDevice *device;
  LogCapture capture = { FALSE, NULL };
  GstDebugLevel old_level;

  if (gst_gpu_device_cuda_available ()) {
    GST_INFO ("a CUDA device exists: the fallback cannot be exercised");
    gst_object_unref (element);
    return;
  }

  gst_gpu_device_handle_init (&handle);
  old_level = gst_debug_get_default_threshold ();
  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_for_name ("gpudevice", GST_LEVEL_INFO);
  gst_debug_add_log_function (capture_device_choice, &capture, NULL);

  device = gst_gpu_device_handle_acquire (&handle, element, NULL);

  gst_debug_remove_log_function (capture_device_choice);
  gst_debug_unset_threshold_for_name ("gpudevice");
  gst_debug_set_default_threshold (old_level);

  fail_unless (device != NULL);
  fail_unless (capture.seen, "no INFO log about the device choice");
  /* Says what it chose and why. */
  fail_unless (strstr (capture.message, gst_gpu_device_get_name (device)), "%s",
      capture.message);
  fail_unless (strstr (capture.message, "because"), "%s", capture.message);

  g_free (capture.message);
  gst_object_unref (device);
  gst_gpu_device_handle_clear (&handle);
  gst_object_unref (element);
}

GST_END_TEST;
#endif

GST_START_TEST (test_cpu_kind_picks_cpu)
{
  GstElement *element = gst_bin_new ("cpu-element");
  GstGpuDeviceHandle handle;
  GstGpuDevice *device;
  GError *error = NULL;

  gst_gpu_device_handle_init (&handle);
  handle.kind = GST_GPU_DEVICE_KIND_CPU;

  device = gst_gpu_device_handle_acquire (&handle, element, &error);
  fail_unless (device != NULL);
  fail_unless (error == NULL);
  fail_if (gst_gpu_device_is_cuda (device));
  fail_unless_equals_string (gst_gpu_device_get_kind_name (device), "cpu");

  gst_object_unref (device);
  gst_gpu_device_handle_clear (&handle);
  gst_object_unref (element);
}

GST_END_TEST;

GST_START_TEST (test_cuda_kind_fails_without_gpu)
{
  GstElement *element = gst_bin_new ("cuda-element");
  GstGpuDeviceHandle handle;
  GstGpuDevice *device;
  GError *error = NULL;

  if (gst_gpu_device_cuda_available ()) {
    GST_INFO ("a CUDA device exists: the failure cannot be exercised");
    gst_object_unref (element);
    return;
  }

  gst_gpu_device_handle_init (&handle);
  handle.kind = GST_GPU_DEVICE_KIND_CUDA;
  handle.device_id = 0;

  device = gst_gpu_device_handle_acquire (&handle, element, &error);
  fail_unless (device == NULL);
  fail_unless (error != NULL);
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND),
      "unexpected error %s", error->message);
  fail_unless (g_str_has_prefix (error->message,
                   "device=cuda requested but no CUDA driver/device: "),
      "%s", error->message);
  /* The reason is spelled out after the colon. */
  fail_unless (
      strlen (error->message)
      > strlen ("device=cuda requested but no CUDA driver/device: ") + 10);
  fail_unless (handle.cuda_context == NULL);

  g_clear_error (&error);
  gst_gpu_device_handle_clear (&handle);
  gst_object_unref (element);
}

GST_END_TEST;

GST_START_TEST (test_cpu_memory_info_nonzero)
{
  GstGpuDevice *device = gst_gpu_device_new_cpu ();
  guint64 free_bytes = 0, total_bytes = 0;

  fail_unless (
      gst_gpu_device_get_memory_info (device, &free_bytes, &total_bytes));
  fail_unless (total_bytes > 0);
  fail_unless (free_bytes > 0);
  fail_unless (free_bytes <= total_bytes,
      "free %" G_GUINT64_FORMAT " > total %" G_GUINT64_FORMAT, free_bytes,
      total_bytes);

  gst_object_unref (device);
}

GST_END_TEST;

GST_START_TEST (test_cpu_allocator_gives_aligned_writable_memory)
{
  GstGpuDevice *device = gst_gpu_device_new_cpu ();
  GstAllocator *allocator = gst_gpu_device_get_allocator (device);
  GstAllocationParams params;
  /* Odd sizes so a naive allocator would hand out unaligned blocks. */
  static const gsize sizes[] = { 1, 3, 63, 65, 1000, 4097 };
  guint i;

  fail_unless (allocator != NULL);
  fail_unless_equals_string (allocator->mem_type, GST_ALLOCATOR_SYSMEM);
  fail_unless (gst_gpu_device_get_caps_feature (device) == NULL);
  gst_gpu_device_get_allocation_params (device, &params);
  fail_unless_equals_int (params.align, 63);

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstMemory *mem = gst_allocator_alloc (allocator, sizes[i], &params);
    GstMapInfo info;
    gsize j;

    fail_unless (mem != NULL);
    fail_if (gst_is_gpu_tensor_memory (mem));
    fail_unless (gst_memory_map (mem, &info, GST_MAP_WRITE));
    fail_unless_equals_int ((guintptr)info.data & 63, 0);
    fail_unless (info.size >= sizes[i]);
    for (j = 0; j < sizes[i]; j++)
      info.data[j] = (guint8)(j * 7 + i);
    gst_memory_unmap (mem, &info);

    fail_unless (gst_memory_map (mem, &info, GST_MAP_READ));
    for (j = 0; j < sizes[i]; j++)
      fail_unless_equals_int (info.data[j], (guint8)(j * 7 + i));
    gst_memory_unmap (mem, &info);
    gst_memory_unref (mem);
  }

  gst_object_unref (allocator);
  gst_object_unref (device);
}

GST_END_TEST;

GST_START_TEST (test_tensor_allocator_rejects_cpu_device)
{
  GstGpuDevice *device = gst_gpu_device_new_cpu ();

  fail_unless (gst_gpu_tensor_allocator_new (device) == NULL);
  fail_unless (gst_gpu_tensor_memory_get_device (NULL) == NULL);

  gst_object_unref (device);
}

GST_END_TEST;

GST_START_TEST (test_cpu_device_has_no_stream_or_kernel)
{
  GstGpuDevice *device = gst_gpu_device_new_cpu ();
  static const guint8 not_a_fatbin[16] = {
    0,
  };

  fail_unless (gst_gpu_device_push (device));
  gst_gpu_device_pop (device);
  fail_unless (gst_gpu_device_get_stream (device) == NULL);
  fail_unless (gst_gpu_device_synchronize (device));
  fail_unless (
      gst_gpu_device_get_kernel (device, not_a_fatbin, "anything") == NULL);

  gst_object_unref (device);
}

GST_END_TEST;

typedef struct
{
  GstBufferPool *pool;
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean started;
  gboolean done;
  GstFlowReturn ret;
  GstBuffer *buffer;
} Acquirer;

static gpointer
acquire_thread (gpointer data)
{
  Acquirer *a = data;
  GstBuffer *buffer = NULL;
  GstFlowReturn ret;

  g_mutex_lock (&a->lock);
  a->started = TRUE;
  g_cond_broadcast (&a->cond);
  g_mutex_unlock (&a->lock);

  ret = gst_buffer_pool_acquire_buffer (a->pool, &buffer, NULL);

  g_mutex_lock (&a->lock);
  a->ret = ret;
  a->buffer = buffer;
  a->done = TRUE;
  g_cond_broadcast (&a->cond);
  g_mutex_unlock (&a->lock);

  return NULL;
}

/* Waits until @flag is set or @timeout_us passed; returns the flag. */
static gboolean
acquirer_wait (Acquirer *a, gboolean *flag, gint64 timeout_us)
{
  gint64 end = g_get_monotonic_time () + timeout_us;
  gboolean ret;

  g_mutex_lock (&a->lock);
  while (!*flag && g_cond_wait_until (&a->cond, &a->lock, end))
    ;
  ret = *flag;
  g_mutex_unlock (&a->lock);

  return ret;
}

/* Starts a thread acquiring a buffer from @pool and waits until it has
 * started. */
static void
acquirer_start (Acquirer *a, GstBufferPool *pool)
{
  memset (a, 0, sizeof (*a));
  a->pool = pool;
  g_mutex_init (&a->lock);
  g_cond_init (&a->cond);
  a->thread = g_thread_new ("acquirer", acquire_thread, a);
  fail_unless (acquirer_wait (a, &a->started, 30 * G_USEC_PER_SEC));
}

/* Waits until the acquire returned and the thread has ended. */
static void
acquirer_join (Acquirer *a)
{
  fail_unless (acquirer_wait (a, &a->done, 30 * G_USEC_PER_SEC));
  g_thread_join (a->thread);
  g_mutex_clear (&a->lock);
  g_cond_clear (&a->cond);
}

GST_START_TEST (test_pool_blocks_until_a_buffer_is_released)
{
  GstGpuDevice *device = gst_gpu_device_new_cpu ();
  GstBufferPool *pool = gst_gpu_device_create_pool (device, 4096, 2);
  GstBufferPoolAcquireParams dontwait = {
    0,
  };
  GstBuffer *held[2] = { NULL, NULL };
  GstBuffer *extra = NULL;
  GstMapInfo info;
  Acquirer a;

  fail_unless (pool != NULL);
  /* Returned configured but inactive: the element activates it. */
  fail_if (gst_buffer_pool_is_active (pool));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &held[0], NULL), GST_FLOW_OK);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &held[1], NULL), GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_get_size (held[0]), 4096);
  fail_unless (gst_buffer_map (held[0], &info, GST_MAP_WRITE));
  fail_unless_equals_int ((guintptr)info.data & 63, 0);
  gst_buffer_unmap (held[0], &info);

  /* Every buffer is held: a non-blocking acquire says so. */
  dontwait.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &extra, &dontwait), GST_FLOW_EOS);
  fail_unless (extra == NULL);

  acquirer_start (&a, pool);
  /* Still blocked while both buffers are held. */
  fail_if (acquirer_wait (&a, &a.done, 200 * 1000));

  /* Releasing one wakes it up with that very buffer. */
  gst_buffer_unref (held[1]);
  acquirer_join (&a);
  fail_unless_equals_int (a.ret, GST_FLOW_OK);
  fail_unless (a.buffer == held[1]);

  gst_buffer_unref (a.buffer);
  gst_buffer_unref (held[0]);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  gst_object_unref (device);
}

GST_END_TEST;

GST_START_TEST (test_pool_flushing_unblocks_waiter)
{
  GstGpuDevice *device = gst_gpu_device_new_cpu ();
  GstBufferPool *pool = gst_gpu_device_create_pool (device, 256, 1);
  GstBuffer *held = NULL;
  Acquirer a;

  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &held, NULL), GST_FLOW_OK);

  acquirer_start (&a, pool);

  /* What an element does on FLUSH_START or when stopping. */
  gst_buffer_pool_set_flushing (pool, TRUE);
  acquirer_join (&a);
  fail_unless_equals_int (a.ret, GST_FLOW_FLUSHING);
  fail_unless (a.buffer == NULL);

  gst_buffer_unref (held);
  gst_buffer_pool_set_flushing (pool, FALSE);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  gst_object_unref (device);
}

GST_END_TEST;

GST_START_TEST (test_pool_rejects_zero_buffers)
{
  GstGpuDevice *device = gst_gpu_device_new_cpu ();

  fail_unless (gst_gpu_device_create_pool (device, 4096, 0) == NULL);
  fail_unless (gst_gpu_device_create_pool (device, 0, 4) == NULL);

  gst_object_unref (device);
}

GST_END_TEST;

GST_START_TEST (test_context_query_without_cuda_is_not_answered)
{
  GstElement *element = gst_bin_new ("query-element");
  GstGpuDeviceHandle handle;
  GstQuery *query;
  GstContext *context = NULL;

  gst_gpu_device_handle_init (&handle);

  query = gst_query_new_context ("gst.cuda.context");
  fail_if (gst_gpu_device_handle_query (&handle, element, query));
  gst_query_parse_context (query, &context);
  fail_unless (context == NULL);
  gst_query_unref (query);

  query = gst_query_new_latency ();
  fail_if (gst_gpu_device_handle_query (&handle, element, query));
  gst_query_unref (query);

  gst_gpu_device_handle_clear (&handle);
  gst_object_unref (element);
}

GST_END_TEST;

GST_START_TEST (test_set_context_without_cuda_keeps_no_context)
{
  GstElement *element = gst_bin_new ("context-element");
  GstGpuDeviceHandle handle;
  GstContext *context;
  GstGpuDevice *device;

  gst_gpu_device_handle_init (&handle);

  /* A CUDA context type without a GstCudaContext inside (nothing can
   * create one without a driver), and an unrelated type. */
  context = gst_context_new ("gst.cuda.context", TRUE);
  gst_gpu_device_handle_set_context (&handle, element, context);
  gst_context_unref (context);
  fail_unless (handle.cuda_context == NULL);

  context = gst_context_new ("gst.gl.GLDisplay", TRUE);
  gst_gpu_device_handle_set_context (&handle, element, context);
  gst_context_unref (context);
  fail_unless (handle.cuda_context == NULL);

  gst_gpu_device_handle_set_context (&handle, element, NULL);
  fail_unless (handle.cuda_context == NULL);

  /* The element still gets a device afterwards. */
  device = gst_gpu_device_handle_acquire (&handle, element, NULL);
  fail_unless (device != NULL);
  gst_object_unref (device);

  gst_gpu_device_handle_clear (&handle);
  gst_object_unref (element);
}

GST_END_TEST;

static Suite *
gpudevice_suite (void)
{
  Suite *s = suite_create ("gpudevice");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_kind_type_has_three_nicks);
  tcase_add_test (tc, test_device_properties_parse_nicks);
  tcase_add_test (tc, test_cuda_available_false_without_driver);
  tcase_add_test (tc, test_auto_picks_cpu_and_names_it);
#ifndef GST_DISABLE_GST_DEBUG
  tcase_add_test (tc, test_auto_logs_choice_and_reason);
#endif
  tcase_add_test (tc, test_cpu_kind_picks_cpu);
  tcase_add_test (tc, test_cuda_kind_fails_without_gpu);
  tcase_add_test (tc, test_cpu_memory_info_nonzero);
  tcase_add_test (tc, test_cpu_allocator_gives_aligned_writable_memory);
  tcase_add_test (tc, test_tensor_allocator_rejects_cpu_device);
  tcase_add_test (tc, test_cpu_device_has_no_stream_or_kernel);
  tcase_add_test (tc, test_pool_blocks_until_a_buffer_is_released);
  tcase_add_test (tc, test_pool_flushing_unblocks_waiter);
  tcase_add_test (tc, test_pool_rejects_zero_buffers);
  tcase_add_test (tc, test_context_query_without_cuda_is_not_answered);
  tcase_add_test (tc, test_set_context_without_cuda_keeps_no_context);

  return s;
}

GST_CHECK_MAIN (gpudevice);
