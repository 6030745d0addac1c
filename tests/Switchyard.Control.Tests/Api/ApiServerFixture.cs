using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Control.Admission;
using Switchyard.Store;
using Switchyard.Store.Core;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Api;

/// <summary>A real control plane on 127.0.0.1:0 over an in-memory store, and an authenticated HttpClient.</summary>
internal sealed class ApiServerFixture : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private ApiServerFixture(ControlPlaneServer server, IResourceStore store)
    {
        Server = server;
        Store = store;
        Client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Anonymous = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public ControlPlaneServer Server { get; }
    public IResourceStore Store { get; }
    public HttpClient Client { get; }
    public HttpClient Anonymous { get; }

    public static async Task<ApiServerFixture> StartAsync(ResourceStoreOptions? storeOptions = null, IReadOnlyList<IAdmissionPlugin>? plugins = null)
    {
        var store = new InMemoryResourceStore(storeOptions);
        var server = await ControlPlaneServer.StartAsync(store, new ControlPlaneOptions
        {
            Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
            Token = Token,
            LoggerFactory = NullLoggerFactory.Instance,
            AdmissionPlugins = plugins ?? [],
        });
        return new ApiServerFixture(server, store);
    }

    public Task<HttpResponseMessage> PostAsync(string path, string json) =>
        Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PutAsync(string path, string json) =>
        Client.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Server.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>Small valid manifests, as JSON.</summary>
internal static class Manifests
{
    public static string Service(string name, string ns = "default", string app = "web", int port = 80) => $$$"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","labels":{"app":"{{{app}}}"}},
         "spec":{"selector":{"app":"{{{app}}}"},"ports":[{"port":{{{port}}}}]}}
        """;

    public static string ConfigMap(string name, string ns = "default", string value = "v", string tier = "front") => $$$"""
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","labels":{"tier":"{{{tier}}}"}},"data":{"k":"{{{value}}}"}}
        """;

    public static string Namespace(string name) => $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}""";

    public static string Pod(string name, string ns = "default", string app = "web") => $$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","labels":{"app":"{{{app}}}"}},
         "spec":{"containers":[{"name":"main","image":"demo","ports":[{"containerPort":8080}]}]}}
        """;

    public static string List(params string[] items) => $$$"""{"apiVersion":"v1","kind":"List","items":[{{{string.Join(",", items)}}}]}""";
}
