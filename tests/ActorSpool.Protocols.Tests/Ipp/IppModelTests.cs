using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

public sealed class IppModelTests
{
    [Fact]
    public void CreateResponse_CopiesVersionAndRequestId_AndAddsRequiredAttributes()
    {
        var request = new IppMessage { VersionMajor = 1, VersionMinor = 1, Code = (short)IppOperation.GetJobs, RequestId = 99 };

        var response = IppMessage.CreateResponse(request, IppStatusCode.ClientErrorNotFound, "No such job");

        Assert.Equal((1, 1, 99), (response.VersionMajor, response.VersionMinor, response.RequestId));
        Assert.Equal(IppStatusCode.ClientErrorNotFound, response.Status);
        var group = Assert.Single(response.Groups);
        Assert.Equal(IppTag.OperationAttributes, group.Tag);
        Assert.Equal(["attributes-charset", "attributes-natural-language", "status-message"], group.Attributes.Select(a => a.Name));
        Assert.Equal(IppTag.Charset, group.Find("attributes-charset")!.Tag);
        Assert.Equal("utf-8", group.Find("attributes-charset")!.Value.AsString());
        Assert.Equal(IppTag.NaturalLanguage, group.Find("attributes-natural-language")!.Tag);
        Assert.Equal("en", group.Find("attributes-natural-language")!.Value.AsString());
        Assert.Equal(IppTag.TextWithoutLanguage, response.FindOperationAttribute("status-message")!.Tag);
        Assert.Equal("No such job", response.FindOperationAttribute("status-message")!.Value.AsString());
    }

    [Fact]
    public void CreateResponse_OmitsStatusMessageWhenNotGiven()
    {
        var response = IppMessage.CreateResponse(new IppMessage(), IppStatusCode.SuccessfulOk);

        Assert.Null(response.FindOperationAttribute("status-message"));
        Assert.Equal(2, response.OperationAttributes!.Attributes.Count);
    }

    [Fact]
    public void MessageAccessors_FindFirstMatchingGroupAndAttribute()
    {
        var message = new IppMessage { Code = (short)IppOperation.CreateJob };
        Assert.Null(message.OperationAttributes);
        Assert.Null(message.FindOperationAttribute("printer-uri"));

        message.AddGroup(IppTag.OperationAttributes).Add(IppAttribute.Uri("printer-uri", "ipp://a")).Add(IppAttribute.Uri("printer-uri", "ipp://b"));
        var job = message.AddGroup(IppTag.JobAttributes);
        message.AddGroup(IppTag.JobAttributes);

        Assert.Equal(IppOperation.CreateJob, message.Operation);
        Assert.Equal("ipp://a", message.FindOperationAttribute("printer-uri")!.Value.AsString());
        Assert.Null(message.FindOperationAttribute("Printer-Uri")); // names are case-sensitive
        Assert.Same(job, message.JobAttributes);
    }

    [Fact]
    public void Attribute_RequiresNameAndAtLeastOneValue()
    {
        Assert.Throws<ArgumentException>(() => new IppAttribute("", new IppValue(IppTag.Integer, 1)));
        Assert.Throws<ArgumentException>(() => IppAttribute.Keyword("sides"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IppAttributeGroup(IppTag.EndOfAttributes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IppAttributeGroup(IppTag.Keyword));
    }

    [Fact]
    public void ValueHelpers_ConvertOrExplain()
    {
        Assert.Equal(5, new IppValue(IppTag.Enum, 5).AsInt());
        Assert.Equal("hello", new IppValue(IppTag.TextWithLanguage, new IppStringWithLanguage("en", "hello")).AsString());
        var error = Assert.Throws<InvalidOperationException>(() => new IppValue(IppTag.Keyword, "x").AsInt());
        Assert.Contains("Keyword", error.Message);
        Assert.Throws<InvalidOperationException>(() => new IppValue(IppTag.NoValue, null).AsBool());
    }

    public static TheoryData<string, IppValue> InconsistentValues() => new()
    {
        { "integer holding string", new IppValue(IppTag.Integer, "1") },
        { "keyword holding int", new IppValue(IppTag.Keyword, 1) },
        { "boolean holding null", new IppValue(IppTag.Boolean, null) },
        { "no-value holding data", new IppValue(IppTag.NoValue, 1) },
        { "collection holding string", new IppValue(IppTag.BegCollection, "x") },
        { "endCollection as a value", new IppValue(IppTag.EndCollection, null) },
        { "memberAttrName as a value", new IppValue(IppTag.MemberAttrName, "m") },
        { "delimiter as a value", new IppValue(IppTag.JobAttributes, null) },
        { "unknown tag holding string", new IppValue((IppTag)0x38, "x") },
        { "oversized string", new IppValue(IppTag.TextWithoutLanguage, new string('x', 70_000)) },
        { "lone surrogate", new IppValue(IppTag.TextWithoutLanguage, "\uD800") },
    };

    [Theory]
    [MemberData(nameof(InconsistentValues))]
    public void Writer_RejectsValuesThatDoNotFitTheirTag(string problem, IppValue value)
    {
        var message = new IppMessage();
        message.AddGroup(IppTag.JobAttributes).Add(new IppAttribute("attr", value));

        Assert.Throws<ArgumentException>(() => IppWriter.Write(message));
        Assert.NotEmpty(problem);
    }

    [Fact]
    public void Writer_RejectsSelfContainingCollection()
    {
        var collection = new IppCollection();
        collection.Add(IppAttribute.Collection("self", collection));
        var message = new IppMessage();
        message.AddGroup(IppTag.JobAttributes).Add(IppAttribute.Collection("loop", collection));

        Assert.Throws<ArgumentException>(() => IppWriter.Write(message));
    }
}
