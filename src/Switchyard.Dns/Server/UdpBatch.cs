using System.Runtime.InteropServices;

namespace Switchyard.Dns.Server;

/// <summary>
/// The buffers of one UDP receive loop for <c>recvmmsg</c>/<c>sendmmsg</c>: <see cref="Capacity"/> slots, each a
/// 64 KiB request buffer, a 64 KiB response buffer and a peer address, described by <c>struct mmsghdr</c> arrays
/// (64-bit Linux layout). Everything lives in arrays pinned once on the pinned object heap, so a batch costs one
/// receive and one send system call and allocates nothing. Not thread-safe: one instance per loop.
/// </summary>
internal sealed class UdpBatch
{
    // struct mmsghdr { struct msghdr { void* name; u32 namelen; iovec* iov; size_t iovlen; void* control;
    //   size_t controllen; int flags; }; u32 len; } on LP64: 64 bytes.
    private const int HeaderSize = 64;
    private const int NameOffset = 0, NameLengthOffset = 8, IovOffset = 16, IovLengthOffset = 24, LengthOffset = 56;
    private const int IovSize = 16; // struct iovec { void* base; size_t len; }
    private const int AddressSize = 128; // sizeof(struct sockaddr_storage)
    private const int SlotSize = ushort.MaxValue + 1;

    // Every array is referenced from a field: the kernel only sees their addresses, so they must stay reachable.
    private readonly byte[] _receiveHeaders;
    private readonly byte[] _receiveIovs;
    private readonly byte[] _sendHeaders;
    private readonly byte[] _sendIovs;
    private readonly byte[] _addresses;
    private readonly byte[] _requests;
    private readonly byte[] _responses;
    private readonly byte[] _pollFd = GC.AllocateArray<byte>(8, pinned: true);
    private readonly IntPtr _receiveHeadersAt, _sendHeadersAt, _sendIovsAt, _addressesAt, _responsesAt, _pollFdAt;
    private int _received;
    private int _queued;

    public UdpBatch(int capacity)
    {
        Capacity = capacity;
        _receiveHeaders = GC.AllocateArray<byte>(capacity * HeaderSize, pinned: true);
        _sendHeaders = GC.AllocateArray<byte>(capacity * HeaderSize, pinned: true);
        _receiveIovs = GC.AllocateArray<byte>(capacity * IovSize, pinned: true);
        _sendIovs = GC.AllocateArray<byte>(capacity * IovSize, pinned: true);
        _addresses = GC.AllocateArray<byte>(capacity * AddressSize, pinned: true);
        _requests = GC.AllocateUninitializedArray<byte>(capacity * SlotSize, pinned: true);
        _responses = GC.AllocateUninitializedArray<byte>(capacity * SlotSize, pinned: true);
        _receiveHeadersAt = AddressOf(_receiveHeaders);
        _sendHeadersAt = AddressOf(_sendHeaders);
        _sendIovsAt = AddressOf(_sendIovs);
        _addressesAt = AddressOf(_addresses);
        _responsesAt = AddressOf(_responses);
        _pollFdAt = AddressOf(_pollFd);
        var receiveIovsAt = AddressOf(_receiveIovs);
        var requestsAt = AddressOf(_requests);
        for (var i = 0; i < capacity; i++)
        {
            var header = _receiveHeaders.AsSpan(i * HeaderSize, HeaderSize);
            Write(header, NameOffset, _addressesAt + i * AddressSize);
            Write(header, NameLengthOffset, AddressSize);
            Write(header, IovOffset, receiveIovsAt + i * IovSize);
            Write(header, IovLengthOffset, 1L);
            var iov = _receiveIovs.AsSpan(i * IovSize, IovSize);
            Write(iov, 0, requestsAt + i * SlotSize);
            Write(iov, 8, (long)SlotSize);
        }
    }

    /// <summary>True where <see cref="LinuxSockets"/> and this layout apply: Linux on a 64-bit process.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && IntPtr.Size == 8;

    public int Capacity { get; }

