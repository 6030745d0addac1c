namespace Switchyard.Cli.Tests.EndToEnd;

public class WatchTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task GetWatch_ObjectCreatedAfterStart_IsPrintedAsItArrives()
    {
        using var cli = new CliRunner();
        using var watcher = new CliRunner();
        using var stop = new CancellationTokenSource();
        Assert.Equal(0, (await ApplyAsync(cli, "listed")).ExitCode);
        var output = new StringWriter { NewLine = "\n" };
        var watch = watcher.RunAsync(["get", "svc", "-n", "e2e-watch", "-w", "-o", "name", "--server", cluster.Url, "--token", cluster.Token], stop.Token, output);

        // The listing printed means the list is done: what is created now can only arrive through the watch.
        var listed = await PrintedAsync(output, watch, "service/listed\n");
        if (listed) Assert.Equal(0, (await ApplyAsync(cli, "watched")).ExitCode);
        var seen = listed && await PrintedAsync(output, watch, "service/watched\n");
        await stop.CancelAsync();
        var run = await watch;
        Assert.True(seen, $"watch printed: {Snapshot(output)} / {run.Error}");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
    }

    private Task<CliRun> ApplyAsync(CliRunner cli, string service)
    {
        cli.Write($"{service}.yaml", $"""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: e2e-watch
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: {service}
              namespace: e2e-watch
            spec:
              ports:
              - port: 80
            """);
        return cluster.RunAsync(cli, "apply", "-f", $"{service}.yaml");
    }

    private static async Task<bool> PrintedAsync(StringWriter output, Task watch, string text)
    {
        for (var i = 0; i < 600 && !watch.IsCompleted; i++)
        {
            if (Snapshot(output).Contains(text, StringComparison.Ordinal)) return true;
            await Task.Delay(50);
        }
        return Snapshot(output).Contains(text, StringComparison.Ordinal);
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
