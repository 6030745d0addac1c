using Switchyard.Cli.Client;

namespace Switchyard.Cli.Tests.EndToEnd;

public class UpTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector:
            app: web
          ports:
          - port: 80
        """;

    [Fact]
    public async Task Up_WithManifests_ServesThemRecordsItselfAndStopsCleanly()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", Manifest);
        using var stop = new CancellationTokenSource();
        var output = new StringWriter { NewLine = "\n" };
        var up = cli.RunAsync(["up", "--in-memory", "--api", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--state-dir", "state", "-f", "app.yaml"], stop.Token, output);

        var contextDir = Path.Combine(cli.Directory, "config", "switchyard");
        CurrentContext? context = null;
        for (var i = 0; i < 600 && context is null && !up.IsCompleted; i++)
        {
            await Task.Delay(50);
            context = CurrentContext.Read(contextDir);
        }
        Assert.False(up.IsCompleted, $"up exited early: {(up.IsCompleted ? up.Result.Error : "")}");
        Assert.NotNull(context);
        Assert.Equal(Path.Combine(cli.Directory, "state", "admin.token"), context.TokenFile);

        // No --server or --token: found through current.json.
        var get = await cli.RunAsync("get", "svc", "web", "-o", "name");
        Assert.Equal("", get.Error);
        Assert.Equal("service/web\n", get.Out);

        await stop.CancelAsync();
        var result = await up;
        Assert.Equal(0, result.ExitCode);
        var text = output.ToString();
        Assert.Contains("service/web created\n", text, StringComparison.Ordinal);
        Assert.Contains("Switchyard control plane is running.", text, StringComparison.Ordinal);
        Assert.Contains($"API:", text, StringComparison.Ordinal);
        Assert.Contains(context.Server, text, StringComparison.Ordinal);
        Assert.EndsWith("Shutting down...\nStopped.\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_InvalidManifest_ExitsBeforeStarting()
    {
        using var cli = new CliRunner();
        cli.Write("bad.yaml", CliEndToEndTests.BadManifest);
        var run = await cli.RunAsync("up", "--in-memory", "--api", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--state-dir", "state", "-f", "bad.yaml");
        Assert.Equal(1, run.ExitCode);
        Assert.EndsWith("error: 3 errors in the manifests; the control plane was not started\n", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(cli.Directory, "state")));
        Assert.Null(CurrentContext.Read(Path.Combine(cli.Directory, "config", "switchyard")));
    }

    [Fact]
    public async Task Up_SqliteStateDir_KeepsObjectsAcrossRestarts()
    {
        using var cli = new CliRunner();
        cli.Write("app.yaml", Manifest);
        for (var round = 0; round < 2; round++)
        {
            using var stop = new CancellationTokenSource();
            var output = new StringWriter { NewLine = "\n" };
            var args = round == 0
                ? new[] { "up", "--api", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--state-dir", "state", "-f", "app.yaml" }
                : ["up", "--api", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--state-dir", "state"];
            var contextFile = CurrentContext.PathIn(Path.Combine(cli.Directory, "config", "switchyard"));
            if (File.Exists(contextFile)) File.Delete(contextFile);
            var up = cli.RunAsync(args, stop.Token, output);
            for (var i = 0; i < 600 && !File.Exists(contextFile) && !up.IsCompleted; i++) await Task.Delay(50);
            Assert.False(up.IsCompleted);

            var get = await cli.RunAsync("get", "svc", "web", "-o", "name");
            Assert.Equal("service/web\n", get.Out);

            await stop.CancelAsync();
            Assert.Equal(0, (await up).ExitCode);
        }
        Assert.True(File.Exists(Path.Combine(cli.Directory, "state", "state.db")));
    }
}
