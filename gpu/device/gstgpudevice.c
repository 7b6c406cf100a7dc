/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuDevice: device selection (CUDA through gstreamer-cuda-1.0, else the
 * CPU), the device's stream, kernel cache, memory figures, allocator and
 * bounded buffer pools.
 *
 * The CUDA path never calls a GstCuda Cu* wrapper before
 * gst_cuda_load_library() succeeded (they abort otherwise): every CUDA
 * device is created after gst_gpu_device_cuda_available() said yes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/device/gstgpudevice.h"
#include "gpu/device/gstgpuhostmemory.h"
#include "gpu/device/gstgputensormemory.h"
#include "gst/gstgputensorinfo.h"

#ifdef HAVE_CUDA
#include <gst/cuda/gstcudaloader.h>
#include <gst/cuda/cuda-gst.h>
#include <gst/cuda/gstcudacontext.h>
#include <gst/cuda/gstcudautils.h>
#include "gpu/device/gstgpucudaloader.h"
#endif

#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (gst_gpu_device_debug);
#define GST_CAT_DEFAULT gst_gpu_device_debug

/* Alignment of CPU tensor memory: one cache line, enough for AVX-512 loads. */
#define GST_GPU_DEVICE_CPU_ALIGN 63
/* cuMemAlloc returns memory aligned to at least 256 bytes. */
#define GST_GPU_DEVICE_CUDA_ALIGN 255

#ifdef HAVE_CUDA
/* One loaded fatbin and the functions looked up in it. */
typedef struct
{
  CUmodule module;
  GHashTable *functions; /* name (owned) -> CUfunction */
} GstGpuDeviceModule;
#endif

struct _GstGpuDevice
{
  GstObject parent;

  gboolean is_cuda;
  gint device_id; /* CUDA ordinal, -1 on the CPU */
  gchar *name;

  /* Shared tensor allocator. Weak: its memories reference the allocator,
   * which references the device. */
  GWeakRef allocator;

  /* Protects modules and the creation of the shared allocator. */
  GMutex lock;

#ifdef HAVE_CUDA
  GstCudaContext *context;
  CUstream stream;
  GHashTable *modules; /* fatbin pointer -> GstGpuDeviceModule */
#endif
};

static void gst_gpu_device_finalize (GObject *object);

G_DEFINE_TYPE_WITH_CODE (GstGpuDevice, gst_gpu_device, GST_TYPE_OBJECT,
    GST_DEBUG_CATEGORY_INIT (gst_gpu_device_debug, "gpudevice", 0,
        "gst-gpustream device selection and memory"));

GType
gst_gpu_device_kind_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[]
      = { { GST_GPU_DEVICE_KIND_AUTO,
              "CUDA when a device is usable, else the CPU", "auto" },
          { GST_GPU_DEVICE_KIND_CUDA,
              "CUDA device (fails without a usable GPU)", "cuda" },
          { GST_GPU_DEVICE_KIND_CPU, "CPU", "cpu" }, { 0, NULL, NULL } };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstGpuDeviceKind", values);

    g_once_init_leave (&type, t);
  }

  return type;
}

static void
gst_gpu_device_class_init (GstGpuDeviceClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_gpu_device_finalize;
}

static void
gst_gpu_device_init (GstGpuDevice *self)
{
  self->device_id = -1;
  g_weak_ref_init (&self->allocator, NULL);
  g_mutex_init (&self->lock);
}

#ifdef HAVE_CUDA
static void
gst_gpu_device_module_free (gpointer data)
{
  GstGpuDeviceModule *mod = data;

  /* The context is current: called from finalize only. */
  GST_GPU_CU_CHECK (CuModuleUnload (mod->module));
  g_hash_table_unref (mod->functions);
  g_free (mod);
}
#endif

/* Whichever thread drops the last reference; makes the context current to
 * release the stream and modules. */
