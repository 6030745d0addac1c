using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Store.Memory;

namespace Switchyard.Control.Tests.Api;

public sealed class ControlPlaneServerTests : IDisposable
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "switchyard-api-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_stateDir)) Directory.Delete(_stateDir, recursive: true);
    }

    private ControlPlaneOptions Options() => new()
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        StateDirectory = _stateDir,
        LoggerFactory = NullLoggerFactory.Instance,
    };

    [Fact]
    public async Task StartAsync_WithStateDirectory_CreatesOwnerOnlyTokenAndReusesIt()
    {
        await using var store = new InMemoryResourceStore();
        string first;
        await using (var server = await ControlPlaneServer.StartAsync(store, Options()))
        {
            first = server.Token;
            Assert.Equal(Path.Combine(_stateDir, "admin.token"), server.TokenPath);
            Assert.Equal(first, File.ReadAllText(server.TokenPath!).Trim());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.TokenPath!));
            }
            Assert.Equal(43, first.Length); // 32 bytes in base64url without padding
        }
        await using var again = await ControlPlaneServer.StartAsync(store, Options());

        Assert.Equal(first, again.Token);
    }

    [Fact]
    public async Task StartAsync_PortZero_ExposesBoundUrlThatServesRequests()
    {
        await using var store = new InMemoryResourceStore();
        await using var server = await ControlPlaneServer.StartAsync(store, Options());
        using var client = new HttpClient { BaseAddress = server.Url };

        Assert.Equal("127.0.0.1", server.Url.Host);
        Assert.NotEqual(0, server.Url.Port);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task StartAsync_DefaultConsoleLogging_Serves()
    {
        await using var store = new InMemoryResourceStore();
        await using var server = await ControlPlaneServer.StartAsync(store, Options() with { LoggerFactory = null });
        using var client = new HttpClient { BaseAddress = server.Url };
        client.DefaultRequestHeaders.Authorization = new("Bearer", server.Token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/namespaces/default")).StatusCode);
    }

    [Fact]
    public async Task StartAsync_BackgroundLoops_RunAndAreCancelledOnStop()
    {
        await using var store = new InMemoryResourceStore();
        var started = new TaskCompletionSource();
        var cancelled = new TaskCompletionSource();
        var options = Options() with
        {
            BackgroundLoops =
            [
                async (s, ct) =>
                {
                    started.SetResult();
                    try { await Task.Delay(Timeout.Infinite, ct); }
                    finally { cancelled.SetResult(); }
                },
            ],
        };
        var server = await ControlPlaneServer.StartAsync(store, options);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await server.DisposeAsync();

        Assert.True(cancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task StartAsync_ApiAddressTaken_ThrowsWithoutTheHostLoggingItAndStopsStartedServices()
    {
        await using var store = new InMemoryResourceStore();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var dns = new RecordingService("dns");

        var e = await Assert.ThrowsAsync<IOException>(() => ControlPlaneServer.StartAsync(store, Options() with
        {
            Listen = (IPEndPoint)taken.LocalEndpoint,
            LoggerFactory = loggerFactory,
            HostedServices = [dns],
        }));

        Assert.Contains("address already in use", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["dns started", "dns stopped"], dns.Events);
        // The caller reports the exception; the host's "Hosting failed to start" would say it again with a stack trace.
        Assert.DoesNotContain(logs.Entries, l => l.Contains("Hosting failed", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal));
        // The host's other messages still pass.
        Assert.Contains(logs.Entries, l => l.StartsWith("Microsoft.Extensions.Hosting.Internal.Host[Starting]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_HostedServiceFails_StopsTheOnesStartedBeforeItNewestFirst()
    {
        await using var store = new InMemoryResourceStore();
        var events = new List<string>();
        var services = new[] { new RecordingService("a", events), new RecordingService("b", events), new RecordingService("c", events, fail: true), new RecordingService("d", events) };

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ControlPlaneServer.StartAsync(store, Options() with { HostedServices = services }));

        Assert.Equal("c cannot start", e.Message);
        Assert.Equal(["a started", "b started", "c failed", "b stopped", "a stopped"], events);
    }

    [Fact]
    public async Task DisposeAsync_AfterAStart_StopsEveryHostedServiceOnceNewestFirst()
    {
        await using var store = new InMemoryResourceStore();
        var events = new List<string>();
        var server = await ControlPlaneServer.StartAsync(store, Options() with { HostedServices = [new RecordingService("a", events), new RecordingService("b", events)] });

        await server.DisposeAsync();

        Assert.Equal(["a started", "b started", "b stopped", "a stopped"], events);
    }

    private sealed class RecordingService(string name, List<string>? events = null, bool fail = false) : IHostedService
    {
        public List<string> Events { get; } = events ?? [];

        public Task StartAsync(CancellationToken cancellationToken)
        {
            lock (Events) Events.Add($"{name} {(fail ? "failed" : "started")}");
            return fail ? throw new InvalidOperationException($"{name} cannot start") : Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            lock (Events) Events.Add($"{name} stopped");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_ListsEveryProblem()
    {
        await using var store = new InMemoryResourceStore();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => ControlPlaneServer.StartAsync(store, Options() with { Token = "short", ShutdownTimeout = TimeSpan.Zero }));

        Assert.StartsWith("invalid control plane options: token must be at least 16 characters without whitespace; shutdown timeout must be positive", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:7443", "127.0.0.1:7443")]
    [InlineData("[::1]:8080", "[::1]:8080")]
    [InlineData("localhost:0", "127.0.0.1:0")]
    [InlineData(":9000", "127.0.0.1:9000")]
    public void TryParseListen_ValidAddress_Parses(string text, string expected)
    {
        Assert.True(ControlPlaneOptions.TryParseListen(text, out var endpoint, out _));
        Assert.Equal(expected, endpoint!.ToString());
    }

    [Theory]
    [InlineData("7443", "invalid address \"7443\": expected HOST:PORT, e.g. 127.0.0.1:7443")]
    [InlineData("example.com:80", "invalid address \"example.com:80\": host must be an IP address or localhost")]
    public void TryParseListen_InvalidAddress_Explains(string text, string message)
    {
        Assert.False(ControlPlaneOptions.TryParseListen(text, out _, out var error));
        Assert.Equal(message, error);
    }
}
