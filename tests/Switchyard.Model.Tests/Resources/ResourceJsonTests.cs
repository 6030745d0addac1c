using System.Text.Json;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Tests.Resources;

/// <summary>
/// ResourceJson has no reflection fallback (the native binary has none): every kind must be declared in its
/// source-generated context, and the Kubernetes value formats must hold without KubernetesJson's options.
/// </summary>
public sealed class ResourceJsonTests
{
    public static TheoryData<string> Kinds() => [.. ResourceKinds.All.Select(k => k.Kind)];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKind_HasCompileTimeMetadata_AndRoundTrips(string kindName)
    {
        var kind = ResourceKinds.FindByKind(kindName)!;
        var info = ResourceJson.Options.GetTypeInfo(kind.Type);
        Assert.Equal(kind.Type, info.Type);
        var obj = ResourceJson.Deserialize(kind, """{"metadata":{"name":"x","labels":{"a":"b"}}}""");
        Assert.Equal(kind.Kind, obj.Kind);
        var again = ResourceJson.Deserialize(kind, ResourceJson.Serialize(obj));
        Assert.Equal("b", again.Metadata.Labels["a"]);
    }

    [Fact]
    public void UndeclaredType_IsRejected_NotReflectedOver()
    {
        Assert.Throws<NotSupportedException>(() => ResourceJson.Options.GetTypeInfo(typeof(Uri)));
    }

    [Fact]
    public void KubernetesFormats_TimesAsRfc3339_NullsOmitted_IntOrStringAndQuantity()
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1", Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "p", CreationTimestamp = new DateTime(2026, 11, 25, 21, 39, 51, DateTimeKind.Utc) },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "c",
                        Ports = [new V1ContainerPort { ContainerPort = 8080, Name = "http" }],
                        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "http", Path = "/ready" } },
                        Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("64Mi") } },
                    },
                ],
            },
        };
        using var json = JsonDocument.Parse(ResourceJson.Serialize(pod));
        var root = json.RootElement;
        Assert.Equal("2026-11-25T21:39:51Z", root.GetProperty("metadata").GetProperty("creationTimestamp").GetString());
        Assert.False(root.GetProperty("metadata").TryGetProperty("namespace", out _));
        var container = root.GetProperty("spec").GetProperty("containers")[0];
        Assert.Equal("http", container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("port").GetString());
        Assert.Equal("64Mi", container.GetProperty("resources").GetProperty("limits").GetProperty("memory").GetString());
        Assert.Equal(8080, container.GetProperty("ports")[0].GetProperty("containerPort").GetInt32());
    }
}
