using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ProxyBenchHost;

/// <summary>
/// Floors below <see cref="FloorServer"/>, to split its cost: each answers every request head with the upstream's fixed
/// 200 and does no HTTP work beyond finding the head's end (keep-alive GETs only, as wrk sends them). Not a server.
/// <list type="bullet">
/// <item><c>floor-conn</c>: Kestrel's socket transport and connection pipeline with a connection handler in place of
/// Kestrel's HTTP/1.1 layer — what a purpose-built HTTP/1 layer on Kestrel would start from.</item>
/// <item><c>floor-socket</c>: a .NET <see cref="Socket"/> per connection with one async receive/send loop — the
/// runtime's socket engine alone.</item>
/// </list>
/// </summary>
internal static class TransportFloors
{
    private static readonly byte[] Response =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nhello from upstream\n"u8.ToArray();
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    public static async Task<IAsyncDisposable> StartConnectionFloorAsync(IPEndPoint bind)
    {
        var options = new KestrelServerOptions { AddServerHeader = false };
        options.ApplicationServices = new ServiceCollection().BuildServiceProvider();
        options.Listen(bind, l => l.Run(ServeConnectionAsync));
        var server = new KestrelServer(Options.Create(options),
            new SocketTransportFactory(Options.Create(new SocketTransportOptions { UnsafePreferInlineScheduling = true }), NullLoggerFactory.Instance), NullLoggerFactory.Instance);
        await server.StartAsync(new NoHttpApplication(), CancellationToken.None).ConfigureAwait(false);
        return new Stopper(async () => { await server.StopAsync(CancellationToken.None).ConfigureAwait(false); server.Dispose(); });
    }

    private static async Task ServeConnectionAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var heads = 0;
            while (TryConsumeHead(ref buffer)) heads++;
            input.AdvanceTo(buffer.Start, buffer.End);
            for (var i = 0; i < heads; i++) output.Write(Response);
            if (heads > 0) await output.FlushAsync().ConfigureAwait(false);
            if (result.IsCompleted) return;
        }
    }

    private static bool TryConsumeHead(ref ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, HeadEnd)) return false;
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    public static IAsyncDisposable StartSocketFloor(IPEndPoint bind)
    {
        var listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(bind);
        listener.Listen(512);
        _ = AcceptLoopAsync(listener);
        return new Stopper(() => { listener.Dispose(); return ValueTask.CompletedTask; });
    }

    private static async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket socket;
            try { socket = await listener.AcceptAsync().ConfigureAwait(false); }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { return; }
            socket.NoDelay = true;
            _ = ServeSocketAsync(socket);
        }
    }

    private static async Task ServeSocketAsync(Socket socket)
    {
        using var _ = socket;
        var buffer = new byte[16 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (n == 0) return;
                filled += n;
                var heads = 0;
                int end;
                var start = 0;
                while ((end = buffer.AsSpan(start, filled - start).IndexOf(HeadEnd)) >= 0)
                {
                    start += end + HeadEnd.Length;
                    heads++;
                }
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
                for (var i = 0; i < heads; i++) await socket.SendAsync(Response, SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (SocketException)
        {
        }
    }

    private sealed class NoHttpApplication : Microsoft.AspNetCore.Hosting.Server.IHttpApplication<object>
    {
        public object CreateContext(Microsoft.AspNetCore.Http.Features.IFeatureCollection contextFeatures) => new();
        public Task ProcessRequestAsync(object context) => Task.CompletedTask;
        public void DisposeContext(object context, Exception? exception) { }
    }

    private sealed class Stopper(Func<ValueTask> stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => stop();
    }
}
