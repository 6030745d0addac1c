using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>
/// One <see cref="RemoteJwks"/> fetcher against a local HTTPS issuer, its clock a <see cref="FakeTimeProvider"/> moved
/// by the test: the cache expiring brings the rotated key set in; each way a fetch can fail ({answer, result label})
/// keeps the last good keys; the first fetch failing leaves no keys until the issuer recovers; a slow issuer times
/// out; and the back-off table.
/// </summary>
public sealed class RemoteJwksFetcherTests : IAsyncLifetime
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(60);
    private LocalIssuer _issuer = null!;

    public async Task InitializeAsync() => _issuer = await LocalIssuer.StartAsync(random: new Fixed(0));

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    private RemoteJwks Start(TimeSpan? refresh = null) => _issuer.Start(refresh ?? Refresh);

    private long Count(string result) => _issuer.Count(result);

    /// <summary>Moves the clock a refresh interval at a time until <paramref name="condition"/> holds.</summary>
    private Task AdvanceUntilAsync(Func<bool> condition, string what) => Wait.UntilAsync(() =>
    {
        if (condition()) return true;
        _issuer.Time.Advance(Refresh);
        return false;
    }, what);

    [Fact]
    public async Task Fetch_CacheExpires_RotatedKeysReplaceOld()
    {
        using var fetcher = Start();
        await Wait.UntilAsync(() => fetcher.Current is not null, "first fetch");
        Assert.True(fetcher.Current!.HasKid("rsa-1"));
        using var rotated = RSA.Create(2048);
        _issuer.Server.Body = $$"""{"keys":[{{Jwts.RsaJwk(rotated, "rsa-2")}}]}""";
        await AdvanceUntilAsync(() => fetcher.Current!.HasKid("rsa-2"), "the rotated key set fetched when the cache expired");
        Assert.False(fetcher.Current!.HasKid("rsa-1"));
    }

    [Fact]
    public async Task RefreshInterval_Shortened_NextFetchDueByTheNewInterval()
    {
        using var fetcher = Start(TimeSpan.FromHours(24));
        await Wait.UntilAsync(() => Count(RemoteJwks.Ok) == 1, "first fetch");
        fetcher.RefreshInterval = Refresh; // a compile named the URI with a shorter cacheDuration
        await AdvanceUntilAsync(() => Count(RemoteJwks.Ok) >= 2, "a fetch a minute later, not a day");
        Assert.True(_issuer.Time.GetUtcNow() - _issuer.Time.Start < TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task Fetch_UnchangedBody_KeySetObjectKept()
    {
        using var fetcher = Start();
        await Wait.UntilAsync(() => fetcher.Current is not null, "first fetch");
        var first = fetcher.Current;
        await AdvanceUntilAsync(() => Count(RemoteJwks.Ok) >= 3, "two more fetches");
        Assert.Same(first, fetcher.Current); // parsed keys (and the library's verifiers) are reused
    }

    [Fact]
    public async Task Fetch_EachFailure_CountedAndLastGoodKeysKept()
    {
        using var fetcher = Start();
        await Wait.UntilAsync(() => fetcher.Current is not null, "first fetch");
        var good = fetcher.Current;
        var big = new string(' ', 1024 * 1024) + _issuer.Keys.Jwks;
        (string Name, int Status, string Body, Func<HttpContext, Task>? Handler, string Result)[] table =
        [
            ("server error", 500, "oops", null, RemoteJwks.Status),
            ("not found", 404, _issuer.Keys.Jwks, null, RemoteJwks.Status),
            ("not JSON", 200, "<html>login</html>", null, RemoteJwks.Invalid),
            ("JSON but no keys array", 200, """{"issuer":"https://idp.test"}""", null, RemoteJwks.Invalid),
            ("no usable key", 200, """{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}""", null, RemoteJwks.Invalid),
            ("over 1 MiB with Content-Length", 200, big, null, RemoteJwks.TooLarge),
            ("over 1 MiB chunked", 200, "", async c =>
            {
                for (var i = 0; i < 80; i++) await c.Response.WriteAsync(new string(' ', 16 * 1024)); // no Content-Length: chunked
                await c.Response.WriteAsync(_issuer.Keys.Jwks);
            }, RemoteJwks.TooLarge),
            ("redirect not followed", 302, "", c =>
            {
                c.Response.StatusCode = 302;
                c.Response.Headers.Location = "http://127.0.0.1:1/jwks.json";
                return Task.CompletedTask;
            }, RemoteJwks.Status),
        ];
        var seen = new List<string>();
        foreach (var (name, status, body, handler, result) in table)
        {
            var before = Count(result);
            (_issuer.Server.Status, _issuer.Server.Body, _issuer.Server.Handler) = (status, body, handler);
            await AdvanceUntilAsync(() => Count(result) > before, name);
            seen.Add($"{name}: {result}, keys kept={ReferenceEquals(fetcher.Current, good)}");
        }
        Assert.Equal(table.Select(c => $"{c.Name}: {c.Result}, keys kept=True"), seen);
        (_issuer.Server.Status, _issuer.Server.Body, _issuer.Server.Handler) = (200, _issuer.Keys.Jwks, null);
        var recovered = Count(RemoteJwks.Ok);
        await AdvanceUntilAsync(() => Count(RemoteJwks.Ok) > recovered, "recovery");
    }

    [Fact]
    public async Task Fetch_FirstFails_NoKeysUntilIssuerRecovers()
    {
        _issuer.Server.Status = 503;
        using var fetcher = Start();
        await Wait.UntilAsync(() => Count(RemoteJwks.Status) >= 1, "first fetch failed");
        Assert.Null(fetcher.Current);
        _issuer.Server.Status = 200;
        await AdvanceUntilAsync(() => fetcher.Current is not null, "keys once the issuer answers");
        Assert.True(fetcher.Current!.HasKid("ec-1"));
    }

    [Fact]
    public async Task Fetch_SlowIssuer_TimesOut()
    {
        _issuer.Server.Handler = async c => await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted);
        using var fetchers = new RemoteJwksFetchers(new RemoteJwksOptions { Timeout = TimeSpan.FromMilliseconds(300) }, _issuer.Metrics, NullLogger.Instance);
        using var fetcher = fetchers.Start(_issuer.Server.Uri, _issuer.Ca.Ca.ExportCertificatePem(), Refresh);
        await Wait.UntilAsync(() => Count(RemoteJwks.Timeout) >= 1, "the fetch timed out");
        Assert.Null(fetcher.Current);
    }

    [Fact]
    public void Backoff_FailuresInARow_DoublesToCapWithEqualJitter()
    {
        var options = new RemoteJwksOptions();
        (int Failures, TimeSpan Refresh, int Random, double Seconds)[] table =
        [
            (1, TimeSpan.FromMinutes(5), 0, 1),
            (1, TimeSpan.FromMinutes(5), 500, 0.5), // at most half taken off
            (2, TimeSpan.FromMinutes(5), 0, 2),
            (5, TimeSpan.FromMinutes(5), 0, 16),
            (9, TimeSpan.FromMinutes(5), 0, 256),
            (10, TimeSpan.FromMinutes(5), 0, 300), // capped at RetryCap
            (60, TimeSpan.FromHours(24), 0, 300),
            (10, TimeSpan.FromSeconds(30), 0, 30), // never longer than the refresh interval
        ];
        var seen = table.Select(c => (c.Failures, c.Refresh, c.Random, RemoteJwks.Backoff(c.Failures, c.Refresh, options with { Random = new Fixed(c.Random) }).TotalSeconds));
        Assert.Equal(table, seen);
    }

    [Fact]
    public async Task Dispose_StopsTheLoop()
    {
        var fetcher = Start();
        await Wait.UntilAsync(() => fetcher.Current is not null, "first fetch");
        Assert.Equal(1, _issuer.Fetchers.Count);
        fetcher.Dispose();
        await fetcher.Loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, _issuer.Fetchers.Count);
    }

    /// <summary>Randomness that always answers <c>min(value, maxExclusive - 1)</c>.</summary>
    private sealed class Fixed(int value) : IRandomSource
    {
        public int Next(int maxExclusive) => Math.Min(value, maxExclusive - 1);
    }
}
