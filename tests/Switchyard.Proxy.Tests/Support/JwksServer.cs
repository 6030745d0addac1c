using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// An issuer's key set endpoint for remote JWKS tests: HTTPS on 127.0.0.1:0 with a certificate for "localhost" signed
/// by the test CA, serving <see cref="Body"/> with <see cref="Status"/> at any path (or whatever <see cref="Handler"/>
/// answers), and counting the requests it got.
/// </summary>
internal sealed class JwksServer : IAsyncDisposable
{
    private readonly KestrelBackend _server;
    private int _requests;

    private JwksServer(KestrelBackend server) => _server = server;

    /// <summary>The body of the next answers (a key set, or anything a test wants refused).</summary>
    public volatile string Body = "";

    public volatile int Status = 200;

    /// <summary>When set, answers instead of <see cref="Body"/> and <see cref="Status"/>.</summary>
    public volatile Func<HttpContext, Task>? Handler;

    public int Requests => Volatile.Read(ref _requests);

    public Uri Uri => new($"https://localhost:{_server.Port}/.well-known/jwks.json");

    public static async Task<JwksServer> StartAsync(TestCertificates ca, string body)
    {
        JwksServer? self = null;
        var certificate = ca.ServerCertificate("localhost", ["localhost"]);
        var server = await KestrelBackend.StartAsync(HttpProtocols.Http1, async context =>
        {
            Interlocked.Increment(ref self!._requests);
            if (self.Handler is { } handler)
            {
                await handler(context);
                return;
            }
            context.Response.StatusCode = self.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(self.Body);
        }, certificate: certificate);
        self = new JwksServer(server) { Body = body };
        return self;
    }

    /// <summary>A ConfigMap whose ca.crt is the test CA, for <c>caCertificateRefs</c>.</summary>
    public static string CaConfigMap(TestCertificates ca, string name, string ns = "default") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        data:
          ca.crt: |
        {string.Join("\n", ca.Ca.ExportCertificatePem().Split('\n').Select(l => "    " + l))}
        ---

        """;

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
