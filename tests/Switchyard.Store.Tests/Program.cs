using Switchyard.Store.Tests.Sqlite;

namespace Switchyard.Store.Tests;

/// <summary>Entry point when the test assembly runs as a helper process (the test runner does not use it).</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["crash-writer", var stateDirectory]) return await CrashWriter.RunAsync(stateDirectory);
        await Console.Error.WriteLineAsync("usage: Switchyard.Store.Tests crash-writer STATE_DIR   (the child of the kill -9 durability test)");
        return 2;
    }
}
