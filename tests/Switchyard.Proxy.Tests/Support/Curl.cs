using System.Diagnostics;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>Runs the real curl client (skipping the test when it is not installed); bounded by a timeout, killed by PID.</summary>
internal static class Curl
{
    public static string? Path => Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => System.IO.Path.Combine(d, "curl")).FirstOrDefault(File.Exists);

    public static void SkipIfMissing() => Skip.If(Path is null, "curl is not installed (apt-get install curl)");

    /// <summary>Runs curl with <paramref name="args"/>; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--silent");
        psi.ArgumentList.Add("--show-error");
        psi.ArgumentList.Add("--max-time");
        psi.ArgumentList.Add("15");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
