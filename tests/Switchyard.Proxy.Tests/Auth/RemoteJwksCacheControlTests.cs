using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>
/// A <see cref="RemoteJwks"/> fetcher honouring the issuer's Cache-Control, against a local HTTPS issuer answering
/// different headers, its clock a <see cref="FakeTimeProvider"/>: a table of {Cache-Control, Age, cacheDuration, wait
/// until the next fetch}; the fetches happening at those waits, not before; an unknown kid still fetching at once.
/// </summary>
public sealed class RemoteJwksCacheControlTests : IAsyncLifetime
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private LocalIssuer _issuer = null!;

    public async Task InitializeAsync() => _issuer = await LocalIssuer.StartAsync();

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    private RemoteJwks Start(TimeSpan cacheDuration) => _issuer.Start(cacheDuration);

    private long Fetches => _issuer.Count(RemoteJwks.Ok);

    /// <summary>The issuer answers its key set with these Cache-Control lines (none when empty) and Age.</summary>
    private void Answer(string[] cacheControl, string? age = null) => _issuer.Server.Handler = async context =>
    {
        if (cacheControl.Length > 0) context.Response.Headers.CacheControl = new StringValues(cacheControl);
        if (age is not null) context.Response.Headers.Age = age;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(_issuer.Keys.Jwks);
    };

    /// <summary>Moves the clock by <paramref name="step"/>, then checks a little later that no fetch followed.</summary>
    private async Task AdvanceWithoutFetchAsync(TimeSpan step)
    {
        var before = Fetches;
        _issuer.Time.Advance(step);
        await Task.Delay(300);
        Assert.Equal(before, Fetches);
    }

    private async Task AdvanceToFetchAsync(TimeSpan step, string what)
    {
        var before = Fetches;
        _issuer.Time.Advance(step);
        await Wait.UntilAsync(() => Fetches > before, what);
    }

    [Fact]
    public async Task CacheControl_Answer_SetsTheWaitUntilTheNextFetch()
    {
        (string Name, string[] CacheControl, string? Age, TimeSpan CacheDuration, double Seconds)[] table =
        [
            ("no Cache-Control: cacheDuration", [], null, Hour, 3600),
            ("max-age", ["max-age=120"], null, Hour, 120),
            ("other directives ignored", ["public, max-age=600, must-revalidate"], null, Hour, 600),
            ("directive names ignore case", ["Max-Age=600"], null, Hour, 600),
            ("quoted max-age", ["max-age=\"300\""], null, Hour, 300),
            ("longer than cacheDuration: cacheDuration", ["max-age=86400"], null, Hour, 3600),
            ("overflowing max-age: cacheDuration", ["max-age=99999999999999999999"], null, Hour, 3600),
            ("shorter than the floor: floor", ["max-age=5"], null, Hour, 30),
            ("max-age=0: floor", ["max-age=0"], null, Hour, 30),
            ("no-store: floor", ["no-store"], null, Hour, 30),
            ("no-cache: floor", ["no-cache"], null, Hour, 30),
            ("no-cache naming fields: ignored", ["no-cache=\"set-cookie, x-a\", max-age=600"], null, Hour, 600),
            ("max-age with no-cache: the most restrictive", ["max-age=600, no-cache"], null, Hour, 30),
            ("two max-age lines: the shorter", ["max-age=600", "max-age=200"], null, Hour, 200),
            ("invalid max-age: stale, floor", ["max-age=ten"], null, Hour, 30),
            ("Age subtracted", ["max-age=600"], "500", Hour, 100),
            ("Age past max-age: floor", ["max-age=600"], "700", Hour, 30),
            ("invalid Age ignored", ["max-age=600"], "soon", Hour, 600),
            ("s-maxage is for shared caches: cacheDuration", ["s-maxage=60"], null, Hour, 3600),
            ("cacheDuration under the floor: cacheDuration", ["no-store"], null, TimeSpan.FromSeconds(10), 10),
        ];
        var seen = new List<string>();
        foreach (var (name, cacheControl, age, cacheDuration, _) in table)
        {
            Answer(cacheControl, age);
            var before = Fetches;
            using var fetcher = Start(cacheDuration);
            await Wait.UntilAsync(() => Fetches > before, name);
            seen.Add($"{name}: {fetcher.Refresh.TotalSeconds}");
        }
        Assert.Equal(table.Select(c => $"{c.Name}: {c.Seconds}"), seen);
    }

    [Fact]
    public async Task Fetches_HappenAtTheWaitEachAnswerAsks_NotBefore()
    {
        Answer(["max-age=120"]);
        using var fetcher = Start(Hour);
        await Wait.UntilAsync(() => Fetches == 1, "first fetch");

        Answer(["no-store"]);
        await AdvanceWithoutFetchAsync(TimeSpan.FromSeconds(119));
        await AdvanceToFetchAsync(TimeSpan.FromSeconds(1), "a fetch when max-age=120 ran out, not after the hour");
        Assert.Equal(TimeSpan.FromSeconds(30), fetcher.Refresh);

        Answer([]);
        await AdvanceWithoutFetchAsync(TimeSpan.FromSeconds(29));
        await AdvanceToFetchAsync(TimeSpan.FromSeconds(1), "a fetch 30 s (the floor) after a no-store answer");
        Assert.Equal(Hour, fetcher.Refresh);

        await AdvanceWithoutFetchAsync(TimeSpan.FromMinutes(59));
        await AdvanceToFetchAsync(TimeSpan.FromMinutes(1), "a fetch after the cacheDuration once the issuer stopped sending Cache-Control");
    }

    [Fact]
    public async Task UnknownKid_UnderALongMaxAge_StillFetchesAtOnce()
    {
        Answer(["max-age=3600"]);
        using var fetcher = Start(Hour);
        await Wait.UntilAsync(() => Fetches == 1, "first fetch");

        fetcher.KidNotFound();

        await Wait.UntilAsync(() => Fetches == 2, "a fetch brought forward by the unknown kid, the clock not moved");
    }
}
