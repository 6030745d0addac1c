using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>exp and nbf against the injected clock with a 60 s skew, at the edges: {seconds after T, verdict}.</summary>
public sealed class JwtLifetimeTests : IDisposable
{
    private const long T = 1_800_000_000;
    private readonly Jwts _keys = new();

    public void Dispose() => _keys.Dispose();

    [Fact]
    public async Task ValidateAsync_ClockMoves_NbfThenExpEdgesWithSkew()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(T));
        var provider = new JwtProvider("corp", new FixedJwtKeys(JwtKeySet.Parse(_keys.Jwks).Keys!), null, [], TimeSpan.FromSeconds(60), time, [TokenLocation.Bearer], [], forwardToken: false);
        var token = new JsonWebToken(_keys.Rs256(new JsonObject { ["sub"] = "alice", ["nbf"] = T + 100, ["exp"] = T + 300 }));
        (int At, string Verdict)[] table = [(0, "not_yet_valid"), (39, "not_yet_valid"), (40, "ok"), (359, "ok"), (360, "expired"), (3600, "expired")];
        var seen = new List<(int, string)>();
        foreach (var (at, _) in table)
        {
            time.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(T + at));
            seen.Add((at, (await provider.ValidateAsync(token))?.Reason ?? "ok"));
        }
        Assert.Equal(table, seen);
    }
}
