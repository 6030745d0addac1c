using System.CommandLine;
using Switchyard.Cli.Client;

namespace Switchyard.Cli.Commands;

/// <summary>Options every command accepts: where the control plane is and how to authenticate.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = "Control-plane URL (default: $SWITCHYARD_SERVER, else the one `switchyard up` recorded, else http://127.0.0.1:7443)",
        Recursive = true,
        HelpName = "URL",
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Bearer token (default: $SWITCHYARD_TOKEN, else admin.token in the state directory)",
        Recursive = true,
        HelpName = "TOKEN",
    };

    public Option<string?> StateDir { get; } = new("--state-dir")
    {
        Description = "State directory (default: $SWITCHYARD_STATE_DIR or ./.switchyard); `up` keeps its state there, other commands read admin.token from it",
        Recursive = true,
        HelpName = "DIR",
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Server);
        root.Options.Add(Token);
        root.Options.Add(StateDir);
    }

    public TargetFlags Read(ParseResult result) => new(result.GetValue(Server), result.GetValue(Token), result.GetValue(StateDir));
}
