using System.Text.Json.Nodes;

namespace Switchyard.Model.Manifests;

/// <summary>A problem found while parsing source text, at a 1-based line (0 when unknown).</summary>
public sealed record SourceProblem(int Line, string Message);

/// <summary>One parsed document of a source file: its JSON tree, the line of every field, and parse problems.</summary>
public sealed record SourceDocument(JsonNode? Root, int Line, LineMap Lines, IReadOnlyList<SourceProblem> Problems);

/// <summary>The documents of one source text, and a problem that stopped parsing (a syntax error), if any.</summary>
public sealed record ParsedSource(IReadOnlyList<SourceDocument> Documents, SourceProblem? Fatal);
