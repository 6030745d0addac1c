using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.Config;

/// <summary>Store mode: a BackendTLSPolicy's status is written back per ancestor Gateway, and follows its ConfigMap being fixed.</summary>
public sealed class BackendTlsStoreFeedTests
{
    private const string Policy = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: api-tls, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: api}]
          validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: api-ca}], hostname: api.test}
        """;

    private static async Task<ConditionSeen> ResolvedRefsAsync(InMemoryResourceStore store, string reason)
    {
        string? seen = null;
        for (var i = 0; i < 200; i++)
        {
            var policy = (BackendTLSPolicy?)await store.GetAsync(new ObjectRef(ResourceKinds.BackendTLSPolicy, "default", "api-tls"));
            var ancestor = policy?.Status?.Ancestors?.SingleOrDefault();
            var condition = ancestor?.Conditions?.SingleOrDefault(c => c.Type == "ResolvedRefs");
            seen = condition?.Reason;
            if (condition?.Reason == reason)
            {
                var accepted = ancestor!.Conditions!.Single(c => c.Type == "Accepted");
                return new ConditionSeen(ancestor.AncestorRef.Name, condition.Status, condition.Message, $"{accepted.Status}/{accepted.Reason}");
            }
            await Task.Delay(50);
        }
        Assert.Fail($"ResolvedRefs never became {reason} (last: {seen ?? "no status"})");
        return null!;
    }

    private sealed record ConditionSeen(string Gateway, string Status, string Message, string Accepted);

    [Fact]
    public async Task StoreMode_PolicyStatus_WrittenBackAndFollowsTheConfigMap()
    {
        using var ca = new TestCertificates();
        await using var store = new InMemoryResourceStore();
        var yaml = GatewayYaml.AllTo("api") + Manifests.Service("api", 1) + Policy;
        foreach (var o in Manifests.Read(yaml)) Assert.True((await store.CreateAsync(o)).Ok);
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);

        var missing = await ResolvedRefsAsync(store, "InvalidCACertificateRef");
        Assert.Equal(("web", "False"), (missing.Gateway, missing.Status));
        Assert.Contains("ConfigMap default/api-ca not found", missing.Message, StringComparison.Ordinal);
        Assert.Equal("False/NoValidCACertificate", missing.Accepted); // no usable CA at all: the policy is not in effect

        var configMap = new k8s.Models.V1ConfigMap
        {
            ApiVersion = "v1", Kind = "ConfigMap",
            Metadata = new() { Name = "api-ca", NamespaceProperty = "default" },
            Data = new Dictionary<string, string> { ["ca.crt"] = ca.Ca.ExportCertificatePem() },
        };
        Assert.True((await store.CreateAsync(configMap)).Ok);
        var resolved = await ResolvedRefsAsync(store, "ResolvedRefs");
        Assert.Equal(("True", "True/Accepted"), (resolved.Status, resolved.Accepted));
    }
}
