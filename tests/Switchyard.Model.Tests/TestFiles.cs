namespace Switchyard.Model.Tests;

/// <summary>Finds files of the repository (test data, examples) from the test binary's directory.</summary>
internal static class TestFiles
{
    public static string RepoRoot { get; } = FindRoot();

    public static string TestData(string name) => Path.Combine(RepoRoot, "tests", "Switchyard.Model.Tests", "Manifests", "testdata", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) return dir.FullName;
        }
        // Built with --artifacts-path outside the repo: fall back to the source location of this file.
        return Path.GetFullPath(Path.Combine(SourceDir(), "..", ".."));
    }

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
