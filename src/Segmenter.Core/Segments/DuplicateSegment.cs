using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;

namespace Segmenter.Core.Segments;

/// <summary>
/// A copy named "… (copy)": a dynamic segment gets the same rules and is evaluated now; a static one gets
/// the same members (the same as freezing it).
/// </summary>
public sealed class DuplicateSegment(SegmenterDbContext db, CreateSegment create, FreezeSegment freeze)
{
    public async Task<Segment> HandleAsync(Guid segmentId, Guid? createdBy, CancellationToken cancellationToken)
    {
        var source = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        var name = Copy(source.Name);
        if (source.Type == SegmentType.Static)
        {
            return await freeze.CopyAsync(segmentId, name, createdBy, "segment.duplicated", cancellationToken);
        }

        var definition = RuleJson.ReadDefinition(source.Definition!.RootElement);
        return await create.HandleAsync(new CreateSegmentRequest(name, source.Description, SegmentType.Dynamic, definition), createdBy, cancellationToken);
    }

    private static string Copy(string name)
    {
        const string suffix = " (copy)";
        return (name.Length + suffix.Length > Names.MaxLength ? name[..(Names.MaxLength - suffix.Length)] : name) + suffix;
    }
}
