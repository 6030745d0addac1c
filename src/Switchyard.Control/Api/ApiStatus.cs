using System.Text.Json.Nodes;
using Switchyard.Control.Apply;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Api;

/// <summary>One cause of a failure: which field, and why.</summary>
public sealed record StatusCause(string Reason, string Message, string Field);

/// <summary>
/// A failed request as a Kubernetes <c>Status</c> object (kind Status, apiVersion v1): the HTTP code,
/// a machine-readable reason, a message for people, and details naming the object and every cause.
/// </summary>
public sealed record ApiStatus(int Code, string Reason, string Message)
{
    public string? Name { get; init; }
    public string? Group { get; init; }

    /// <summary>The resource (plural) the failure is about, as Kubernetes puts it in details.kind.</summary>
    public string? Kind { get; init; }

    public IReadOnlyList<StatusCause> Causes { get; init; } = [];

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Name is not null || Kind is not null || Causes.Count > 0)
        {
            var details = new JsonObject();
            if (Name is not null) details["name"] = Name;
            if (Group is { Length: > 0 }) details["group"] = Group;
            if (Kind is not null) details["kind"] = Kind;
            if (Causes.Count > 0)
            {
                details["causes"] = new JsonArray([.. Causes.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["field"] = c.Field,
                })]);
            }
            json["details"] = details;
        }
        json["code"] = Code;
        return json;
    }

    public static ApiStatus BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiStatus Unauthorized() => new(401, "Unauthorized", "Unauthorized: a bearer token is required (see <state-dir>/admin.token)");

    public static ApiStatus Forbidden(ObjectRef r, string message) => new(403, "Forbidden", message) { Name = r.Name, Group = r.Kind.Group, Kind = r.Kind.Plural };

    public static ApiStatus PathNotFound() => new(404, "NotFound", "the server could not find the requested resource");

    public static ApiStatus NotFound(ObjectRef r) =>
        new(404, "NotFound", $"{ApplyService.Resource(r.Kind)} \"{r.Name}\" not found") { Name = r.Name, Group = r.Kind.Group, Kind = r.Kind.Plural };

    public static ApiStatus MethodNotAllowed(string method) =>
        new(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})");

    public static ApiStatus AlreadyExists(ObjectRef r, string message) =>
        new(409, "AlreadyExists", message) { Name = r.Name, Group = r.Kind.Group, Kind = r.Kind.Plural };

    public static ApiStatus Conflict(ObjectRef r, string message) =>
        new(409, "Conflict", message) { Name = r.Name, Group = r.Kind.Group, Kind = r.Kind.Plural };

    public static ApiStatus Expired(string message) => new(410, "Expired", message);

    public static ApiStatus UnsupportedMediaType(string? contentType, IEnumerable<string> supported) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format ({contentType}); accepted media types are: {string.Join(", ", supported)}");

    public static ApiStatus InternalError(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    /// <summary>422 for one object, worded as Kubernetes does: <c>Kind "name" is invalid: [a: x, b: y]</c>.</summary>
    public static ApiStatus Invalid(ResourceKind kind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = errors.Select(e => new StatusCause(CauseReason(e), e.Message, e.Path)).ToList();
        var list = errors.Count == 1 ? errors[0].ToString() : $"[{string.Join(", ", errors.Select(e => e.ToString()))}]";
        return new(422, "Invalid", $"{kind.Kind} \"{name}\" is invalid: {list}") { Name = name, Group = kind.Group, Kind = kind.Kind, Causes = causes };
    }

    /// <summary>422 for several objects: every error of every object, each cause's field "Kind namespace/name: path".</summary>
    public static ApiStatus InvalidBatch(string verb, IReadOnlyList<(string Object, FieldError Error)> errors)
    {
        var causes = errors.Select(e => new StatusCause(CauseReason(e.Error), e.Error.Message,
            e.Error.Path.Length == 0 ? e.Object : $"{e.Object}: {e.Error.Path}")).ToList();
        var objects = errors.Select(e => e.Object).Distinct().Count();
        var noun = errors.Count == 1 ? "error" : "errors";
        return new(422, "Invalid", $"{verb} refused: {errors.Count} {noun} in {objects} {(objects == 1 ? "object" : "objects")}; nothing was changed") { Causes = causes };
    }

    /// <summary>The apimachinery cause type for a field error's message ("FieldValueRequired", ...).</summary>
    private static string CauseReason(FieldError e) => e.Message switch
    {
        var m when m.StartsWith("Required value", StringComparison.Ordinal) => "FieldValueRequired",
        var m when m.StartsWith("Unsupported value", StringComparison.Ordinal) => "FieldValueNotSupported",
        var m when m.StartsWith("Duplicate value", StringComparison.Ordinal) => "FieldValueDuplicate",
        var m when m.StartsWith("Forbidden", StringComparison.Ordinal) => "FieldValueForbidden",
        var m when m.StartsWith("Too many", StringComparison.Ordinal) => "FieldValueTooMany",
        var m when m.StartsWith("Too long", StringComparison.Ordinal) => "FieldValueTooLong",
        var m when m.StartsWith("unknown field", StringComparison.Ordinal) => "FieldValueUnknown",
        _ => "FieldValueInvalid",
    };
}
