namespace Segmenter.Core;

/// <summary>The thing asked for does not exist in the current tenant (another tenant's ids included): a 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>The request is valid but contradicts the state of what it acts on: a 409.</summary>
public sealed class ConflictException(string message) : Exception(message);
