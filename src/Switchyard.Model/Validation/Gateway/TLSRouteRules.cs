using System.Net;
using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for TLSRoute, as the v1 CRD defaults and validates it: parent references as for HTTPRoute; 1 to 1024
/// hostnames that are not IP addresses (SNI never carries one, RFC 6066 §3); exactly one rule with 1 to 16 weighted
/// backendRefs.
/// </summary>
internal sealed class TLSRouteRules : KindRules<TLSRoute>
{
    public const int MaxHostnames = 1024;

    protected override void Default(TLSRoute obj)
    {
        if (obj.Spec is { } spec) L4RouteRules.Default(spec.ParentRefs, (spec.Rules ?? []).Select(r => r?.BackendRefs));
    }

    protected override void Validate(TLSRoute obj, List<FieldError> errors) =>
        L4RouteRules.Validate(obj.Metadata, Kind, obj.Spec, s => s.ParentRefs, s => s.Rules, r => r.Name, r => r.BackendRefs, errors,
            between: s => ValidateHostnames(s.Hostnames, errors));

    private static void ValidateHostnames(IList<string>? hostnames, List<FieldError> errors)
    {
        const string root = "spec.hostnames";
        if (hostnames is not { Count: > 0 })
        {
            errors.Required(root, "a TLSRoute names at least one SNI hostname");
            return;
        }
        GatewayFields.MaxItems(hostnames, root, MaxHostnames, errors);
        for (var i = 0; i < hostnames.Count; i++)
        {
            var path = FieldPath.Index(root, i);
            if (IsIpAddress(hostnames[i])) errors.Invalid(path, hostnames[i], "must be a hostname, not an IP address (SNI never carries one)");
            else GatewayFields.Hostname(hostnames[i], path, errors);
        }
    }

    /// <summary>
    /// A dotted-quad IPv4 or an IPv6 address, as the CRD's isIP() means; not "1234" or "0x7f", which
    /// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> also reads as addresses but are valid hostnames.
    /// </summary>
    private static bool IsIpAddress(string? value) =>
        value is not null && IPAddress.TryParse(value, out var ip)
            && (value.Contains(':', StringComparison.Ordinal) || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                && value.Split('.') is { Length: 4 } parts && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit))));
}
