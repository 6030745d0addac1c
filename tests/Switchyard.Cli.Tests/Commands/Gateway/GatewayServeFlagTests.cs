using Switchyard.Cli.Commands.Gateway;
using Switchyard.Proxy;

namespace Switchyard.Cli.Tests.Commands.Gateway;

/// <summary>
/// <c>gateway serve</c>'s timeout flags (<c>--tls-idle-timeout</c>, <c>--external-auth-timeout</c>): a table of values
/// and the options they give, a table of refused values with the exact error naming the flag, every error listed at
/// once, and the real command line refusing them (exit 2), accepting them, and describing them in --help.
/// </summary>
public sealed class GatewayServeFlagTests
{
    private static GatewayFlagValues Flags(string? tlsIdle, string? externalAuth, string? admin = null) =>
        new(admin, TlsIdleTimeout: tlsIdle, ExternalAuthTimeout: externalAuth);

    [Theory]
    [InlineData(null, null, 3600.0, 10.0)] // the defaults
    [InlineData("10m", "2s", 600.0, 2.0)]
    [InlineData("1h30m", "500ms", 5400.0, 0.5)]
    [InlineData("90s", "1m", 90.0, 60.0)]
    [InlineData("1s", "1ms", 1.0, 0.001)]
    public void Options_TimeoutFlags_Parsed(string? tlsIdle, string? externalAuth, double tlsIdleSeconds, double externalAuthSeconds)
    {
        var errors = new List<string>();
        var options = GatewayFlags.ForServe().Options(Flags(tlsIdle, externalAuth), errors);
        Assert.Empty(errors);
        Assert.Equal((TimeSpan.FromSeconds(tlsIdleSeconds), TimeSpan.FromSeconds(externalAuthSeconds)), (options.TlsIdleTimeout, options.ExternalAuthTimeout));
    }

    private const string NotADuration = "is not a duration (one to four parts of up to 5 digits followed by h, m, s or ms, e.g. 30s, 500ms, 1h30m)";

    [Theory]
    [InlineData("--tls-idle-timeout", "abc", $"--tls-idle-timeout: 'abc' {NotADuration}")]
    [InlineData("--tls-idle-timeout", "10", $"--tls-idle-timeout: '10' {NotADuration}")] // a unit is required
    [InlineData("--tls-idle-timeout", "1.5h", $"--tls-idle-timeout: '1.5h' {NotADuration}")]
    [InlineData("--tls-idle-timeout", "-5s", $"--tls-idle-timeout: '-5s' {NotADuration}")]
    [InlineData("--tls-idle-timeout", "0s", "--tls-idle-timeout: '0s' must be longer than 0")]
    [InlineData("--external-auth-timeout", "", $"--external-auth-timeout: '' {NotADuration}")]
    [InlineData("--external-auth-timeout", "100000s", $"--external-auth-timeout: '100000s' {NotADuration}")] // over 5 digits
    [InlineData("--external-auth-timeout", "2 s", $"--external-auth-timeout: '2 s' {NotADuration}")]
    [InlineData("--external-auth-timeout", "0ms", "--external-auth-timeout: '0ms' must be longer than 0")]
    public void Options_BadTimeout_ErrorNamesTheFlag(string flag, string value, string error)
    {
        var errors = new List<string>();
        var options = GatewayFlags.ForServe().Options(flag == "--tls-idle-timeout" ? Flags(value, null) : Flags(null, value), errors);
        Assert.Equal([error], errors);
        Assert.Equal((new ProxyOptions().TlsIdleTimeout, new ProxyOptions().ExternalAuthTimeout), (options.TlsIdleTimeout, options.ExternalAuthTimeout));
    }

    [Fact]
    public void Options_SeveralBadFlags_EveryErrorListed()
    {
        var errors = new List<string>();
        GatewayFlags.ForServe().Options(Flags("forever", "0s", admin: "localhost"), errors);
        Assert.Equal(
        [
            "--admin: 'localhost' is not HOST:PORT with an IP address (e.g. 127.0.0.1:8080)",
            $"--tls-idle-timeout: 'forever' {NotADuration}",
            "--external-auth-timeout: '0s' must be longer than 0",
        ], errors);
    }

