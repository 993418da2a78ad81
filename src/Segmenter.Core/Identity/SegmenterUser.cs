using Microsoft.AspNetCore.Identity;

namespace Segmenter.Core.Identity;

/// <summary>A person who signs in. Users are global; what they may do in a tenant is in <c>tenant_users</c>.</summary>
public sealed class SegmenterUser : IdentityUser<Guid>
{
    public SegmenterUser()
    {
        Id = Guid.CreateVersion7();
        SecurityStamp = Guid.NewGuid().ToString();
    }
}
