using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Sessions;

/// <summary>
/// Gateway API sessionPersistence (GEP-1619) over real sockets to real echo backends: cookie and header sessions pin a
/// client to one endpoint of one backend, past the weights of a traffic split (weight 0 included); sessions that are
/// forged, of another rule, past their timeouts (a fake clock), or naming an endpoint that is no longer ready are
/// balanced again and get a new token; the Service's sticky cookie gives way to the rule's session.
/// </summary>
public sealed class SessionPersistenceTests
{
    private const string RoundRobin = "{lb.switchyard.dev/policy: round-robin}";

    /// <summary>The name of rule 0 of <see cref="GatewayYaml.Route"/>'s HTTPRoute, as metrics give it.</summary>
    private const string Rule0 = "httproute default/r rule 0";

    private static (long Pinned, long None, long Expired, long Invalid, long Unavailable) Counts(GatewayProxy proxy)
    {
        var m = proxy.Runtime.Metrics;
        return (m.SessionCount(Rule0, "pinned"), m.SessionCount(Rule0, "none"), m.SessionCount(Rule0, "expired"), m.SessionCount(Rule0, "invalid"), m.SessionCount(Rule0, "unavailable"));
    }

    /// <summary>2026-11-26T12:00:00Z, where the fake clock starts.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static string Rule(string sessionPersistence, string backendRefs = "[{name: svc, port: 80}]") =>
        $"    - backendRefs: {backendRefs}\n      sessionPersistence: {sessionPersistence}";

    private static async Task<GatewayProxy> StartAsync(string yaml, TimeProvider? time = null)
    {
        var proxy = GatewayProxy.FromObjects(new ProxyOptions(), Manifests.Read(yaml), time);
        await proxy.StartAsync(CancellationToken.None);
        return proxy;
    }

    private sealed record Answer(string Backend, string? SetCookie, string? Header);

