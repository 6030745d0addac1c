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

    public static IAsyncDisposable Start(IPEndPoint bind)
    {
        var listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(bind);
        listener.Listen(512);
        listener.Blocking = false;
        var thread = new Thread(() => Run((int)listener.Handle)) { IsBackground = true, Name = "epoll-floor" };
        thread.Start();
        return new Stopper(listener);
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
