using Bifrost.Testing;
using Npgsql;

namespace Bifrost.Messaging.FunctionalTests;

/// <summary>The Npgsql settings every service's DbContext gets (<see cref="DatabaseExtensions.WithPoolSettings"/>), on real PostgreSQL.</summary>
public sealed class PoolSettingsTests
{
    [Fact]
    public async Task Repeated_statements_are_prepared_once_and_a_pooled_connection_is_not_reset()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        var settings = new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolSettings(database.ConnectionString)) { MaxPoolSize = 1 };
        Assert.Equal(64, settings.MaxAutoPrepare);
        Assert.True(settings.NoResetOnClose);

        await using var source = NpgsqlDataSource.Create(settings.ConnectionString);
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            for (var i = 0; i < 3; i++)
            {
                await using var select = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relname = $1", connection) { Parameters = { new() { Value = "pg_type" } } };
                Assert.Equal(1L, await select.ExecuteScalarAsync(ct));
            }

            await using var set = new NpgsqlCommand("SET application_name = 'pool-settings-test'", connection);
            await set.ExecuteNonQueryAsync(ct);
        }

        // The same physical connection (a pool of one): its prepared statement and its session are as they were left.
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%relname = $1%'", connection);
            Assert.Equal(1L, await prepared.ExecuteScalarAsync(ct));
            await using var name = new NpgsqlCommand("SHOW application_name", connection);
            Assert.Equal("pool-settings-test", await name.ExecuteScalarAsync(ct));
        }
    }

    [Fact]
    public void Settings_the_connection_string_gives_are_kept()
    {
        var given = "Host=localhost;Database=x;Max Auto Prepare=5;No Reset On Close=false";
        var settings = new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolSettings(given));
        Assert.Equal(5, settings.MaxAutoPrepare);
        Assert.False(settings.NoResetOnClose);
        Assert.Null(DatabaseExtensions.WithPoolSettings(null));
    }

    [Fact]
    public void The_configured_pool_size_applies_unless_the_connection_string_sets_one()
    {
        Assert.Equal(8, new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolSettings("Host=localhost;Database=x", 8)).MaxPoolSize);
        Assert.Equal(100, new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolSettings("Host=localhost;Database=x")).MaxPoolSize);
        Assert.Equal(100, new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolSettings("Host=localhost;Database=x", 0)).MaxPoolSize);
        Assert.Equal(20, new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolSettings("Host=localhost;Database=x;Maximum Pool Size=20", 8)).MaxPoolSize);
        Assert.Equal(30, new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithPoolSettings("Host=localhost;Database=x;MaxPoolSize=30", 8)).MaxPoolSize);
    }
}
