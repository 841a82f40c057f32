using System.Text;
using ActorSpool.Protocols.Documents;

namespace ActorSpool.Protocols.Tests.Documents;

public sealed class DocumentFormatDetectorTests
{
    [Theory]
    [InlineData("%PDF-1.7\n%âãÏÓ", "application/pdf")]
    [InlineData("%!PS-Adobe-3.0\n", "application/postscript")]
    [InlineData("RaS2PwgRaster", "image/pwg-raster")]
    [InlineData("UNIRAST\0", "image/urf")]
    [InlineData("\u001B%-12345X@PJL", "application/vnd.hp-pcl")]
    [InlineData("Dear printer,\nplease print this.\f", "text/plain")]
    [InlineData("Grüße aus Köln\n", "text/plain")]
    [InlineData("", "application/octet-stream")]
    public void Recognises_common_print_formats(string head, string expected) =>
        Assert.Equal(expected, DocumentFormatDetector.Detect(Encoding.UTF8.GetBytes(head)));

    [Fact]
    public void Binary_data_stays_octet_stream()
    {
        var random = new byte[512];
        new Random(7).NextBytes(random);
        random[3] = 0;
        Assert.Equal(DocumentFormatDetector.OctetStream, DocumentFormatDetector.Detect(random));
        Assert.Equal("image/jpeg", DocumentFormatDetector.Detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]));
    }
}