static void
gst_gpu_device_finalize (GObject *object)
{
  GstGpuDevice *self = GST_GPU_DEVICE (object);

#ifdef HAVE_CUDA
  if (self->context) {
    if (gst_cuda_context_push (self->context)) {
      if (self->stream) {
        GST_GPU_CU_CHECK (CuStreamSynchronize (self->stream));
        GST_GPU_CU_CHECK (CuStreamDestroy (self->stream));
      }
      g_clear_pointer (&self->modules, g_hash_table_unref);
      gst_cuda_context_pop (NULL);
    } else if (self->modules) {
      GST_ERROR_OBJECT (self,
          "cannot make the CUDA context current: "
          "leaking the stream and modules of %s",
          self->name);
      /* Unloading needs the context: leave the modules to the driver. */
      g_hash_table_steal_all (self->modules);
      g_clear_pointer (&self->modules, g_hash_table_unref);
    }
    gst_clear_object (&self->context);
  }
#endif

  g_weak_ref_clear (&self->allocator);
  g_mutex_clear (&self->lock);
  g_free (self->name);

  G_OBJECT_CLASS (gst_gpu_device_parent_class)->finalize (object);
}

/**
 * gst_gpu_device_new_cpu:
 *
 * Returns: (transfer full): a CPU device named "CPU (N cores)".
 */
GstGpuDevice *
gst_gpu_device_new_cpu (void)
{
  GstGpuDevice *self;
  guint cores = g_get_num_processors ();

  self = g_object_new (GST_TYPE_GPU_DEVICE, "name", "gpudevice-cpu", NULL);
  gst_object_ref_sink (self);
  self->is_cuda = FALSE;
  self->name
      = g_strdup_printf ("CPU (%u %s)", cores, cores == 1 ? "core" : "cores");

  return self;
}

#ifdef HAVE_CUDA
/* Probes the driver once per process. Sets @n_devices and returns TRUE when
 * at least one device exists, else sets @why (static string). */
static gboolean
gst_gpu_device_cuda_probe (gint *n_devices, const gchar **why)
{
  static gsize once = 0;
  static gint count = 0;
  static gchar *reason = NULL;

  if (g_once_init_enter (&once)) {
    CUresult res;
    const gchar *err = NULL;

    /* The gst category is created with the type. */
    g_type_ensure (GST_TYPE_GPU_DEVICE);

    if (!gst_gpu_cuda_loader_load ()) {
      reason = g_strdup (gst_gpu_cuda_loader_get_error ());
    } else if ((res = CuInit (0)) != CUDA_SUCCESS) {
      CuGetErrorName (res, &err);
      reason = g_strdup_printf ("cuInit failed with %s (driver/kernel "
                                "module mismatch or no NVIDIA device?)",
          err ? err : "?");
    } else if ((res = CuDeviceGetCount (&count)) != CUDA_SUCCESS) {
      CuGetErrorName (res, &err);
      reason = g_strdup_printf (
          "cuDeviceGetCount failed with %s", err ? err : "?");
      count = 0;
    } else if (count <= 0) {
      reason = g_strdup ("the CUDA driver reports no device");
      count = 0;
    }
    GST_INFO ("CUDA probe: %d device(s)%s%s", count, reason ? ": " : "",
        reason ? reason : "");
    g_once_init_leave (&once, 1);
  }

  *n_devices = count;
  *why = reason;

  return count > 0;
}

/* Takes a reference on @context. On failure returns NULL and sets @why. */
static GstGpuDevice *
gst_gpu_device_new_cuda (GstCudaContext *context, gchar **why)
{
  GstGpuDevice *self;
  guint device_id = 0;
  CUdevice dev;
  gchar name[256] = {
    0,
  };
  gboolean ok;

  self = g_object_new (GST_TYPE_GPU_DEVICE, NULL);
  gst_object_ref_sink (self);
  self->is_cuda = TRUE;
  self->context = gst_object_ref (context);
  self->modules
      = g_hash_table_new_full (NULL, NULL, NULL, gst_gpu_device_module_free);
  g_object_get (context, "cuda-device-id", &device_id, NULL);
  self->device_id = (gint)device_id;

  if (!gst_cuda_context_push (context)) {
    *why = g_strdup_printf ("cannot make the CUDA context of device %u "
                            "current",
        device_id);
    goto out_unref;
  }

  ok = GST_GPU_CU_CHECK (CuDeviceGet (&dev, (int)device_id))
       && GST_GPU_CU_CHECK (CuDeviceGetName (name, sizeof (name) - 1, dev));
  if (!ok)
    g_strlcpy (name, "CUDA device", sizeof (name));

  /* Non-blocking: our work must not serialise with the legacy default
   * stream other elements may use. */
  ok = GST_GPU_CU_CHECK (
      CuStreamCreate (&self->stream, CU_STREAM_NON_BLOCKING));
  gst_cuda_context_pop (NULL);

  if (!ok) {
    self->stream = NULL;
    *why = g_strdup_printf (
        "creating a CUDA stream on device %u failed", device_id);
    goto out_unref;
  }

  self->name = g_strdup_printf ("%s (cuda:%u)", name, device_id);
  gst_object_set_name (GST_OBJECT (self), "gpudevice-cuda");
  goto out;

out_unref:
  gst_clear_object (&self);
out:
  return self;
}

