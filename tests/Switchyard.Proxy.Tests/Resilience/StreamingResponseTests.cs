using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Resilience;

/// <summary>
/// Responses that arrive slowly: the head goes to the client as soon as the upstream sent it (an event stream, a long
/// poll), and an attempt whose timeout fires after part of its response reached the client is cut short, never
/// retried on another endpoint (the client already has the first endpoint's head and bytes).
/// </summary>
public sealed class StreamingResponseTests
{
    /// <summary>A backend that answers each request with <paramref name="head"/>, then waits for <paramref name="release"/> before <paramref name="rest"/>.</summary>
    private sealed class SlowBackend : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _requests;

        public SlowBackend(string head, Task release, string rest)
        {
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var socket = await _listener.AcceptSocketAsync(_stop.Token);
                        _ = Task.Run(async () =>
                        {
                            using (socket)
                            {
                                var received = new StringBuilder();
                                var buffer = new byte[4096];
                                while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                                {
                                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                                    if (n == 0) return;
                                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                                }
                                Interlocked.Increment(ref _requests);
                                await socket.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, _stop.Token);
                                await release.WaitAsync(_stop.Token);
                                await socket.SendAsync(Encoding.ASCII.GetBytes(rest), SocketFlags.None, _stop.Token);
                                await Task.Delay(Timeout.Infinite, _stop.Token);
                            }
                        });
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Requests => Volatile.Read(ref _requests);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", "6\r\nevent1\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n", "event1")]
    public async Task UpstreamSendsItsHeadBeforeItsBody_ClientGetsTheHeadFirst(string head, string rest)
    {
        var headSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new SlowBackend(head, headSeen.Task, rest);
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("slow") + Manifests.Service("slow", backend.Port));
        using var client = Manifests.Client();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        // The body is sent only once the client has the head: a proxy holding the head back until then never answers.
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/events"), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        headSeen.SetResult();
        Assert.Equal("event1", await response.Content.ReadAsStringAsync(deadline.Token));
    }

    [Fact]
    public async Task BackendRequestTimeoutAfterTheResponseStarted_CutShortAndNotRetried()
    {
        var never = new TaskCompletionSource();
        await using var first = new SlowBackend("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", never.Task, "");
        await using var second = new SlowBackend("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", never.Task, "");
        var rules = "    - {timeouts: {backendRequest: 300ms}, backendRefs: [{name: svc, port: 80}]}";
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route(rules) + Manifests.Service("svc", "default", "{lb.switchyard.dev/policy: round-robin}", first.Port, second.Port));
        using var client = Manifests.Client();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The client sees the body end early (an error), not a complete response.
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(deadline.Token));
        Assert.Equal(1, first.Requests + second.Requests);
        Assert.Equal(0, proxy.Runtime.Metrics.Retries);
    }
}
