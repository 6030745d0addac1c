using System.Buffers.Text;
using System.Security.Cryptography;

namespace Switchyard.Control;

/// <summary>
/// The admin bearer token of a control plane: <c>&lt;state-dir&gt;/admin.token</c>, 32 random bytes in
/// base64url, readable by the owner only (mode 0600). Created on first start, reused afterwards,
/// so clients on the same machine find it (the CLI reads it from the same path).
/// </summary>
public static class ControlPlaneToken
{
    public const string FileName = "admin.token";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    /// <summary>A fresh token: 32 bytes from the operating system's CSPRNG, base64url without padding.</summary>
    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The token in the state directory, or null if there is none yet.</summary>
    public static string? TryRead(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        if (!File.Exists(path)) return null;
        var token = File.ReadAllText(path).Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>Reads the token, creating the directory and the file (mode 0600) if needed.</summary>
    public static string LoadOrCreate(string stateDirectory)
    {
        if (!Directory.Exists(stateDirectory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(stateDirectory);
            else Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var path = PathIn(stateDirectory);
        if (TryRead(stateDirectory) is { } existing)
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnly) != 0) File.SetUnixFileMode(path, OwnerOnly);
            return existing;
        }
        var token = Generate();
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(token);
            writer.Write('\n');
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, OwnerOnly); // an empty file left by a crash may have had other bits
        return token;
    }
}
