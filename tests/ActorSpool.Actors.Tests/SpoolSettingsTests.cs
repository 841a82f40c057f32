using ActorSpool.TestSupport;
using Akka.Configuration;

namespace ActorSpool.Actors.Tests;

public sealed class SpoolSettingsTests
{
    [Fact]
    public void The_shipped_config_gives_create_job_five_minutes_and_the_local_zone()
    {
        var settings = SpoolSettings.FromConfig(ConfigurationFactory.ParseString(File.ReadAllText(RepoPaths.Config("actorspool.conf"))));

        Assert.Equal(TimeSpan.FromSeconds(300), settings.MultipleOperationTimeout);
        Assert.Equal(TimeZoneInfo.Local, settings.HoldTimeZone);
    }

    [Fact]
    public void The_time_out_and_the_hold_zone_are_read_from_actorspool_spool()
    {
        var settings = SpoolSettings.FromConfig(ConfigurationFactory.ParseString(
            "actorspool.spool { multiple-operation-time-out = 90s, hold-time-zone = \"Europe/Berlin\" }"));

        Assert.Equal(TimeSpan.FromSeconds(90), settings.MultipleOperationTimeout);
        Assert.Equal("Europe/Berlin", settings.HoldTimeZone.Id);
    }

    [Fact]
    public void Housekeeping_runs_hourly_and_trims_journals_as_shipped_and_reads_its_keys()
    {
        var shipped = SpoolSettings.FromConfig(ConfigurationFactory.ParseString(File.ReadAllText(RepoPaths.Config("actorspool.conf"))));
        var set = SpoolSettings.FromConfig(ConfigurationFactory.ParseString(
            "actorspool.spool { orphan-sweep-interval = 0s, orphan-min-age = 2h, trim-journal = off, retention-interval = 5s }"));

        Assert.Equal((TimeSpan.FromHours(1), TimeSpan.FromHours(1), true, TimeSpan.FromSeconds(30)),
            (shipped.OrphanSweepInterval, shipped.OrphanMinAge, shipped.TrimJournal, shipped.RetentionInterval));
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromHours(2), false, TimeSpan.FromSeconds(5)),
            (set.OrphanSweepInterval, set.OrphanMinAge, set.TrimJournal, set.RetentionInterval));
    }

    [Fact]
    public void An_unknown_hold_zone_is_a_configuration_error_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => SpoolSettings.FromConfig(
            ConfigurationFactory.ParseString("actorspool.spool.hold-time-zone = \"Mars/Olympus_Mons\"")));

        Assert.Contains("actorspool.spool.hold-time-zone", error.Message);
        Assert.Contains("Mars/Olympus_Mons", error.Message);
    }
}
