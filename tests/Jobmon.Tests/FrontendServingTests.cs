using System.IO.Compression;
using System.Net;
using System.Text;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>The built UI as the backend serves it under ops/run: compressed for browsers that accept it, hashed assets
/// cached for a year, the entry page revalidated. Through the real HTTP pipeline with a real dist folder.</summary>
public sealed class FrontendServingTests : IAsyncLifetime
{
    private readonly string _dist = Path.Combine(Path.GetTempPath(), "jobmon-dist-" + Guid.NewGuid().ToString("N"));
    private JobmonApp _app = null!;
    private byte[] _script = [];
    private byte[] _styles = [];
    private byte[] _index = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_dist, "assets"));
        // Repetitive text like a minified bundle: compresses well, so a compressed answer is visibly smaller.
        _script = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"const v{i}=fn({i});")));
        _styles = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 500).Select(i => $".c{i}{{margin:{i}px}}")));
        _index = Encoding.UTF8.GetBytes("<!doctype html><html><head><title>Jobmon</title></head><body>"
            + "<div id=\"root\"></div><script type=\"module\" src=\"/assets/index-Ab12Cd34.js\"></script>"
            + new string(' ', 2000) + "</body></html>");
        await File.WriteAllBytesAsync(Path.Combine(_dist, "assets", "index-Ab12Cd34.js"), _script);
        await File.WriteAllBytesAsync(Path.Combine(_dist, "assets", "index-Ef56Gh78.css"), _styles);
        await File.WriteAllBytesAsync(Path.Combine(_dist, "index.html"), _index);
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?> { ["JOBMON_FRONTEND"] = _dist });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dist, recursive: true);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? acceptEncoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        return await _app.Client().SendAsync(request);
    }

    private static async Task<byte[]> DecompressedAsync(HttpResponseMessage response, string encoding)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        await using Stream decoder = encoding == "br"
            ? new BrotliStream(body, CompressionMode.Decompress)
            : new GZipStream(body, CompressionMode.Decompress);
        using var copy = new MemoryStream();
        await decoder.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_hashed_script_is_brotli_compressed_and_cached_for_a_year()
    {
        var response = await GetAsync("/assets/index-Ab12Cd34.js", "gzip, deflate, br");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentEncoding.ShouldBe(["br"]);
        response.Headers.CacheControl!.ToString().ShouldBe("public, max-age=31536000, immutable");
        response.Headers.Vary.ShouldContain("Accept-Encoding");
        var compressed = await response.Content.ReadAsByteArrayAsync();
        compressed.Length.ShouldBeLessThan(_script.Length / 4);
        var again = await GetAsync("/assets/index-Ab12Cd34.js", "br");
        (await DecompressedAsync(again, "br")).ShouldBe(_script);
    }

    [Fact]
    public async Task Styles_are_gzip_compressed_for_a_client_without_brotli()
    {
        var response = await GetAsync("/assets/index-Ef56Gh78.css", "gzip");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentEncoding.ShouldBe(["gzip"]);
        response.Headers.CacheControl!.ToString().ShouldBe("public, max-age=31536000, immutable");
        (await DecompressedAsync(response, "gzip")).ShouldBe(_styles);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/jobs/123")] // a client-side route: the fallback serves index.html
    public async Task The_entry_page_is_revalidated_and_compressed(string path)
    {
        var response = await GetAsync(path, "gzip");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoCache.ShouldBeTrue();
        response.Headers.CacheControl.MaxAge.ShouldBeNull();
        response.Content.Headers.ContentEncoding.ShouldBe(["gzip"]);
        (await DecompressedAsync(response, "gzip")).ShouldBe(_index);
    }

    [Fact]
    public async Task A_client_that_accepts_no_encoding_gets_the_file_as_it_is()
    {
        var response = await GetAsync("/assets/index-Ab12Cd34.js", null);
        response.Content.Headers.ContentEncoding.ShouldBeEmpty();
        (await response.Content.ReadAsByteArrayAsync()).ShouldBe(_script);
        response.Headers.CacheControl!.ToString().ShouldBe("public, max-age=31536000, immutable");
    }

    [Fact]
    public async Task Json_answers_are_compressed_too()
    {
        var response = await GetAsync("/api/ping", "br");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentEncoding.ShouldBe(["br"]);
        Encoding.UTF8.GetString(await DecompressedAsync(response, "br")).ShouldContain("\"status\":\"ok\"");
    }
}