    private static async Task<Answer> Get(HttpClient client, GatewayProxy proxy, string path = "/", string? cookie = null, (string Name, string Value)? header = null, string? headerName = null)
    {
        using var request = Manifests.Request(Manifests.Port(proxy), "a.test", "GET", path);
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        if (header is { } h) request.Headers.Add(h.Name, h.Value);
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var v) ? string.Join("\n", v) : null;
        var answered = headerName is not null && response.Headers.TryGetValues(headerName, out var hv) ? hv.Single() : null;
        return new(response.Headers.GetValues("x-backend").Single(), setCookie, answered);
    }

    /// <summary>The NAME=VALUE pair of a Set-Cookie line.</summary>
    private static string Pair(string setCookie) => setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];

    private static string Token(string setCookie) => Pair(setCookie)[(Pair(setCookie).IndexOf('=', StringComparison.Ordinal) + 1)..];

    /// <summary>The bytes of a token: version, endpoint id (1..9), issued and last-seen Unix milliseconds (9..17, 17..25), MAC.</summary>
    private static byte[] Bytes(string token) => Base64Url.DecodeFromChars(token);

    private static DateTimeOffset Issued(string token) => DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(Bytes(token).AsSpan(9)));

    private static DateTimeOffset Seen(string token) => DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(Bytes(token).AsSpan(17)));

    /// <summary>Service <paramref name="name"/> (round-robin) with one endpoint per port, each in its own slice, ready or not.</summary>
    private static string Service(string name, params (int Port, bool Ready)[] endpoints)
    {
        var b = new StringBuilder($$"""
            apiVersion: v1
            kind: Service
            metadata: {name: {{name}}, namespace: default, annotations: {{RoundRobin}}}
            spec: {ports: [{name: http, port: 80}]}
            ---

            """);
        for (var i = 0; i < endpoints.Length; i++)
        {
            b.Append($$"""
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: {{name}}-{{i}}, namespace: default, labels: {kubernetes.io/service-name: {{name}} } }
                addressType: IPv4
                ports: [{name: http, port: {{endpoints[i].Port}} }]
                endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: {{(endpoints[i].Ready ? "true" : "false")}} } }]
                ---

                """);
        }
        return b.ToString();
    }

    [Fact]
    public async Task Cookie_LaterRequests_StayOnOneOfThreeEndpoints()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var c = await EchoBackend.StartAsync("c");
        await using var proxy = await StartAsync(GatewayYaml.Route(Rule("{}")) + Manifests.Service("svc", "default", RoundRobin, a.Port, b.Port, c.Port));
        using var client = Manifests.Client();

        var first = await Get(client, proxy);
        Assert.NotNull(first.SetCookie);
        Assert.Matches("^sy-session-[0-9a-f]{8}=[A-Za-z0-9_-]{55}; Path=/; HttpOnly; SameSite=Lax$", first.SetCookie);
        Assert.DoesNotContain("127.0.0.1", Encoding.Latin1.GetString(Bytes(Token(first.SetCookie))), StringComparison.Ordinal);
        for (var i = 0; i < 12; i++)
        {
            var again = await Get(client, proxy, cookie: "other=1; " + Pair(first.SetCookie) + "; more=2");
            Assert.Equal(first.Backend, again.Backend);
            Assert.Null(again.SetCookie); // the client holds this very token: nothing to set
        }
        var balanced = new HashSet<string>();
        for (var i = 0; i < 3; i++) balanced.Add((await Get(client, proxy)).Backend);
        Assert.Equal(["a", "b", "c"], balanced.Order());
        Assert.Equal((12, 4, 0, 0, 0), Counts(proxy));
    }

    [Fact]
    public async Task TwoWeightedBackendRefs_Session_KeepsBackendAndEndpointEvenAtWeightZero()
    {
        await using var a1 = await EchoBackend.StartAsync("a1");
        await using var a2 = await EchoBackend.StartAsync("a2");
        await using var b1 = await EchoBackend.StartAsync("b1");
        string Yaml(int weightA, int weightB) =>
            GatewayYaml.Route(Rule("{sessionName: split}", $"[{{name: svc-a, port: 80, weight: {weightA}}}, {{name: svc-b, port: 80, weight: {weightB}}}]"))
            + Manifests.Service("svc-a", "default", RoundRobin, a1.Port, a2.Port) + Manifests.Service("svc-b", "default", RoundRobin, b1.Port);
        await using var proxy = await StartAsync(Yaml(50, 50));
        using var client = Manifests.Client();

        var sessions = new Dictionary<string, string>();
        for (var i = 0; i < 60 && sessions.Count < 3; i++)
        {
            var answer = await Get(client, proxy);
            sessions.TryAdd(answer.Backend, Pair(answer.SetCookie!));
        }
        Assert.Equal(["a1", "a2", "b1"], sessions.Keys.Order()); // without a session the weights and the balancer decide
        foreach (var (backend, cookie) in sessions)
        {
            for (var i = 0; i < 8; i++) Assert.Equal(backend, (await Get(client, proxy, cookie: cookie)).Backend);
        }

        // svc-a drained to weight 0: its sessions stay (GEP-1619: persistence wins over the split, even at weight 0); new clients go to svc-b.
        await proxy.ApplyAsync(Manifests.Read(Yaml(0, 100)), 2, CancellationToken.None);
        foreach (var (backend, cookie) in sessions)
        {
            var answer = await Get(client, proxy, cookie: cookie);
            Assert.Equal((backend, null), (answer.Backend, answer.SetCookie));
        }
        for (var i = 0; i < 4; i++) Assert.Equal("b1", (await Get(client, proxy)).Backend);
    }

    [Fact]
    public async Task HeaderType_TokenAnsweredInTheHeader_ClientSendsItBack()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var proxy = await StartAsync(GatewayYaml.Route(Rule("{type: Header, sessionName: x-session}")) + Manifests.Service("svc", "default", RoundRobin, a.Port, b.Port));
        using var client = Manifests.Client();

        var first = await Get(client, proxy, headerName: "x-session");
        Assert.Null(first.SetCookie);
        Assert.Matches("^[A-Za-z0-9_-]{55}$", first.Header);
        for (var i = 0; i < 6; i++)
        {
            var again = await Get(client, proxy, header: ("x-session", first.Header!), headerName: "x-session");
            Assert.Equal((first.Backend, first.Header, (string?)null), (again.Backend, again.Header, again.SetCookie));
        }
        // A cookie of that name is not a Header session.
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++) seen.Add((await Get(client, proxy, cookie: "x-session=" + first.Header)).Backend);
        Assert.Equal(["a", "b"], seen.Order());
    }

    [Fact]
    public async Task PinnedEndpointNoLongerReady_Session_RebalancedWithANewToken()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        string Yaml(bool aReady, bool bReady) => GatewayYaml.Route(Rule("{}")) + Service("svc", (a.Port, aReady), (b.Port, bReady));
        await using var proxy = await StartAsync(Yaml(true, true));
        using var client = Manifests.Client();
        var first = await Get(client, proxy);
        var pinnedA = first.Backend == "a";

        await proxy.ApplyAsync(Manifests.Read(Yaml(!pinnedA, pinnedA)), 2, CancellationToken.None);
        var moved = await Get(client, proxy, cookie: Pair(first.SetCookie!));
        Assert.NotEqual(first.Backend, moved.Backend);
        Assert.NotNull(moved.SetCookie);
        Assert.NotEqual(Token(first.SetCookie!), Token(moved.SetCookie));
        Assert.Equal(1, Counts(proxy).Unavailable);
        for (var i = 0; i < 4; i++) Assert.Equal((moved.Backend, null), await Get(client, proxy, cookie: Pair(moved.SetCookie)) is var x ? (x.Backend, x.SetCookie) : default);

        // Ready again: the old session is good again (its endpoint is back), the new one still holds.
        await proxy.ApplyAsync(Manifests.Read(Yaml(true, true)), 3, CancellationToken.None);
        Assert.Equal(first.Backend, (await Get(client, proxy, cookie: Pair(first.SetCookie!))).Backend);
        Assert.Equal(moved.Backend, (await Get(client, proxy, cookie: Pair(moved.SetCookie))).Backend);
    }

    [Fact]
    public async Task ForgedToken_EndpointIdSplicedIn_NotTrusted()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var proxy = await StartAsync(GatewayYaml.Route(Rule("{sessionName: s}")) + Manifests.Service("svc", "default", RoundRobin, a.Port, b.Port));
        using var client = Manifests.Client();
        var tokens = new Dictionary<string, string>();
        for (var i = 0; i < 2; i++)
        {
            var answer = await Get(client, proxy);
            tokens[answer.Backend] = Token(answer.SetCookie!);
        }
        // The "a" token with the endpoint id of "b"; the "b" token with its start moved back an hour: both fail the seal.
        var spliced = Bytes(tokens["a"]);
        Bytes(tokens["b"]).AsSpan(1, 8).CopyTo(spliced.AsSpan(1));
        var older = Bytes(tokens["b"]);
        BinaryPrimitives.WriteInt64BigEndian(older.AsSpan(9), BinaryPrimitives.ReadInt64BigEndian(older.AsSpan(9)) - 3_600_000);
        // Also: a changed last character (with stray bits, which a strict decoder refuses), a character outside base64url, one short.
        var tb = tokens["b"];
        foreach (var forged in new[] { Base64Url.EncodeToString(spliced), Base64Url.EncodeToString(older), tb[..^1] + "B", tb[..^1] + "!", tb[..^1] })
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < 4; i++)
            {
                var answer = await Get(client, proxy, cookie: "s=" + forged);
                seen.Add(answer.Backend);
                Assert.NotNull(answer.SetCookie); // not a session: a new one each time
                Assert.NotEqual(forged, Token(answer.SetCookie));
            }
            Assert.Equal(["a", "b"], seen.Order());
        }
        Assert.Equal((0, 2, 0, 20, 0), Counts(proxy));
    }

    [Fact]
    public async Task SameSessionNameOnTwoRules_TokenOfOneRule_NotTrustedOnTheOther()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        var rules = """
                - matches: [{path: {type: PathPrefix, value: /x}}]
                  backendRefs: [{name: svc, port: 80}]
                  sessionPersistence: {sessionName: s}
                - matches: [{path: {type: PathPrefix, value: /y}}]
                  backendRefs: [{name: svc, port: 80}]
                  sessionPersistence: {sessionName: s}
            """;
        await using var proxy = await StartAsync(GatewayYaml.Route(rules) + Manifests.Service("svc", "default", RoundRobin, a.Port, b.Port));
        using var client = Manifests.Client();
        var x = await Get(client, proxy, "/x");
        Assert.StartsWith("s=", x.SetCookie, StringComparison.Ordinal);
        Assert.Contains("; Path=/x;", x.SetCookie, StringComparison.Ordinal);
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            var y = await Get(client, proxy, "/y", cookie: Pair(x.SetCookie!));
            seen.Add(y.Backend);
            Assert.Contains("; Path=/y;", y.SetCookie, StringComparison.Ordinal);
        }
        Assert.Equal(["a", "b"], seen.Order());
        for (var i = 0; i < 4; i++) Assert.Equal(x.Backend, (await Get(client, proxy, "/x", cookie: Pair(x.SetCookie!))).Backend);
    }

    [Fact]
    public async Task IdleAndAbsoluteTimeouts_FakeClock_SessionEndsAtTheEdges()
    {
        var time = new FakeTimeProvider(Start);
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var proxy = await StartAsync(
            GatewayYaml.Route(Rule("{sessionName: s, idleTimeout: 10m, absoluteTimeout: 30m}")) + Manifests.Service("svc", "default", RoundRobin, a.Port, b.Port), time);
        using var client = Manifests.Client();
        var first = await Get(client, proxy);
        Assert.Equal((Start, Start), (Issued(Token(first.SetCookie!)), Seen(Token(first.SetCookie!))));
        Assert.DoesNotContain("Max-Age", first.SetCookie, StringComparison.Ordinal); // lifetimeType Session (default): the gateway keeps the time
        Assert.DoesNotContain("Expires", first.SetCookie, StringComparison.Ordinal);

        // {time after start, token sent (the first one, or the latest one), session start expected (null: a new session begins then)}
        (TimeSpan At, bool Latest, TimeSpan? Began)[] table =
        [
            (TimeSpan.FromMinutes(10), false, TimeSpan.Zero),                                   // idle exactly 10m: still the session, refreshed
            (TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(1), false, null),             // the first token, idle past 10m: over
            (TimeSpan.FromMinutes(20), true, TimeSpan.Zero),                                    // the refreshed token: 10m idle, still on
            (TimeSpan.FromMinutes(30) - TimeSpan.FromMilliseconds(1), true, TimeSpan.Zero),     // just before the absolute timeout
            (TimeSpan.FromMinutes(30), true, null),                                             // 30m after it began: over, however active
        ];
        var latest = first;
        var seen = new List<(TimeSpan, bool, TimeSpan?)>();
        foreach (var (at, useLatest, _) in table)
        {
            time.SetUtcNow(Start + at);
            var sent = useLatest ? latest : first;
            var answer = await Get(client, proxy, cookie: Pair(sent.SetCookie!));
            Assert.NotNull(answer.SetCookie); // refreshed (idle timeout) or new
            var token = Token(answer.SetCookie);
            Assert.Equal(Start + at, Seen(token));
            var began = Issued(token) - Start;
            seen.Add((at, useLatest, began == at && at != TimeSpan.Zero ? null : began));
            if (began == TimeSpan.Zero) Assert.Equal(sent.Backend, answer.Backend);
            if (useLatest || began == TimeSpan.Zero) latest = answer;
        }
        Assert.Equal(table, seen);
        Assert.Equal((3, 1, 2, 0, 0), Counts(proxy));
    }

    [Fact]
    public async Task IdleTimeout_RequestsWithinASecond_CookieNotResent()
    {
        var time = new FakeTimeProvider(Start);
        await using var a = await EchoBackend.StartAsync("a");
        await using var proxy = await StartAsync(GatewayYaml.Route(Rule("{sessionName: s, idleTimeout: 1h}")) + Manifests.Service("svc", "default", RoundRobin, a.Port), time);
        using var client = Manifests.Client();
        var first = await Get(client, proxy);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Null((await Get(client, proxy, cookie: Pair(first.SetCookie!))).SetCookie);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var refreshed = await Get(client, proxy, cookie: Pair(first.SetCookie!));
        Assert.Equal((Start, Start.AddSeconds(1)), (Issued(Token(refreshed.SetCookie!)), Seen(Token(refreshed.SetCookie!))));
    }

    [Fact]
    public async Task Permanent_CookieHasMaxAgeAndExpires_PathOfTheMatch()
    {
        var time = new FakeTimeProvider(Start);
        await using var a = await EchoBackend.StartAsync("a");
        var rules = """
                - matches: [{path: {type: PathPrefix, value: /shop/}}, {path: {type: RegularExpression, value: "/api/v[0-9]+/.*"}}]
                  backendRefs: [{name: svc, port: 80}]
                  sessionPersistence: {sessionName: shop, absoluteTimeout: 1h, cookieConfig: {lifetimeType: Permanent}}
            """;
        await using var proxy = await StartAsync(GatewayYaml.Route(rules) + Manifests.Service("svc", "default", RoundRobin, a.Port), time);
        using var client = Manifests.Client();
        var first = await Get(client, proxy, "/shop/cart");
        Assert.Matches("^shop=[A-Za-z0-9_-]{55}; Path=/shop; Max-Age=3600; Expires=Thu, 26 Nov 2026 13:00:00 GMT; HttpOnly; SameSite=Lax$", first.SetCookie);
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Null((await Get(client, proxy, "/shop/cart", cookie: Pair(first.SetCookie!))).SetCookie);
        var api = await Get(client, proxy, "/api/v2/items");
        Assert.Matches("^shop=[A-Za-z0-9_-]{55}; Path=/api; Max-Age=3600; Expires=Thu, 26 Nov 2026 13:20:00 GMT; HttpOnly; SameSite=Lax$", api.SetCookie);
        time.Advance(TimeSpan.FromMinutes(40));
        var renewed = await Get(client, proxy, "/shop/cart", cookie: Pair(first.SetCookie!)); // an hour on: a new session, a new hour
        Assert.Matches("; Max-Age=3600; Expires=Thu, 26 Nov 2026 14:00:00 GMT;", renewed.SetCookie);
    }

    [Fact]
    public async Task HttpsListener_Cookie_IsSecure()
    {
        using var ca = new TestCertificates();
        await using var a = await EchoBackend.StartAsync("a");
        var (secret, _) = ca.Secret("shop-tls", "default", "shop.example.test");
        var yaml = GatewayYaml.Route(Rule("{sessionName: s}"))
            .Replace("listeners: [{name: http, port: 0, protocol: HTTP}]", "listeners: [{name: https, port: 0, protocol: HTTPS, tls: {certificateRefs: [{name: shop-tls}]}}]", StringComparison.Ordinal);
        await using var proxy = await StartAsync(yaml + secret + Manifests.Service("svc", a.Port));
        using var client = ca.Client(System.Net.IPAddress.Loopback, (System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var response = await client.GetAsync(new Uri($"https://shop.example.test:{Manifests.Port(proxy)}/"));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Matches("^s=[A-Za-z0-9_-]{55}; Path=/; HttpOnly; SameSite=Lax; Secure$", response.Headers.GetValues("Set-Cookie").Single());
    }

    [Fact]
    public async Task StickyCookieAnnotation_RuleSessionWins_OtherRulesKeepTheStickyCookie()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        var rules = """
                - matches: [{path: {type: PathPrefix, value: /persist}}]
                  backendRefs: [{name: svc, port: 80}]
                  sessionPersistence: {sessionName: s}
                - backendRefs: [{name: svc, port: 80}]
            """;
        await using var proxy = await StartAsync(GatewayYaml.Route(rules) + Manifests.Service("svc", "default", "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/sticky-cookie: sy}", a.Port, b.Port));
        using var client = Manifests.Client();
        var persist = await Get(client, proxy, "/persist");
        Assert.StartsWith("s=", persist.SetCookie, StringComparison.Ordinal);
        Assert.DoesNotContain("sy=", persist.SetCookie, StringComparison.Ordinal);
        // The sticky cookie names the other endpoint: the rule's session decides, and no sticky cookie is set.
        var sticky = await Get(client, proxy, "/other");
        Assert.StartsWith("sy=", sticky.SetCookie, StringComparison.Ordinal);
        var other = sticky.Backend == persist.Backend ? (await Get(client, proxy, "/other")) : sticky;
        Assert.NotEqual(persist.Backend, other.Backend);
        for (var i = 0; i < 4; i++)
        {
            var answer = await Get(client, proxy, "/persist", cookie: $"{Pair(other.SetCookie!)}; {Pair(persist.SetCookie!)}");
            Assert.Equal((persist.Backend, null), (answer.Backend, answer.SetCookie));
        }
    }

    [Fact]
    public async Task PinnedEndpointRefusesConnections_RetryElsewhere_TokenNamesTheAnsweringEndpoint()
    {
        var a = await EchoBackend.StartAsync("a");
        var b = await EchoBackend.StartAsync("b");
        await using var proxy = await StartAsync(GatewayYaml.Route(Rule("{sessionName: s}")) + Manifests.Service("svc", "default", RoundRobin, a.Port, b.Port));
        using var client = Manifests.Client();
        var first = await Get(client, proxy);
        var (pinned, survivor) = first.Backend == "a" ? (a, b) : (b, a);
        await pinned.DisposeAsync();
        try
        {
            var moved = await Get(client, proxy, cookie: Pair(first.SetCookie!));
            Assert.Equal(survivor.Name, moved.Backend);
            Assert.True(proxy.Runtime.Metrics.Retries >= 1, "the first attempt went to the pinned endpoint");
            Assert.NotEqual(Token(first.SetCookie!), Token(moved.SetCookie!));
            var retries = proxy.Runtime.Metrics.Retries;
            for (var i = 0; i < 3; i++) Assert.Equal((survivor.Name, null), await Get(client, proxy, cookie: Pair(moved.SetCookie!)) is var x ? (x.Backend, x.SetCookie) : default);
            Assert.Equal(retries, proxy.Runtime.Metrics.Retries); // the new session goes straight to the survivor
        }
        finally
        {
            await survivor.DisposeAsync();
        }
    }

    [Fact]
    public async Task EveryAttemptFails_ProxyErrorAnswer_CarriesNoSession()
    {
        var closed = Ports.Closed(2);
        await using var proxy = await StartAsync(GatewayYaml.Route(Rule("{type: Header, sessionName: x-s}")) + Manifests.Service("svc", "default", RoundRobin, closed));
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        Assert.Equal(503, (int)response.StatusCode);
        Assert.False(response.Headers.Contains("x-s"));
    }

    /// <summary>{sessionPersistence, the Accepted message}: what the proxy cannot honour is refused, naming the field.</summary>
    public static TheoryData<string, string> Unsupported => new()
    {
        {
            "{type: Header, absoluteTimeout: 1h, cookieConfig: {lifetimeType: Permanent}}",
            "rule 0: spec.rules[0].sessionPersistence.cookieConfig.lifetimeType: Invalid value: \"Permanent\": applies to type Cookie only: a header has no expiry (use absoluteTimeout)"
        },
        {
            "{sessionName: \"my session\"}",
            "rule 0: spec.rules[0].sessionPersistence.sessionName: Invalid value: \"my session\": must be a cookie name: letters, digits and !#$%&'*+-.^_`|~"
        },
        {
            "{type: Header, sessionName: Set-Cookie}",
            "rule 0: spec.rules[0].sessionPersistence.sessionName: Invalid value: \"Set-Cookie\": the proxy manages this header itself; choose another name"
        },
        {
            "{idleTimeout: 0s, absoluteTimeout: 1h}",
            "rule 0: spec.rules[0].sessionPersistence.idleTimeout: Invalid value: \"0s\": must be more than 0s: a session that is over at once persists nothing"
        },
        {
            "{cookieConfig: {lifetimeType: Permanent}}", // read without validation, as an object that skipped admission
            "rule 0: spec.rules[0].sessionPersistence.absoluteTimeout: Required value: a Permanent cookie needs an absolute timeout"
        },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public async Task Status_UnsupportedValue_RefusedNamingTheField(string sessionPersistence, string message)
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var proxy = await StartAsync(GatewayYaml.Route(Rule(sessionPersistence)) + Manifests.Service("svc", a.Port));
        var accepted = ((HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is HTTPRoute).Status).Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedValue", message), (accepted.Status, accepted.Reason, accepted.Message));
        using var response = await Manifests.SendAsync(Manifests.Port(proxy), "a.test", "GET", "/");
        Assert.Equal(404, (int)response.StatusCode); // never accepted: serves nothing rather than half the rule
    }
}
