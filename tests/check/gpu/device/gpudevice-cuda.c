/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The CUDA path of the device layer against a stand-in driver (mockcuda.c,
 * loaded under the name libcuda.so.1 before anything asks for it): device
 * selection and naming, GstCudaContext sharing through GstContext, stream
 * and kernel cache life cycle, memory figures, the tensor allocator's host
 * staging, sub-buffers and pools. After each test the driver must have no
 * leaked objects, no unbalanced push, and no call made without a current
 * context.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <dlfcn.h>
#include <string.h>

#include "gpu/device/gstgpudevice.h"
#include "gpu/device/gstgputensormemory.h"
#include "gst/gstgputensorinfo.h"

#define MOCK_IMAGE "MOCKCUDAIMAGE v1"

static void *mock_driver;
static long (*mock_counter) (const char *name);
static int (*mock_depth) (void);

static void
load_mock_driver (void)
{
  /* Loaded by path: later dlopen ("libcuda.so.1") calls find it by its
   * SONAME instead of searching the system. */
  mock_driver = dlopen (MOCK_CUDA_PATH, RTLD_NOW | RTLD_GLOBAL);
  if (!mock_driver)
    g_error ("cannot load the mock driver %s: %s", MOCK_CUDA_PATH, dlerror ());
  mock_counter = dlsym (mock_driver, "mock_cuda_counter");
  mock_depth = dlsym (mock_driver, "mock_cuda_thread_depth");
  if (!mock_counter || !mock_depth)
    g_error ("%s is not the mock driver", MOCK_CUDA_PATH);
}

/* Everything created by the test has been released. */
static void
assert_driver_clean (void)
{
  fail_unless_equals_int (mock_depth (), 0);
  fail_unless_equals_int (mock_counter ("no-context-calls"), 0);
  fail_unless_equals_int (mock_counter ("device-allocs"), 0);
  fail_unless_equals_int (mock_counter ("host-allocs"), 0);
  fail_unless_equals_int (mock_counter ("streams"), 0);
  fail_unless_equals_int (mock_counter ("modules"), 0);
  fail_unless_equals_int (mock_counter ("contexts"), 0);
}

typedef struct
{
  GstElement *element;
  GstGpuDeviceHandle handle;
  GstGpuDevice *device;
} Fixture;

static void
fixture_acquire (Fixture *f, const gchar *name, GstGpuDeviceKind kind)
{
  GError *error = NULL;

  f->element = gst_bin_new (name);
  gst_gpu_device_handle_init (&f->handle);
  f->handle.kind = kind;
  f->device = gst_gpu_device_handle_acquire (&f->handle, f->element, &error);
  fail_unless (f->device != NULL, "%s", error ? error->message : "?");
}

/* Releases @f, the last thing a test holds, and checks the driver holds
 * nothing the test created. */
static void
fixture_release (Fixture *f)
{
  gst_clear_object (&f->device);
  gst_gpu_device_handle_clear (&f->handle);
  gst_clear_object (&f->element);
  assert_driver_clean ();
}

/* A memory of @size bytes from @f's device allocator. */
static GstMemory *
fixture_alloc (Fixture *f, gsize size)
{
  GstAllocator *allocator = gst_gpu_device_get_allocator (f->device);
  GstAllocationParams params;
  GstMemory *mem;

  gst_gpu_device_get_allocation_params (f->device, &params);
  mem = gst_allocator_alloc (allocator, size, &params);
  gst_object_unref (allocator);
  return mem;
}

GST_START_TEST (test_mock_auto_picks_cuda_and_names_it)
{
  Fixture f;

  fail_unless (gst_gpu_device_cuda_available ());
  fixture_acquire (&f, "auto-element", GST_GPU_DEVICE_KIND_AUTO);

  fail_unless (gst_gpu_device_is_cuda (f.device));
  fail_unless_equals_string (gst_gpu_device_get_kind_name (f.device), "cuda");
  fail_unless_equals_string (
      gst_gpu_device_get_name (f.device), "Mock CUDA Device (cuda:0)");
  fail_unless_equals_int (gst_gpu_device_get_device_id (f.device), 0);
  fail_unless_equals_string (gst_gpu_device_get_caps_feature (f.device),
      GST_CAPS_FEATURE_MEMORY_GPU_TENSOR);
  fail_unless (gst_gpu_device_get_stream (f.device) != NULL);
  fail_unless (f.handle.cuda_context != NULL);
  fail_unless (
      gst_gpu_device_get_cuda_context (f.device) == f.handle.cuda_context);
  fail_unless (gst_gpu_device_synchronize (f.device));
  fail_unless_equals_int (mock_counter ("streams"), 1);
  fail_unless_equals_int (mock_counter ("contexts"), 1);

  fixture_release (&f);
}

