using ActorSpool.Domain.Jobs;
using Akka.Configuration;

namespace ActorSpool.Domain.Tests.Jobs;

public sealed class DepartmentsTests
{
    private static Departments Read(string hocon) => Departments.FromConfig(ConfigurationFactory.ParseString(hocon));

    private static readonly Departments AB = Read("""
        actorspool.departments {
          a { priority = 90, users = [alice, bob] }
          b { priority = 20, users = ["carol"] }
        }
        """);

    [Fact]
    public void A_client_priority_wins_over_the_department()
    {
        Assert.Equal(10, AB.PriorityFor(10, "alice"));
        Assert.Equal(100, AB.PriorityFor(100, "carol"));
    }

    [Fact]
    public void Without_a_client_priority_the_owner_gets_the_department_priority()
    {
        Assert.Equal(90, AB.PriorityFor(null, "alice"));
        Assert.Equal(90, AB.PriorityFor(null, "bob"));
        Assert.Equal(20, AB.PriorityFor(null, "carol"));
        Assert.Equal("a", AB.Of("bob")?.Name);
    }

    [Fact]
    public void An_owner_in_no_department_is_left_to_the_queue_default()
    {
        Assert.Null(AB.PriorityFor(null, "dave"));
        // User names match exactly, as logins do.
        Assert.Null(AB.PriorityFor(null, "Alice"));
        Assert.Null(Departments.None.PriorityFor(null, "alice"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("actorspool.departments {}")]
    [InlineData("actorspool.spool.workers = 2")]
    public void No_departments_block_or_an_empty_one_means_none(string hocon)
    {
        var none = Read(hocon);
        Assert.Empty(none.All);
        Assert.Null(none.PriorityFor(null, "alice"));
    }

    [Theory]
    [InlineData("a { users = [alice] }", "actorspool.departments.a.priority is missing")]
    [InlineData("a { priority = 0, users = [alice] }", "actorspool.departments.a.priority must be a whole number in 1..100, not '0'")]
    [InlineData("a { priority = 101, users = [alice] }", "not '101'")]
    [InlineData("a { priority = high, users = [alice] }", "not 'high'")]
    [InlineData("a { priority = 90, users = alice }", "actorspool.departments.a.users must be a list of user names")]
    [InlineData("a { priority = 90, groups = [staff] }", "actorspool.departments.a.groups: the spooler has no groups")]
    [InlineData("a { priority = 90, user = [alice] }", "actorspool.departments.a.user: unknown key")]
    [InlineData("a = 90", "actorspool.departments.a must be an object")]
    [InlineData("a { priority = 90, users = [alice] }\nb { priority = 50, users = [bob, alice] }", "alice is already in department a")]
    public void A_bad_block_is_refused_with_the_key_and_the_problem(string departments, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read($"actorspool.departments {{\n{departments}\n}}"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("""
            actorspool.departments {
              a { users = [alice] }
              b { priority = 500 }
            }
            """));
        Assert.Contains("departments.a.priority", error.Message, StringComparison.Ordinal);
        Assert.Contains("departments.b.priority", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_listed_twice_in_one_department_is_fine()
    {
        var departments = Read("actorspool.departments { a { priority = 70, users = [alice, alice] } }");
        Assert.Equal(70, departments.PriorityFor(null, "alice"));
    }
}
