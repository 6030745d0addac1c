using System.Text.Json.Nodes;

namespace Switchyard.Control.Tests.Api;

public sealed class DiscoveryTests : IAsyncLifetime
{
    private ApiServerFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiServerFixture.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<JsonObject> GetAsync(string path) => await ApiServerFixture.JsonAsync(await _api.Client.GetAsync(path));

    [Fact]
    public async Task CoreResources_ListEveryCoreKindWithNamesAndVerbs()
    {
        var list = await GetAsync("/api/v1");

        Assert.Equal("APIResourceList", (string?)list["kind"]);
        Assert.Equal("v1", (string?)list["groupVersion"]);
        var pods = list["resources"]!.AsArray().Single(r => (string?)r!["name"] == "pods")!;
        Assert.Equal("pod", (string?)pods["singularName"]);
        Assert.Equal("Pod", (string?)pods["kind"]);
        Assert.True((bool)pods["namespaced"]!);
        Assert.Equal("""["po"]""", pods["shortNames"]!.ToJsonString());
        Assert.Equal("""["create","delete","get","list","patch","update","watch"]""", pods["verbs"]!.ToJsonString());
        var names = list["resources"]!.AsArray().Select(r => (string)r!["name"]!).Where(n => !n.Contains('/')).Order().ToList();
        Assert.Equal(["configmaps", "namespaces", "pods", "secrets", "services"], names);
    }

    [Fact]
    public async Task Groups_ListEveryGroupWithPreferredVersion()
    {
        var groups = await GetAsync("/apis");

        var byName = groups["groups"]!.AsArray().ToDictionary(g => (string)g!["name"]!, g => (string)g!["preferredVersion"]!["groupVersion"]!);
        Assert.Equal("apps/v1", byName["apps"]);
        Assert.Equal("discovery.k8s.io/v1", byName["discovery.k8s.io"]);
        Assert.Equal("networking.k8s.io/v1", byName["networking.k8s.io"]);
        Assert.Equal("gateway.networking.k8s.io/v1", byName["gateway.networking.k8s.io"]);
    }

    [Fact]
    public async Task GatewayV1beta1_ServesReferenceGrants()
    {
        var list = await GetAsync("/apis/gateway.networking.k8s.io/v1beta1");

        Assert.Contains(list["resources"]!.AsArray(), r => (string?)r!["name"] == "referencegrants" && (string?)r["kind"] == "ReferenceGrant");
    }

    [Fact]
    public async Task Version_ReportsSwitchyardVersion()
    {
        var version = await ApiServerFixture.JsonAsync(await _api.Anonymous.GetAsync("/version"));

        Assert.Equal("0", (string?)version["major"]);
        Assert.Equal("1", (string?)version["minor"]);
        Assert.Equal("v0.1.0-switchyard", (string?)version["gitVersion"]);
    }
}
