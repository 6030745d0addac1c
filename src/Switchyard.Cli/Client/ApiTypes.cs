using System.Text.Json.Nodes;

namespace Switchyard.Cli.Client;

/// <summary>A list answer: the items in wire form and the revision the list is consistent at.</summary>
internal sealed record ListResponse(IReadOnlyList<JsonObject> Items, string? ResourceVersion);

/// <summary>One object of a batch apply and what happened to it: created, configured or unchanged.</summary>
internal sealed record AppliedObject(string Action, JsonObject Object);

/// <summary>One line of a watch stream: ADDED, MODIFIED, DELETED, or ERROR (then <see cref="Object"/> is a Status).</summary>
internal sealed record WatchLine(string Type, JsonObject Object);