GST_END_TEST;

GST_START_TEST (test_mock_context_shared_through_gstcontext)
{
  Fixture a;
  GstElement *other = gst_bin_new ("other-element");
  GstGpuDeviceHandle other_handle;
  GstGpuDevice *other_device;
  GstQuery *query;
  GstContext *context = NULL;

  fixture_acquire (&a, "first-element", GST_GPU_DEVICE_KIND_CUDA);

  query = gst_query_new_context ("gst.cuda.context");
  fail_unless (gst_gpu_device_handle_query (&a.handle, a.element, query));
  gst_query_parse_context (query, &context);
  fail_unless (context != NULL);

  gst_gpu_device_handle_init (&other_handle);
  gst_gpu_device_handle_set_context (&other_handle, other, context);
  gst_query_unref (query);
  fail_unless (other_handle.cuda_context == a.handle.cuda_context);

  other_device = gst_gpu_device_handle_acquire (&other_handle, other, NULL);
  fail_unless (other_device != NULL);
  fail_unless (
      gst_gpu_device_get_cuda_context (other_device) == a.handle.cuda_context);
  /* One driver context for both elements. */
  fail_unless_equals_int (mock_counter ("contexts"), 1);

  gst_object_unref (other_device);
  gst_gpu_device_handle_clear (&other_handle);
  gst_object_unref (other);
  fixture_release (&a);
}

GST_END_TEST;

GST_START_TEST (test_mock_cpu_handle_ignores_cuda_context)
{
  Fixture a;
  GstElement *other = gst_bin_new ("cpu-element");
  GstGpuDeviceHandle cpu_handle;
  GstContext *context;
  GstQuery *query;

  fixture_acquire (&a, "cuda-element", GST_GPU_DEVICE_KIND_CUDA);
  query = gst_query_new_context ("gst.cuda.context");
  fail_unless (gst_gpu_device_handle_query (&a.handle, a.element, query));
  gst_query_parse_context (query, &context);

  gst_gpu_device_handle_init (&cpu_handle);
  cpu_handle.kind = GST_GPU_DEVICE_KIND_CPU;
  gst_gpu_device_handle_set_context (&cpu_handle, other, context);
  fail_unless (cpu_handle.cuda_context == NULL);

  gst_query_unref (query);
  gst_gpu_device_handle_clear (&cpu_handle);
  gst_object_unref (other);
  fixture_release (&a);
}

GST_END_TEST;