/* Called by acquire in the state-change thread, without the object lock:
 * gst_cuda_ensure_element_context() re-enters the element's set_context,
 * which takes it and fills handle->cuda_context. */
static GstGpuDevice *
gst_gpu_device_acquire_cuda (GstGpuDeviceHandle *handle, GstElement *element,
    gint device_id, gchar **why)
{
  GstGpuDevice *device = NULL;
  GstObject *context = NULL;
  const gchar *reason = NULL;
  gint n_devices = 0;

  if (!gst_gpu_device_cuda_probe (&n_devices, &reason)) {
    *why = g_strdup (reason);
    goto out;
  }

  if (device_id >= n_devices) {
    *why = g_strdup_printf ("device-id=%d but the driver reports %d CUDA "
                            "device(s) (ids 0..%d)",
        device_id, n_devices, n_devices - 1);
    goto out;
  }

  if (!gst_cuda_ensure_element_context (
          element, device_id, (GstCudaContext **)&handle->cuda_context)) {
    *why = g_strdup_printf ("could not create a CUDA context on device %d "
                            "(run with GST_DEBUG=cudacontext:5 for details)",
        MAX (device_id, 0));
    goto out;
  }

  GST_OBJECT_LOCK (element);
  if (handle->cuda_context)
    context = gst_object_ref (handle->cuda_context);
  GST_OBJECT_UNLOCK (element);

  if (!context) {
    *why = g_strdup ("no CUDA context was set on the element");
    goto out;
  }

  device = gst_gpu_device_new_cuda (GST_CUDA_CONTEXT (context), why);
  gst_object_unref (context);

out:
  return device;
}
#endif /* HAVE_CUDA */

/**
 * gst_gpu_device_cuda_available:
 *
 * Probes the driver once per process (later calls return the cached
 * answer). Never aborts.
 *
 * Returns: TRUE when libcuda.so.1 loads and reports at least one device.
 */
gboolean
gst_gpu_device_cuda_available (void)
{
  gboolean ret = FALSE;
#ifdef HAVE_CUDA
  gint n_devices = 0;
  const gchar *why = NULL;

  ret = gst_gpu_device_cuda_probe (&n_devices, &why);
#endif

  return ret;
}

