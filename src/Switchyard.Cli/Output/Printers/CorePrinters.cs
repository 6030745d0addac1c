using System.Text.Json.Nodes;

namespace Switchyard.Cli.Output.Printers;

internal sealed class PodPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) =>
        wide ? ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"] : ["NAME", "READY", "STATUS", "RESTARTS", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var statuses = obj.Items("status.containerStatuses");
        var total = Math.Max(obj.Count("spec.containers"), statuses.Count);
        var ready = statuses.Count(s => s.Bool("ready") == true);
        var restarts = statuses.Sum(s => s.Long("restartCount") ?? 0);
        string[] cells = [Name(obj), $"{ready}/{total}", Status(obj, statuses), restarts.ToString(System.Globalization.CultureInfo.InvariantCulture), AgeOf(obj, now)];
        return wide ? [.. cells, OrNone(obj.Str("status.podIP")), OrNone(obj.Str("spec.nodeName"))] : cells;
    }

    /// <summary>Like kubectl: Terminating while being deleted, else a waiting/terminated container reason, else the phase.</summary>
    private static string Status(JsonNode obj, IReadOnlyList<JsonNode> statuses)
    {
        if (obj.Str("metadata.deletionTimestamp") is not null) return "Terminating";
        foreach (var s in statuses)
        {
            var reason = s.Str("state.waiting.reason") ?? s.Str("state.terminated.reason");
            if (!string.IsNullOrEmpty(reason) && reason != "Completed") return reason;
        }
        return obj.Str("status.reason") ?? obj.Str("status.phase") ?? "Pending";
    }
}

internal sealed class ServicePrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) =>
        wide ? ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"] : ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var type = obj.Str("spec.type") ?? "ClusterIP";
        string[] cells = [Name(obj), type, OrNone(obj.Str("spec.clusterIP")), ExternalIp(obj, type), Ports(obj), AgeOf(obj, now)];
        return wide ? [.. cells, Labels(obj, "spec.selector")] : cells;
    }

    private static string ExternalIp(JsonNode obj, string type)
    {
        var external = obj.Items("spec.externalIPs").Select(i => i is JsonValue v ? Json.ScalarText(v) : "").ToList();
        switch (type)
        {
            case "ExternalName":
                return OrNone(obj.Str("spec.externalName"));
            case "LoadBalancer":
                external.AddRange(obj.Items("status.loadBalancer.ingress").Select(i => i.Str("ip") ?? i.Str("hostname") ?? ""));
                return external.Count == 0 ? "<pending>" : string.Join(",", external);
            default:
                return external.Count == 0 ? "<none>" : string.Join(",", external);
        }
    }

    /// <summary>"80/TCP,443:30443/TCP", or "&lt;none&gt;".</summary>
    internal static string Ports(JsonNode obj)
    {
        var ports = obj.Items("spec.ports").Select(p =>
        {
            var nodePort = p.Long("nodePort");
            var proto = p.Str("protocol") ?? "TCP";
            return nodePort is null ? $"{p.Long("port")}/{proto}" : $"{p.Long("port")}:{nodePort}/{proto}";
        }).ToList();
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }
}

internal sealed class EndpointSlicePrinter : KindPrinter
{
    private const int ShownEndpoints = 3;

    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var ports = obj.Items("ports").Select(p => p.Long("port")?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList();
        return [Name(obj), obj.Str("addressType") ?? "", ports.Count == 0 ? "<unset>" : string.Join(",", ports), Endpoints(obj), AgeOf(obj, now)];
    }

    /// <summary>The first three addresses and how many more, like kubectl: "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...".</summary>
    internal static string Endpoints(JsonNode obj)
    {
        var addresses = obj.Items("endpoints")
            .SelectMany(e => e.Items("addresses"))
            .Select(a => a is JsonValue v ? Json.ScalarText(v) : "")
            .ToList();
        if (addresses.Count == 0) return "<none>";
        var shown = string.Join(",", addresses.Take(ShownEndpoints));
        return addresses.Count > ShownEndpoints ? $"{shown} + {addresses.Count - ShownEndpoints} more..." : shown;
    }
}

internal sealed class NamespacePrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "STATUS", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide) =>
        [Name(obj), obj.Str("status.phase") ?? "Active", AgeOf(obj, now)];
}

internal sealed class ConfigMapPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "DATA", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide) =>
        [Name(obj), (obj.Count("data") + obj.Count("binaryData")).ToString(System.Globalization.CultureInfo.InvariantCulture), AgeOf(obj, now)];
}

internal sealed class SecretPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "TYPE", "DATA", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide) =>
        [Name(obj), obj.Str("type") ?? "Opaque", (obj.Count("data") + obj.Count("stringData")).ToString(System.Globalization.CultureInfo.InvariantCulture), AgeOf(obj, now)];
}

internal sealed class DeploymentPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) =>
        wide ? ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"] : ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var desired = obj.Long("spec.replicas") ?? 1;
        string[] cells =
        [
            Name(obj), $"{obj.Long("status.readyReplicas") ?? 0}/{desired}", $"{obj.Long("status.updatedReplicas") ?? 0}",
            $"{obj.Long("status.availableReplicas") ?? 0}", AgeOf(obj, now),
        ];
        if (!wide) return cells;
        var containers = obj.Items("spec.template.spec.containers");
        return
        [
            .. cells, OrNone(string.Join(",", containers.Select(c => c.Str("name")))),
            OrNone(string.Join(",", containers.Select(c => c.Str("image")))), LabelSelector(obj.At("spec.selector")),
        ];
    }
}
