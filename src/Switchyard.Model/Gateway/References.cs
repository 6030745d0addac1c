using System.Text.Json.Serialization;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>A Route's reference to the object it attaches to (usually a Gateway, optionally one listener of it).</summary>
public sealed class ParentReference
{
    /// <summary>Defaults to gateway.networking.k8s.io.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    /// <summary>Defaults to Gateway.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    /// <summary>Defaults to the Route's namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>A listener name of the parent Gateway.</summary>
    [JsonPropertyName("sectionName")] public string? SectionName { get; set; }

    [JsonPropertyName("port")] public int? Port { get; set; }
}

/// <summary>A reference to a backend object (a Service by default) and, for Services, its port.</summary>
public sealed class BackendObjectReference
{
    /// <summary>Defaults to "" (the core group).</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    /// <summary>Defaults to Service.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>Required when the referent is a Service.</summary>
    [JsonPropertyName("port")] public int? Port { get; set; }
}

/// <summary>A reference to a Secret (by default) holding a certificate and key.</summary>
public sealed class SecretObjectReference
{
    /// <summary>Defaults to "" (the core group).</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    /// <summary>Defaults to Secret.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>A reference to any object by group, kind, name and optional namespace.</summary>
public sealed class ObjectReference
{
    /// <summary>Required; "" is the core group.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    [JsonPropertyName("kind")] public string Kind { get; set; } = "";

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>A reference to an object in the same namespace (filter extensions).</summary>
public sealed class LocalObjectReference
{
    /// <summary>Required; "" is the core group.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    [JsonPropertyName("kind")] public string Kind { get; set; } = "";

    [JsonPropertyName("name")] public string Name { get; set; } = "";
}

/// <summary>The status of a Route with respect to one of its parents, written by the controller that serves it.</summary>
public sealed class RouteParentStatus
{
    [JsonPropertyName("parentRef")] public ParentReference ParentRef { get; set; } = new();

    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";

    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
}