void
gst_gpu_device_install_properties (
    GObjectClass *klass, guint prop_device, guint prop_device_id)
{
  g_return_if_fail (G_IS_OBJECT_CLASS (klass));

  /* <element>:device:
   *
   * Where the element computes: `auto` (default) uses a CUDA device when
   * the driver loads and one exists, else the CPU; `cuda` without a usable
   * GPU makes the element fail to start (gpukvcache at NULL->READY, where it
   * creates its table; the others at READY->PAUSED); `cpu` never touches
   * CUDA. The choice is logged and reported in the `stats` structure.
   */
  g_object_class_install_property (klass, prop_device,
      g_param_spec_enum ("device", "Device",
          "Compute device: auto (CUDA if usable, else CPU), cuda (without a "
          "usable GPU the element fails to start, with an error saying why) "
          "or cpu (default: auto)",
          GST_TYPE_GPU_DEVICE_KIND, GST_GPU_DEVICE_KIND_AUTO,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /* <element>:device-id:
   *
   * CUDA device ordinal to use, -1 (default) for any (device 0 unless the
   * pipeline already shares a CUDA context). Ignored on the CPU.
   */
  g_object_class_install_property (klass, prop_device_id,
      g_param_spec_int ("device-id", "Device ID",
          "CUDA device ordinal, -1 for any (default: -1)", -1, G_MAXINT, -1,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  gst_type_mark_as_plugin_api (GST_TYPE_GPU_DEVICE_KIND, 0);
}

/**
 * gst_gpu_device_handle_init:
 * @handle: the handle embedded in an element
 *
 * Sets the defaults of the `device` (auto) and `device-id` (-1, any)
 * properties.
 */
void
gst_gpu_device_handle_init (GstGpuDeviceHandle *handle)
{
  g_return_if_fail (handle != NULL);

  g_type_ensure (GST_TYPE_GPU_DEVICE);
  handle->kind = GST_GPU_DEVICE_KIND_AUTO;
  handle->device_id = -1;
  handle->cuda_context = NULL;
}

/**
 * gst_gpu_device_handle_clear:
 * @handle: the handle embedded in an element
 *
 * Drops the shared CUDA context. Call from dispose or finalize.
 */
void
gst_gpu_device_handle_clear (GstGpuDeviceHandle *handle)
{
  g_return_if_fail (handle != NULL);

  gst_clear_object (&handle->cuda_context);
}

/**
 * gst_gpu_device_handle_set_context:
 * @handle: the element's handle
 * @element: the element
 * @context: (transfer none): the context given to GstElement::set_context
 *
 * Keeps a GstCudaContext shared by the pipeline or the application, unless
 * the element was asked for the CPU or already has one, or the context is
 * for another `device-id`. The element then chains up. Takes the element's
 * object lock.
 */
void
gst_gpu_device_handle_set_context (
    GstGpuDeviceHandle *handle, GstElement *element, GstContext *context)
{
  g_return_if_fail (handle != NULL);
  g_return_if_fail (GST_IS_ELEMENT (element));

#ifdef HAVE_CUDA
  if (!context)
    goto out;

  GST_OBJECT_LOCK (element);
  if (handle->kind != GST_GPU_DEVICE_KIND_CPU) {
    /* Only parses the GstContext: no driver call. */
    gst_cuda_handle_set_context (element, context, handle->device_id,
        (GstCudaContext **)&handle->cuda_context);
  }
  GST_OBJECT_UNLOCK (element);

out:
#endif
  return;
}

/**
 * gst_gpu_device_handle_query:
 * @handle: the element's handle
 * @element: the element
 * @query: any query
 *
 * Answers a CONTEXT query for "gst.cuda.context" with the element's CUDA
 * context. Takes the element's object lock.
 *
 * Returns: TRUE if @query was a CONTEXT query and was answered.
 */
gboolean
gst_gpu_device_handle_query (
    GstGpuDeviceHandle *handle, GstElement *element, GstQuery *query)
{
  gboolean ret = FALSE;

  g_return_val_if_fail (handle != NULL, FALSE);
  g_return_val_if_fail (GST_IS_ELEMENT (element), FALSE);
  g_return_val_if_fail (GST_IS_QUERY (query), FALSE);

#ifdef HAVE_CUDA
  {
    GstObject *context = NULL;

    if (GST_QUERY_TYPE (query) != GST_QUERY_CONTEXT)
      goto out;

    GST_OBJECT_LOCK (element);
    if (handle->cuda_context)
      context = gst_object_ref (handle->cuda_context);
    GST_OBJECT_UNLOCK (element);

    if (!context)
      goto out;

    ret = gst_cuda_handle_context_query (
        element, query, GST_CUDA_CONTEXT (context));
    gst_object_unref (context);
  }
out:
#endif
  return ret;
}

GstGpuDevice *
gst_gpu_device_handle_acquire (
    GstGpuDeviceHandle *handle, GstElement *element, GError **error)
{
  GstGpuDevice *device = NULL;
  GstGpuDeviceKind kind;
  gint device_id;
  gchar *why = NULL;

  g_return_val_if_fail (handle != NULL, NULL);
  g_return_val_if_fail (GST_IS_ELEMENT (element), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  GST_OBJECT_LOCK (element);
  kind = handle->kind;
  device_id = handle->device_id;
  GST_OBJECT_UNLOCK (element);

  if (kind == GST_GPU_DEVICE_KIND_CPU) {
    device = gst_gpu_device_new_cpu ();
    GST_INFO_OBJECT (element, "using %s: device=cpu requested", device->name);
    goto out;
  }
#ifdef HAVE_CUDA
  device = gst_gpu_device_acquire_cuda (handle, element, device_id, &why);
#else
  (void)device_id;
  why = g_strdup ("this build has no CUDA support (configured with "
                  "-Dcuda=disabled or without gstreamer-cuda-1.0/nvcc)");
#endif

  if (device) {
    GST_INFO_OBJECT (element, "using %s: device=%s requested", device->name,
        kind == GST_GPU_DEVICE_KIND_CUDA ? "cuda" : "auto");
    goto out;
  }

  if (kind == GST_GPU_DEVICE_KIND_CUDA) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "device=cuda requested but no CUDA driver/device: %s; "
        "use device=auto or device=cpu to run on the CPU",
        why);
    GST_WARNING_OBJECT (element,
        "device=cuda requested but no CUDA "
        "driver/device: %s",
        why);
    goto out;
  }

  device = gst_gpu_device_new_cpu ();
  GST_INFO_OBJECT (element,
      "device=auto: using %s because CUDA is not "
      "usable: %s",
      device->name, why);

out:
  g_free (why);
  return device;
}

/**
 * gst_gpu_device_is_cuda:
 *
 * Returns: TRUE for a CUDA device, FALSE for the CPU.
 */
gboolean
gst_gpu_device_is_cuda (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

  return device->is_cuda;
}

/**
 * gst_gpu_device_get_kind_name:
 *
 * Returns: (transfer none): "cuda" or "cpu", the `device` field of stats.
 */
const gchar *
gst_gpu_device_get_kind_name (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->is_cuda ? "cuda" : "cpu";
}

/**
 * gst_gpu_device_get_name:
 *
 * Returns: (transfer none): e.g. "NVIDIA A100 (cuda:0)" or "CPU (2 cores)".
 */
const gchar *
gst_gpu_device_get_name (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->name;
}

gint
gst_gpu_device_get_device_id (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), -1);

  return device->device_id;
}

GstObject *
gst_gpu_device_get_cuda_context (GstGpuDevice *device)
{
  GstObject *ret = NULL;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

#ifdef HAVE_CUDA
  ret = (GstObject *)device->context;
#endif

  return ret;
}

/* Finds "@key <value> kB" in /proc/meminfo contents. */
static gboolean
gst_gpu_device_meminfo_field (
    const gchar *contents, const gchar *key, guint64 *bytes)
{
  gboolean ret = FALSE;
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
    goto out;

  kib = g_ascii_strtoull (p + key_len, &end, 10);
  if (end == p + key_len || kib == 0 || kib > G_MAXUINT64 / 1024)
    goto out;

  *bytes = kib * 1024;
  ret = TRUE;

out:
  return ret;
}

static gboolean
gst_gpu_device_get_host_memory_info (guint64 *free_bytes, guint64 *total_bytes)
{
  gboolean ret = FALSE;
  gchar *contents = NULL;
  guint64 avail = 0, total = 0;

  if (g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL)
      && gst_gpu_device_meminfo_field (contents, "MemTotal:", &total)
      && gst_gpu_device_meminfo_field (contents, "MemAvailable:", &avail)) {
    ret = TRUE;
  } else {
    long pages = sysconf (_SC_PHYS_PAGES);
    long avpages = sysconf (_SC_AVPHYS_PAGES);
    long page_size = sysconf (_SC_PAGESIZE);

    if (pages > 0 && avpages >= 0 && page_size > 0) {
      total = (guint64)pages * (guint64)page_size;
      avail = (guint64)avpages * (guint64)page_size;
      ret = TRUE;
    }
  }

  if (ret) {
    *free_bytes = avail;
    *total_bytes = total;
  }

  g_free (contents);
  return ret;
}

