using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Matrix;

/// <summary>One probed connection of a reachability matrix.</summary>
public sealed record Probe(string From, string To, int Port, L4Protocol Protocol, bool Allowed, string Reason);
