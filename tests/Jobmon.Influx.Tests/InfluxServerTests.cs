using System.Diagnostics;
using Jobmon.Testing;

namespace Jobmon.Influx.Tests;

public class InfluxServerTests
{
    [Fact]
    public async Task Missing_binary_explains_how_to_install_it()
    {
        var server = new InfluxServer("/nonexistent/influxd");
        var ex = await Should.ThrowAsync<InvalidOperationException>(() => server.InitializeAsync());
        ex.Message.ShouldContain("install the Debian package influxdb (apt-get install -y influxdb)");
        ex.Message.ShouldContain(InfluxServer.UrlVariable);
    }

    [Fact]
    public async Task Private_server_is_killed_and_its_folder_deleted_on_dispose()
    {
        var server = new InfluxServer(InfluxServer.DefaultBinary);
        await server.InitializeAsync();
        var pid = server.ProcessId.ShouldNotBeNull();
        var folder = server.DataFolder.ShouldNotBeNull();
        Directory.Exists(Path.Combine(folder, "meta")).ShouldBeTrue();
        File.ReadAllText(Path.Combine(folder, "influxdb.conf")).ShouldContain("bind-address = \"127.0.0.1:");
        server.Database.ShouldStartWith("jobmon_test_");
        (await server.QueryAsync("SHOW DATABASES")).ShouldContain(server.Database);

        using var process = Process.GetProcessById(pid);
        await server.DisposeAsync();
        process.WaitForExit(5000).ShouldBeTrue();
        Directory.Exists(folder).ShouldBeFalse();
        server.ProcessId.ShouldBeNull();
    }
}