/**
 * gst_gpu_device_get_memory_info:
 * @device: a device
 * @free_bytes: (out): free bytes (MemAvailable on the CPU)
 * @total_bytes: (out): total bytes
 *
 * Any thread. On CUDA, makes the context current for cuMemGetInfo.
 *
 * Returns: TRUE when the figures could be read.
 */
gboolean
gst_gpu_device_get_memory_info (
    GstGpuDevice *device, guint64 *free_bytes, guint64 *total_bytes)
{
  gboolean ret = FALSE;
  guint64 f = 0, t = 0;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda) {
    size_t cu_free = 0, cu_total = 0;

    if (gst_cuda_context_push (device->context)) {
      ret = GST_GPU_CU_CHECK (GstGpuCuMemGetInfo (&cu_free, &cu_total));
      gst_cuda_context_pop (NULL);
    }
    f = cu_free;
    t = cu_total;
  } else
#endif
  {
    ret = gst_gpu_device_get_host_memory_info (&f, &t);
  }

  if (ret) {
    if (free_bytes)
      *free_bytes = f;
    if (total_bytes)
      *total_bytes = t;
  }
  return ret;
}

/**
 * gst_gpu_device_get_allocator:
 *
 * On CUDA the allocator is created once and shared while anyone holds it.
 * Any thread; takes the device lock.
 */
