using System.CommandLine;
using System.Globalization;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary>The one Deployment a rollout or scale command acts on: "deployment/NAME" or "deployment NAME".</summary>
internal static class DeploymentTarget
{
    public static Argument<string[]> Argument() => new("TYPE/NAME")
    {
        Description = "The deployment: deployment/NAME, or deployment NAME (also deploy/NAME)",
        Arity = new ArgumentArity(1, 2),
    };

    /// <summary>The deployment's name, or null after printing a usage error or an unknown-kind error (then <paramref name="code"/> says which).</summary>
    public static string? Parse(CliContext context, string[] words, out int code)
    {
        code = ExitCodes.Ok;
        string kindText, name;
        if (words.Length == 1)
        {
            var slash = words[0].IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == words[0].Length - 1)
            {
                code = context.Usage($"\"{words[0]}\": expected TYPE/NAME, e.g. deployment/web");
                return null;
            }
            (kindText, name) = (words[0][..slash], words[0][(slash + 1)..]);
        }
        else
        {
            (kindText, name) = (words[0], words[1]);
        }
        var kind = KindNames.Resolve(context, kindText);
        if (kind is null)
        {
            code = ExitCodes.Failure;
            return null;
        }
        if (kind != ResourceKinds.Deployment)
        {
            code = context.Fail($"{kind.Plural} are not supported here; only deployments are");
            return null;
        }
        return name;
    }

    /// <summary>Parses a duration like 30s, 2m, 1h, 500ms or a bare number of seconds; 0 means none.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        (string Number, double Ms) split = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1),
            _ when text.EndsWith('s') => (text[..^1], 1000),
            _ when text.EndsWith('m') => (text[..^1], 60_000),
            _ when text.EndsWith('h') => (text[..^1], 3_600_000),
            _ => (text, 1000),
        };
        return double.TryParse(split.Number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? TimeSpan.FromMilliseconds(value * split.Ms)
            : null;
    }
}
