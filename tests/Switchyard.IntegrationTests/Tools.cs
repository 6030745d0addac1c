namespace Switchyard.IntegrationTests;

/// <summary>Looks up real peer programs (curl, dig, ...) that the README's test command installs when it can.</summary>
public static class Tools
{
    public static bool Has(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));

    public static string Missing(string command) =>
        $"{command} is not installed; ./test installs it with apt-get when run as root";
}