GST_START_TEST (test_mock_cuda_fails_on_missing_device_id)
{
  GstElement *element = gst_bin_new ("bad-id-element");
  GstGpuDeviceHandle handle;
  GstGpuDevice *device;
  GError *error = NULL;

  gst_gpu_device_handle_init (&handle);
  handle.kind = GST_GPU_DEVICE_KIND_CUDA;
  handle.device_id = 3;
  device = gst_gpu_device_handle_acquire (&handle, element, &error);
  fail_unless (device == NULL);
  fail_unless (g_error_matches (
      error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
  fail_unless (
      strstr (error->message, "device-id=3") != NULL, "%s", error->message);
  g_clear_error (&error);

  /* auto falls back to the CPU instead. */
  handle.kind = GST_GPU_DEVICE_KIND_AUTO;
  device = gst_gpu_device_handle_acquire (&handle, element, &error);
  fail_unless (device != NULL);
  fail_if (gst_gpu_device_is_cuda (device));
  gst_object_unref (device);

  gst_gpu_device_handle_clear (&handle);
  gst_object_unref (element);
  assert_driver_clean ();
}

GST_END_TEST;

GST_START_TEST (test_mock_memory_info_from_driver)
{
  Fixture f;
  guint64 free_bytes = 0, total_bytes = 0;

  fixture_acquire (&f, "meminfo-element", GST_GPU_DEVICE_KIND_CUDA);
  fail_unless (
      gst_gpu_device_get_memory_info (f.device, &free_bytes, &total_bytes));
  fail_unless_equals_uint64 (free_bytes, 3ULL << 30);
  fail_unless_equals_uint64 (total_bytes, 4ULL << 30);

  fixture_release (&f);
}

GST_END_TEST;

GST_START_TEST (test_mock_allocator_staging_round_trip)
{
  Fixture f;
  GstAllocator *allocator, *again;
  GstAllocationParams params;
  GstMemory *mem;
  GstMapInfo info;
  guint8 *device_bytes;
  long uploads;
  gsize i;

  fixture_acquire (&f, "alloc-element", GST_GPU_DEVICE_KIND_CUDA);
  allocator = gst_gpu_device_get_allocator (f.device);
  again = gst_gpu_device_get_allocator (f.device);
  fail_unless (allocator != NULL);
  fail_unless (allocator == again);
  gst_object_unref (again);
  fail_unless_equals_string (allocator->mem_type, GST_GPU_TENSOR_MEMORY_TYPE);

  gst_gpu_device_get_allocation_params (f.device, &params);
  mem = gst_allocator_alloc (allocator, 1000, &params);
  fail_unless (mem != NULL);
  fail_unless (gst_is_gpu_tensor_memory (mem));
  fail_unless (gst_gpu_tensor_memory_get_device (mem) == f.device);
  fail_unless_equals_int (mock_counter ("device-allocs"), 1);
  /* Staging is allocated on the first host map only. */
  fail_unless_equals_int (mock_counter ("host-allocs"), 0);

  /* Host write, uploaded at unmap. */
  fail_unless (gst_memory_map (mem, &info, GST_MAP_WRITE));
  for (i = 0; i < 1000; i++)
    info.data[i] = (guint8)(i * 3);
  uploads = mock_counter ("copies-htod");
  gst_memory_unmap (mem, &info);
  fail_unless_equals_int (mock_counter ("copies-htod"), uploads + 1);
  fail_unless_equals_int (mock_counter ("host-allocs"), 1);

  /* The device pointer (host memory in the mock) holds the bytes. */
  fail_unless (
      gst_memory_map (mem, &info, GST_MAP_READWRITE | GST_MAP_GPU_DEVICE));
  device_bytes = info.data;
  for (i = 0; i < 1000; i++)
    fail_unless_equals_int (device_bytes[i], (guint8)(i * 3));
  /* A "kernel" writes on the device... */
  for (i = 0; i < 1000; i++)
    device_bytes[i] = (guint8)(255 - i);
  gst_memory_unmap (mem, &info);

  /* ...and a host read downloads it. */
  fail_unless (gst_memory_map (mem, &info, GST_MAP_READ));
  fail_if (info.data == device_bytes);
  for (i = 0; i < 1000; i++)
    fail_unless_equals_int (info.data[i], (guint8)(255 - i));
  gst_memory_unmap (mem, &info);

  gst_memory_unref (mem);
  gst_object_unref (allocator);
  fixture_release (&f);
}

GST_END_TEST;

GST_START_TEST (test_mock_copy_within_device_memory)
{
  Fixture f;
  GstMemory *mem;
  GstMapInfo info;
  gsize i;

  fixture_acquire (&f, "copy-element", GST_GPU_DEVICE_KIND_CUDA);
  mem = fixture_alloc (&f, 512);
  fail_unless (
      gst_memory_map (mem, &info, GST_MAP_READWRITE | GST_MAP_GPU_DEVICE));
  for (i = 0; i < 256; i++)
    info.data[i] = (guint8)i;
  memset (info.data + 256, 0, 256);
  /* the mock refuses driver calls made without the context pushed */
  fail_unless (gst_gpu_device_copy (f.device, info.data + 256, info.data, 256));
  fail_unless (gst_gpu_device_synchronize (f.device));
  for (i = 0; i < 256; i++)
    fail_unless_equals_int (info.data[256 + i], (guint8)i);
  gst_memory_unmap (mem, &info);

  gst_memory_unref (mem);
  fixture_release (&f);
}

GST_END_TEST;

GST_START_TEST (test_mock_buffer_region_shares_device_memory)
{
  Fixture f;
  GstAllocator *allocator;
  GstBuffer *buffer, *region, *deep;
  GstMemory *root, *sub;
  GstMapInfo info, root_info;
  gsize i;

  fixture_acquire (&f, "share-element", GST_GPU_DEVICE_KIND_CUDA);
  allocator = gst_gpu_device_get_allocator (f.device);
  buffer = gst_buffer_new_allocate (allocator, 1024, NULL);
  fail_unless (buffer != NULL);
  fail_unless (gst_buffer_map (buffer, &info, GST_MAP_WRITE));
  for (i = 0; i < 1024; i++)
    info.data[i] = (guint8)i;
  gst_buffer_unmap (buffer, &info);

  region = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_MEMORY, 100, 200);
  fail_unless (region != NULL);
  /* Shared, not copied. */
  fail_unless_equals_int (mock_counter ("device-allocs"), 1);
  root = gst_buffer_peek_memory (buffer, 0);
  sub = gst_buffer_peek_memory (region, 0);
  fail_unless (sub->parent == root);

  fail_unless (
      gst_memory_map (root, &root_info, GST_MAP_READ | GST_MAP_GPU_DEVICE));
  fail_unless (gst_memory_map (sub, &info, GST_MAP_READ | GST_MAP_GPU_DEVICE));
  fail_unless (info.data == root_info.data + 100);
  gst_memory_unmap (sub, &info);
  gst_memory_unmap (root, &root_info);

  fail_unless (gst_buffer_map (region, &info, GST_MAP_READ));
  fail_unless_equals_int (info.size, 200);
  for (i = 0; i < 200; i++)
    fail_unless_equals_int (info.data[i], (guint8)(i + 100));
  gst_buffer_unmap (region, &info);

  /* A deep copy is a new device allocation with the same bytes. */
  deep = gst_buffer_copy_deep (region);
  fail_unless (deep != NULL);
  fail_unless_equals_int (mock_counter ("device-allocs"), 2);
  fail_unless (gst_is_gpu_tensor_memory (gst_buffer_peek_memory (deep, 0)));
  fail_unless (gst_buffer_map (deep, &info, GST_MAP_READ));
  fail_unless_equals_int (info.size, 200);
  for (i = 0; i < 200; i++)
    fail_unless_equals_int (info.data[i], (guint8)(i + 100));
  gst_buffer_unmap (deep, &info);

  gst_buffer_unref (deep);
  gst_buffer_unref (region);
  gst_buffer_unref (buffer);
  gst_object_unref (allocator);
  fixture_release (&f);
}

GST_END_TEST;

GST_START_TEST (test_mock_pool_holds_tensor_memory)
{
  Fixture f;
  GstBufferPool *pool;
  GstBufferPoolAcquireParams dontwait = {
    0,
  };
  GstBuffer *a = NULL, *b = NULL, *c = NULL;

  fixture_acquire (&f, "pool-element", GST_GPU_DEVICE_KIND_CUDA);
  pool = gst_gpu_device_create_pool (f.device, 4096, 2);
  fail_unless (pool != NULL);
  fail_if (gst_buffer_pool_is_active (pool));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &a, NULL), GST_FLOW_OK);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &b, NULL), GST_FLOW_OK);
  fail_unless (gst_is_gpu_tensor_memory (gst_buffer_peek_memory (a, 0)));
  fail_unless_equals_int (gst_buffer_get_size (a), 4096);
  fail_unless_equals_int (mock_counter ("device-allocs"), 2);

  dontwait.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &c, &dontwait), GST_FLOW_EOS);

  gst_buffer_unref (b);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (pool, &c, &dontwait), GST_FLOW_OK);
  fail_unless (c == b);

  gst_buffer_unref (c);
  gst_buffer_unref (a);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  fixture_release (&f);
}

