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
        var listenFd = (int)listener.Handle;
        var thread = upstream is null
            ? new Thread(() => new Responder().Run(listenFd)) { IsBackground = true, Name = "epoll-floor" }
            : new Thread(() => new Relay(upstream).Run(listenFd)) { IsBackground = true, Name = "epoll-floor-proxy" };
        thread.Start();
        return new Stopper(listener);
    }

    /// <summary>
    /// One thread's event loop: level-triggered epoll over the listening socket and every connection; a connection is
    /// read only when epoll reports it readable, so no receive returns EAGAIN.
    /// </summary>
    private abstract class Loop
    {
        protected const int BufferSize = 16 * 1024;

        /// <summary>Receive buffer, pinned for the process's life.</summary>
        protected readonly byte* Buffer = Pinned(BufferSize);

        protected int Epoll { get; private set; }

        public void Run(int listenFd)
        {
            Epoll = epoll_create1(SockCloexec);
            Watch(listenFd);
            var events = stackalloc EpollEvent[256];
            while (true)
            {
                var n = epoll_wait(Epoll, events, 256, -1);
                for (var i = 0; i < n; i++)
                {
                    var fd = (int)events[i].Data;
                    if (fd != listenFd)
                    {
                        Readable(fd);
                        continue;
                    }
                    int c;
                    while ((c = AcceptNext(listenFd)) >= 0) Accepted(c);
                }
            }
        }

        protected abstract void Accepted(int fd);

        protected abstract void Readable(int fd);

        /// <summary>Adds <paramref name="fd"/> to the loop for readability.</summary>
        protected void Watch(int fd)
        {
            var ev = new EpollEvent { Events = EpollIn, Data = (ulong)fd };
            epoll_ctl(Epoll, EpollCtlAdd, fd, &ev);
        }

        /// <summary>Receives into <see cref="Buffer"/>: the byte count, 0 when the socket has nothing after all, -1 when it closed or failed.</summary>
        protected static int Receive(int fd, byte* buffer)
        {
            var got = recv(fd, buffer, BufferSize, 0);
            if (got > 0) return (int)got;
            return got < 0 && Marshal.GetLastPInvokeError() == Eagain ? 0 : -1;
        }

        protected void Forget(int fd) => epoll_ctl(Epoll, EpollCtlDel, fd, null);

        protected static void Send(int fd, byte* data, int length) => send(fd, data, length, 0x4000); // MSG_NOSIGNAL

        /// <summary>A buffer on the pinned heap, kept reachable (in <see cref="PinnedBuffers"/>) for the process's life.</summary>
        protected static byte* Pinned(int length)
        {
            var array = GC.AllocateArray<byte>(length, pinned: true);
            lock (PinnedBuffers) PinnedBuffers.Add(array);
            return (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        }

        private static readonly List<byte[]> PinnedBuffers = [];

        /// <summary>The next pending client connection, non-blocking with TCP_NODELAY, or -1 when none is pending.</summary>
        private static int AcceptNext(int listenFd)
        {
            var c = accept4(listenFd, null, null, SockNonblock | SockCloexec);
            if (c < 0) return -1;
            var one = 1;
            setsockopt(c, 6, 1, &one, sizeof(int)); // IPPROTO_TCP, TCP_NODELAY
            return c;
        }
    }

    /// <summary><c>floor-epoll</c>: answers every request head with the fixed 200.</summary>
    private sealed class Responder : Loop
    {
        private const int MaxAnswers = 64;
        private readonly byte* _answers = Pinned(Response.Length * MaxAnswers);

        protected override void Accepted(int fd) => Watch(fd);

        protected override void Readable(int fd)
        {
            var got = Receive(fd, Buffer);
            if (got == 0) return;
            if (got < 0)
            {
                Forget(fd);
                close(fd);
                return;
            }
            var input = new ReadOnlySpan<byte>(Buffer, got);
            var output = new Span<byte>(_answers, Response.Length * MaxAnswers);
            var length = 0;
            int at;
            while ((at = input.IndexOf("\r\n\r\n"u8)) >= 0 && length + Response.Length <= output.Length)
            {
                Response.CopyTo(output[length..]);
                length += Response.Length;
                input = input[(at + 4)..];
            }
            if (length > 0) Send(fd, _answers, length);
        }
    }

    private static readonly byte[] ForwardedFor = "X-Forwarded-For: 127.0.0.1\r\n"u8.ToArray();

    /// <summary>
    /// <c>floor-epoll-proxy</c>: both legs on the same loop. Each client connection gets its own upstream connection;
    /// request heads get an X-Forwarded-For line (as HAProxy's <c>option forwardfor</c> adds), responses are relayed as
    /// received. No routing, no HTTP beyond finding each head's end: the least an event-loop proxy in C# can cost.
    /// </summary>
    private sealed class Relay(IPEndPoint upstream) : Loop
    {
        private const int OutSize = 2 * BufferSize;
        private readonly byte* _out = Pinned(OutSize);
        private readonly Dictionary<int, int> _peer = [];
        private readonly Dictionary<int, Socket> _upstreams = []; // keeps the upstream sockets alive

        protected override void Accepted(int fd)
        {
            var up = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            up.Connect(upstream);
            up.Blocking = false;
            var u = (int)up.Handle;
            _upstreams[u] = up;
            _peer[fd] = u;
            _peer[u] = fd;
            Watch(fd);
            Watch(u);
        }

        protected override void Readable(int fd)
        {
            if (!_peer.TryGetValue(fd, out var other)) return;
            var got = Receive(fd, Buffer);
            if (got == 0) return;
            if (got < 0)
            {
                Close(fd);
                Close(other);
                return;
            }
            if (_upstreams.ContainsKey(fd))
            {
                Send(other, Buffer, got);
                return;
            }
            // Client bytes: each head is copied with X-Forwarded-For inserted before its blank line.
            var input = new ReadOnlySpan<byte>(Buffer, got);
            var output = new Span<byte>(_out, OutSize);
            var length = 0;
            int at;
            while ((at = input.IndexOf("\r\n\r\n"u8)) >= 0)
            {
                input[..(at + 2)].CopyTo(output[length..]);
                length += at + 2;
                ForwardedFor.CopyTo(output[length..]);
                length += ForwardedFor.Length;
                "\r\n"u8.CopyTo(output[length..]);
                length += 2;
                input = input[(at + 4)..];
            }
            input.CopyTo(output[length..]);
            Send(other, _out, length + input.Length);
        }

        private void Close(int fd)
        {
            Forget(fd);
            _peer.Remove(fd);
            if (_upstreams.Remove(fd, out var socket)) socket.Dispose();
            else close(fd);
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
