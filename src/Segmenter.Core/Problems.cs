namespace Segmenter.Core;

/// <summary>The thing asked for does not exist in the current tenant (another tenant's ids included): a 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>The request is valid but contradicts the state of what it acts on: a 409.</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>A count or preview ran past its statement timeout and was stopped by the database: a 503, and a note in the UI.</summary>
public sealed class QueryTimeoutException(string message, Exception inner) : Exception(message, inner);
