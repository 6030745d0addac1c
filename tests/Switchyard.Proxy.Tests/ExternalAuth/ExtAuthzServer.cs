using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Envoy.Service.Auth.V3;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Tests.ExternalAuth;

/// <summary>
/// A real ext_authz gRPC authorization service (envoy.service.auth.v3.Authorization/Check) on Kestrel, HTTP/2 on
/// 127.0.0.1:0 (h2c, or TLS with a certificate): records every CheckRequest and answers as the test decides.
/// </summary>
internal sealed class ExtAuthzServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExtAuthzServer(WebApplication app, Checks checks)
    {
        _app = app;
        Seen = checks.Seen;
        Connections = checks.Connections;
        Timeouts = checks.Timeouts;
        Port = new Uri(app.Urls.First()).Port;
    }

    public int Port { get; }

    /// <summary>Every CheckRequest received, in order.</summary>
    public ConcurrentQueue<CheckRequest> Seen { get; }

    /// <summary>The connection of each check, in order (Kestrel's connection id).</summary>
    public ConcurrentQueue<string> Connections { get; }

    /// <summary>The <c>grpc-timeout</c> request header of each check, in order (null when there was none).</summary>
    public ConcurrentQueue<string?> Timeouts { get; }

    public static async Task<ExtAuthzServer> StartAsync(Func<CheckRequest, ServerCallContext, Task<CheckResponse>> decide, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var checks = new Checks(decide);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(checks);
        if (certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            if (certificate is not null) l.UseHttps(certificate);
        }));
        var app = builder.Build();
        app.MapGrpcService<Checks>();
        await app.StartAsync();
        return new ExtAuthzServer(app, checks);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The service: records, then lets the test decide.</summary>
    internal sealed class Checks(Func<CheckRequest, ServerCallContext, Task<CheckResponse>> decide) : Envoy.Service.Auth.V3.Authorization.AuthorizationBase
    {
        public ConcurrentQueue<CheckRequest> Seen { get; } = new();

        public ConcurrentQueue<string> Connections { get; } = new();

        public ConcurrentQueue<string?> Timeouts { get; } = new();

        public override Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
        {
            Seen.Enqueue(request);
            var http = context.GetHttpContext();
            Connections.Enqueue(http.Connection.Id);
            Timeouts.Enqueue(http.Request.Headers.TryGetValue("grpc-timeout", out var timeout) ? timeout.ToString() : null);
            return decide(request, context);
        }
    }
}