GstAllocator *
gst_gpu_device_get_allocator (GstGpuDevice *device)
{
  GstAllocator *allocator = NULL;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  if (!device->is_cuda) {
    allocator = gst_gpu_host_allocator_get ();
    goto out;
  }

  g_mutex_lock (&device->lock);
  allocator = g_weak_ref_get (&device->allocator);
  if (!allocator) {
    allocator = gst_gpu_tensor_allocator_new (device);
    if (allocator)
      g_weak_ref_set (&device->allocator, allocator);
  }
  g_mutex_unlock (&device->lock);

out:
  return allocator;
}

const gchar *
gst_gpu_device_get_caps_feature (GstGpuDevice *device)
{
  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  return device->is_cuda ? GST_CAPS_FEATURE_MEMORY_GPU_TENSOR : NULL;
}

void
gst_gpu_device_get_allocation_params (
    GstGpuDevice *device, GstAllocationParams *params)
{
  g_return_if_fail (GST_IS_GPU_DEVICE (device));
  g_return_if_fail (params != NULL);

  gst_allocation_params_init (params);
  params->align
      = device->is_cuda ? GST_GPU_DEVICE_CUDA_ALIGN : GST_GPU_DEVICE_CPU_ALIGN;
}

GstBufferPool *
gst_gpu_device_create_pool (GstGpuDevice *device, gsize size, guint max_buffers)
{
  GstBufferPool *pool = NULL;
  GstAllocator *allocator = NULL;
  GstAllocationParams params;
  GstStructure *config;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

  if (size == 0 || max_buffers == 0 || size > G_MAXUINT) {
    GST_WARNING_OBJECT (device,
        "refusing a pool of %u buffers of %" G_GSIZE_FORMAT " bytes",
        max_buffers, size);
    goto out;
  }

  allocator = gst_gpu_device_get_allocator (device);
  if (!allocator)
    goto out;
  gst_gpu_device_get_allocation_params (device, &params);

  pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (pool);
  /* min 1: activation allocates one buffer, so a device out of memory
   * fails there rather than on the first item. */
  gst_buffer_pool_config_set_params (config, NULL, (guint)size, 1, max_buffers);
  gst_buffer_pool_config_set_allocator (config, allocator, &params);
  if (!gst_buffer_pool_set_config (pool, config)) {
    GST_WARNING_OBJECT (device, "the buffer pool rejected its configuration");
    gst_clear_object (&pool);
    goto out_unref_allocator;
  }
  GST_DEBUG_OBJECT (device,
      "pool %" GST_PTR_FORMAT ": %u x %" G_GSIZE_FORMAT " bytes on %s", pool,
      max_buffers, size, device->name);

out_unref_allocator:
  gst_object_unref (allocator);
out:
  return pool;
}

/**
 * gst_gpu_device_push:
 *
 * Makes the device's CUDA context current on the calling thread; pair with
 * gst_gpu_device_pop(). TRUE on the CPU.
 */
gboolean
gst_gpu_device_push (GstGpuDevice *device)
{
  gboolean ret = TRUE;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda)
    ret = gst_cuda_context_push (device->context);
#endif

  return ret;
}

void
gst_gpu_device_pop (GstGpuDevice *device)
{
  g_return_if_fail (GST_IS_GPU_DEVICE (device));

#ifdef HAVE_CUDA
  if (device->is_cuda)
    gst_cuda_context_pop (NULL);
#endif
}

/**
 * gst_gpu_device_get_stream:
 *
 * Returns: (transfer none) (nullable): the device's CUstream, NULL on the
 * CPU. Owned by the device, alive as long as it is.
 */
