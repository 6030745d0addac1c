namespace Switchyard.Control.Admission;

/// <summary>Values of <c>Service.spec.type</c>.</summary>
internal static class ServiceTypes
{
    public const string ClusterIP = "ClusterIP";
    public const string NodePort = "NodePort";
    public const string LoadBalancer = "LoadBalancer";
    public const string ExternalName = "ExternalName";
}

/// <summary>Values of <c>Service.spec.ipFamilyPolicy</c>.</summary>
internal static class IpFamilyPolicies
{
    public const string SingleStack = "SingleStack";
    public const string PreferDualStack = "PreferDualStack";
    public const string RequireDualStack = "RequireDualStack";

    public static readonly string[] All = [SingleStack, PreferDualStack, RequireDualStack];
}

/// <summary>The <c>clusterIP</c> value that makes a Service headless.</summary>
internal static class ClusterIPs
{
    public const string None = "None";
}
