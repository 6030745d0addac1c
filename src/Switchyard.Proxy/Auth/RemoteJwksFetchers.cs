using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// Makes the proxy's <see cref="RemoteJwks"/> fetchers and stops those still running when the proxy stops. Compiles
/// keep fetchers in <see cref="Resilience.KeptState"/> by URI and CA bundle, so providers and rules naming the same URI
/// share one fetch loop across compiles; a fetcher no compile names any more is disposed after the kept-state grace.
/// Each fetcher has its own HTTP handler: no proxy from the environment, no redirects (Envoy follows none), no
/// decompression (the size limit is on what crosses the wire), TLS checked against the system's roots or the given CAs.
/// </summary>
internal sealed class RemoteJwksFetchers(RemoteJwksOptions options, ProxyMetrics metrics, ILogger log) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<RemoteJwks> _live = [];
    private bool _disposed;

    /// <summary>Fetchers running now (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _live.Count;
        }
    }

    /// <param name="rootsPem">PEM CA certificates the server's chain must lead to; null for the system's trust store.</param>
    public RemoteJwks Start(Uri uri, string? rootsPem, TimeSpan refreshInterval)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (rootsPem is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(rootsPem);
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(roots);
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        var fetcher = new RemoteJwks(uri, new HttpMessageInvoker(handler), refreshInterval, options, metrics, log, Forget);
        lock (_gate)
        {
            if (!_disposed)
            {
                _live.Add(fetcher);
                return fetcher;
            }
        }
        fetcher.Dispose();
        return fetcher;
    }

    private void Forget(RemoteJwks fetcher)
    {
        lock (_gate) _live.Remove(fetcher);
    }

    public void Dispose()
    {
        List<RemoteJwks> live;
        lock (_gate)
        {
            _disposed = true;
            live = [.. _live];
        }
        foreach (var f in live) f.Dispose();
    }
}
