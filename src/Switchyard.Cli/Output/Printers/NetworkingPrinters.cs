using System.Text.Json.Nodes;

namespace Switchyard.Cli.Output.Printers;

internal sealed class NetworkPolicyPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "POD-SELECTOR", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide) =>
        [Name(obj), LabelSelector(obj.At("spec.podSelector")), AgeOf(obj, now)];
}

internal sealed class IngressPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var hosts = obj.Items("spec.rules").Select(r => r.Str("host") ?? "*").Distinct().ToList();
        var address = obj.Items("status.loadBalancer.ingress").Select(i => i.Str("ip") ?? i.Str("hostname") ?? "").ToList();
        return
        [
            Name(obj), OrNone(obj.Str("spec.ingressClassName")), hosts.Count == 0 ? "*" : string.Join(",", hosts),
            string.Join(",", address), obj.Count("spec.tls") > 0 ? "80, 443" : "80", AgeOf(obj, now),
        ];
    }
}

internal sealed class IngressClassPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "CONTROLLER", "PARAMETERS", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var p = obj.At("spec.parameters");
        var parameters = p is null ? "<none>" : $"{p.Str("kind")}/{p.Str("name")}";
        return [Name(obj), obj.Str("spec.controller") ?? "", parameters, AgeOf(obj, now)];
    }
}

internal sealed class GatewayClassPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "CONTROLLER", "ACCEPTED", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide) =>
        [Name(obj), obj.Str("spec.controllerName") ?? "", Condition(obj, "Accepted"), AgeOf(obj, now)];
}

internal sealed class GatewayPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var addresses = obj.Items("status.addresses");
        return [Name(obj), obj.Str("spec.gatewayClassName") ?? "", addresses.Count == 0 ? "" : addresses[0].Str("value") ?? "", Condition(obj, "Programmed"), AgeOf(obj, now)];
    }
}

/// <summary>ListenerSets: name, parent Gateway (namespace/name when in another namespace), listeners, the Accepted and Programmed conditions, age.</summary>
internal sealed class ListenerSetPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "GATEWAY", "LISTENERS", "ACCEPTED", "PROGRAMMED", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var parentNs = obj.Str("spec.parentRef.namespace");
        var parent = obj.Str("spec.parentRef.name") ?? "";
        var gateway = parentNs is null || parentNs == obj.Str("metadata.namespace") ? parent : $"{parentNs}/{parent}";
        var listeners = string.Join(",", obj.Items("spec.listeners").Select(l => $"{l.Str("name")}:{l.Str("port")}/{l.Str("protocol")}"));
        return [Name(obj), gateway, listeners, Condition(obj, "Accepted"), Condition(obj, "Programmed"), AgeOf(obj, now)];
    }
}

/// <summary>HTTPRoutes, GRPCRoutes and TLSRoutes: name, hostnames (* for any), age.</summary>
internal sealed class HTTPRoutePrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "HOSTNAMES", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var hostnames = obj.Items("spec.hostnames").Select(h => h is JsonValue v ? Json.ScalarText(v) : "").ToList();
        return [Name(obj), hostnames.Count == 0 ? "*" : string.Join(",", hostnames), AgeOf(obj, now)];
    }
}

/// <summary>TCPRoutes and UDPRoutes, which have no hostnames: name, parents (GATEWAY or GATEWAY/LISTENER), age.</summary>
internal sealed class TCPRoutePrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "PARENTS", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide)
    {
        var parents = obj.Items("spec.parentRefs").Select(p => p.Str("sectionName") is { Length: > 0 } section ? $"{p.Str("name")}/{section}" : p.Str("name"));
        return [Name(obj), string.Join(",", parents), AgeOf(obj, now)];
    }
}
