namespace Switchyard.Cli.Client;

internal enum ApiErrorKind
{
    /// <summary>Nothing answered at the server address.</summary>
    Unreachable,
    /// <summary>The server refused the bearer token (401).</summary>
    Unauthorized,
    /// <summary>The server answered with a Kubernetes Status error.</summary>
    Status,
    /// <summary>The server answered with something that is not the expected JSON.</summary>
    Protocol,
}

/// <summary>One cause of an Invalid Status: the field and what is wrong with it.</summary>
internal sealed record StatusCause(string Field, string Message);

/// <summary>Why an API call did not succeed, as a value the command turns into a message.</summary>
internal sealed record ApiError(ApiErrorKind Kind, string Message, int Code = 0, string Reason = "", IReadOnlyList<StatusCause>? Causes = null)
{
    public bool IsNotFound => Kind == ApiErrorKind.Status && (Code == 404 || Reason == "NotFound");
}

/// <summary>Either a value or an <see cref="ApiError"/>.</summary>
internal readonly record struct ApiResult<T>(T? Value, ApiError? Error)
{
    public bool Ok => Error is null;

    public static implicit operator ApiResult<T>(ApiError error) => new(default, error);

    public static ApiResult<T> Success(T value) => new(value, null);
}
