namespace Segmenter.Core.Audit;

/// <summary>
/// Who is acting in the current scope, for the audit log: the signed-in user of a page, the API key of a
/// request, or the system (jobs, sweeps). Set once per scope by the web host; the system until then.
/// </summary>
public sealed class AuditActor
{
    public const string User = "user";
    public const string ApiKey = "api_key";
    public const string System = "system";

    public string Kind { get; private set; } = System;

    public Guid? Id { get; private set; }

    public string Name { get; private set; } = System;

    public void Use(string kind, Guid? id, string name) => (Kind, Id, Name) = (kind, id, name);
}