GST_END_TEST;

GST_START_TEST (test_mock_kernel_loaded_once_and_cached)
{
  Fixture f;
  static const guint8 image[] = MOCK_IMAGE;
  static const guint8 bad_image[] = "NOT A FATBIN";
  gpointer k1, k2;
  long loads;

  fixture_acquire (&f, "kernel-element", GST_GPU_DEVICE_KIND_CUDA);
  loads = mock_counter ("module-loads");

  k1 = gst_gpu_device_get_kernel (f.device, image, "mock_kernel");
  fail_unless (k1 != NULL);
  k2 = gst_gpu_device_get_kernel (f.device, image, "mock_kernel");
  fail_unless (k1 == k2);
  fail_unless_equals_int (mock_counter ("module-loads"), loads + 1);

  fail_unless (gst_gpu_device_get_kernel (f.device, image, "missing") == NULL);
  fail_unless_equals_int (mock_counter ("module-loads"), loads + 1);
  fail_unless (
      gst_gpu_device_get_kernel (f.device, bad_image, "mock_kernel") == NULL);
  fail_unless_equals_int (mock_counter ("modules"), 1);

  fixture_release (&f);
}

GST_END_TEST;

static Suite *
gpudevice_cuda_suite (void)
{
  Suite *s = suite_create ("gpudevice-cuda-mock");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mock_auto_picks_cuda_and_names_it);
  tcase_add_test (tc, test_mock_context_shared_through_gstcontext);
  tcase_add_test (tc, test_mock_cpu_handle_ignores_cuda_context);
  tcase_add_test (tc, test_mock_cuda_fails_on_missing_device_id);
  tcase_add_test (tc, test_mock_memory_info_from_driver);
  tcase_add_test (tc, test_mock_allocator_staging_round_trip);
  tcase_add_test (tc, test_mock_copy_within_device_memory);
  tcase_add_test (tc, test_mock_buffer_region_shares_device_memory);
  tcase_add_test (tc, test_mock_pool_holds_tensor_memory);
  tcase_add_test (tc, test_mock_kernel_loaded_once_and_cached);

  return s;
}

int
main (int argc, char **argv)
{
  /* Before gst_check_init(): the registry scan loads our plugin, whose
   * elements may probe for the driver. */
  load_mock_driver ();
  gst_check_init (&argc, &argv);

  return gst_check_run_suite (
      gpudevice_cuda_suite (), "gpudevice_cuda", __FILE__);
}
