using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ExternalAuth;

/// <summary>
/// The YAML the ExternalAuth tests of both protocols share: HTTPRoute rules whose filter asks an authorization
/// Service, and the Services they ask.
/// </summary>
internal static class ExternalAuthYaml
{
    /// <summary>
    /// An ExternalAuth filter (a YAML flow map) asking Service <paramref name="service"/> port 80 with
    /// <paramref name="protocol"/> (HTTP or GRPC), that protocol's settings left empty.
    /// </summary>
    public static string Filter(string protocol, string service) =>
        "{type: ExternalAuth, externalAuth: {protocol: " + protocol + ", backendRef: {name: " + service + ", port: 80}, " + protocol.ToLowerInvariant() + ": {}}}";

    /// <summary>
    /// A rule for <see cref="GatewayYaml.Route"/>: requests under <paramref name="path"/> go through
    /// <see cref="Filter"/> to Service echo; <paramref name="more"/>, when given, is one more line of the rule.
    /// </summary>
    public static string Rule(string protocol, string path, string service, string more = "") =>
        "    - matches: [{path: {value: " + path + "}}]\n"
        + "      filters: [" + Filter(protocol, service) + "]\n"
        + "      backendRefs: [{name: echo, port: 80}]"
        + (more.Length == 0 ? "" : "\n      " + more);

    /// <summary>
    /// Services echo (at <paramref name="echo"/>), authz (at <paramref name="auth"/>), down (at
    /// <paramref name="closed"/>, a port nothing listens on) and half (one endpoint at each).
    /// </summary>
    public static string Services(int echo, int auth, int closed) =>
        Manifests.Service("echo", echo) + Manifests.Service("authz", auth) + Manifests.Service("down", closed) + Manifests.Service("half", closed, auth);
}
