using System.Text;
using ActorSpool.Node.Discovery;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Discovery;

/// <summary>The DNS-SD record of a queue (pure): it says what Get-Printer-Attributes says.</summary>
public sealed class IppDnsSdTests
{
    private static readonly DnsSdNode Node = new(8631, "spool.example:8631", TlsOffered: true, LoginRequired: false);

    private static Dictionary<string, string> Txt(IEnumerable<string> entries) =>
        entries.Select(e => e.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

    [Fact]
    public async Task The_txt_record_says_what_get_printer_attributes_answers()
    {
        var gateway = new FakeSpoolGateway();
        var response = await new IppPrintService(gateway, gateway.Clock).SendAsync(Request(IppOperation.GetPrinterAttributes));
        response.AssertStatus(IppStatusCode.SuccessfulOk);

        var txt = Txt(IppDnsSd.TxtRecord("office", Node));

        Assert.Equal("1", txt["txtvers"]);
        Assert.Equal("1", txt["qtotal"]);
        Assert.Equal("printers/office", txt["rp"]);
        Assert.Equal(new Uri(OfficeUri).AbsolutePath.TrimStart('/'), txt["rp"]);
        Assert.Equal(response.Printer("printer-make-and-model").Value.AsString(), txt["ty"]);
        Assert.Equal(response.Printer("printer-more-info").Value.AsString(), txt["adminurl"]);
        Assert.Equal(response.Printer("printer-location").Value.AsString(), txt["note"]);
        Assert.Equal(string.Join(',', response.Printer("document-format-supported").Values.Select(v => v.AsString())), txt["pdl"]);
        Assert.Equal(response.Printer("printer-uuid").Value.AsString(), "urn:uuid:" + txt["UUID"]);
        Assert.Equal("T", txt["Color"]);
        Assert.True(response.Printer("color-supported").Value.AsBool());
        Assert.Equal("T", txt["Duplex"]);
        Assert.Contains("two-sided-long-edge", response.Printer("sides-supported").Values.Select(v => v.AsString()));
        Assert.Equal("tabloid-A3", txt["PaperMax"]); // A3 is the largest media-supported
        Assert.Contains("iso_a3_297x420mm", response.Printer("media-supported").Values.Select(v => v.AsString()));
        Assert.Equal("document", txt["kind"]);
        Assert.Equal("none", txt["air"]);
        Assert.Equal("1.2", txt["TLS"]);
        Assert.Equal("(ActorSpool)", txt["product"]);
        Assert.All(IppDnsSd.TxtRecord("office", Node), entry => Assert.True(Encoding.UTF8.GetByteCount(entry) <= IppDnsSd.MaxTxtEntryBytes, entry));
    }

    [Fact]
    public void Each_queue_has_its_own_uuid_and_resource_path()
    {
        var office = Txt(IppDnsSd.TxtRecord("office", Node));
        var labels = Txt(IppDnsSd.TxtRecord("labels", Node));
        Assert.NotEqual(office["UUID"], labels["UUID"]);
        Assert.Equal("printers/labels", labels["rp"]);
        Assert.True(Guid.TryParse(labels["UUID"], out _), labels["UUID"]);
    }

    [Fact]
    public void With_tls_the_queue_is_ipp_and_ipps_each_with_the_print_subtype_on_the_ipp_port()
    {
        var services = IppDnsSd.Services("office", "office @ spool", Node);

        Assert.Equal(["_ipp._tcp", "_ipps._tcp"], services.Select(s => s.Type));
        Assert.Equal(["_print._sub._ipp._tcp"], services[0].Subtypes);
        Assert.Equal(["_print._sub._ipps._tcp"], services[1].Subtypes);
        Assert.All(services, s => Assert.Equal(8631, s.Port));
        Assert.All(services, s => Assert.Equal("office @ spool", s.Name));
        Assert.Equal(services[0].Txt, services[1].Txt);
    }

    [Fact]
    public void Without_tls_only_ipp_is_advertised_and_no_tls_key()
    {
        var services = IppDnsSd.Services("office", "office @ spool", Node with { TlsOffered = false });

        var only = Assert.Single(services);
        Assert.Equal("_ipp._tcp", only.Type);
        Assert.DoesNotContain(only.Txt, e => e.StartsWith("TLS=", StringComparison.Ordinal));
    }

    [Fact]
    public void When_every_request_must_log_in_air_asks_for_username_and_password()
    {
        Assert.Equal("username,password", Txt(IppDnsSd.TxtRecord("office", Node with { LoginRequired = true }))["air"]);
    }

    [Fact]
    public void Service_names_are_queue_at_host_and_fit_a_dns_label()
    {
        Assert.Equal("office @ spool1", IppDnsSd.ServiceName("office", "spool1"));

        var longName = IppDnsSd.ServiceName(new string('q', 80), "spool1");
        Assert.Equal(IppDnsSd.MaxNameBytes, Encoding.UTF8.GetByteCount(longName));
        Assert.EndsWith(" @ spool1", longName);

        // Never cut inside a multi-byte character.
        var umlauts = IppDnsSd.ServiceName(new string('ü', 40), "spool1");
        Assert.True(Encoding.UTF8.GetByteCount(umlauts) <= IppDnsSd.MaxNameBytes);
        Assert.DoesNotContain('\uFFFD', umlauts);
        Assert.EndsWith(" @ spool1", umlauts);
    }

    [Theory]
    [InlineData("spool1.corp.example", "vm", "spool1")]
    [InlineData("spool1", "vm", "spool1")]
    [InlineData("127.0.0.1", "vm", "vm")]
    [InlineData("::1", "printhost", "printhost")]
    public void The_host_part_is_the_node_hostname_or_avahis_host_name_for_an_address(string hostname, string avahiHost, string expected)
    {
        Assert.Equal(expected, IppDnsSd.HostLabel(hostname, avahiHost));
    }
}
