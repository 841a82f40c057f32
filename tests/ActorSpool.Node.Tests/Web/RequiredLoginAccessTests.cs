using static ActorSpool.Node.Tests.Web.ApiTestNode;

namespace ActorSpool.Node.Tests.Web;

/// <summary>A node with <c>actorspool.security.require-authentication = on</c>.</summary>
public sealed class RequiredLoginNode : ApiTestNode
{
    protected override string Hocon => "actorspool.security { allow-basic-without-tls = on, require-authentication = on }";
}

/// <summary>With require-authentication on, anonymous reads and submissions are 401 and logged-in ones work.</summary>
public sealed class RequiredLoginAccessTests(RequiredLoginNode fixture) : IClassFixture<RequiredLoginNode>
{
    [Theory]
    [InlineData("/api/v1/queues")]
    [InlineData("/api/v1/printers")]
    [InlineData("/api/v1/jobs")]
    [InlineData("/api/v1/cluster")]
    [InlineData("/api/v1/balancer")]
    public async Task Anonymous_reads_are_401_and_logged_in_reads_work(string path)
    {
        using var anonymous = fixture.Client();
        using var refused = await anonymous.GetAsync(path);
        await AssertProblemAsync(refused, 401);
        Assert.Equal("Basic", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);

        using var alice = fixture.Client("alice");
        using var allowed = await alice.GetAsync(path);
        Assert.True(allowed.IsSuccessStatusCode, await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Anonymous_submissions_are_401()
    {
        using var anonymous = fixture.Client();
        using var refused = await anonymous.PostAsync("/api/v1/queues/office/jobs?requestingUserName=carol", new ByteArrayContent("x"u8.ToArray()));
        await AssertProblemAsync(refused, 401);
    }
}
