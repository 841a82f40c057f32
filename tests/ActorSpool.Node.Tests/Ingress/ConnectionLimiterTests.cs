using System.Net;
using ActorSpool.Node.Ingress;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>A listener's connection count, in total and per client address: one client fills its share, not the listener.</summary>
public sealed class ConnectionLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1"), B = IPAddress.Parse("10.0.0.2"), C = IPAddress.Parse("10.0.0.3");

    [Fact]
    public void One_address_gets_its_share_and_others_still_get_in_up_to_the_total()
    {
        var limiter = new ConnectionLimiter(maxConnections: 5, maxPerAddress: 3);
        var leases = Enumerable.Range(0, 3).Select(_ => limiter.TryAdmit(A, out string _)).ToList();
        Assert.All(leases, Assert.NotNull);

        Assert.Null(limiter.TryAdmit(A, out var refusal));
        Assert.Contains("from 10.0.0.1", refusal);

        Assert.NotNull(limiter.TryAdmit(B, out _));
        Assert.NotNull(limiter.TryAdmit(B, out _));
        Assert.Null(limiter.TryAdmit(C, out refusal)); // the total
        Assert.Contains("5 connections are open", refusal);

        leases[0]!.Dispose();
        leases[0]!.Dispose(); // twice frees one place only
        Assert.Equal(4, limiter.Count);
        Assert.NotNull(limiter.TryAdmit(A, out _));
        Assert.Null(limiter.TryAdmit(A, out _));
    }

    [Fact]
    public void An_ipv4_client_of_a_dual_stack_listener_counts_under_its_ipv4_address()
    {
        var limiter = new ConnectionLimiter(maxConnections: 10, maxPerAddress: 1);
        Assert.NotNull(limiter.TryAdmit(A, out _));
        Assert.Null(limiter.TryAdmit(A.MapToIPv6(), out _));
    }
}
