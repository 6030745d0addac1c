using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchyard.Proxy.Transport;

/// <summary>
/// The Linux system calls the event-loop transport makes directly: epoll, eventfd and the socket calls on non-blocking
/// descriptors. Declared here (source-generated, so native AOT needs no marshalling stubs) rather than through a
/// bindings package: the set is small and fixed. Error numbers are Linux's.
/// </summary>
internal static unsafe partial class Native
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EINPROGRESS = 115;

    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;

    public const int SockStream = 1;
    public const int SockNonblock = 0x800;
    public const int SockCloexec = 0x80000;
    public const int MsgNoSignal = 0x4000;
    public const int ShutWr = 1;
    public const int ShutRdWr = 2;

    private const int AfInet = 2;
    private const int AfInet6 = 10;
    private const int SolSocket = 1;
    private const int SoError = 4;
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;

    /// <summary>Size of the largest socket address handled (sockaddr_in6).</summary>
    public const int SockAddrSize = 28;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_create1(int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_wait(int epfd, byte* events, int max, int timeout);
    [LibraryImport("libc", SetLastError = true)] public static partial int eventfd(uint initial, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint read(int fd, byte* buffer, nint length);
    [LibraryImport("libc", SetLastError = true)] public static partial nint write(int fd, byte* buffer, nint length);
    [LibraryImport("libc", SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] public static partial int connect(int fd, byte* address, int length);
    [LibraryImport("libc", SetLastError = true)] public static partial int accept4(int fd, byte* address, int* length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int getsockname(int fd, byte* address, int* length);
    [LibraryImport("libc", SetLastError = true)] public static partial nint recv(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint send(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint writev(int fd, IoVec* vectors, int count);
    [LibraryImport("libc", SetLastError = true)] public static partial int shutdown(int fd, int how);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial int setsockopt(int fd, int level, int name, int* value, int length);
    [LibraryImport("libc", SetLastError = true)] private static partial int getsockopt(int fd, int level, int name, int* value, int* length);

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes, data at offset 4) and naturally aligned elsewhere (16 bytes,
    /// data at offset 8).
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static void WriteEpollEvent(byte* at, uint events, ulong data)
    {
        *(uint*)at = events;
        Unsafe.WriteUnaligned(at + EpollDataOffset, data);
    }

    public static (uint Events, ulong Data) ReadEpollEvent(byte* events, int index)
    {
        var at = events + (index * EpollEventSize);
        return (*(uint*)at, Unsafe.ReadUnaligned<ulong>(at + EpollDataOffset));
    }

    public static int LastError => Marshal.GetLastPInvokeError();

    public static void SetNoDelay(int fd)
    {
        var one = 1;
        setsockopt(fd, IpProtoTcp, TcpNoDelay, &one, sizeof(int));
    }

    /// <summary>The pending error of a socket (SO_ERROR), as after a non-blocking connect.</summary>
    public static int PendingError(int fd)
    {
        int error = 0, length = sizeof(int);
        return getsockopt(fd, SolSocket, SoError, &error, &length) == 0 ? error : LastError;
    }

    /// <summary>Writes <paramref name="endPoint"/> as a sockaddr_in or sockaddr_in6; returns its length.</summary>
    public static int WriteSockAddr(IPEndPoint endPoint, Span<byte> to)
    {
        to.Clear();
        var v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        MemoryMarshal.Write(to, (ushort)(v6 ? AfInet6 : AfInet));
        to[2] = (byte)(endPoint.Port >> 8);
        to[3] = (byte)endPoint.Port;
        if (!v6)
        {
            endPoint.Address.TryWriteBytes(to[4..8], out _);
            return 16;
        }
        endPoint.Address.TryWriteBytes(to[8..24], out _);
        MemoryMarshal.Write(to[24..], (uint)endPoint.Address.ScopeId);
        return 28;
    }

    /// <summary>Reads a sockaddr_in or sockaddr_in6; null for any other family.</summary>
    public static IPEndPoint? ReadSockAddr(ReadOnlySpan<byte> from)
    {
        var family = MemoryMarshal.Read<ushort>(from);
        var port = (from[2] << 8) | from[3];
        return family switch
        {
            AfInet => new IPEndPoint(new IPAddress(from[4..8]), port),
            AfInet6 => new IPEndPoint(new IPAddress(from[8..24], MemoryMarshal.Read<uint>(from[24..])), port),
            _ => null,
        };
    }

    public static int AddressFamilyOf(IPEndPoint endPoint) => endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? AfInet6 : AfInet;

    /// <summary>The socket error a Linux error number stands for, so callers see what .NET's sockets would report.</summary>
    public static SocketException Error(int errno) => new(errno switch
    {
        104 => (int)SocketError.ConnectionReset,
        32 => (int)SocketError.Shutdown, // EPIPE: the peer is gone
        111 => (int)SocketError.ConnectionRefused,
        110 => (int)SocketError.TimedOut,
        113 => (int)SocketError.HostUnreachable,
        101 => (int)SocketError.NetworkUnreachable,
        103 => (int)SocketError.ConnectionAborted,
        99 => (int)SocketError.AddressNotAvailable,
        24 or 23 => (int)SocketError.TooManyOpenSockets,
        _ => (int)SocketError.SocketError,
    }, Marshal.GetPInvokeErrorMessage(errno));
}
