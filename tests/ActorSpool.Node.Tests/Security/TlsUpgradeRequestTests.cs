using System.Buffers;
using System.Text;
using ActorSpool.Node.Hosting;

namespace ActorSpool.Node.Tests.Security;

/// <summary>Which request heads the IPP port answers with 101 Switching Protocols (RFC 2817) and which it leaves to HTTP.</summary>
public sealed class TlsUpgradeRequestTests
{
    private static TlsUpgradeRequest.Result Parse(string text, out long length) =>
        TlsUpgradeRequest.Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out length);

    [Fact]
    public void What_cups_lp_E_sends_is_an_upgrade_and_only_its_head_is_taken()
    {
        const string head = "OPTIONS * HTTP/1.1\r\nConnection: Upgrade\r\nHost: localhost:8631\r\nUpgrade: TLS/1.2,TLS/1.1,TLS/1.0\r\nUser-Agent: CUPS/2.4.2\r\n\r\n";

        Assert.Equal(TlsUpgradeRequest.Result.Upgrade, Parse(head + "\u0016\u0003\u0001", out var length));
        Assert.Equal(head.Length, length);
    }

    [Theory]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")] // no upgrade asked
    [InlineData("OPTIONS * HTTP/1.1\r\nUpgrade: TLS/1.2\r\nHost: x\r\n\r\n")] // no Connection: Upgrade
    [InlineData("OPTIONS * HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("OPTIONS /printers/office HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: TLS/1.2\r\n\r\n")]
    [InlineData("POST /printers/office HTTP/1.1\r\nContent-Type: application/ipp\r\n")]
    public void Other_requests_are_left_to_http(string text) =>
        Assert.Equal(TlsUpgradeRequest.Result.Other, Parse(text, out _));

    [Theory]
    [InlineData("O")]
    [InlineData("OPTIONS * HT")]
    [InlineData("OPTIONS * HTTP/1.1\r\nConnection: Upgrade\r\n")]
    public void A_head_cut_short_waits_for_more(string text) =>
        Assert.Equal(TlsUpgradeRequest.Result.NeedMore, Parse(text, out _));

    [Fact]
    public void A_head_that_never_ends_is_not_waited_for_past_the_limit() =>
        Assert.Equal(TlsUpgradeRequest.Result.Other, Parse("OPTIONS * HTTP/1.1\r\nX: " + new string('a', TlsUpgradeRequest.MaxHeadLength), out _));
}