    /// <summary>
    /// Runs <c>gateway serve</c> until it has reported what it serves (these manifests bind nothing, so the report ends
    /// with "No listeners"), then stops it as Ctrl-C would: however long a loaded machine takes to start it.
    /// </summary>
    private static async Task<CliRun> ServeUntilReportedAsync(CliRunner cli, string[] args)
    {
        using var stop = new CancellationTokenSource();
        var error = new StringWriter { NewLine = "\n" };
        var run = cli.RunAsync(args, stop.Token, errorOutput: error);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!run.IsCompleted && !CliRunner.SoFar(error).Contains("No listeners:", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "gateway serve did not report within 30 s");
            await Task.Delay(20);
        }
        await stop.CancelAsync();
        return await run;
    }


    [Fact]
    public async Task Run_BadTimeoutFlags_Exit2ListingBoth()
    {
        using var cli = new CliRunner();
        var manifest = cli.Write("site.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: site, namespace: default}\nspec:\n  ports: [{port: 80}]\n");

        var run = await cli.RunAsync("gateway", "serve", "-f", manifest, "--tls-idle-timeout", "1d", "--external-auth-timeout", "0s");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--tls-idle-timeout: '1d' {NotADuration}\n--external-auth-timeout: '0s' must be longer than 0\n", run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'switchyard gateway serve --help' for usage.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ValidTimeoutFlags_ServesUntilStopped()
    {
        using var cli = new CliRunner();
        var manifest = cli.Write("site.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: site, namespace: default}\nspec:\n  ports: [{port: 80}]\n");
        var run = await ServeUntilReportedAsync(cli, ["gateway", "serve", "-f", manifest, "--io", "thread-pool", "--tls-idle-timeout", "10m", "--external-auth-timeout", "2s"]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("error:", run.Error, StringComparison.Ordinal);
        Assert.EndsWith("Stopped.\n", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SessionKeySecretNotInTheFiles_WarnsAndServes()
    {
        using var cli = new CliRunner();
        var manifest = cli.Write("site.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: site, namespace: default}\nspec:\n  ports: [{port: 80}]\n");
        var run = await ServeUntilReportedAsync(cli, ["gateway", "serve", "-f", manifest, "--session-key-secret", "default/session-key"]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("warning: session key Secret default/session-key (--session-key-secret): not found: sessions are sealed with this process's own key", run.Error, StringComparison.Ordinal);
        Assert.EndsWith("Stopped.\n", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RouteNamingAGatewayNotInTheFiles_Warns()
    {
        using var cli = new CliRunner();
        var manifest = cli.Write("site.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec: {gatewayClassName: other, listeners: [{name: http, port: 8080, protocol: HTTP}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: shop, namespace: default}
            spec:
              parentRefs: [{name: edge}, {name: egde}, {name: web, namespace: shop, kind: ListenerSet}, {name: svc, kind: Service, group: ""}]
              rules: [{backendRefs: [{name: shop, port: 80}]}]

            """);
        var run = await ServeUntilReportedAsync(cli, ["gateway", "serve", "-f", manifest]);

        Assert.True(run.ExitCode == 0, run.Error);
        // Another class's Gateway exists (its controller serves it) and a Service parent is a mesh's: neither is warned of.
        var warnings = run.Error.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "warning: HTTPRoute default/shop: parentRef Gateway default/egde does not exist; the route is not served through it",
            "warning: HTTPRoute default/shop: parentRef ListenerSet shop/web does not exist; the route is not served through it",
        ], warnings);
    }

    [Fact]
    public async Task Help_DescribesBothTimeoutFlags()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("gateway", "serve", "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--tls-idle-timeout <DURATION>", run.Out, StringComparison.Ordinal);
        Assert.Contains("--external-auth-timeout <DURATION>", run.Out, StringComparison.Ordinal);
        Assert.Contains("default 1h", run.Out, StringComparison.Ordinal);
        Assert.Contains("default 10s", run.Out, StringComparison.Ordinal);
        Assert.Contains("--session-key-secret <NAMESPACE/NAME>", run.Out, StringComparison.Ordinal);
    }
}
