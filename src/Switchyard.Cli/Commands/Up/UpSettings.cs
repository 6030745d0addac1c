using System.Net;

namespace Switchyard.Cli.Commands.Up;

/// <summary>The settings of one <c>switchyard up</c>, after parsing and checking the command line.</summary>
/// <param name="StateDirectory">Absolute path; holds state.db (unless in memory) and admin.token.</param>
/// <param name="InMemory">Keep objects in memory only (gone on exit).</param>
/// <param name="Listen">API server address; port 0 picks a free port.</param>
internal sealed record UpSettings(string StateDirectory, bool InMemory, IPEndPoint Listen);
