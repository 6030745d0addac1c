using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Validation;

/// <summary>
/// The API rules of one kind: defaulting as the Kubernetes API server does it, and validation
/// that reports every problem with its field path. One sealed class per kind, listed in <see cref="KindRules"/>.
/// </summary>
public interface IKindRules
{
    ResourceKind Kind { get; }

    /// <summary>Fills in defaults in place (Service port protocol TCP, targetPort = port, ...).</summary>
    void ApplyDefaults(IKubernetesObject<V1ObjectMeta> obj);

    /// <summary>Adds every problem of a defaulted object to <paramref name="errors"/>; never stops at the first.</summary>
    void Validate(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors);
}

/// <summary>Base class that casts to the kind's CLR type once.</summary>
public abstract class KindRules<T> : IKindRules where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceKind Kind => ResourceKinds.ForType(typeof(T));

    public void ApplyDefaults(IKubernetesObject<V1ObjectMeta> obj) => Default((T)obj);

    public void Validate(IKubernetesObject<V1ObjectMeta> obj, List<FieldError> errors) => Validate((T)obj, errors);

    protected virtual void Default(T obj)
    {
    }

    protected abstract void Validate(T obj, List<FieldError> errors);
}
