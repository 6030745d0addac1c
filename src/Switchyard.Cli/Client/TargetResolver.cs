namespace Switchyard.Cli.Client;

/// <summary>What the user said about the server on the command line.</summary>
internal sealed record TargetFlags(string? Server, string? Token, string? StateDir);

/// <summary>
/// Decides which server and token a command uses. Precedence, highest first: flags (--server, --token,
/// --state-dir), environment (SWITCHYARD_SERVER, SWITCHYARD_TOKEN, SWITCHYARD_STATE_DIR), the context
/// recorded by <c>switchyard up</c>, then the defaults (http://127.0.0.1:7443 and ./.switchyard/admin.token).
/// </summary>
internal static class TargetResolver
{
    public const string DefaultServer = "http://127.0.0.1:7443";
    public const string DefaultStateDir = ".switchyard";
    public const string TokenFileName = "admin.token";

    public static ApiResult<ServerTarget> Resolve(TargetFlags flags, CliEnvironment env)
    {
        var context = CurrentContext.Read(env.ConfigDirectory);
        var contextPath = CurrentContext.PathIn(env.ConfigDirectory);

        var (serverText, serverSource) =
            !string.IsNullOrEmpty(flags.Server) ? (flags.Server, "--server")
            : env.GetVariable("SWITCHYARD_SERVER") is { Length: > 0 } s ? (s, "SWITCHYARD_SERVER")
            : context is not null ? (context.Server, contextPath)
            : (DefaultServer, "the default address");
        if (!serverText.Contains("://", StringComparison.Ordinal)) serverText = "http://" + serverText;
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || (server.Scheme != "http" && server.Scheme != "https"))
        {
            return new ApiError(ApiErrorKind.Protocol, $"invalid server URL \"{serverText}\" (from {serverSource}): expected http://HOST:PORT");
        }

        var (token, tokenSource) = FindToken(flags, env, context);
        return ApiResult<ServerTarget>.Success(new ServerTarget(server, serverSource, token, tokenSource));
    }

    private static (string? Token, string Source) FindToken(TargetFlags flags, CliEnvironment env, CurrentContext? context)
    {
        if (!string.IsNullOrEmpty(flags.Token)) return (flags.Token, "--token");
        if (!string.IsNullOrEmpty(flags.StateDir)) return ReadFile(env.FullPath(Path.Combine(flags.StateDir, TokenFileName)));
        if (env.GetVariable("SWITCHYARD_TOKEN") is { Length: > 0 } t) return (t, "SWITCHYARD_TOKEN");

        var candidates = new List<string>();
        if (env.GetVariable("SWITCHYARD_STATE_DIR") is { Length: > 0 } dir) candidates.Add(env.FullPath(Path.Combine(dir, TokenFileName)));
        if (context is not null) candidates.Add(context.TokenFile);
        candidates.Add(env.FullPath(Path.Combine(DefaultStateDir, TokenFileName)));
        foreach (var path in candidates)
        {
            if (File.Exists(path)) return ReadFile(path);
        }
        return (null, $"no token found (looked in {string.Join(", ", candidates.Distinct())}; pass --token or --state-dir)");
    }

    private static (string? Token, string Source) ReadFile(string path)
    {
        try
        {
            var token = File.ReadAllText(path).Trim();
            return (token.Length == 0 ? null : token, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{path} (unreadable: {e.Message})");
        }
    }
}
