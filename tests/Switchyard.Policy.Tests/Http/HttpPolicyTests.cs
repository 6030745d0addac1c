using Switchyard.Model.Manifests;
using Switchyard.Policy.Decisions;
using Switchyard.Policy.Http;
using static Switchyard.Policy.Tests.TestCluster;

namespace Switchyard.Policy.Tests.Http;

public sealed class HttpPolicyTests
{
    private const string Policies = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web-from-y, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 80}]}]
        ---
        apiVersion: policy.switchyard.dev/v1alpha1
        kind: HTTPNetworkPolicy
        metadata: {name: api, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - ports: [{port: 80}]
            from: [{podSelector: {matchLabels: {pod: b}}, namespaceSelector: {}}]
            http:
            - {method: GET, path: "/orders(/[0-9]+)?"}
            - method: POST
              path: /orders
              headers: [{name: X-Tenant, value: acme}]
          - ports: [{port: 80}]
            from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: c}}}]
        """;

    public static TheoryData<string, string, string, string[], bool> Cases => new()
    {
        { "y/b", "GET", "/orders", [], true },
        { "y/b", "GET", "/orders/42?x=1", [], true },
        { "y/b", "GET", "/orders/abc", [], false },
        { "y/b", "get", "/orders", [], false },
        { "y/b", "POST", "/orders", ["x-tenant:acme"], true },
        { "y/b", "POST", "/orders", ["X-Tenant:other"], false },
        { "y/b", "POST", "/orders", [], false },
        { "y/c", "DELETE", "/anything", [], true },   // rule 2 admits any request from y/c
        { "y/a", "GET", "/orders", [], false },       // no covering rule admits y/a
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_HttpRequests_MatchTruthTable(string from, string method, string path, string[] headers, bool allowed)
    {
        var index = Index(Policies, defaults: true);
        var request = new HttpRequestInfo(method, path, headers.Select(h => new KeyValuePair<string, string>(h.Split(':')[0], h.Split(':')[1])).ToList());
        var v = index.Decide(index.Resolve(from)!.Value, index.Resolve("x/a")!.Value, 80, Compilation.L4Protocol.TCP, request);
        Assert.True(v.ConnectionAllowed);
        Assert.Equal(allowed, v.Allowed);
    }

    [Fact]
    public void Decide_L4Denied_HttpRuleCannotOpenIt()
    {
        var index = Index(Policies, defaults: true);
        var v = index.Decide(index.Resolve("z/b")!.Value, index.Resolve("x/a")!.Value, 80, Compilation.L4Protocol.TCP, new HttpRequestInfo("GET", "/orders"));
        Assert.False(v.ConnectionAllowed);
        Assert.False(v.Allowed);
        Assert.Equal(HttpOutcome.Allowed, v.Http.Outcome);
    }

    [Fact]
    public void Decide_UncoveredPortOrNoRequest_L4Decides()
    {
        var index = Index(Policies, defaults: true);
        var uncovered = index.Decide(index.Resolve("x/b")!.Value, index.Resolve("x/c")!.Value, 80, Compilation.L4Protocol.TCP, new HttpRequestInfo("GET", "/"));
        Assert.Equal(HttpOutcome.NotApplicable, uncovered.Http.Outcome);
        Assert.True(uncovered.Allowed);
        var noRequest = index.Decide("y/a", "x/a", 80);
        Assert.Equal(HttpOutcome.RequestsChecked, noRequest.Http.Outcome);
        Assert.True(noRequest.Allowed);
        Assert.Equal("egress: not isolated; ingress: allowed by x/web-from-y ingress[0]; http: requests checked by x/api", VerdictText.Reason(noRequest));
    }

    [Fact]
    public void Explain_HttpRequestAllowed_NamesRuleAndMatch()
    {
        var index = Index(Policies, defaults: true);
        var request = new HttpRequestInfo("GET", "/orders/7");
        var v = index.Decide(index.Resolve("y/b")!.Value, index.Resolve("x/a")!.Value, 80, Compilation.L4Protocol.TCP, request);
        var text = VerdictText.Explain(index, v, request);
        Assert.Contains("GET /orders/7 is allowed by x/api ingress[0] http[0] (method GET, path ~ /orders(/[0-9]+)?).", text, StringComparison.Ordinal);
        Assert.EndsWith("Result: allowed.\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadMethodPathHeaderAndPeer_ReportsEveryError()
    {
        var result = new ManifestReader().ReadText("bad.yaml", """
            apiVersion: policy.switchyard.dev/v1alpha1
            kind: HTTPNetworkPolicy
            metadata: {name: bad, namespace: x}
            spec:
              podSelector: {}
              ingress:
              - ports: [{port: 70000}]
                from: [{ipBlock: {cidr: 10.0.0.0/40}}]
                http:
                - {method: "GE T", path: "(a)\\1"}
                - headers: [{name: ""}, {name: "X Bad"}]
            """);
        var messages = result.Errors.Select(e => $"{e.Path}: {e.Message}").ToList();
        Assert.Contains("spec.ingress[0].http[0].method: Invalid value: \"GE T\": must be an HTTP method token such as GET or POST", messages);
        Assert.Contains(messages, m => m.StartsWith("spec.ingress[0].http[0].path: Invalid value: \"(a)\\\\1\": must be a valid regular expression without backreferences or lookarounds", StringComparison.Ordinal));
        Assert.Contains("spec.ingress[0].http[1].headers[0].name: Required value", messages);
        Assert.Contains("spec.ingress[0].http[1].headers[1].name: Invalid value: \"X Bad\": must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)", messages);
        Assert.Contains(messages, m => m.StartsWith("spec.ingress[0].ports[0].port:", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("spec.ingress[0].from[0].ipBlock.cidr:", StringComparison.Ordinal));
    }
}
