using System.Text;
using Switchyard.Cli.Client;
using Switchyard.Cli.Output;

namespace Switchyard.Cli.Commands;

/// <summary>Turns API errors into messages that say what went wrong and what to do.</summary>
internal static class ErrorMessages
{
    public static string Format(ServerTarget target, ApiError error, Colors? colors = null)
    {
        colors ??= Colors.None;
        var server = target.Server.GetLeftPart(UriPartial.Authority);
        switch (error.Kind)
        {
            case ApiErrorKind.Unreachable:
                return $"{colors.Red("error:")} no control plane at {server} — start one with: switchyard up"
                    + (target.ServerSource.StartsWith("the default", StringComparison.Ordinal) ? "" : $" (address from {target.ServerSource})");
            case ApiErrorKind.Unauthorized:
                return target.Token is null
                    ? $"{colors.Red("error:")} the control plane at {server} requires a token, and none was found: {target.TokenSource}"
                    : $"{colors.Red("error:")} the control plane at {server} refused the token (401 Unauthorized); the token was read from {target.TokenSource}. "
                      + "Use the admin.token of the running `switchyard up` (--state-dir DIR, --token or SWITCHYARD_TOKEN).";
            case ApiErrorKind.Protocol:
                return $"{colors.Red("error:")} {error.Message}";
            default:
                var sb = new StringBuilder();
                sb.Append(colors.Red($"Error from server ({(error.Reason.Length > 0 ? error.Reason : error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture))})"));
                sb.Append(": ").Append(error.Message);
                foreach (var cause in error.Causes ?? [])
                {
                    var line = cause.Field.Length == 0 ? cause.Message : $"{cause.Field}: {cause.Message}";
                    if (!error.Message.Contains(line, StringComparison.Ordinal)) sb.Append("\n  ").Append(line);
                }
                return sb.ToString();
        }
    }
}
