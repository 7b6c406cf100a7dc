/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The element side of the device layer: the `device` and `device-id`
 * properties every element installs, and GstGpuDeviceHandle, which keeps
 * what they ask for and the CUDA context shared with neighbours, and turns
 * them into a GstGpuDevice at start.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/device/gstgpudeviceprivate.h"

#define GST_CAT_DEFAULT gst_gpu_device_debug

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
  if (context)
    gst_gpu_device_cuda_handle_set_context (handle, element, context);
#endif
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
  g_return_val_if_fail (handle != NULL, FALSE);
  g_return_val_if_fail (GST_IS_ELEMENT (element), FALSE);
  g_return_val_if_fail (GST_IS_QUERY (query), FALSE);

#ifdef HAVE_CUDA
  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT)
    return gst_gpu_device_cuda_handle_query (handle, element, query);
#endif
  return FALSE;
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
    return device;
  }
#ifdef HAVE_CUDA
  device = gst_gpu_device_cuda_acquire (handle, element, device_id, &why);
#else
  (void)device_id;
  why = g_strdup ("this build has no CUDA support (configured with "
                  "-Dcuda=disabled or without gstreamer-cuda-1.0/nvcc)");
#endif
  if (device) {
    GST_INFO_OBJECT (element, "using %s: device=%s requested", device->name,
        kind == GST_GPU_DEVICE_KIND_CUDA ? "cuda" : "auto");
    return device;
  }
  if (kind == GST_GPU_DEVICE_KIND_CUDA)
    goto no_cuda;

  device = gst_gpu_device_new_cpu ();
  GST_INFO_OBJECT (element,
      "device=auto: using %s because CUDA is not usable: %s", device->name,
      why);
  g_free (why);
  return device;

  /* ERRORS */
no_cuda:
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "device=cuda requested but no CUDA driver/device: %s; "
      "use device=auto or device=cpu to run on the CPU",
      why);
  GST_WARNING_OBJECT (
      element, "device=cuda requested but no CUDA driver/device: %s", why);
  g_free (why);
  return NULL;
}
