using System.Net;
using System.Text;

namespace Switchyard.Control.Tests.Api;

public sealed class ApiErrorTests : IAsyncLifetime
{
    private ApiServerFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiServerFixture.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/default/services")]
    [InlineData("GET", "/api")]
    [InlineData("POST", "/apis/switchyard.dev/v1/apply")]
    [InlineData("DELETE", "/api/v1/namespaces/default/services/web")]
    public async Task Request_WithoutToken_Returns401Status(string method, string path)
    {
        var response = await _api.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var status = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("Unauthorized", (string?)status["reason"]);
        Assert.Equal(401, (int)status["code"]!);
    }

    [Fact]
    public async Task Request_WithWrongToken_Returns401()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces");
        request.Headers.Authorization = new("Bearer", ApiServerFixture.Token + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Anonymous.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/version")]
    public async Task Probes_WithoutToken_AreAllowed(string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await _api.Anonymous.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Get_Missing_Returns404StatusWithDetails()
    {
        var response = await _api.Client.GetAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var status = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"httproutes.gateway.networking.k8s.io \u0022nope\u0022 not found","reason":"NotFound","details":{"name":"nope","group":"gateway.networking.k8s.io","kind":"httproutes"},"code":404}""",
            status.ToJsonString());
    }

    [Fact]
    public async Task Create_Twice_Returns409AlreadyExists()
    {
        await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg"));

        var response = await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var status = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("AlreadyExists", (string?)status["reason"]);
        Assert.Equal("configmaps \"cfg\" already exists", (string?)status["message"]);
    }

    [Fact]
    public async Task Create_InvalidObject_Returns422WithEveryCause()
    {
        var response = await _api.PostAsync("/api/v1/namespaces/default/configmaps",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name","labels":{"-bad":"x"}}}""");

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var status = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal(422, (int)status["code"]!);
        Assert.Equal("ConfigMap", (string?)status["details"]!["kind"]);
        var fields = status["details"]!["causes"]!.AsArray().Select(c => (string)c!["field"]!).Distinct().ToList();
        Assert.Contains("metadata.name", fields);
        Assert.Contains("metadata.labels", fields);
        Assert.StartsWith("ConfigMap \"Bad_Name\" is invalid: [", (string?)status["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_UnknownFields_Returns422ListingEachPath()
    {
        var response = await _api.PostAsync("/api/v1/namespaces/default/services",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","colour":"red"},"spec":{"ports":[{"port":80,"protcol":"TCP"}]}}""");

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var causes = (await ApiServerFixture.JsonAsync(response))["details"]!["causes"]!.AsArray();
        Assert.Equal(["metadata.colour", "spec.ports[0].protcol"], causes.Select(c => (string)c!["field"]!).Order(StringComparer.Ordinal));
        Assert.All(causes, c => Assert.StartsWith("unknown field", (string?)c!["message"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_MalformedJson_Returns400WithParserMessage()
    {
        var response = await _api.PostAsync("/api/v1/namespaces/default/configmaps", """{"apiVersion":"v1",""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("BadRequest", (string?)status["reason"]);
        Assert.StartsWith("the request body is not valid JSON: ", (string?)status["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InMissingNamespace_Returns404NamingTheNamespace()
    {
        var response = await _api.PostAsync("/api/v1/namespaces/nowhere/configmaps", Manifests.ConfigMap("cfg", "nowhere"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var status = await ApiServerFixture.JsonAsync(response);
        Assert.Equal("namespaces \"nowhere\" not found", (string?)status["message"]);
        Assert.Equal("namespaces", (string?)status["details"]!["kind"]);
        Assert.Equal("nowhere", (string?)status["details"]!["name"]);
    }

    [Fact]
    public async Task Create_NamespaceMismatch_Returns400()
    {
        var response = await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg", "kube-system"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("the namespace of the provided object does not match the namespace sent on the request",
            (string?)(await ApiServerFixture.JsonAsync(response))["message"]);
    }

    [Fact]
    public async Task List_BadLabelSelector_Returns400()
    {
        var response = await _api.Client.GetAsync("/api/v1/pods?labelSelector=app+in+(a");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", (string?)(await ApiServerFixture.JsonAsync(response))["reason"]);
    }

    [Theory]
    [InlineData("POST", "/api/v1/namespaces/default/services/web")]
    [InlineData("PUT", "/api/v1/namespaces/default/services")]
    [InlineData("DELETE", "/api/v1/namespaces/default/services")]
    [InlineData("POST", "/api/v1/services")]
    [InlineData("DELETE", "/api/v1")]
    public async Task WrongVerb_Returns405Status(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };

        var response = await _api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("MethodNotAllowed", (string?)(await ApiServerFixture.JsonAsync(response))["reason"]);
    }

    [Theory]
    [InlineData("/api/v1/namespaces/default/widgets")]
    [InlineData("/apis/example.com/v1/things")]
    [InlineData("/api/v1/pods/p")]
    [InlineData("/nothing/here")]
    public async Task UnknownPath_Returns404Status(string path)
    {
        var response = await _api.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("the server could not find the requested resource", (string?)(await ApiServerFixture.JsonAsync(response))["message"]);
    }

    [Fact]
    public async Task Create_WrongMediaType_Returns415()
    {
        var response = await _api.Client.PostAsync("/api/v1/namespaces/default/configmaps", new StringContent(Manifests.ConfigMap("c"), Encoding.UTF8, "application/yaml"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("UnsupportedMediaType", (string?)(await ApiServerFixture.JsonAsync(response))["reason"]);
    }

    [Fact]
    public async Task Patch_StrategicMergePatch_Returns415()
    {
        await _api.PostAsync("/api/v1/namespaces/default/configmaps", Manifests.ConfigMap("cfg"));

        var response = await _api.Client.PatchAsync("/api/v1/namespaces/default/configmaps/cfg",
            new StringContent("{}", Encoding.UTF8, "application/strategic-merge-patch+json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Delete_DefaultNamespace_Returns403()
    {
        var response = await _api.Client.DeleteAsync("/api/v1/namespaces/default");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("namespaces \"default\" is forbidden: this namespace may not be deleted", (string?)(await ApiServerFixture.JsonAsync(response))["message"]);
    }
}
