using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>
/// Server names to the kind of listener serving them on a port shared by HTTPS and TLS listeners: exact before
/// wildcard, the longest wildcard first, then the listener without hostname; with none, HTTPS when the port has it,
/// else Passthrough (whose TLSRoutes refuse the name).
/// </summary>
public sealed class ServerNameKindsTests
{
    private static readonly ServerNameKinds WithCatchAll = new(new Dictionary<string, ListenerKind>
    {
        ["app.example.test"] = ListenerKind.Https,
        ["*.example.test"] = ListenerKind.TlsPassthrough,
        ["*.web.example.test"] = ListenerKind.Https,
        [""] = ListenerKind.TlsPassthrough,
    });

    private static readonly ServerNameKinds WithoutCatchAll = new(new Dictionary<string, ListenerKind>
    {
        ["db.example.test"] = ListenerKind.TlsPassthrough,
        ["*.web.example.test"] = ListenerKind.Https,
    });

    private static readonly ServerNameKinds TlsOnly = new(new Dictionary<string, ListenerKind>
    {
        ["db.example.test"] = ListenerKind.TlsPassthrough,
        ["term.example.test"] = ListenerKind.TlsTerminate,
    });

    [Theory]
    [InlineData("catch-all", "app.example.test", "Https")]
    [InlineData("catch-all", "APP.Example.Test", "Https")]
    [InlineData("catch-all", "db.example.test", "TlsPassthrough")]
    [InlineData("catch-all", "a.b.example.test", "TlsPassthrough")]
    [InlineData("catch-all", "shop.web.example.test", "Https")]
    [InlineData("catch-all", "a.shop.web.example.test", "Https")]
    [InlineData("catch-all", "web.example.test", "TlsPassthrough")]
    [InlineData("catch-all", "example.test", "TlsPassthrough")]
    [InlineData("catch-all", "other.test", "TlsPassthrough")]
    [InlineData("catch-all", null, "TlsPassthrough")]
    [InlineData("no catch-all", "db.example.test", "TlsPassthrough")]
    [InlineData("no catch-all", "x.db.example.test", "Https")]
    [InlineData("no catch-all", "shop.web.example.test", "Https")]
    [InlineData("no catch-all", null, "Https")]
    [InlineData("tls only", "term.example.test", "TlsTerminate")]
    [InlineData("tls only", "other.test", "TlsPassthrough")]
    [InlineData("tls only", null, "TlsPassthrough")]
    public void Select_ServerName_KindOfTheMostSpecificListener(string table, string? serverName, string expected)
    {
        var kinds = table switch { "catch-all" => WithCatchAll, "no catch-all" => WithoutCatchAll, _ => TlsOnly };

        Assert.Equal(expected, kinds.Select(serverName).ToString());
    }
}
