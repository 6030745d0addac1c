using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>A real Kestrel backend on 127.0.0.1:0 with the given protocols and handler (h2c, gRPC-style, WebSocket tests).</summary>
internal sealed class KestrelBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly StrongBox<string?> _serverName;

    private KestrelBackend(WebApplication app, int port, StrongBox<string?> serverName)
    {
        _app = app;
        Port = port;
        _serverName = serverName;
    }

    public int Port { get; }

    /// <summary>The SNI name of the latest TLS handshake (HTTPS backends).</summary>
    public string? ServerName => _serverName.Value;

    /// <param name="certificate">With one, the backend serves HTTPS with it.</param>
    /// <param name="chain">Intermediates sent after <paramref name="certificate"/> (the SNI name is then not recorded).</param>
    /// <param name="keepAlive">How long Kestrel keeps an idle connection open (its default is 130 s).</param>
    /// <param name="clientCertificates">With a certificate: whether the backend asks clients for one (any is accepted; the handler sees it).</param>
    public static async Task<KestrelBackend> StartAsync(
        HttpProtocols protocols, RequestDelegate handler, bool webSockets = false, X509Certificate2? certificate = null, X509Certificate2Collection? chain = null,
        TimeSpan? keepAlive = null, Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode clientCertificates = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        var serverName = new StrongBox<string?>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            if (keepAlive is { } idle) k.Limits.KeepAliveTimeout = idle;
            l.Protocols = protocols;
            if (certificate is not null && chain is not null)
            {
                l.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.ServerCertificateChain = chain;
                    https.ClientCertificateMode = clientCertificates;
                    https.ClientCertificateValidation = (_, _, _) => true;
                });
            }
            else if (certificate is not null)
            {
                l.UseHttps(https =>
                {
                    https.ServerCertificateSelector = (_, name) =>
                    {
                        serverName.Value = name;
                        return certificate;
                    };
                    https.ClientCertificateMode = clientCertificates;
                    https.ClientCertificateValidation = (_, _, _) => true;
                });
            }
        }));
        var app = builder.Build();
        if (webSockets) app.UseWebSockets();
        app.Run(handler);
        await app.StartAsync();
        return new KestrelBackend(app, new Uri(app.Urls.First()).Port, serverName);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
