using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Pipeline;

/// <summary>
/// Mutation fuzzing over real sockets, both ways: mutated requests from clients, and mutated responses from a
/// backend that answers each connection with bytes of the test's choosing. Whatever arrives, every answer the
/// proxy gives is an HTTP/1.1 status line (or a closed connection), and afterwards it still serves a valid
/// request. Seeded, so a failure replays with the same inputs; bounded in count and time.
/// </summary>
public sealed partial class MalformedTrafficTests
{
    private const int Seed = 20261125;
    private static readonly byte[] Interesting = "\r\n: 0-9,;\t\0\u007fHTTP/1.1 chunked"u8.ToArray();

    private static readonly string[] RequestSeeds =
    [
        "GET /good HTTP/1.1\r\nHost: a.test\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        "POST /good HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        "POST /good HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET /good?q=1&r=%20 HTTP/1.1\r\nHost: a.test\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n\r\nGET /good HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
        "GET /good HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n",
    ];

    private static readonly string[] ResponseSeeds =
    [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-A: b\r\nSet-Cookie: a=b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the connection closes",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ];

    [GeneratedRegex(@"^HTTP/1\.1 [1-5][0-9][0-9] ")]
    private static partial Regex StatusLine();

    [Fact]
    public async Task MutatedRequestsAndResponses_EveryAnswerIsHttp_ProxyKeepsServing()
    {
        var random = new Random(Seed);
        await using var good = await EchoBackend.StartAsync("good");
        await using var fuzz = new ScriptedBackend();
        const string noEjection = "{lb.switchyard.dev/outlier-consecutive-5xx: \"0\", lb.switchyard.dev/outlier-consecutive-connect-failures: \"0\"}";
        var yaml = GatewayYaml.Route("""
                - matches: [{path: {type: PathPrefix, value: /fuzz}}]
                  backendRefs: [{name: fuzz, port: 80}]
                - backendRefs: [{name: good, port: 80}]
            """) + Manifests.Service("good", good.Port) + Manifests.Service("fuzz", "default", noEjection, fuzz.Port);
        await using var proxy = await Manifests.StartAsync(yaml);
        var port = Manifests.Port(proxy);
        var failures = new ConcurrentBag<string>();
        int answeredRequests = 0, answeredResponses = 0;

        // Clients sending mutated requests.
        var requests = Enumerable.Range(0, 400).Select(i => Mutate(random, RequestSeeds[i % RequestSeeds.Length])).ToList();
        await ForEachBoundedAsync(requests, async request =>
        {
            var answer = await ExchangeAsync(port, request);
            if (answer.Length > 0) Interlocked.Increment(ref answeredRequests);
            if (answer.Length > 0 && !StatusLine().IsMatch(answer)) failures.Add($"request {Show(request)} got {Show(answer)}");
            if (answer.Contains("internal error", StringComparison.Ordinal)) failures.Add($"request {Show(request)} is the proxy's internal error: {Show(answer)}");
        });
        await AssertStillServesAsync(port);

        // A backend answering with mutated responses to valid requests.
        var responses = Enumerable.Range(0, 300).Select(i => Mutate(random, ResponseSeeds[i % ResponseSeeds.Length])).ToList();
        foreach (var r in responses) fuzz.Answers.Enqueue(r);
        await ForEachBoundedAsync(responses, async response =>
        {
            var answer = await ExchangeAsync(port, Encoding.ASCII.GetBytes("GET /fuzz HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"));
            if (answer.Length > 0) Interlocked.Increment(ref answeredResponses);
            if (answer.Length > 0 && !StatusLine().IsMatch(answer)) failures.Add($"a backend answer among the mutations made the proxy send {Show(answer)}");
            if (answer.Contains("internal error", StringComparison.Ordinal)) failures.Add($"a malformed backend answer is the proxy's internal error: {Show(answer)}");
        });
        await AssertStillServesAsync(port);

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        // Most cases must get an answer, or the checks above looked at nothing.
        Assert.True(answeredRequests >= requests.Count / 2, $"only {answeredRequests} of {requests.Count} mutated requests got an answer");
        Assert.True(answeredResponses >= responses.Count * 9 / 10, $"only {answeredResponses} of {responses.Count} requests to the mutating backend got an answer");
        Assert.True(fuzz.Connections >= 100, $"only {fuzz.Connections} connections reached the scripted backend");
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Bad: a\u0000b\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX Bad: ab\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 900 OK\r\nX-Bad: ab\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 099 OK\r\nX-Bad: ab\r\nContent-Length: 0\r\n\r\n")]
    public async Task MalformedBackendHead_Answers502WithoutItsHeaders(string response)
    {
        var answer = await OneExchangeWithBackendAsync(response);
        Assert.StartsWith("HTTP/1.1 502 ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Bad", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task BackendHeaderWithObsText_PassesThroughByteForByte()
    {
        var answer = await OneExchangeWithBackendAsync("HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Contains("X-Name: caf\u00e9\r\n", answer, StringComparison.Ordinal); // read as Latin-1: the single byte 0xE9
    }

    [Fact]
    public async Task BackendBodyBrokenBeforeAnyByteReachedTheClient_Answers502WithoutItsHeaders()
    {
        // The head and the broken chunk arrive together: nothing has been sent to the client when the framing breaks.
        var answer = await OneExchangeWithBackendAsync("HTTP/1.1 200 OK\r\nX-Bad: leak\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Bad", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("invalid response", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackendClosesAfterItsHead_ClientGetsTheHeadThenTheConnectionCutShort()
    {
        // The head went out as soon as it arrived (no body byte was there yet): the client sees the body end early,
        // not a complete response.
        var answer = await OneExchangeWithBackendAsync("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 10\r\n", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", answer, StringComparison.Ordinal); // the head, and none of the ten bytes
    }

    [Theory]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n")] // not what the client asked for (RFC 9110 section 7.8)
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n")]
    public async Task BackendSwitchesToAProtocolTheClientDidNotAskFor_502(string response)
    {
        var answer = await OneExchangeWithBackendAsync(response,
            "GET /chat HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Switching", answer, StringComparison.Ordinal);
    }

    private static async Task<string> OneExchangeWithBackendAsync(string response, string request = "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    {
        await using var backend = new ScriptedBackend();
        backend.Answers.Enqueue(Encoding.Latin1.GetBytes(response));
        backend.Answers.Enqueue(Encoding.Latin1.GetBytes(response)); // for the one retry a reset may earn
        const string noEjection = "{lb.switchyard.dev/outlier-consecutive-5xx: \"0\"}";
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("s") + Manifests.Service("s", "default", noEjection, backend.Port));
        return await ExchangeAsync(Manifests.Port(proxy), Encoding.ASCII.GetBytes(request));
    }

    private static async Task AssertStillServesAsync(int port)
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(port, "a.test", "GET", "/good"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("good", response.Headers.GetValues("x-backend").Single());
    }

    /// <summary>One to four random edits: bit flips, interesting bytes, deletions, duplications, truncation, a long run.</summary>
    private static byte[] Mutate(Random random, string seed)
    {
        var bytes = Encoding.ASCII.GetBytes(seed).ToList();
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            var length = Math.Min(random.Next(1, 16), bytes.Count - at);
            switch (random.Next(6))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 2: bytes.RemoveRange(at, length); break;
                case 3: bytes.InsertRange(at, bytes.GetRange(at, length)); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.InsertRange(at, Enumerable.Repeat((byte)'A', random.Next(100, 70_000))); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>
    /// Sends the bytes and reads what comes back until the proxy closes or 3 s pass. The sending side stays open: a
    /// client's FIN makes Kestrel abort the request, so a request ends with <c>Connection: close</c> instead.
    /// </summary>
    private static async Task<string> ExchangeAsync(int port, byte[] request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var received = new MemoryStream();
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, deadline.Token);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);
            var buffer = new byte[16384];
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0 && received.Length < 1 << 20) received.Write(buffer, 0, n);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Reset or closed early by the proxy (allowed: a malformed request may be refused that way); the check is on what arrived.
        }
        return Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
    }

    private static Task ForEachBoundedAsync<T>(IEnumerable<T> items, Func<T, Task> body) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, _) => await body(item));

    private static string Show(byte[] bytes) => Show(Encoding.Latin1.GetString(bytes));

    private static string Show(string text) => (text.Length > 200 ? text[..200] + "…" : text).ReplaceLineEndings("⏎");

    /// <summary>A TCP backend that reads a request head and answers each connection with the next queued bytes, then closes.</summary>
    private sealed class ScriptedBackend : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _connections;

        public ScriptedBackend()
        {
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Connections => Volatile.Read(ref _connections);
        public ConcurrentQueue<byte[]> Answers { get; } = new();

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    _ = AnswerAsync(socket);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task AnswerAsync(Socket socket)
        {
            using (socket)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                deadline.CancelAfter(TimeSpan.FromSeconds(3));
                try
                {
                    var head = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                        if (n == 0) return;
                        head.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    }
                    var answer = Answers.TryDequeue(out var next) ? next : Encoding.ASCII.GetBytes("HTTP/1.1 204 No Content\r\n\r\n");
                    await socket.SendAsync(answer, SocketFlags.None, deadline.Token);
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}
