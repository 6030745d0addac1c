using System.Net;
using Switchyard.Cli.Commands.Gateway;
using Switchyard.Proxy;

namespace Switchyard.Cli.Tests.Commands.Gateway;

/// <summary>
/// The gateway flags defined once for <c>gateway serve</c> and <c>switchyard up</c>: the names under each command, the
/// same values giving the same <see cref="ProxyOptions"/> under both, a table of refused values whose exact error names
/// the flag as that command spells it, and addresses that cannot be shared.
/// </summary>
public sealed class GatewayFlagsTests
{
    private static GatewayFlags For(string command) => command == "up" ? GatewayFlags.ForUp() : GatewayFlags.ForServe();

    [Fact]
    public void Names_ServeAndUp_OnlyAdminAccessLogAndIoPrefixedUnderUp()
    {
        Assert.Equal(
            ["--admin", "--ingress-http", "--ingress-https", "--ingress-proxy-protocol", "--ingress-x-forwarded-for-trusted-cidrs", "--ingress-x-forwarded-for-trusted-hops", "--forwarded-header", "--access-log", "--io", "--tls-idle-timeout", "--udp-idle-timeout", "--external-auth-timeout", "--session-key-secret"],
            GatewayFlags.ForServe().All.Select(o => o.Name));
        Assert.Equal(
            ["--gateway-admin", "--ingress-http", "--ingress-https", "--ingress-proxy-protocol", "--ingress-x-forwarded-for-trusted-cidrs", "--ingress-x-forwarded-for-trusted-hops", "--forwarded-header", "--gateway-access-log", "--gateway-io", "--tls-idle-timeout", "--udp-idle-timeout", "--external-auth-timeout", "--session-key-secret"],
            GatewayFlags.ForUp().All.Select(o => o.Name));
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("up")]
    public void Options_EveryFlag_SameOptionsUnderEitherCommand(string command)
    {
        var errors = new List<string>();
        var log = new StringWriter();
        var options = For(command).Options(new GatewayFlagValues("127.0.0.1:9901", "127.0.0.1:8080", "[::1]:8443", IngressProxyProtocol: true, log, "thread-pool",
            "10m", "2s", "10.0.0.0/8", UdpIdleTimeout: "90s", SessionKeySecret: "gateways/session-key", ForwardedHeader: true), errors);

        Assert.Empty(errors);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9901), options.Admin);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), options.IngressHttp);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 8443), options.IngressHttps);
        Assert.True(options.IngressProxyProtocol);
        Assert.Equal(["10.0.0.0/8"], options.IngressXForwardedForTrustedCidrs.Select(c => c.ToString()));
        Assert.Same(log, options.AccessLog);
        Assert.Equal(ProxyIo.ThreadPool, options.Io);
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(2)), (options.TlsIdleTimeout, options.ExternalAuthTimeout));
        Assert.Equal(TimeSpan.FromSeconds(90), options.UdpIdleTimeout);
        Assert.Equal("gateways/session-key", options.SessionKeySecret);
        Assert.True(options.ForwardedHeader);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("up")]
    public void Options_TrustedHops_SameUnderEitherCommand(string command)
    {
        var errors = new List<string>();
        var options = For(command).Options(new GatewayFlagValues(IngressHttp: "127.0.0.1:8080", IngressXForwardedForTrustedHops: "2"), errors);
        Assert.Empty(errors);
        Assert.Equal((2, 0), (options.IngressXForwardedForTrustedHops, options.IngressXForwardedForTrustedCidrs.Count));
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("up")]
    public void Options_NoFlag_TheProxyDefaults(string command)
    {
        var errors = new List<string>();
        var options = For(command).Options(new GatewayFlagValues(), errors);
        Assert.Empty(errors);
        Assert.Equal(new ProxyOptions() with { IngressXForwardedForTrustedCidrs = options.IngressXForwardedForTrustedCidrs }, options);
        Assert.Empty(options.IngressXForwardedForTrustedCidrs);
    }

    private const string NotAnAddress = "is not HOST:PORT with an IP address (e.g. 127.0.0.1:8080)";

    /// <summary>One flag's value as typed; the trusted CIDRs come with an Ingress listener, which they need.</summary>
    private static GatewayFlagValues Values(string flag, string value) => flag switch
    {
        "--admin" or "--gateway-admin" => new(Admin: value),
        "--ingress-http" => new(IngressHttp: value),
        "--ingress-https" => new(IngressHttps: value),
        "--ingress-x-forwarded-for-trusted-cidrs" => new(IngressHttp: "127.0.0.1:8080", IngressXForwardedForTrustedCidrs: value),
        "--io" or "--gateway-io" => new(Io: value),
        "--tls-idle-timeout" => new(TlsIdleTimeout: value),
        "--udp-idle-timeout" => new(UdpIdleTimeout: value),
        "--external-auth-timeout" => new(ExternalAuthTimeout: value),
        "--session-key-secret" => new(SessionKeySecret: value),
        _ => throw new ArgumentException(flag, nameof(flag)),
    };

    [Theory]
    [InlineData("serve", "--admin", "localhost:9901", $"--admin: 'localhost:9901' {NotAnAddress}")]
    [InlineData("up", "--gateway-admin", "localhost:9901", $"--gateway-admin: 'localhost:9901' {NotAnAddress}")]
    [InlineData("up", "--ingress-http", "8080", $"--ingress-http: '8080' {NotAnAddress}")]
    [InlineData("up", "--ingress-https", "127.0.0.1", $"--ingress-https: '127.0.0.1' {NotAnAddress}")]
    [InlineData("serve", "--io", "fast", "--io: 'fast' is not event-loop or thread-pool")]
    [InlineData("up", "--gateway-io", "epoll", "--gateway-io: 'epoll' is not event-loop or thread-pool")]
    [InlineData("up", "--tls-idle-timeout", "0s", "--tls-idle-timeout: '0s' must be longer than 0")]
    [InlineData("serve", "--udp-idle-timeout", "0s", "--udp-idle-timeout: '0s' must be longer than 0")]
    [InlineData("up", "--udp-idle-timeout", "1 minute", "--udp-idle-timeout: '1 minute' is not a duration (one to four parts of up to 5 digits followed by h, m, s or ms, e.g. 30s, 500ms, 1h30m)")]
    [InlineData("up", "--external-auth-timeout", "2d", "--external-auth-timeout: '2d' is not a duration (one to four parts of up to 5 digits followed by h, m, s or ms, e.g. 30s, 500ms, 1h30m)")]
    [InlineData("up", "--ingress-x-forwarded-for-trusted-cidrs", "foo", "--ingress-x-forwarded-for-trusted-cidrs: 'foo': must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]
    [InlineData("serve", "--session-key-secret", "session-key", "--session-key-secret: 'session-key': must be NAMESPACE/NAME")]
    [InlineData("up", "--session-key-secret", "Default/key", "--session-key-secret: 'Default/key': namespace: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')")]
    [InlineData("serve", "--session-key-secret", "default/", "--session-key-secret: 'default/': name: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")]
    public void Options_BadValue_ErrorNamesTheFlagAsItsCommandSpellsIt(string command, string flag, string value, string error)
    {
        var errors = new List<string>();
        For(command).Options(Values(flag, value), errors);
        Assert.Equal([error], errors);
    }

    [Theory]
    [InlineData("serve", "127.0.0.1:8080", null, "--admin: 127.0.0.1:8080 is also the --ingress-http address; use another port")]
    [InlineData("up", null, "127.0.0.1:8443", "--gateway-admin: 127.0.0.1:8443 is also the --ingress-https address; use another port")]
    public void Options_AdminOnAnIngressAddress_Refused(string command, string? http, string? https, string error)
    {
        var errors = new List<string>();
        For(command).Options(new GatewayFlagValues(Admin: http ?? https, IngressHttp: http, IngressHttps: https), errors);
        Assert.Equal([error], errors);
    }

    [Fact]
    public void Options_AdminAndIngressBothOnPortZero_Allowed()
    {
        var errors = new List<string>();
        GatewayFlags.ForUp().Options(new GatewayFlagValues(Admin: "127.0.0.1:0", IngressHttp: "127.0.0.1:0"), errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void Io_Completions_BothModels()
    {
        var io = GatewayFlags.ForUp().Io;
        var completions = io.GetCompletions(System.CommandLine.Completions.CompletionContext.Empty).Select(c => c.Label);
        Assert.Equal(["event-loop", "thread-pool"], completions);
    }
}
