using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ProxyBenchHost;

/// <summary>
/// <c>floor-epoll</c>: the cost of one HTTP leg in .NET with the runtime's socket engine taken out — one thread,
/// level-triggered epoll, recv/send called directly (HAProxy's and nginx's model), answering every request head with
/// the upstream's fixed 200. Measures what a Kestrel transport built on its own event loop could start from. Linux only;
/// not a server (no partial writes, no limits).
/// </summary>
internal static unsafe partial class EpollFloor
{
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const int SockNonblock = 0x800;
    private const int SockCloexec = 0x80000;
    private const int Eagain = 11;

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", SetLastError = true)] private static partial int epoll_create1(int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);
    [LibraryImport("libc", SetLastError = true)] private static partial int epoll_wait(int epfd, EpollEvent* events, int max, int timeout);
    [LibraryImport("libc", SetLastError = true)] private static partial int accept4(int fd, void* addr, void* len, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial nint recv(int fd, byte* buf, nint len, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial nint send(int fd, byte* buf, nint len, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial int setsockopt(int fd, int level, int name, int* value, int len);

    private static readonly byte[] Response =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nhello from upstream\n"u8.ToArray();

    public static IAsyncDisposable Start(IPEndPoint bind, IPEndPoint? upstream = null)
    {
        var listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(bind);
        listener.Listen(512);
        listener.Blocking = false;
        var thread = upstream is null
            ? new Thread(() => Run((int)listener.Handle)) { IsBackground = true, Name = "epoll-floor" }
            : new Thread(() => RunProxy((int)listener.Handle, upstream)) { IsBackground = true, Name = "epoll-floor-proxy" };
        thread.Start();
        return new Stopper(listener);
    }

    private static readonly byte[] ForwardedFor = "X-Forwarded-For: 127.0.0.1\r\n"u8.ToArray();

    /// <summary>
    /// <c>floor-epoll-proxy</c>: both legs on the same loop. Each client connection gets its own upstream connection;
    /// request heads get an X-Forwarded-For line (as HAProxy's <c>option forwardfor</c> adds), responses are relayed as
    /// received. No routing, no HTTP beyond finding each head's end: the least an event-loop proxy in C# can cost.
    /// </summary>
    private static void RunProxy(int listenFd, IPEndPoint upstream)
    {
        var ep = epoll_create1(SockCloexec);
        var ev = new EpollEvent { Events = EpollIn, Data = (ulong)listenFd };
        epoll_ctl(ep, EpollCtlAdd, listenFd, &ev);
        var events = new EpollEvent[256];
        var buffer = new byte[16 * 1024];
        var outBuffer = new byte[32 * 1024];
        var peer = new Dictionary<int, int>();
        var upstreamSockets = new Dictionary<int, Socket>(); // keeps the upstream sockets alive
        var isUpstream = new HashSet<int>();
        fixed (EpollEvent* evs = events)
        fixed (byte* buf = buffer)
        fixed (byte* outBuf = outBuffer)
        {
            while (true)
            {
                var n = epoll_wait(ep, evs, events.Length, -1);
                if (n < 0) continue;
                for (var i = 0; i < n; i++)
                {
                    var fd = (int)evs[i].Data;
                    if (fd == listenFd)
                    {
                        while (true)
                        {
                            var c = accept4(listenFd, null, null, SockNonblock | SockCloexec);
                            if (c < 0) break;
                            var one = 1;
                            setsockopt(c, 6, 1, &one, sizeof(int));
                            var up = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                            up.Connect(upstream);
                            up.Blocking = false;
                            var u = (int)up.Handle;
                            upstreamSockets[u] = up;
                            peer[c] = u;
                            peer[u] = c;
                            isUpstream.Add(u);
                            var cev = new EpollEvent { Events = EpollIn, Data = (ulong)c };
                            epoll_ctl(ep, EpollCtlAdd, c, &cev);
                            var uev = new EpollEvent { Events = EpollIn, Data = (ulong)u };
                            epoll_ctl(ep, EpollCtlAdd, u, &uev);
                        }
                        continue;
                    }
                    if (!peer.TryGetValue(fd, out var other)) continue;
                    var got = recv(fd, buf, buffer.Length, 0);
                    if (got <= 0)
                    {
                        if (got < 0 && Marshal.GetLastPInvokeError() == Eagain) continue;
                        foreach (var end in new[] { fd, other })
                        {
                            epoll_ctl(ep, EpollCtlDel, end, null);
                            peer.Remove(end);
                            if (upstreamSockets.Remove(end, out var s)) s.Dispose();
                            else close(end);
                            isUpstream.Remove(end);
                        }
                        continue;
                    }
                    if (isUpstream.Contains(fd))
                    {
                        send(other, buf, got, 0x4000);
                        continue;
                    }
                    // Client bytes: copy each head with X-Forwarded-For inserted before its blank line.
                    var input = new ReadOnlySpan<byte>(buf, (int)got);
                    var output = new Span<byte>(outBuf, outBuffer.Length);
                    var length = 0;
                    int at;
                    while ((at = input.IndexOf("\r\n\r\n"u8)) >= 0)
                    {
                        input[..(at + 2)].CopyTo(output[length..]);
                        length += at + 2;
                        ForwardedFor.CopyTo(output[length..]);
                        length += ForwardedFor.Length;
                        output[length++] = (byte)'\r';
                        output[length++] = (byte)'\n';
                        input = input[(at + 4)..];
                    }
                    input.CopyTo(output[length..]);
                    length += input.Length;
                    send(other, outBuf, length, 0x4000);
                }
            }
        }
    }

    private static void Run(int listenFd)
    {
        var ep = epoll_create1(SockCloexec);
        var ev = new EpollEvent { Events = EpollIn, Data = (ulong)listenFd };
        epoll_ctl(ep, EpollCtlAdd, listenFd, &ev);
        var events = new EpollEvent[256];
        var buffer = new byte[16 * 1024];
        var outBuf = new byte[Response.Length * 64];
        fixed (EpollEvent* evs = events)
        fixed (byte* buf = buffer)
        fixed (byte* resp = outBuf)
        {
            while (true)
            {
                var n = epoll_wait(ep, evs, events.Length, -1);
                if (n < 0) continue;
                for (var i = 0; i < n; i++)
                {
                    var fd = (int)evs[i].Data;
                    if (fd == listenFd)
                    {
                        while (true)
                        {
                            var c = accept4(listenFd, null, null, SockNonblock | SockCloexec);
                            if (c < 0) break;
                            var one = 1;
                            setsockopt(c, 6, 1, &one, sizeof(int)); // TCP_NODELAY
                            var cev = new EpollEvent { Events = EpollIn, Data = (ulong)c };
                            epoll_ctl(ep, EpollCtlAdd, c, &cev);
                        }
                        continue;
                    }
                    var got = recv(fd, buf, buffer.Length, 0);
                    if (got <= 0)
                    {
                        if (got < 0 && Marshal.GetLastPInvokeError() == Eagain) continue;
                        epoll_ctl(ep, EpollCtlDel, fd, null);
                        close(fd);
                        continue;
                    }
                    var heads = 0;
                    var span = new ReadOnlySpan<byte>(buf, (int)got);
                    int at;
                    while ((at = span.IndexOf("\r\n\r\n"u8)) >= 0)
                    {
                        heads++;
                        span = span[(at + 4)..];
                    }
                    var len = 0;
                    for (var h = 0; h < heads && len + Response.Length <= outBuf.Length; h++)
                    {
                        Response.CopyTo(outBuf, len);
                        len += Response.Length;
                    }
                    if (len > 0) send(fd, resp, len, 0x4000); // MSG_NOSIGNAL
                }
            }
        }
    }

    private sealed class Stopper(Socket listener) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            listener.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
