using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Telemetry;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>
/// What the <see cref="RemoteJwks"/> fetcher tests share: a local HTTPS issuer (<see cref="Server"/>) serving the key
/// set of <see cref="Keys"/> under a certificate from <see cref="Ca"/>, and the <see cref="Fetchers"/> that fetch from
/// it on the fake clock <see cref="Time"/>, counting into <see cref="Metrics"/>. Their fetch timeout is a day, far
/// longer than any step a test moves the clock by: only the refresh and back-off waits end.
/// </summary>
internal sealed class LocalIssuer : IAsyncDisposable
{
    private LocalIssuer(JwksServer server, Jwts keys, TestCertificates ca, FakeTimeProvider time, ProxyMetrics metrics, IRandomSource? random)
    {
        (Server, Keys, Ca, Time, Metrics) = (server, keys, ca, time, metrics);
        var options = new RemoteJwksOptions { Time = time, Timeout = TimeSpan.FromDays(1) };
        Fetchers = new RemoteJwksFetchers(random is null ? options : options with { Random = random }, metrics, NullLogger.Instance);
    }

    public JwksServer Server { get; }

    public Jwts Keys { get; }

    public TestCertificates Ca { get; }

    public FakeTimeProvider Time { get; }

    public ProxyMetrics Metrics { get; }

    public RemoteJwksFetchers Fetchers { get; }

    /// <summary>Starts the issuer serving <see cref="Jwts.Jwks"/>; the fetchers' randomness is <paramref name="random"/>, or the default.</summary>
    public static async Task<LocalIssuer> StartAsync(IRandomSource? random = null)
    {
        var keys = new Jwts();
        var ca = new TestCertificates();
        var server = await JwksServer.StartAsync(ca, keys.Jwks);
        return new LocalIssuer(server, keys, ca, new FakeTimeProvider(DateTimeOffset.UtcNow), new ProxyMetrics(), random);
    }

    /// <summary>A fetcher of the issuer's key set, trusting the test CA, refreshing every <paramref name="refresh"/> (the cacheDuration).</summary>
    public RemoteJwks Start(TimeSpan refresh) => Fetchers.Start(Server.Uri, Ca.Ca.ExportCertificatePem(), refresh);

    /// <summary>The fetches of the issuer's key set that ended with <paramref name="result"/> (a <see cref="RemoteJwks"/> result label).</summary>
    public long Count(string result) => Metrics.JwksFetchCount(Server.Uri.OriginalString, result);

    public async ValueTask DisposeAsync()
    {
        Fetchers.Dispose();
        await Server.DisposeAsync();
        Ca.Dispose();
        Keys.Dispose();
    }
}
