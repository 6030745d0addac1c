namespace Switchyard.Control.Controllers.EndpointSlices;

/// <summary>The well-known labels of EndpointSlices (discovery.k8s.io).</summary>
public static class EndpointSliceLabels
{
    /// <summary>The Service a slice belongs to.</summary>
    public const string ServiceName = "kubernetes.io/service-name";

    /// <summary>Who manages a slice; slices without our value are never touched.</summary>
    public const string ManagedBy = "endpointslice.kubernetes.io/managed-by";

    /// <summary>The <see cref="ManagedBy"/> value of slices this controller owns.</summary>
    public const string ControllerName = "endpointslice-controller.switchyard.dev";

    /// <summary>Set (empty value) on slices of headless Services, as Kubernetes does.</summary>
    public const string Headless = "service.kubernetes.io/headless";
}
