using Switchyard.Proxy.Backends;
using Switchyard.Proxy.TlsRoutes;

namespace Switchyard.Proxy.Tests.TlsRoutes;

/// <summary>Server names to TLSRoutes: exact before wildcard, the longest wildcard first, a wildcard needs one more label.</summary>
public sealed class SniRouterTests
{
    private static readonly SniRouter Router = new(new Dictionary<string, TlsRouteTarget>
    {
        ["db.example.test"] = Target("exact"),
        ["*.example.test"] = Target("wild"),
        ["*.eu.example.test"] = Target("wild-eu"),
    });

    [Theory]
    [InlineData("db.example.test", "exact")]
    [InlineData("DB.Example.Test", "exact")]
    [InlineData("cache.example.test", "wild")]
    [InlineData("a.b.example.test", "wild")]
    [InlineData("db.eu.example.test", "wild-eu")]
    [InlineData("eu.example.test", "wild")]
    [InlineData("example.test", null)]
    [InlineData("other.test", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Match_ServerName_FindsTheMostSpecificRoute(string? serverName, string? expected) =>
        Assert.Equal(expected, Router.Match(serverName)?.Name);

    private static TlsRouteTarget Target(string name) => new() { Name = name, Backends = new BackendGroup([]) };
}
