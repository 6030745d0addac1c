namespace Switchyard.Cli.Tests.Commands.Dns;

/// <summary>
/// <c>dns serve</c> serves its files as given: a Service without a cluster IP there (up's API server would allocate one)
/// has no address record, and the command says so instead of answering NXDOMAIN unexplained. <c>--upstream none</c> is
/// taken as up's <c>--dns-upstream none</c> is.
/// </summary>
public sealed class DnsServeTests
{
    [Fact]
    public async Task ServiceWithoutClusterIp_Warned_UpstreamNoneAccepted()
    {
        using var cli = new CliRunner();
        cli.Write("services.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: pinned, namespace: shop}
            spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}
            """);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (output, errors) = (new StringWriter { NewLine = "\n" }, new StringWriter { NewLine = "\n" });
        var serve = cli.RunAsync(["dns", "serve", "-f", "services.yaml", "--listen", "127.0.0.1:0", "--upstream", "none"], stop.Token, output, errors);
        for (var i = 0; i < 200 && !CliRunner.SoFar(output).Contains("DNS: serving", StringComparison.Ordinal) && !serve.IsCompleted; i++) await Task.Delay(50);
        await stop.CancelAsync();
        var run = await serve;

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("warning: service shop/web has no spec.clusterIP in the files, so its name has no address record here", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("shop/pinned", run.Error, StringComparison.Ordinal);
        Assert.Contains("Upstreams: none", run.Out, StringComparison.Ordinal);
    }

}
