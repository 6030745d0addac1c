using Switchyard.Model.Gateway;
using Switchyard.Model.Manifests;
using Switchyard.Model.Resources;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class ListenerSetRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"ListenerSet","metadata":{"name":"team-a","namespace":"apps"},"spec":""" + spec + "}";

    private static string GatewayManifest(string allowedListeners) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"edge","namespace":"infra"},"spec":{"gatewayClassName":"switchyard","""
        + allowedListeners + """ "listeners":[{"name":"http","port":80,"protocol":"HTTP"}]}}""";

    [Fact]
    public void ApplyDefaults_ParentRefAndListeners_FilledAsTheCrdDoes()
    {
        var set = Defaulted<ListenerSet>(Manifest("""
            {"parentRef":{"name":"edge","namespace":"infra"},
             "listeners":[{"name":"https","port":443,"protocol":"HTTPS","tls":{"certificateRefs":[{"name":"a-cert"}]}}]}
            """));

        Assert.Equal(("gateway.networking.k8s.io", "Gateway"), (set.Spec.ParentRef!.Group, set.Spec.ParentRef.Kind));
        var l = set.Spec.Listeners![0];
        Assert.Equal("Same", l.AllowedRoutes!.Namespaces!.From);
        Assert.Equal("Terminate", l.Tls!.Mode);
        Assert.Equal(("", "Secret"), (l.Tls.CertificateRefs![0].Group, l.Tls.CertificateRefs[0].Kind));
    }

    [Fact]
    public void Validate_RealisticListenerSet_NoErrors()
    {
        var json = Manifest("""
            {"parentRef":{"name":"edge","namespace":"infra"},
             "listeners":[
               {"name":"http","port":8080,"protocol":"HTTP","hostname":"a.example.com"},
               {"name":"https","port":8443,"protocol":"HTTPS","hostname":"a.example.com","tls":{"certificateRefs":[{"name":"a-cert"}]},
                "allowedRoutes":{"namespaces":{"from":"Selector","selector":{"matchLabels":{"team":"a"}}},"kinds":[{"kind":"HTTPRoute"}]}},
               {"name":"db","port":5432,"protocol":"TLS","hostname":"db.a.example.com","tls":{"mode":"Passthrough"}}]}
            """);
        Assert.Empty(Errors<ListenerSet>(json));
    }

    [Fact]
    public void Validate_EveryProblem_ReportedAtOnce()
    {
        var json = Manifest("""
            {"parentRef":{"group":"Bad Group","name":""},
             "listeners":[
               {"name":"web","port":0,"protocol":"HTTP","tls":{"certificateRefs":[{"name":"c"}]}},
               {"name":"web","port":8443,"protocol":"HTTPS","tls":{"mode":"Passthrough"}},
               {"name":"db","port":5432,"protocol":"TLS"},
               {"name":"other","port":8443,"protocol":"HTTPS","tls":{"mode":"Passthrough"}},
               {"name":"Bad_Name","port":70000,"protocol":"SCTP","hostname":"*.*.example.com",
                "allowedRoutes":{"namespaces":{"from":"Selector"}}}]}
            """);
        Assert.Equal(
        [
            "spec.parentRef.group: Invalid value: \"Bad Group\": must be empty (the core group) or a lowercase DNS subdomain (e.g. \"gateway.networking.k8s.io\")",
            "spec.parentRef.name: Required value",
            "spec.listeners[0].port: Required value",
            "spec.listeners[0].tls: Forbidden: tls may not be set for protocol HTTP; use HTTPS or TLS",
            "spec.listeners[1].tls.mode: Invalid value: \"Passthrough\": an HTTPS listener terminates TLS: use Terminate, or protocol TLS for Passthrough",
            "spec.listeners[1].name: Duplicate value: \"web\"",
            "spec.listeners[2].tls: Required value: a TLS listener needs tls.mode (Passthrough, or Terminate with certificateRefs)",
            "spec.listeners[3].tls.mode: Invalid value: \"Passthrough\": an HTTPS listener terminates TLS: use Terminate, or protocol TLS for Passthrough",
            "spec.listeners[3]: Invalid value: \"HTTPS/8443\": port, protocol and hostname must be distinct from every other listener (same as spec.listeners[1])",
            "spec.listeners[4].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.listeners[4].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.listeners[4].protocol: Unsupported value: \"SCTP\": supported values: \"HTTP\", \"HTTPS\", \"TLS\", \"TCP\", \"UDP\", \"<domain>/<name> (implementation-specific)\"",
            "spec.listeners[4].hostname: Invalid value: \"*.*.example.com\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.listeners[4].allowedRoutes.namespaces.selector: Required value: from: Selector needs a namespace selector",
        ], Errors<ListenerSet>(json), StringComparer.Ordinal);
    }

    [Fact]
    public void Validate_NoParentRefNoListeners_BothRequired()
    {
        Assert.Equal(
        [
            "spec.parentRef: Required value: the Gateway these listeners are added to",
            "spec.listeners: Required value: a ListenerSet needs at least one listener",
        ], Errors<ListenerSet>(Manifest("{}")));
    }

    [Fact]
    public void Validate_SixtyFiveListeners_TooMany()
    {
        var listeners = string.Join(",", Enumerable.Range(1, 65).Select(i => $$"""{"name":"l{{i}}","port":{{8000 + i}},"protocol":"HTTP"}"""));
        Assert.Equal(["spec.listeners: Too many: 65: must have at most 64 items"], Errors<ListenerSet>(Manifest($$"""{"parentRef":{"name":"edge"},"listeners":[{{listeners}}]}""")));
    }

    [Fact]
    public void ManifestReader_BadListenerSet_ErrorsNameTheFileLineObjectAndField()
    {
        var text = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: team-a, namespace: apps}
            spec:
              parentRef: {name: edge}
              listeners:
                - {name: a, port: 8080, protocol: HTTP}
                - {name: a, port: 0, protocol: HTTP}
            """;
        var r = new ManifestReader().ReadText("ls.yaml", text);
        Assert.Equal(
        [
            "ls.yaml:8: ListenerSet apps/team-a: spec.listeners[1].port: Required value",
            "ls.yaml:8: ListenerSet apps/team-a: spec.listeners[1].name: Duplicate value: \"a\"",
        ], r.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Decode_XListenerSet_RefusedSayingHowToConvert()
    {
        var json = """{"apiVersion":"gateway.networking.x-k8s.io/v1alpha1","kind":"XListenerSet","metadata":{"name":"a"},"spec":{"parentRef":{"name":"edge"},"listeners":[]}}""";

        var decoded = ResourceDecoder.Decode(System.Text.Json.Nodes.JsonNode.Parse(json));

        Assert.Null(decoded.Object);
        Assert.Equal(
            "kind: kind \"XListenerSet\" is not served: XListenerSet (gateway.networking.x-k8s.io/v1alpha1) was the experimental form of ListenerSet, which Switchyard serves as "
            + "gateway.networking.k8s.io/v1 (Gateway API v1.5): set apiVersion: gateway.networking.k8s.io/v1 and kind: ListenerSet (the spec is the same), "
            + "and in routes' parentRefs use group: gateway.networking.k8s.io, kind: ListenerSet",
            Assert.Single(decoded.Errors).ToString());
    }

    [Fact]
    public void ResourceKinds_ListenerSetNames_Resolve()
    {
        foreach (var name in new[] { "listenersets", "listenerset", "lset", "ListenerSet", "listenersets.gateway.networking.k8s.io" })
        {
            Assert.Same(ResourceKinds.ListenerSet, ResourceKinds.Resolve(name));
        }
    }

    [Fact]
    public void GatewayAllowedListeners_DefaultsToNone_WhenPresent()
    {
        var gateway = Defaulted<Model.Gateway.Gateway>(GatewayManifest("""  "allowedListeners":{}, """));
        Assert.Equal("None", gateway.Spec.AllowedListeners!.Namespaces!.From);
        Assert.Null(Defaulted<Model.Gateway.Gateway>(GatewayManifest("")).Spec.AllowedListeners);
    }

    [Fact]
    public void GatewayAllowedListeners_BadValues_Reported()
    {
        Assert.Equal(
            ["spec.allowedListeners.namespaces.from: Unsupported value: \"Everyone\": supported values: \"None\", \"Same\", \"All\", \"Selector\""],
            Errors<Model.Gateway.Gateway>(GatewayManifest("""  "allowedListeners":{"namespaces":{"from":"Everyone"}}, """)));
        Assert.Equal(
            ["spec.allowedListeners.namespaces.selector: Required value: from: Selector needs a namespace selector"],
            Errors<Model.Gateway.Gateway>(GatewayManifest("""  "allowedListeners":{"namespaces":{"from":"Selector"}}, """)));
        Assert.Empty(Errors<Model.Gateway.Gateway>(GatewayManifest("""  "allowedListeners":{"namespaces":{"from":"Selector","selector":{"matchLabels":{"gateway-access":"true"}}}}, """)));
    }
}
