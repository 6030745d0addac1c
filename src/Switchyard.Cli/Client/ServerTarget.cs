namespace Switchyard.Cli.Client;

/// <summary>
/// Which control plane a command talks to, and with which token; each value remembers where it came
/// from so that errors can say ("the token read from /home/me/.switchyard/admin.token was refused").
/// </summary>
internal sealed record ServerTarget(Uri Server, string ServerSource, string? Token, string TokenSource);
