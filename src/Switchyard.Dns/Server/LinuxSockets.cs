using System.Runtime.InteropServices;

namespace Switchyard.Dns.Server;

/// <summary>
/// The few Linux socket calls .NET does not expose: <c>recvmmsg</c>/<c>sendmmsg</c> (many datagrams per system call)
/// and <c>poll</c>. Every argument is blittable (descriptors and addresses of pinned arrays), so no marshalling stub
/// and no unsafe code is needed. Used only on 64-bit Linux (see <see cref="UdpBatch.IsSupported"/>).
/// </summary>
internal static class LinuxSockets
{
    public const int MsgWaitForOne = 0x10000;
    public const int MsgTrunc = 0x20;
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EBadF = 9;
    public const short PollIn = 0x1;
    public const int SolSocket = 1;
    public const int SoRcvTimeo = 20;

    [DllImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks; these signatures are blittable as they are
    public static extern int RecvMmsg(IntPtr fd, IntPtr messages, uint count, int flags, IntPtr timeout);

    [DllImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int SendMmsg(IntPtr fd, IntPtr messages, uint count, int flags);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Poll(IntPtr fds, ulong count, int timeoutMilliseconds);
#pragma warning restore SYSLIB1054
}
