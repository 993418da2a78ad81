using System.Text.Json;
using Segmenter.Core.Fields;

namespace Segmenter.UnitTests.Fields;

public sealed class AttributeValuesShould
{
    [Fact]
    public void Write_each_type_as_its_json_kind()
    {
        using var document = AttributeValues.ToDocument(new Dictionary<string, (string, object?)>
        {
            ["lifetime_value"] = (FieldType.Number, 1250.5m),
            ["company_size"] = (FieldType.Number, 120),
            ["last_purchase_date"] = (FieldType.Date, new DateOnly(2024, 2, 29)),
            ["trial_ends_at"] = (FieldType.DateTime, new DateTimeOffset(2026, 11, 24, 10, 30, 0, TimeSpan.FromHours(2))),
            ["newsletter_opt_in"] = (FieldType.Boolean, true),
            ["plan_type"] = (FieldType.Choice, "Pro"),
            ["job_title"] = (FieldType.Text, "Developer"),
        });
        var root = document.RootElement;

        Assert.Equal(JsonValueKind.Number, root.GetProperty("lifetime_value").ValueKind);
        Assert.Equal(1250.5m, root.GetProperty("lifetime_value").GetDecimal());
        Assert.Equal(120, root.GetProperty("company_size").GetInt32());
        Assert.Equal("2024-02-29", root.GetProperty("last_purchase_date").GetString());
        Assert.Equal("2026-11-24T08:30:00Z", root.GetProperty("trial_ends_at").GetString());
        Assert.Equal(JsonValueKind.True, root.GetProperty("newsletter_opt_in").ValueKind);
        Assert.Equal("Pro", root.GetProperty("plan_type").GetString());
        Assert.Equal("Developer", root.GetProperty("job_title").GetString());
    }

    [Fact]
    public void Leave_out_null_values()
    {
        using var document = AttributeValues.ToDocument(new Dictionary<string, (string, object?)>
        {
            ["job_title"] = (FieldType.Text, null),
            ["company_size"] = (FieldType.Number, 5),
        });

        Assert.False(document.RootElement.TryGetProperty("job_title", out _));
        Assert.True(document.RootElement.TryGetProperty("company_size", out _));
    }

    [Theory]
    [InlineData(FieldType.Number, "1000")]
    [InlineData(FieldType.Boolean, "true")]
    [InlineData(FieldType.Date, "2024-01-01")]
    [InlineData(FieldType.Text, 42)]
    public void Refuse_a_value_of_the_wrong_type(string type, object value) =>
        Assert.Throws<ArgumentException>(() => AttributeValues.ToDocument([new("field", (type, value))]));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Refuse_numbers_json_cannot_hold(double value) =>
        Assert.Throws<ArgumentException>(() => AttributeValues.ToDocument([new("field", (FieldType.Number, (object?)value))]));
}
