using System.Diagnostics;
using ActorSpool.Node.Security;
using ActorSpool.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorSpool.Node.Tests.Security;

/// <summary>The users file is what Apache's htpasswd writes with -B (bcrypt); the real binary writes it here.</summary>
public sealed class UsersFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string FilePath => Path.Combine(_dir.Path, "users");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_bcrypt_file_written_by_htpasswd_verifies_each_users_password()
    {
        Htpasswd.Add(FilePath, "alice", "correct horse", "-B", "-C", "5");
        Htpasswd.Add(FilePath, "bob", "s3cret:with colon", "-B", "-C", "5");

        var users = UsersFile.Load(FilePath, NullLogger.Instance);

        Assert.Equal(2, users.Count);
        Assert.True(users.Verify("alice", "correct horse"));
        Assert.True(users.Verify("bob", "s3cret:with colon"));
        Assert.False(users.Verify("alice", "s3cret:with colon"));
        Assert.False(users.Verify("alice", ""));
        Assert.False(users.Verify("mallory", "correct horse"));
    }

    [Fact]
    public void Entries_hashed_with_anything_but_bcrypt_are_refused_naming_the_line()
    {
        Htpasswd.Add(FilePath, "alice", "pw", "-B", "-C", "5");
        Htpasswd.Add(FilePath, "carol", "pw", "-m");

        var error = Assert.Throws<FormatException>(() => UsersFile.Load(FilePath, NullLogger.Instance));

        Assert.Contains(":2:", error.Message);
        Assert.Contains("carol", error.Message);
        Assert.Contains("bcrypt", error.Message);
        Assert.DoesNotContain("$apr1$", error.Message);
    }

    [Fact]
    public void A_user_added_while_running_can_log_in_and_a_broken_edit_keeps_the_users_before()
    {
        Htpasswd.Add(FilePath, "alice", "first", "-B", "-C", "5");
        var users = UsersFile.Load(FilePath, NullLogger.Instance);
        Assert.False(users.Verify("dave", "pw"));

        Htpasswd.Add(FilePath, "dave", "pw", "-B", "-C", "5");
        File.SetLastWriteTimeUtc(FilePath, DateTime.UtcNow.AddSeconds(5)); // a change within the file system's timestamp resolution
        Assert.True(users.Verify("dave", "pw"));

        File.WriteAllText(FilePath, "this is not htpasswd\n");
        Assert.True(users.Verify("alice", "first"));
        Assert.True(users.Verify("dave", "pw"));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=")]
    [InlineData("alice:$2y$05$tooshort")]
    public void Malformed_lines_are_errors(string line)
    {
        Assert.Throws<FormatException>(() => UsersFile.Parse(line + "\n", "users"));
    }

    [Fact]
    public void Comments_and_blank_lines_are_skipped_and_a_name_twice_is_an_error()
    {
        Htpasswd.Add(FilePath, "alice", "pw", "-B", "-C", "5");
        var entry = File.ReadAllText(FilePath).Trim();

        Assert.Single(UsersFile.Parse($"# the print admins\n\n{entry}\n", "users"));
        Assert.Throws<FormatException>(() => UsersFile.Parse($"{entry}\n{entry}\n", "users"));
    }
}
