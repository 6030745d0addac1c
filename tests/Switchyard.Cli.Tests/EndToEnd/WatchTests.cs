namespace Switchyard.Cli.Tests.EndToEnd;

public class WatchTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task GetWatch_ObjectCreatedAfterStart_IsPrintedAsItArrives()
    {
        using var cli = new CliRunner();
        using var watcher = new CliRunner();
        using var stop = new CancellationTokenSource();
        var output = new StringWriter { NewLine = "\n" };
        var watch = watcher.RunAsync(["get", "svc", "-n", "e2e-watch", "-w", "-o", "name", "--server", cluster.Url, "--token", cluster.Token], stop.Token, output);

        cli.Write("svc.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: e2e-watch
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: watched
              namespace: e2e-watch
            spec:
              ports:
              - port: 80
            """);
        Assert.Equal(0, (await cluster.RunAsync(cli, "apply", "-f", "svc.yaml")).ExitCode);

        var seen = false;
        for (var i = 0; i < 600 && !seen && !watch.IsCompleted; i++)
        {
            await Task.Delay(50);
            seen = Snapshot(output).Contains("service/watched\n", StringComparison.Ordinal);
        }
        await stop.CancelAsync();
        var run = await watch;
        Assert.True(seen, $"watch printed: {Snapshot(output)} / {run.Error}");
        Assert.Equal(0, run.ExitCode);
    }

    /// <summary>The text so far; the CLI may be appending concurrently, so a torn read is retried.</summary>
    private static string Snapshot(StringWriter writer)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return writer.ToString();
            }
            catch (ArgumentException) when (attempt < 10)
            {
            }
        }
    }
}
