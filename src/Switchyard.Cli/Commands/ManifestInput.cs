using Switchyard.Model.Manifests;

namespace Switchyard.Cli.Commands;

/// <summary>Reads -f inputs client-side with the model's <see cref="ManifestReader"/>; paths are relative to the working directory.</summary>
internal static class ManifestInput
{
    public static ManifestReadResult Read(CliEnvironment env, IEnumerable<string> paths, string? namespaceOverride, bool validate = true)
    {
        var reader = new ManifestReader(new ManifestReaderOptions
        {
            NamespaceOverride = namespaceOverride,
            Validate = validate,
            Stdin = () => env.In,
        });
        return reader.Read(paths.Select(p => p == "-" ? p : Relative(env, p)));
    }

    /// <summary>Every error on its own line on stderr, then a count and what that means (<paramref name="consequence"/>).</summary>
    public static int PrintErrors(CliContext context, ManifestReadResult result, string consequence)
    {
        foreach (var error in result.Errors) context.Error.WriteLine(error.ToString());
        var n = result.Errors.Count;
        context.Error.WriteLine($"{context.Colors.Red("error:")} {n} {(n == 1 ? "error" : "errors")} in the manifests{consequence}");
        return ExitCodes.Failure;
    }

    /// <summary>Keeps a relative path relative (so messages show what the user typed) but resolves it against the CLI's directory.</summary>
    private static string Relative(CliEnvironment env, string path) =>
        Path.IsPathRooted(path) || env.CurrentDirectory == Directory.GetCurrentDirectory() ? path : Path.Combine(env.CurrentDirectory, path);
}
