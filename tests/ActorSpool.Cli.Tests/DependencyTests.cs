using System.Reflection;
using ActorSpool.Cli.Spoolctl;

namespace ActorSpool.Cli.Tests;

/// <summary>spoolctl is a small tool: it talks to a node over the command host's JSON lines and IPP, and loads no Akka.</summary>
public sealed class DependencyTests
{
    [Fact]
    public void Spoolctl_loads_neither_Akka_nor_the_spoolers_domain_and_actors()
    {
        var loaded = Closure(typeof(SpoolctlProgram).Assembly);

        Assert.Contains("ActorSpool.Contracts", loaded);
        Assert.Contains("ActorSpool.Protocols", loaded);
        Assert.DoesNotContain(loaded, name => name.StartsWith("Akka", StringComparison.Ordinal));
        Assert.DoesNotContain("ActorSpool.Domain", loaded);
        Assert.DoesNotContain("ActorSpool.Actors", loaded);
    }

    /// <summary>The names of every assembly <paramref name="root"/> references, directly or through others.</summary>
    private static HashSet<string> Closure(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>(root.GetReferencedAssemblies());
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name.Name!)) continue;
            Assembly assembly;
            try
            {
                assembly = Assembly.Load(name);
            }
            catch (FileNotFoundException)
            {
                continue; // Not deployed with the tool, so it cannot load it either.
            }
            foreach (var reference in assembly.GetReferencedAssemblies()) pending.Push(reference);
        }
        return seen;
    }
}
