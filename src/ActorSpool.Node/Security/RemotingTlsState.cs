using System.Security.Cryptography.X509Certificates;

namespace ActorSpool.Node.Security;

/// <summary>What <see cref="RemotingSecurity.Resolve"/> decided, for the start-up log.</summary>
public sealed record RemotingTlsState(X509Certificate2? ClusterCertificate, string? Warning);
