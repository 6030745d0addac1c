namespace Switchyard.Model.Gateway;

/// <summary>
/// The PROXY protocol (HAProxy's doc/proxy-protocol.txt) on the gateway, set by annotations because Gateway API has
/// no field for it: on a Gateway, its listeners accept it (the gateway sits behind an L4 load balancer that sends
/// it); on a backend Service, the gateway sends it to the Service's endpoints. The values are checked by API
/// validation (a bad value is refused with its field path) and again when the proxy compiles, failing closed.
/// </summary>
public static class ProxyProtocolAnnotations
{
    /// <summary>On a Gateway: <c>"true"</c> makes every listener of the Gateway accept only connections that start with a v1 or v2 header; <c>"false"</c> (the default) none.</summary>
    public const string Gateway = "gateway.switchyard.dev/proxy-protocol";

    /// <summary>On a Service: <c>v1</c> or <c>v2</c>, the header the gateway writes first on each new connection to the Service's endpoints.</summary>
    public const string Service = "lb.switchyard.dev/proxy-protocol";

    public static readonly IReadOnlyList<string> GatewayValues = ["true", "false"];
    public static readonly IReadOnlyList<string> ServiceValues = ["v1", "v2"];

    /// <summary>The annotation's field path, as validation errors name it.</summary>
    public static string PathOf(string annotation) => $"metadata.annotations[{annotation}]";

    /// <summary>Whether a Gateway's listeners accept the PROXY protocol; false with <paramref name="valid"/> false when the value is neither "true" nor "false".</summary>
    public static bool Accepts(IDictionary<string, string>? annotations, out bool valid)
    {
        valid = true;
        if (annotations is null || !annotations.TryGetValue(Gateway, out var value)) return false;
        valid = GatewayValues.Contains(value);
        return value == "true";
    }

    /// <summary>The version a Service's annotation names: 0 (none), 1 or 2; -1 when the value is not v1 or v2.</summary>
    public static int Version(IDictionary<string, string>? annotations)
    {
        if (annotations is null || !annotations.TryGetValue(Service, out var value)) return 0;
        return value switch { "v1" => 1, "v2" => 2, _ => -1 };
    }
}
