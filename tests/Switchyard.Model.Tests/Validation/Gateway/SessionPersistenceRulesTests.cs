using Switchyard.Model.Gateway;
using Switchyard.Model.Validation.Gateway;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>The public entry point the proxy checks sessionPersistence with again: every problem, with the given field path.</summary>
public sealed class SessionPersistenceRulesTests
{
    [Fact]
    public void Validate_PublicEntryPoint_EveryProblemWithTheGivenPath()
    {
        var sp = new SessionPersistence
        {
            SessionName = new string('s', 129), AbsoluteTimeout = null, IdleTimeout = "10 minutes", Type = "Query",
            CookieConfig = new CookieConfig { LifetimeType = "Permanent" },
        };
        Assert.Equal(
        [
            "sp.sessionName: Too long: may not be more than 128 characters",
            "sp.idleTimeout: Invalid value: \"10 minutes\": must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")",
            "sp.type: Unsupported value: \"Query\": supported values: \"Cookie\", \"Header\"",
            "sp.absoluteTimeout: Required value: a Permanent cookie needs an absolute timeout",
        ], SessionPersistenceRules.Validate(sp, "sp").Select(e => e.ToString()));
    }

    [Fact]
    public void Validate_CookieForAnHour_NoProblem() =>
        Assert.Empty(SessionPersistenceRules.Validate(
            new SessionPersistence { SessionName = "shop", AbsoluteTimeout = "1h", IdleTimeout = "30m", CookieConfig = new CookieConfig { LifetimeType = "Permanent" } }, "sp"));
}
