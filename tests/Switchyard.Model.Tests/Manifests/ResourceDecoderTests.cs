using System.Text.Json.Nodes;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Tests.Manifests;

public sealed class ResourceDecoderTests
{
    private static string[] Errors(string json) => [.. ResourceDecoder.Decode(JsonNode.Parse(json)).Errors.Select(e => e.ToString())];

    [Fact]
    public void Decode_ValidPod_TypedObject()
    {
        var r = ResourceDecoder.Decode(JsonNode.Parse("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}]},"status":{"podIP":"10.0.0.1"}}"""));
        Assert.True(r.Ok);
        var pod = Assert.IsType<V1Pod>(r.Object);
        Assert.Equal(80, pod.Spec.Containers[0].Ports[0].ContainerPort);
        Assert.Equal("10.0.0.1", pod.Status.PodIP);
    }

    [Fact]
    public void Decode_UnknownFieldsAndMismatches_AllReportedAtOnce()
    {
        var errors = Errors("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","Labels":{}},
             "spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80},{"containerPort":"81","extra":1}]}],"restartPolicy":true},
             "foo":{}}
            """);
        Assert.Equal(
        [
            "metadata.Labels: unknown field \"Labels\"",
            "spec.containers[0].ports[1].containerPort: expected integer, got string",
            "spec.containers[0].ports[1].extra: unknown field \"extra\"",
            "spec.restartPolicy: expected string, got boolean",
            "foo: unknown field \"foo\"",
        ], errors);
    }

    [Fact]
    public void Decode_IntOrString_AcceptsBothRejectsOthers()
    {
        Assert.Empty(Errors("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":"http"},{"port":81,"targetPort":8081}]}}"""));
        Assert.Equal(["spec.ports[0].targetPort: expected integer or string, got boolean"],
            Errors("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":true}]}}"""));
    }

    [Fact]
    public void Decode_FractionalInteger_Rejected()
    {
        Assert.Equal(["spec.ports[0].port: expected integer, got number 80.5"],
            Errors("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80.5}]}}"""));
    }

    [Fact]
    public void Decode_SecretData_MustBeBase64()
    {
        Assert.Equal(["data[a]: illegal base64 data: expected a base64-encoded string"],
            Errors("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"not base64!","b":"aGVsbG8="}}"""));
    }

    [Fact]
    public void Decode_Quantity_StringOrNumber()
    {
        Assert.Empty(Errors("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"500m","memory":128}}}]}}"""));
    }

    [Fact]
    public void Decode_UnknownKind_ListsKnownKinds()
    {
        var e = Assert.Single(Errors("""{"apiVersion":"v1","kind":"Foo"}"""));
        Assert.Equal("kind: unknown kind \"Foo\"; known kinds: Namespace, GatewayClass, IngressClass, ConfigMap, Secret, Service, Deployment, Pod, EndpointSlice, NetworkPolicy, HTTPNetworkPolicy, Ingress, Gateway, ListenerSet, HTTPTrafficFilter, HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute, BackendTLSPolicy, ReferenceGrant", e);
    }

    [Fact]
    public void Decode_WrongApiVersion_SaysWhichAreAccepted()
    {
        Assert.Equal(["apiVersion: kind Deployment is not served in apiVersion \"extensions/v1beta1\"; accepted: \"apps/v1\""],
            Errors("""{"apiVersion":"extensions/v1beta1","kind":"Deployment","metadata":{"name":"d"}}"""));
        Assert.Equal(["apiVersion: kind ReferenceGrant is not served in apiVersion \"v1\"; accepted: \"gateway.networking.k8s.io/v1beta1\", \"gateway.networking.k8s.io/v1\""],
            Errors("""{"apiVersion":"v1","kind":"ReferenceGrant","metadata":{"name":"r"}}"""));
    }

    [Fact]
    public void Decode_MissingApiVersionAndKind_BothRequired()
    {
        Assert.Equal(["apiVersion: Required value", "kind: Required value"], Errors("""{"metadata":{"name":"x"}}"""));
    }

    [Fact]
    public void Decode_NotAnObject_Error()
    {
        Assert.Equal(["expected an object, got array"], Errors("[1]"));
    }

    [Fact]
    public void Decode_ManyObjects_FastEnough()
    {
        // Not a timing assertion: decoding 10,000 services must simply complete and succeed with cached metadata.
        var node = JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","labels":{"a":"b"}},"spec":{"selector":{"app":"x"},"ports":[{"name":"http","port":80,"targetPort":"http"}]}}""")!;
        for (var i = 0; i < 10_000; i++) Assert.True(ResourceDecoder.Decode(node).Ok);
    }
}
