using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Routing;

/// <summary>
/// Table-driven HTTPRoute cases from the Gateway API specification (matching precedence, hostnames, filters,
/// weights, ReferenceGrant, 404/500), each sent over a real socket through the proxy to real echo backends.
/// </summary>
public sealed class GatewayRoutingTests : IAsyncLifetime
{
    private readonly Dictionary<string, EchoBackend> _backends = [];
    private GatewayProxy _proxy = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "a", "b", "c", "d", "e", "f", "g" }) _backends[name] = await EchoBackend.StartAsync(name);
        _backends["x"] = await EchoBackend.StartAsync("x");
        var yaml = Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: web, namespace: default}
            spec:
              gatewayClassName: switchyard
              listeners: [{name: http, port: 0, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: paths, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: web}]
              rules:
                - matches: [{path: {type: Exact, value: /exact}}]
                  backendRefs: [{name: a, port: 80}]
                - matches: [{path: {type: PathPrefix, value: /foo}}]
                  backendRefs: [{name: b, port: 80}]
                - matches: [{path: {type: PathPrefix, value: /foo/bar}}]
                  backendRefs: [{name: c, port: 80}]
                - matches: [{path: {type: PathPrefix, value: /exact}}]
                  backendRefs: [{name: g, port: 80}]
                - matches: [{path: {type: RegularExpression, value: "/re/[0-9]+"}}]
                  backendRefs: [{name: f, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: conditions, namespace: default, creationTimestamp: "2024-01-02T00:00:00Z"}
            spec:
              parentRefs: [{name: web}]
              rules:
                - matches: [{path: {value: /h}, headers: [{name: x-version, value: v2}]}]
                  backendRefs: [{name: d, port: 80}]
                - matches: [{path: {value: /h}}]
                  backendRefs: [{name: e, port: 80}]
                - matches: [{path: {value: /m}, method: POST}]
                  backendRefs: [{name: f, port: 80}]
                - matches: [{path: {value: /m}}]
                  backendRefs: [{name: e, port: 80}]
                - matches: [{path: {value: /q}, queryParams: [{name: v, value: "1"}]}]
                  backendRefs: [{name: a, port: 80}]
                - matches: [{path: {value: /q}}]
                  backendRefs: [{name: b, port: 80}]
                - matches: [{path: {value: /hre}, headers: [{name: x-id, type: RegularExpression, value: "[a-c]+"}]}]
                  backendRefs: [{name: c, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: older-tie, namespace: default, creationTimestamp: "2023-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: web}]
              rules: [{matches: [{path: {value: /tie}}], backendRefs: [{name: a, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: newer-tie, namespace: default, creationTimestamp: "2025-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: web}]
              rules: [{matches: [{path: {value: /tie}}], backendRefs: [{name: b, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: exact-host, namespace: default}
            spec:
              parentRefs: [{name: web}]
              hostnames: [foo.example.com]
              rules: [{backendRefs: [{name: c, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: wildcard-host, namespace: default}
            spec:
              parentRefs: [{name: web}]
              hostnames: ["*.example.com"]
              rules: [{backendRefs: [{name: d, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: filters, namespace: default}
            spec:
              parentRefs: [{name: web}]
              hostnames: [filters.test]
              rules:
                - matches: [{path: {value: /redirect}}]
                  filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: example.org, statusCode: 301}}]
                - matches: [{path: {value: /redir-path}}]
                  filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /moved}}}]
                - matches: [{path: {value: /old}}]
                  filters: [{type: URLRewrite, urlRewrite: {hostname: new.internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}]
                  backendRefs: [{name: a, port: 80}]
                - matches: [{path: {value: /strip}}]
                  filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
                  backendRefs: [{name: a, port: 80}]
                - matches: [{path: {value: /full}}]
                  filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /replaced}}}]
                  backendRefs: [{name: a, port: 80}]
                - matches: [{path: {value: /headers}}]
                  filters:
                    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-set, value: s}], add: [{name: x-add, value: added}], remove: [x-remove]}}
                    - {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-resp, value: r}], remove: [x-backend]}}
                  backendRefs: [{name: b, port: 80}]
                - matches: [{path: {value: /weighted}}]
                  backendRefs: [{name: a, port: 80, weight: 1}, {name: b, port: 80, weight: 0}]
                - matches: [{path: {value: /missing}}]
                  backendRefs: [{name: nosuch, port: 80}]
                - matches: [{path: {value: /cross-denied}}]
                  backendRefs: [{name: x, namespace: other, port: 80}]
                - matches: [{path: {value: /cross-granted}}]
                  backendRefs: [{name: x, namespace: granted, port: 80}]
                - matches: [{path: {value: /per-backend}}]
                  filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-rule-resp, value: r}]}}]
                  backendRefs:
                    - name: a
                      port: 80
                      filters:
                        - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-per-backend, value: "on"}]}}
                        - {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-rule-resp, value: overridden}, {name: x-resp-backend, value: a}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: allow-default, namespace: granted}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
              to: [{group: "", kind: Service}]
            ---

            """;
        foreach (var (name, backend) in _backends.Where(b => b.Key != "x")) yaml += Manifests.Service(name, backend.Port);
        yaml += Manifests.Service("x", "other", "", _backends["x"].Port) + Manifests.Service("x", "granted", "", _backends["x"].Port);
        _proxy = await Manifests.StartAsync(yaml);
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        foreach (var b in _backends.Values) await b.DisposeAsync();
    }

    /// <summary>{host, method, path, headers "k=v;k=v", expected backend ("-" none), status}.</summary>
    public static TheoryData<string, string, string, string, string, int> Cases => new()
    {
        // path precedence: Exact beats any prefix; longest prefix wins; prefixes are element-wise
        { "any.test", "GET", "/exact", "", "a", 200 },
        { "any.test", "GET", "/exact/more", "", "g", 200 },
        { "any.test", "GET", "/foo", "", "b", 200 },
        { "any.test", "GET", "/foo/", "", "b", 200 },
        { "any.test", "GET", "/foo/bar", "", "c", 200 },
        { "any.test", "GET", "/foo/bar/baz", "", "c", 200 },
        { "any.test", "GET", "/foo/barbaz", "", "b", 200 },
        { "any.test", "GET", "/foobar", "", "-", 404 },
        { "any.test", "GET", "/re/123", "", "f", 200 },
        { "any.test", "GET", "/re/abc", "", "-", 404 },
        // headers, method and query parameters: more conditions win, values match exactly
        { "any.test", "GET", "/h", "x-version=v2", "d", 200 },
        { "any.test", "GET", "/h", "X-Version=v2", "d", 200 },
        { "any.test", "GET", "/h", "x-version=V2", "e", 200 },
        { "any.test", "GET", "/h", "", "e", 200 },
        { "any.test", "POST", "/m", "", "f", 200 },
        { "any.test", "GET", "/m", "", "e", 200 },
        { "any.test", "GET", "/q?v=1", "", "a", 200 },
        { "any.test", "GET", "/q?v=2", "", "b", 200 },
        { "any.test", "GET", "/q?V=1", "", "b", 200 }, // names compare exactly (HTTPQueryParamMatch)
        { "any.test", "GET", "/q?x=0&v=1&v=2", "", "a", 200 }, // the first value of the name
        { "any.test", "GET", "/q?%76=%31", "", "a", 200 }, // percent-decoded
        { "any.test", "GET", "/hre", "x-id=abc", "c", 200 },
        { "any.test", "GET", "/hre", "x-id=abd", "-", 404 },
        // ties across routes: the oldest route wins
        { "any.test", "GET", "/tie", "", "a", 200 },
        // hostnames: exact over wildcard over any; wildcards need at least one more label
        { "foo.example.com", "GET", "/anything", "", "c", 200 },
        { "bar.example.com", "GET", "/anything", "", "d", 200 },
        { "a.b.example.com", "GET", "/anything", "", "d", 200 },
        { "example.com", "GET", "/anything", "", "-", 404 },
        { "foo.example.com", "GET", "/foo/bar", "", "c", 200 },
        // weights and broken backends
        { "filters.test", "GET", "/weighted", "", "a", 200 },
        { "filters.test", "GET", "/missing", "", "-", 500 },
        { "filters.test", "GET", "/cross-denied", "", "-", 500 },
        { "filters.test", "GET", "/cross-granted", "", "x", 200 },
        { "nothing.test", "GET", "/nomatch", "", "-", 404 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Route_Request_ReachesExpectedBackend(string host, string method, string path, string headers, string backend, int status)
    {
        using var client = Manifests.Client();
        var pairs = headers.Length == 0 ? [] : headers.Split(';').Select(h => h.Split('=')).Select(p => (p[0], p[1])).ToArray();
        using var response = await client.SendAsync(Manifests.Request(_port, host, method, path, pairs));
        Assert.Equal(status, (int)response.StatusCode);
        var got = response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : "-";
        Assert.Equal(backend, got);
    }

    [Theory]
    [InlineData("/redirect/x?q=1", 301, "https://example.org/redirect/x?q=1")]
    [InlineData("/redir-path/a/b", 302, null)]
    public async Task RequestRedirect_Request_AnswersLocation(string path, int status, string? location)
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(_port, "filters.test", "GET", path));
        Assert.Equal(status, (int)response.StatusCode);
        var expected = location ?? $"http://filters.test:{_port}/moved/a/b";
        Assert.Equal(expected, response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/old/x?y=1", "/new/x?y=1", "new.internal")]
    [InlineData("/old", "/new", "new.internal")]
    [InlineData("/strip/x", "/x", "filters.test")]
    [InlineData("/strip", "/", "filters.test")]
    [InlineData("/full/deep/path", "/replaced", "filters.test")]
    public async Task UrlRewrite_Request_BackendSeesRewrittenTarget(string path, string target, string host)
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(_port, "filters.test", "GET", path));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(target, response.Headers.GetValues("x-echo-target").Single());
        Assert.Equal(host, response.Headers.GetValues("x-echo-host").Single());
    }

    [Fact]
    public async Task HeaderModifiers_Request_ChangeRequestAndResponseHeaders()
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(_port, "filters.test", "GET", "/headers", ("x-set", "old"), ("x-add", "first"), ("x-remove", "gone")));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("s", response.Headers.GetValues("x-echo-h-x-set").Single());
        Assert.Equal("first,added", response.Headers.GetValues("x-echo-h-x-add").Single().Replace(", ", ",", StringComparison.Ordinal));
        Assert.False(response.Headers.Contains("x-echo-h-x-remove"));
        Assert.Equal("r", response.Headers.GetValues("x-resp").Single());
        Assert.False(response.Headers.Contains("x-backend"));
    }

    [Fact]
    public async Task Forwarding_Request_AddsForwardedHeadersAndTraceParent()
    {
        using var client = Manifests.Client();
        const string incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var response = await client.SendAsync(Manifests.Request(_port, "any.test", "GET", "/foo", ("traceparent", incoming)));
        Assert.Equal("127.0.0.1", response.Headers.GetValues("x-echo-h-x-forwarded-for").Single());
        Assert.Equal("http", response.Headers.GetValues("x-echo-h-x-forwarded-proto").Single());
        Assert.Equal("any.test", response.Headers.GetValues("x-echo-h-x-forwarded-host").Single());
        Assert.Equal("any.test", response.Headers.GetValues("x-echo-host").Single());
        var sent = response.Headers.GetValues("x-echo-h-traceparent").Single();
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", sent, StringComparison.Ordinal);
        Assert.EndsWith("-01", sent, StringComparison.Ordinal);
        Assert.NotEqual(incoming, sent);
    }

    [Theory]
    [InlineData("xn--bcher-kva.test:8080")]
    [InlineData("[::1]:8080")]
    public async Task Forwarding_HostWithPort_XForwardedHostIsTheHostAsSent(string host)
    {
        var text = await Raw.SendAsync(_port, $"GET /foo HTTP/1.1\r\nHost: {host}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains($"x-echo-h-x-forwarded-host: {host}\r\n", text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/foo/x?q=1", "/foo/x?q=1")] // as sent
    [InlineData("/foo/%7Ex", "/foo/%7Ex")] // its encoding kept
    [InlineData("/x/../foo/y?q=1", "/foo/y?q=1")] // routed as /foo/y, and sent so
    [InlineData("/foo/./y", "/foo/y")]
    [InlineData("/x/%2e%2E/foo/y", "/foo/y")]
    [InlineData("/x/../foo/a%2Fb", "/foo/a%2Fb")] // an encoded slash stays one
    public async Task Forwarding_Target_DotSegmentsRemovedAsRouted(string sent, string received)
    {
        var text = await Raw.SendAsync(_port, $"GET {sent} HTTP/1.1\r\nHost: any.test\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains($"x-echo-target: {received}\r\n", text, StringComparison.OrdinalIgnoreCase);
    }

    // Not "keep-alive, x-hop": Kestrel's parser keeps only the keyword of such a value (gateway.md, "Known limit").
    [Theory]
    [InlineData("x-hop")]
    [InlineData("x-other, X-Hop")]
    [InlineData("keep-alive, Upgrade, x-hop")] // two kinds of keyword: Kestrel keeps the value whole
    public async Task HopByHop_ConnectionListedHeader_IsNotForwarded(string connection)
    {
        var text = await Raw.SendAsync(_port, $"GET /foo HTTP/1.1\r\nHost: any.test\r\nConnection: {connection}\r\nx-hop: 1\r\nx-keep: 2\r\nKeep-Alive: timeout=5\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("x-echo-h-x-keep: 2", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-echo-h-x-hop", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-echo-h-keep-alive", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HopByHop_HeaderAFilterSets_ReachesTheBackendEvenWhenTheClientNamesItInConnection()
    {
        // The client's connection options are consumed on arrival; the filter's header is set after, and is the gateway's.
        var text = await Raw.SendAsync(_port, "GET /per-backend HTTP/1.1\r\nHost: filters.test\r\nConnection: x-per-backend, x-hop\r\nx-per-backend: client\r\nx-hop: 1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("x-echo-h-x-per-backend: on\r\n", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-echo-h-x-hop", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task BackendRefFilters_ApplyOnlyToRequestsSentThroughThatBackendRef()
    {
        // Gateway API HTTPBackendRef.filters: run only when the request goes to that backendRef; the response
        // changes follow the rule's own. Backend a also serves /weighted, which must see none of them.
        using var client = Manifests.Client();
        using var filtered = await client.SendAsync(Manifests.Request(_port, "filters.test", "GET", "/per-backend"));
        Assert.Equal("a", filtered.Headers.GetValues("x-backend").Single());
        Assert.Equal("on", filtered.Headers.GetValues("x-echo-h-x-per-backend").Single());
        Assert.Equal("overridden", filtered.Headers.GetValues("x-rule-resp").Single());
        Assert.Equal("a", filtered.Headers.GetValues("x-resp-backend").Single());

        using var plain = await client.SendAsync(Manifests.Request(_port, "filters.test", "GET", "/weighted"));
        Assert.Equal("a", plain.Headers.GetValues("x-backend").Single());
        Assert.False(plain.Headers.Contains("x-echo-h-x-per-backend"));
        Assert.False(plain.Headers.Contains("x-resp-backend"));
        Assert.False(plain.Headers.Contains("x-rule-resp"));
    }

    [Theory]
    [InlineData("{name: a, port: 80, filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /x}}}]}",
        "rule 0: backendRef a: filter URLRewrite is not supported on a backendRef")]
    [InlineData("{name: a, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {remove: [x-forwarded-for]}}]}",
        "rule 0: backendRef a: RequestHeaderModifier: header x-forwarded-for can not be changed: the proxy sets it after the rule's filters")]
    [InlineData("{name: a, port: 80, filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: Transfer-Encoding, value: chunked}]}}]}",
        "rule 0: backendRef a: ResponseHeaderModifier: header Transfer-Encoding can not be changed: it delimits the message body")]
    public Task BackendRefFilter_ThatCannotApply_RouteNotAcceptedNamingIt(string backendRef, string message) =>
        AssertRefusedAsync($"    - backendRefs: [{backendRef}]", message);

    /// <summary>A route of these rules (to Service a) is not accepted: UnsupportedValue, its message naming the problem.</summary>
    private async Task AssertRefusedAsync(string rules, string message)
    {
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route(rules) + Manifests.Service("a", _backends["a"].Port));
        var accepted = Accepted(proxy);
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains(message, accepted.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{path: {type: RegularExpression, value: \"/(a+)\\\\1\"}}", "path regular expression '/(a+)\\1' is invalid: backreferences, lookarounds, atomic groups and conditionals are not supported")] // a backreference
    [InlineData("{headers: [{name: x-id, type: RegularExpression, value: \"(?=a)a+\"}]}", "regular expression '(?=a)a+' for 'x-id' is invalid: backreferences, lookarounds, atomic groups and conditionals are not supported")] // a lookahead
    [InlineData("{queryParams: [{name: q, type: RegularExpression, value: \"[a\"}]}", "regular expression '[a' for 'q' is invalid")]
    public Task RegularExpression_TheLinearTimeEngineCannotRun_RouteNotAcceptedNamingIt(string match, string message) =>
        // Route regexes run on the event loops for every request: only constructs the non-backtracking engine runs in linear time are served.
        AssertRefusedAsync($"    - matches: [{match}]\n      backendRefs: [{{name: a, port: 80}}]", message);

    [Fact]
    public async Task FallBack_TheRefusedVersionAddsAParent_TheLastAcceptedVersionIsNotServedThere()
    {
        // "Fall Back" serves the last accepted version as a whole: a broken change that also names another Gateway must
        // not publish the old rules there (a Gateway another team shares), nor say Accepted for it.
        static string Yaml(string parents, string rules) => Manifests.GatewayClass + $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: web, namespace: default}
            spec: {gatewayClassName: switchyard, addresses: [{type: IPAddress, value: 127.0.0.31}], listeners: [{name: http, port: 0, protocol: HTTP}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: other, namespace: default}
            spec: {gatewayClassName: switchyard, addresses: [{type: IPAddress, value: 127.0.0.32}], listeners: [{name: http, port: 0, protocol: HTTP}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: default}
            spec:
              parentRefs: {{parents}}
              rules: [{{rules}}]
            ---

            """;
        var service = Manifests.Service("a", _backends["a"].Port);
        await using var proxy = await Manifests.StartAsync(Yaml("[{name: web}]", "{backendRefs: [{name: a, port: 80}]}") + service);
        var broken = "{matches: [{path: {type: RegularExpression, value: \"/(a)\\\\1\"}}], backendRefs: [{name: a, port: 80}]}";
        await proxy.ApplyAsync(Manifests.Read(Yaml("[{name: web}, {name: other}]", broken) + service), 2, CancellationToken.None);

        var parents = ((Switchyard.Model.Gateway.HTTPRouteStatus)proxy.Statuses.Single(st => st.Object is Switchyard.Model.Gateway.HTTPRoute).Status).Parents!;
        var web = parents.Single(p => p.ParentRef.Name == "web").Conditions!;
        Assert.Equal("True", web.Single(c => c.Type == "Accepted").Status);
        Assert.StartsWith("Fall Back: ", web.Single(c => c.Type == "PartiallyInvalid").Message, StringComparison.Ordinal);
        var other = parents.Single(p => p.ParentRef.Name == "other").Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (other.Status, other.Reason));
        Assert.EndsWith("the last accepted version, still served elsewhere, does not name this parent", other.Message, StringComparison.Ordinal);

        using var client = Manifests.Client();
        int PortOf(string address) => proxy.Listeners.Single(l => l.Key.Address.ToString() == address).Value.Port;
        using var served = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.31:{PortOf("127.0.0.31")}/x"));
        Assert.Equal("a", served.Headers.GetValues("x-backend").Single());
        using var notServed = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.32:{PortOf("127.0.0.32")}/x"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, notServed.StatusCode);
    }

    [Fact]
    public async Task HeaderMatches_NamesEqualButForCase_OnlyTheFirstIsConsidered()
    {
        // HTTPHeaderMatch.name: of entries with equivalent names (foo, FOO) only the first MUST be considered, the others ignored.
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route(
            "    - matches: [{path: {value: /h}, headers: [{name: foo, value: \"1\"}, {name: FOO, value: \"2\"}]}]\n      backendRefs: [{name: a, port: 80}]")
            + Manifests.Service("a", _backends["a"].Port));
        Assert.Equal("True", Accepted(proxy).Status);
        using var client = Manifests.Client();
        using var request = Manifests.Request(Manifests.Port(proxy), "any.test", "GET", "/h");
        request.Headers.Add("foo", "1");
        using var first = await client.SendAsync(request);
        Assert.Equal("a", first.Headers.GetValues("x-backend").Single());
        using var other = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "any.test", "GET", "/h"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task HeaderFilter_ChangingContentLength_RouteNotAccepted()
    {
        // A filter that rewrote Content-Length would make the upstream read a different body length than the proxy
        // sends, desynchronizing a pooled connection shared by every route (request smuggling).
        var rules = "    - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Content-Length, value: \"2\"}]}}]\n      backendRefs: [{name: a, port: 80}]";
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route(rules) + Manifests.Service("a", _backends["a"].Port));
        var accepted = Accepted(proxy);
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("rule 0: RequestHeaderModifier: header Content-Length can not be changed", accepted.Message, StringComparison.Ordinal);
    }

    /// <summary>The Accepted condition of the proxy's only HTTPRoute, for its only parent.</summary>
    private static k8s.Models.V1Condition Accepted(GatewayProxy proxy)
    {
        var route = (Switchyard.Model.Gateway.HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is Switchyard.Model.Gateway.HTTPRoute).Status;
        return route.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
    }

    [Fact]
    public async Task ChunkedUpload_StreamedInPieces_ReachesTheBackendWhole()
    {
        // A body of unknown length arrives in several reads (pauses between pieces, one piece larger than a pipe
        // segment); the proxy frames each read as chunks for the upstream, which must see exactly what was sent.
        var pieces = new[] { new string('a', 5), new string('b', 40_000), "", new string('c', 1) };
        using var client = Manifests.Client();
        using var request = Manifests.Request(_port, "any.test", "POST", "/m");
        request.Content = new PiecewiseContent(pieces);
        using var response = await client.SendAsync(request);
        var echoed = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("chunked", response.Headers.GetValues("x-echo-h-transfer-encoding").Single());
        Assert.Equal("f " + string.Concat(pieces), echoed);
    }

    [Fact]
    public async Task LargeUpload_WithContentLength_ReachesTheBackendWhole()
    {
        // 200 KB with a declared length: many reads, each written and flushed to the upstream with no chunk framing.
        var body = string.Concat(Enumerable.Range(0, 20_000).Select(i => (i % 10_000).ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + "-abcde"));
        using var client = Manifests.Client();
        using var request = Manifests.Request(_port, "any.test", "POST", "/m");
        request.Content = new StringContent(body);
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("x-echo-h-content-length").Single());
        Assert.False(response.Headers.Contains("x-echo-h-transfer-encoding"));
        Assert.Equal("f " + body, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Request content of unknown length, written piece by piece with a flush and a pause after each.</summary>
    private sealed class PiecewiseContent(string[] pieces) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            foreach (var piece in pieces)
            {
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(piece));
                await stream.FlushAsync();
                await Task.Delay(30);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Smuggling_ContentLengthAndChunked_IsRejectedWith400()
    {
        // RFC 9112 §6.1: a request with both is a smuggling attempt; it is answered 400 and never reaches a backend.
        var before = _backends["b"].Requests;
        var text = await Raw.SendAsync(_port, "POST /foo HTTP/1.1\r\nHost: any.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /foo HTTP/1.1\r\nHost: any.test\r\n\r\n");
        Assert.True(text.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), text);
        Assert.Contains("Content-Length and Transfer-Encoding", text, StringComparison.Ordinal);
        Assert.DoesNotContain("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Equal(before, _backends["b"].Requests);
    }

    [Theory]
    [InlineData("Content-Length: 3\r\nContent-Length: 4\r\n")]
    [InlineData("Content-Length: 3, 4\r\n")]
    [InlineData("Content-Length: 4\r\nContent-Length: 4\r\n")]
    [InlineData("Transfer-Encoding: gzip\r\n")]
    public async Task Smuggling_AmbiguousFraming_IsRejectedWith400(string lengths)
    {
        var before = _backends["b"].Requests;
        var text = await Raw.SendAsync(_port, $"POST /foo HTTP/1.1\r\nHost: any.test\r\n{lengths}\r\nabcd");
        Assert.StartsWith("HTTP/1.1 400", text, StringComparison.Ordinal);
        Assert.Equal(before, _backends["b"].Requests);
    }

    [Fact]
    public async Task MissingBackend_Request_NamesLayerInErrorHeader()
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(_port, "filters.test", "GET", "/missing"));
        Assert.Equal("route httproute default/filters rule 7: backend default/nosuch:80: service default/nosuch not found", response.Headers.GetValues("x-switchyard-error").Single());
    }

    [Fact]
    public void Statuses_Compile_ReportAcceptedAndResolvedRefsWithReasons()
    {
        var routes = _proxy.Statuses.Where(s => s.Status is Model.Gateway.HTTPRouteStatus).ToDictionary(s => s.Object.Metadata.Name, s => (Model.Gateway.HTTPRouteStatus)s.Status);
        var filters = routes["filters"].Parents!.Single();
        Assert.Equal("switchyard.dev/gateway-controller", filters.ControllerName);
        Assert.Equal(("Accepted", "True", "Accepted"), (filters.Conditions![0].Type, filters.Conditions[0].Status, filters.Conditions[0].Reason));
        Assert.Equal(("ResolvedRefs", "False", "BackendNotFound"), (filters.Conditions[1].Type, filters.Conditions[1].Status, filters.Conditions[1].Reason));
        var paths = routes["paths"].Parents!.Single();
        Assert.Equal("True", paths.Conditions![1].Status);
        var gateway = (Model.Gateway.GatewayStatus)_proxy.Statuses.Single(s => s.Status is Model.Gateway.GatewayStatus).Status;
        Assert.Equal(7, gateway.Listeners!.Single().AttachedRoutes);
        Assert.Equal("Programmed", gateway.Conditions![1].Reason);
    }
}
