using ActorSpool.Protocols.Documents;

namespace ActorSpool.Protocols.Tests.Documents;

public sealed class PrintOrderTests
{
    [Fact]
    public void Collated_copies_repeat_the_whole_job()
    {
        Assert.Equal(["d1", "d2", "d1", "d2", "d1", "d2"], PrintOrder.WithCopies(["d1", "d2"], 3, uncollated: false));
    }

    [Fact]
    public void Uncollated_copies_keep_each_documents_copies_together()
    {
        Assert.Equal(["d1", "d1", "d1", "d2", "d2", "d2"], PrintOrder.WithCopies(["d1", "d2"], 3, uncollated: true));
    }

    [Fact]
    public void One_copy_is_the_documents_as_they_are()
    {
        Assert.Equal(["d1", "d2"], PrintOrder.WithCopies(["d1", "d2"], 1, uncollated: false));
        Assert.Equal(["d1", "d2"], PrintOrder.WithCopies(["d1", "d2"], 1, uncollated: true));
    }
}
