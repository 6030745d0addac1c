using System.Globalization;
using k8s.Models;

namespace Switchyard.Runtime.Environment;

/// <summary>
/// The Kubernetes service environment variables (what the kubelet injects when <c>enableServiceLinks</c> is
/// true): for every Service with a cluster IP in the pod's namespace, <c>{SVC}_SERVICE_HOST</c>,
/// <c>{SVC}_SERVICE_PORT</c>, <c>{SVC}_SERVICE_PORT_{PORT_NAME}</c> and the Docker-link style
/// <c>{SVC}_PORT</c>, <c>{SVC}_PORT_{port}_{PROTO}</c>(<c>_PROTO</c>, <c>_PORT</c>, <c>_ADDR</c>).
/// SVC is the service name upper-cased with '-' turned into '_'.
/// </summary>
internal static class ServiceLinks
{
    public static void AddTo(IDictionary<string, string> env, IEnumerable<V1Service> services)
    {
        foreach (var service in services.OrderBy(s => s.Metadata?.Name, StringComparer.Ordinal))
        {
            var ip = service.Spec?.ClusterIP;
            if (string.IsNullOrEmpty(ip) || ip == "None" || service.Spec?.Ports is not { Count: > 0 } ports) continue;
            var prefix = Name(service.Metadata?.Name ?? "");
            var host = ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip;
            env[prefix + "_SERVICE_HOST"] = ip;
            env[prefix + "_SERVICE_PORT"] = Text(ports[0].Port);
            foreach (var p in ports.Where(p => !string.IsNullOrEmpty(p.Name)))
            {
                env[$"{prefix}_SERVICE_PORT_{Name(p.Name)}"] = Text(p.Port);
            }
            var first = ports[0];
            env[prefix + "_PORT"] = $"{Proto(first)}://{host}:{Text(first.Port)}";
            foreach (var p in ports)
            {
                var proto = Proto(p);
                var baseName = $"{prefix}_PORT_{Text(p.Port)}_{proto.ToUpperInvariant()}";
                env[baseName] = $"{proto}://{host}:{Text(p.Port)}";
                env[baseName + "_PROTO"] = proto;
                env[baseName + "_PORT"] = Text(p.Port);
                env[baseName + "_ADDR"] = ip;
            }
        }
    }

    private static string Proto(V1ServicePort p) => (p.Protocol ?? "TCP").ToLowerInvariant();

    private static string Name(string name) => name.ToUpperInvariant().Replace('-', '_').Replace('.', '_');

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