gpointer
gst_gpu_device_get_stream (GstGpuDevice *device)
{
  gpointer ret = NULL;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

#ifdef HAVE_CUDA
  ret = device->stream;
#endif

  return ret;
}

/**
 * gst_gpu_device_synchronize:
 *
 * Waits for all work queued on the device's stream. TRUE on the CPU.
 *
 * Returns: FALSE when the driver reported an error (logged).
 */
gboolean
gst_gpu_device_synchronize (GstGpuDevice *device)
{
  gboolean ret = TRUE;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda) {
    ret = gst_cuda_context_push (device->context);
    if (ret) {
      ret = GST_GPU_CU_CHECK (CuStreamSynchronize (device->stream));
      gst_cuda_context_pop (NULL);
    }
  }
#endif

  return ret;
}

/**
 * gst_gpu_device_copy:
 * @device: a device
 * @dst: destination in the device's tensor memory (a host pointer on the
 *   CPU, a CUdeviceptr on CUDA, as mapped with GST_MAP_GPU_DEVICE)
 * @src: source in the same memory; must not overlap @dst
 * @size: bytes
 *
 * Copies within the device's memory: memcpy on the CPU; on CUDA an
 * asynchronous device-to-device copy queued on the device's stream, so it
 * is ordered after earlier work on that stream and complete at the next
 * gst_gpu_device_synchronize().
 *
 * Returns: FALSE when the driver reported an error (logged).
 */
gboolean
gst_gpu_device_copy (
    GstGpuDevice *device, gpointer dst, gconstpointer src, gsize size)
{
  gboolean ret = TRUE;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), FALSE);

#ifdef HAVE_CUDA
  if (device->is_cuda) {
    ret = gst_cuda_context_push (device->context);
    if (ret) {
      ret = GST_GPU_CU_CHECK (
          GstGpuCuMemcpyDtoDAsync ((CUdeviceptr)(guintptr)dst,
              (CUdeviceptr)(guintptr)src, size, device->stream));
      gst_cuda_context_pop (NULL);
    }
    return ret;
  }
#endif

  memcpy (dst, src, size);
  return ret;
}

/**
 * gst_gpu_device_get_kernel:
 * @device: a device
 * @fatbin: embedded fatbin image; its address identifies the module
 * @name: kernel name (extern "C")
 *
 * Loads @fatbin with cuModuleLoadData the first time it is seen on this
 * device and caches each function looked up. Any thread; takes the device
 * lock. Call once per caps, not per buffer.
 *
 * Returns: (transfer none) (nullable): a CUfunction valid as long as
 * @device, NULL on the CPU or when loading failed (logged).
 */
gpointer
gst_gpu_device_get_kernel (
    GstGpuDevice *device, const guint8 *fatbin, const gchar *name)
{
  gpointer ret = NULL;

  g_return_val_if_fail (GST_IS_GPU_DEVICE (device), NULL);

#ifdef HAVE_CUDA
  {
    GstGpuDeviceModule *mod;
    CUfunction func = NULL;

    if (!device->is_cuda || !fatbin || !name)
      goto out;

    g_mutex_lock (&device->lock);
    mod = g_hash_table_lookup (device->modules, fatbin);
    if (mod) {
      ret = g_hash_table_lookup (mod->functions, name);
      if (ret)
        goto out_unlock;
    }

    if (!gst_cuda_context_push (device->context))
      goto out_unlock;

    if (!mod) {
      CUmodule module = NULL;

      if (!GST_GPU_CU_CHECK (CuModuleLoadData (&module, fatbin))) {
        GST_ERROR_OBJECT (device,
            "cannot load the kernel image for %s on "
            "%s: built for other GPU architectures?",
            name, device->name);
        goto out_pop;
      }
      mod = g_new0 (GstGpuDeviceModule, 1);
      mod->module = module;
      mod->functions
          = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (device->modules, (gpointer)fatbin, mod);
    }

    if (!GST_GPU_CU_CHECK (CuModuleGetFunction (&func, mod->module, name))) {
      GST_ERROR_OBJECT (device, "kernel %s not found in its image", name);
      goto out_pop;
    }
    g_hash_table_insert (mod->functions, g_strdup (name), func);
    ret = func;

  out_pop:
    gst_cuda_context_pop (NULL);
  out_unlock:
    g_mutex_unlock (&device->lock);
  }
out:
#endif
  return ret;
}
