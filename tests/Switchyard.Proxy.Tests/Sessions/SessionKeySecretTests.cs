using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.Sessions;

/// <summary>
/// <see cref="ProxyOptions.SessionKeySecret"/>: gateways that name the same Secret (here, separate proxies on their own
/// ports, as replicas would be) accept each other's session tokens; its <c>previous</c> key opens the tokens of the key
/// before and the answer seals them anew; a missing or invalid Secret is a warning, never lost traffic.
/// </summary>
public sealed class SessionKeySecretTests
{
    private const string SecretName = "default/session-key";
    private const string KeyOne = "first key, at least thirty-two bytes long";
    private const string KeyTwo = "second key, at least thirty-two bytes long";

    private static string Secret(string key, string? previous = null) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: {name: session-key, namespace: default}
        stringData: {key: "{{key}}"{{(previous is null ? "" : $", previous: \"{previous}\"")}}}
        ---

        """;

    /// <summary>The same key as <see cref="Secret"/> gives, written as a manifest's base64 <c>data</c>.</summary>
    private static string DataSecret(string key) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: {name: session-key, namespace: default}
        data: {key: {{Convert.ToBase64String(Encoding.UTF8.GetBytes(key))}}}
        ---

        """;

    private static string Site(params EchoBackend[] backends) =>
        GatewayYaml.Route("    - backendRefs: [{name: svc, port: 80}]\n      sessionPersistence: {sessionName: s}")
        + Manifests.Service("svc", "default", "{lb.switchyard.dev/policy: round-robin}", [.. backends.Select(b => b.Port)]);

    private static async Task<GatewayProxy> StartAsync(string yaml, string? secret = SecretName)
    {
        var proxy = GatewayProxy.FromObjects(new ProxyOptions { SessionKeySecret = secret }, Manifests.Read(yaml));
        await proxy.StartAsync(CancellationToken.None);
        return proxy;
    }

    private sealed record Answer(string Backend, string? Cookie);

    /// <summary>A GET with <paramref name="cookie"/> (s=TOKEN) if given; the backend that answered and the s=TOKEN pair set, if any.</summary>
    private static async Task<Answer> Get(HttpClient client, GatewayProxy proxy, string? cookie = null)
    {
        using var request = Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/");
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        var set = response.Headers.TryGetValues("Set-Cookie", out var v) ? v.Single() : null;
        return new(response.Headers.GetValues("x-backend").Single(), set?[..set.IndexOf(';', StringComparison.Ordinal)]);
    }

    /// <summary>When the session of an s=TOKEN cookie began: Unix milliseconds at bytes 9..17 of the token.</summary>
    private static long Issued(string cookie) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(System.Buffers.Text.Base64Url.DecodeFromChars(cookie.AsSpan(cookie.IndexOf('=', StringComparison.Ordinal) + 1)).AsSpan(9));

    private static long Count(GatewayProxy proxy, string result) => proxy.Runtime.Metrics.SessionCount("httproute default/r rule 0", result);

    /// <summary>The first answer's cookie from <paramref name="issuer"/>, then that the cookie pins every request on <paramref name="other"/> to the same backend.</summary>
    private static async Task<Answer> AssertSharedAsync(HttpClient client, GatewayProxy issuer, GatewayProxy other)
    {
        var first = await Get(client, issuer);
        Assert.NotNull(first.Cookie);
        for (var i = 0; i < 6; i++)
        {
            var again = await Get(client, other, first.Cookie);
            Assert.Equal((first.Backend, null), (again.Backend, again.Cookie)); // the client's token is valid there: nothing to set
        }
        Assert.Equal((6, 0L), (Count(other, "pinned"), Count(other, "invalid")));
        return first;
    }

    [Fact]
    public async Task TwoGateways_SameSecret_PinToTheEndpointTheOtherChose()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var c = await EchoBackend.StartAsync("c");
        await using var one = await StartAsync(Site(a, b, c) + Secret(KeyOne));
        await using var two = await StartAsync(Site(a, b, c) + DataSecret(KeyOne));
        await using var own = await StartAsync(Site(a, b, c), secret: null); // a key of its own, as before the option
        using var client = Manifests.Client();

        var first = await AssertSharedAsync(client, one, two);
        await AssertSharedAsync(client, two, one);

