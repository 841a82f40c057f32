using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

public sealed class IppStreamingTests
{
    private static byte[] RandomDocument(int seed, int length)
    {
        var document = new byte[length];
        new Random(seed).NextBytes(document);
        return document;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 13)]
    [InlineData(3, 4096)]
    [InlineData(4, 70_000)]
    public async Task ReadAsync_LeavesDocumentIntact_WithShortReads(int seed, int maxChunk)
    {
        var message = IppRoundTripTests.EveryValueType();
        byte[] document = RandomDocument(seed, 100 * 1024);
        byte[] input = [.. IppWriter.Write(message), .. document];

        var result = await IppParser.ReadAsync(new ChunkedStream(input, seed, maxChunk));
        using var received = new MemoryStream();
        await result.Document.CopyToAsync(received);

        IppAssert.Equivalent(message, result.Message);
        Assert.Equal(document, received.ToArray());
    }

    [Fact]
    public async Task Document_CanBeReadSynchronouslyInOddSizedPieces()
    {
        byte[] attributes = IppWriter.Write(IppRoundTripTests.EveryValueType());
        byte[] document = RandomDocument(5, 100 * 1024);

        var result = await IppParser.ReadAsync(new ChunkedStream([.. attributes, .. document], 5, 3000));
        var received = new List<byte>();
        var piece = new byte[777];
        int read;
        while ((read = result.Document.Read(piece, 0, piece.Length)) > 0)
            received.AddRange(piece.AsSpan(0, read));

        Assert.Equal(document, received);
        Assert.False(result.Document.CanSeek);
        Assert.False(result.Document.CanWrite);
    }

    [Fact]
    public async Task ReadAsync_DoesNotDisposeTheInputStream()
    {
        using var input = new MemoryStream([.. IppWriter.Write(IppRoundTripTests.EveryValueType()), 1, 2, 3]);

        var result = await IppParser.ReadAsync(input);
        result.Document.Dispose();

        Assert.True(input.CanRead);
    }

    [Fact]
    public void Parse_ReportsDocumentOffset()
    {
        byte[] attributes = IppWriter.Write(IppRoundTripTests.EveryValueType());
        byte[] document = RandomDocument(6, 1000);

        IppParser.Parse([.. attributes, .. document], out int documentOffset);

        Assert.Equal(attributes.Length, documentOffset);
    }

    [Fact]
    public async Task EmptyDocument_YieldsEndOfStream()
    {
        byte[] attributes = IppWriter.Write(IppRoundTripTests.EveryValueType());

        var result = await IppParser.ReadAsync(new ChunkedStream(attributes, 7, 50));

        Assert.Equal(0, await result.Document.ReadAsync(new byte[16]));
    }

    [Fact]
    public async Task ReadAsync_HonoursCancellation()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            IppParser.ReadAsync(new MemoryStream(IppWriter.Write(new IppMessage())), cts.Token));
    }
}
