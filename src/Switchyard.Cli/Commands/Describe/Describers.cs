using System.Text.Json.Nodes;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Describe;

/// <summary>What describe prints for each kind: common metadata, then the kind's key fields and status.</summary>
internal static class Describers
{
    public static void Metadata(DescribeWriter w, ResourceKind kind, JsonNode obj, DateTimeOffset now)
    {
        w.Value(0, "Name", obj.Str("metadata.name"));
        if (kind.Namespaced) w.Value(0, "Namespace", obj.Str("metadata.namespace"));
        w.Map(0, "Labels", obj.Map("metadata.labels"));
        w.Map(0, "Annotations", obj.Map("metadata.annotations"));
        var created = obj.Str("metadata.creationTimestamp");
        w.Value(0, "Created", created is null ? null : $"{created} ({Age.Since(created, now)} ago)");
        w.Value(0, "Resource Version", obj.Str("metadata.resourceVersion"));
    }

    public static void Pod(DescribeWriter w, JsonNode obj)
    {
        w.Value(0, "Node", obj.Str("spec.nodeName"));
        w.Value(0, "Status", obj.Str("metadata.deletionTimestamp") is null ? obj.Str("status.phase") : "Terminating");
        w.Value(0, "IP", obj.Str("status.podIP"));
        w.Value(0, "IPs", string.Join(",", obj.Items("status.podIPs").Select(i => i.Str("ip"))));
        if (obj.Str("spec.hostname") is { } host) w.Value(0, "Hostname", host);
        if (obj.Str("spec.subdomain") is { } sub) w.Value(0, "Subdomain", sub);
        w.Section(0, "Containers");
        var statuses = obj.Items("status.containerStatuses");
        foreach (var c in obj.Items("spec.containers"))
        {
            var name = c.Str("name") ?? "";
            var status = statuses.FirstOrDefault(s => s.Str("name") == name);
            w.Section(1, name);
            w.Value(2, "Image", c.Str("image"));
            w.Value(2, "Command", string.Join(" ", c.Items("command").Select(x => x.ToString())));
            w.Value(2, "Args", string.Join(" ", c.Items("args").Select(x => x.ToString())));
            w.Value(2, "Ports", string.Join(", ", c.Items("ports").Select(p =>
                $"{p.Long("containerPort")}/{p.Str("protocol") ?? "TCP"}{(p.Str("name") is { } n ? $" ({n})" : "")}")));
            ContainerState(w, "State", status.At("state"));
            ContainerState(w, "Last State", status.At("lastState"));
            w.Value(2, "Ready", status.Bool("ready")?.ToString().ToLowerInvariant() ?? "false");
            w.Value(2, "Restart Count", (status.Long("restartCount") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        w.Conditions(0, obj);
    }

    /// <summary>A container's state as kubectl shows it: Running, Waiting or Terminated, then its reason, message, exit code and times.</summary>
    private static void ContainerState(DescribeWriter w, string label, JsonNode? state)
    {
        if (state is not JsonObject o || o.FirstOrDefault() is not { Key: { Length: > 0 } kind, Value: var detail }) return;
        w.Value(2, label, char.ToUpperInvariant(kind[0]) + kind[1..]);
        if (detail.Str("reason") is { } reason) w.Value(3, "Reason", reason);
        if (detail.Str("message") is { } message) w.Value(3, "Message", message);
        if (detail.Long("exitCode") is { } code) w.Value(3, "Exit Code", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (detail.Str("startedAt") is { } started) w.Value(3, "Started", started);
        if (detail.Str("finishedAt") is { } finished) w.Value(3, "Finished", finished);
    }

    public static void Service(DescribeWriter w, JsonNode obj, IReadOnlyList<JsonObject> slices)
    {
        w.Map(0, "Selector", obj.Map("spec.selector"));
        w.Value(0, "Type", obj.Str("spec.type") ?? "ClusterIP");
        w.Value(0, "IP Family Policy", obj.Str("spec.ipFamilyPolicy"));
        w.Value(0, "IP Families", string.Join(",", obj.Items("spec.ipFamilies").Select(x => x.ToString())));
        w.Value(0, "IP", obj.Str("spec.clusterIP"));
        w.Value(0, "IPs", string.Join(",", obj.Items("spec.clusterIPs").Select(x => x.ToString())));
        if (obj.Str("spec.externalName") is { } ext) w.Value(0, "External Name", ext);
        foreach (var p in obj.Items("spec.ports"))
        {
            var name = p.Str("name") ?? "<unset>";
            w.Value(0, "Port", $"{name}  {p.Long("port")}/{p.Str("protocol") ?? "TCP"}");
            var target = p.At("targetPort") is JsonValue tv ? Json.ScalarText(tv) : p.Long("port")?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            w.Value(0, "TargetPort", $"{target}/{p.Str("protocol") ?? "TCP"}");
            var endpoints = slices
                .Where(s => s.Items("ports").Any(sp => sp.Str("name") == p.Str("name")) || s.Count("ports") == 0)
                .SelectMany(s => s.Items("endpoints").Where(e => e.Bool("conditions.ready") != false).SelectMany(e => e.Items("addresses"))
                    .Select(a => $"{a}:{s.Items("ports").FirstOrDefault(sp => sp.Str("name") == p.Str("name")).Long("port")}"))
                .ToList();
            w.Value(0, "Endpoints", string.Join(",", endpoints));
        }
        w.Value(0, "Session Affinity", obj.Str("spec.sessionAffinity") ?? "None");
        if (slices.Count == 0)
        {
            w.Value(0, "EndpointSlices", null);
            return;
        }
        w.Section(0, "EndpointSlices");
        foreach (var s in slices)
        {
            w.Line(1, s.Str("metadata.name") ?? "", $"{s.Str("addressType")}, ports {PortList(s)}");
            var table = new Table(["Address", "Ready", "Serving", "Terminating", "Target"]);
            foreach (var e in s.Items("endpoints"))
            {
                var target = e.At("targetRef") is { } t ? $"{t.Str("kind")?.ToLowerInvariant()}/{t.Str("name")}" : "";
                foreach (var a in e.Items("addresses"))
                {
                    table.AddRow([a.ToString(), Flag(e.Bool("conditions.ready")), Flag(e.Bool("conditions.serving")), Flag(e.Bool("conditions.terminating")), target]);
                }
            }
            if (table.RowCount == 0) w.Line(2, "Endpoints", "<none>");
            else w.Text(2, table.Render());
        }
    }

    public static void EndpointSlice(DescribeWriter w, JsonNode obj)
    {
        w.Value(0, "AddressType", obj.Str("addressType"));
        w.Value(0, "Ports", PortList(obj));
        var table = new Table(["Address", "Ready", "Serving", "Terminating", "Hostname", "Target"]);
        foreach (var e in obj.Items("endpoints"))
        {
            var target = e.At("targetRef") is { } t ? $"{t.Str("kind")?.ToLowerInvariant()}/{t.Str("name")}" : "";
            foreach (var a in e.Items("addresses"))
            {
                table.AddRow([a.ToString(), Flag(e.Bool("conditions.ready")), Flag(e.Bool("conditions.serving")), Flag(e.Bool("conditions.terminating")), e.Str("hostname") ?? "", target]);
            }
        }
        if (table.RowCount == 0) w.Value(0, "Endpoints", null);
        else w.Section(0, "Endpoints").Text(1, table.Render());
    }

    public static void Deployment(DescribeWriter w, JsonNode obj)
    {
        var desired = obj.Long("spec.replicas") ?? 1;
        w.Value(0, "Selector", SelectorText.Of(obj.At("spec.selector")));
        w.Value(0, "Replicas", $"{desired} desired | {obj.Long("status.updatedReplicas") ?? 0} updated | {obj.Long("status.replicas") ?? 0} total | "
            + $"{obj.Long("status.availableReplicas") ?? 0} available | {obj.Long("status.unavailableReplicas") ?? 0} unavailable");
        w.Value(0, "StrategyType", obj.Str("spec.strategy.type") ?? "RollingUpdate");
        w.Section(0, "Pod Template");
        w.Map(1, "Labels", obj.Map("spec.template.metadata.labels"));
        w.Section(1, "Containers");
        foreach (var c in obj.Items("spec.template.spec.containers"))
        {
            w.Section(2, c.Str("name") ?? "");
            w.Value(3, "Image", c.Str("image"));
            w.Value(3, "Ports", string.Join(", ", c.Items("ports").Select(p => $"{p.Long("containerPort")}/{p.Str("protocol") ?? "TCP"}")));
        }
        w.Conditions(0, obj);
    }

    /// <summary>Any other kind: the spec and status as YAML under their headings.</summary>
    public static void Generic(DescribeWriter w, JsonNode obj)
    {
        foreach (var (heading, path) in new[] { ("Spec", "spec"), ("Data", "data"), ("Type", "type"), ("Address Type", "addressType"), ("Status", "status") })
        {
            var node = obj.At(path);
            if (node is null) continue;
            if (node is JsonValue v)
            {
                w.Value(0, heading, Json.ScalarText(v));
                continue;
            }
            if (path == "data" && obj.Str("kind") == "Secret")
            {
                w.Section(0, heading);
                foreach (var (key, value) in (JsonObject)node) w.Value(1, key, $"{DecodedLength(value)} bytes");
                continue;
            }
            if (node.Count(".") == 0 && node is JsonObject { Count: 0 }) continue;
            w.Section(0, heading).Text(1, YamlOutput.Write(node));
        }
    }

    private static int DecodedLength(JsonNode? value)
    {
        var text = value is JsonValue v ? Json.ScalarText(v) : "";
        return text.Length == 0 ? 0 : (text.Length / 4 * 3) - text.Count(c => c == '=');
    }

    private static string PortList(JsonNode slice)
    {
        var ports = slice.Items("ports").Select(p => $"{(p.Str("name") is { Length: > 0 } n ? n + " " : "")}{p.Long("port")}/{p.Str("protocol") ?? "TCP"}").ToList();
        return ports.Count == 0 ? "<unset>" : string.Join(", ", ports);
    }

    private static string Flag(bool? b) => b switch { true => "true", false => "false", null => "-" };
}