        var elsewhere = await Get(client, own, first.Cookie);
        Assert.NotNull(elsewhere.Cookie); // not its key: balanced, and given its own token
        Assert.Equal((0, 1L), (Count(own, "pinned"), Count(own, "invalid")));
    }

    [Fact]
    public async Task Rotation_PreviousKeyOpensOldTokens_AnswerSealsThemWithTheNewKey()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var c = await EchoBackend.StartAsync("c");
        await using var before = await StartAsync(Site(a, b, c) + Secret(KeyOne));
        await using var rotating = await StartAsync(Site(a, b, c) + Secret(KeyTwo, previous: KeyOne));
        await using var after = await StartAsync(Site(a, b, c) + Secret(KeyTwo));
        using var client = Manifests.Client();
        var old = await Get(client, before);
        Assert.NotNull(old.Cookie);

        // The endpoint is kept, and the token comes back sealed with the new key, with the session's start unchanged
        // (absoluteTimeout still counts from it).
        var resealed = await Get(client, rotating, old.Cookie);
        Assert.Equal(old.Backend, resealed.Backend);
        Assert.NotNull(resealed.Cookie);
        Assert.NotEqual(old.Cookie, resealed.Cookie);
        Assert.Equal(Issued(old.Cookie), Issued(resealed.Cookie));
        Assert.Equal(old.Backend, (await Get(client, rotating, resealed.Cookie)).Backend);
        Assert.Equal(2, Count(rotating, "pinned"));

        for (var i = 0; i < 4; i++) Assert.Equal(new Answer(old.Backend, null), await Get(client, after, resealed.Cookie));
        Assert.NotNull((await Get(client, after, old.Cookie)).Cookie); // the old key is gone there
        Assert.Equal((4, 1L), (Count(after, "pinned"), Count(after, "invalid")));
    }

    [Theory]
    [InlineData("", "session key Secret default/session-key (--session-key-secret): not found: sessions are sealed with this process's own key (other replicas' tokens are not trusted)")]
    [InlineData("short", "session key Secret default/session-key (--session-key-secret): stringData.key: Invalid value: 5 bytes: must be at least 32 bytes: sessions are sealed with this process's own key (other replicas' tokens are not trusted)")]
    public async Task MissingOrInvalidSecret_Warns_SessionsStillWorkOnThisGateway(string key, string warning)
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var proxy = await StartAsync(Site(a, b) + (key.Length > 0 ? Secret(key) : ""));
        using var client = Manifests.Client();

        Assert.Contains(warning, proxy.Warnings);
        var first = await Get(client, proxy);
        Assert.NotNull(first.Cookie);
        for (var i = 0; i < 4; i++) Assert.Equal(new Answer(first.Backend, null), await Get(client, proxy, first.Cookie));
    }

    [Fact]
    public async Task Secret_NoKeyAndAShortPrevious_BothNamed()
    {
        await using var a = await EchoBackend.StartAsync("a");
        var yaml = Site(a) + """
            apiVersion: v1
            kind: Secret
            metadata: {name: session-key, namespace: default}
            stringData: {previous: "too short"}
            ---

            """;
        await using var proxy = await StartAsync(yaml);

        Assert.Contains("session key Secret default/session-key (--session-key-secret): data.key: Required value: the key that seals session tokens, at least 32 bytes; "
            + "stringData.previous: Invalid value: 9 bytes: must be at least 32 bytes: sessions are sealed with this process's own key (other replicas' tokens are not trusted)", proxy.Warnings);
    }

    [Fact]
    public async Task Secret_StringDataWinsOverData_AnEmptyPreviousIsNone()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        var both = $$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: session-key, namespace: default}
            data: {key: {{Convert.ToBase64String("too short"u8)}}}
            stringData: {key: "{{KeyOne}}", previous: ""}
            ---

            """;
        await using var merged = await StartAsync(Site(a, b) + both);
        await using var peer = await StartAsync(Site(a, b) + Secret(KeyOne));
        using var client = Manifests.Client();

        Assert.Empty(merged.Warnings);
        await AssertSharedAsync(client, peer, merged);
    }

    [Fact]
    public async Task Store_SecretBrokenLater_TheLastKeyReadKeepsSealing()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var c = await EchoBackend.StartAsync("c");
        await using var store = new InMemoryResourceStore();
        foreach (var o in Manifests.Read(Site(a, b, c) + Secret(KeyOne))) Assert.True((await store.CreateAsync(o)).Ok);
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(logs)));
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions { SessionKeySecret = SecretName }, store, loggers: loggers);
        await proxy.StartAsync(CancellationToken.None);
        await using var peer = await StartAsync(Site(a, b, c) + Secret(KeyOne));
        using var client = Manifests.Client();
        var first = await Get(client, peer);

        Assert.True((await store.DeleteAsync(new ObjectRef(ResourceKinds.Secret, "default", "session-key"))).Ok);
        await Wait.UntilAsync(() => proxy.Warnings.Any(w => w.Contains("not found: sessions are sealed with the last key read from it", StringComparison.Ordinal)),
            "the warning that the Secret is gone");

        for (var i = 0; i < 4; i++) Assert.Equal(new Answer(first.Backend, null), await Get(client, proxy, first.Cookie));

        // Logged when it appeared, once: another change while it lasts does not repeat it.
        var applied = proxy.Runtime.View.Current.Version;
        var service = Manifests.Read(Manifests.Service("other", a.Port)).First();
        Assert.True((await store.CreateAsync(service)).Ok);
        await Wait.UntilAsync(() => proxy.Runtime.View.Current.Version > applied, "the change after the Secret's deletion applied");
        var logged = logs.GetSnapshot().Where(r => r.Message.Contains("session key Secret", StringComparison.Ordinal)).ToList();
        var entry = Assert.Single(logged);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal("gateway: session key Secret default/session-key (--session-key-secret): not found: sessions are sealed with the last key read from it", entry.Message);
    }
}