    /// <summary>
    /// Waits for at least one datagram, then takes every one already queued, up to <see cref="Capacity"/>. Returns
    /// how many, or the negated errno (EAGAIN when the socket's receive timeout expired).
    /// </summary>
    public int Receive(IntPtr fd)
    {
        for (var i = 0; i < _received; i++) Write(_receiveHeaders.AsSpan(i * HeaderSize), NameLengthOffset, AddressSize);
        _queued = 0;
        var n = LinuxSockets.RecvMmsg(fd, _receiveHeadersAt, (uint)Capacity, LinuxSockets.MsgWaitForOne, IntPtr.Zero);
        if (n < 0)
        {
            _received = 0;
            return -Marshal.GetLastPInvokeError();
        }
        _received = n;
        return n;
    }

    /// <summary>Datagram <paramref name="i"/> of the last <see cref="Receive"/> (cut at 64 KiB; UDP cannot carry more).</summary>
    public ReadOnlySpan<byte> Request(int i)
    {
        var header = _receiveHeaders.AsSpan(i * HeaderSize, HeaderSize);
        return _requests.AsSpan(i * SlotSize, Math.Min(Read32(header, LengthOffset), SlotSize));
    }

    /// <summary>The sender of datagram <paramref name="i"/>, as a native <c>sockaddr</c> (the layout of <see cref="System.Net.SocketAddress"/>).</summary>
    public ReadOnlySpan<byte> Address(int i) =>
        _addresses.AsSpan(i * AddressSize, Math.Min(Read32(_receiveHeaders.AsSpan(i * HeaderSize, HeaderSize), NameLengthOffset), AddressSize));

    /// <summary>Where the response to datagram <paramref name="i"/> is written (65,535 bytes).</summary>
    public Span<byte> Response(int i) => _responses.AsSpan(i * SlotSize, ushort.MaxValue);

    /// <summary>Queues the first <paramref name="length"/> bytes of <see cref="Response"/>(i) to go back to the sender of datagram i.</summary>
    public void Queue(int i, int length)
    {
        var j = _queued++;
        var header = _sendHeaders.AsSpan(j * HeaderSize, HeaderSize);
        header.Clear();
        Write(header, NameOffset, _addressesAt + i * AddressSize);
        Write(header, NameLengthOffset, Read32(_receiveHeaders.AsSpan(i * HeaderSize, HeaderSize), NameLengthOffset));
        Write(header, IovOffset, _sendIovsAt + j * IovSize);
        Write(header, IovLengthOffset, 1L);
        var iov = _sendIovs.AsSpan(j * IovSize, IovSize);
        Write(iov, 0, _responsesAt + i * SlotSize);
        Write(iov, 8, (long)length);
    }

    /// <summary>
    /// Sends every queued response with as few <c>sendmmsg</c> calls as possible. A datagram the kernel refuses
    /// (e.g. a full buffer on a non-blocking socket) is skipped, as a lost UDP packet would be. Returns false when the
    /// socket is closed.
    /// </summary>
    public bool Flush(IntPtr fd)
    {
        var next = 0;
        while (next < _queued)
        {
            var sent = LinuxSockets.SendMmsg(fd, _sendHeadersAt + next * HeaderSize, (uint)(_queued - next), 0);
            if (sent > 0)
            {
                next += sent;
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LinuxSockets.EBadF) return false;
            if (errno != LinuxSockets.EIntr) next++;
        }
        _queued = 0;
        return true;
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for the socket to become readable (for non-blocking sockets); false on timeout or error.</summary>
    public bool WaitReadable(IntPtr fd, int timeoutMilliseconds)
    {
        var pollFd = _pollFd.AsSpan();
        Write(pollFd, 0, checked((int)fd));
        MemoryMarshal.Write(pollFd[4..], LinuxSockets.PollIn);
        MemoryMarshal.Write(pollFd[6..], (short)0);
        return LinuxSockets.Poll(_pollFdAt, 1, timeoutMilliseconds) > 0;
    }

    private static IntPtr AddressOf(byte[] pinned) => Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);

    private static void Write(Span<byte> at, int offset, IntPtr value) => MemoryMarshal.Write(at[offset..], (long)value);

    private static void Write(Span<byte> at, int offset, long value) => MemoryMarshal.Write(at[offset..], value);

    private static void Write(Span<byte> at, int offset, int value) => MemoryMarshal.Write(at[offset..], value);

    private static int Read32(ReadOnlySpan<byte> at, int offset) => MemoryMarshal.Read<int>(at[offset..]);
}
