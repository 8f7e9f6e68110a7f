using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Jobmon.Compat;

/// <summary>Writes an <see cref="OriginalConfig"/> in the original's key spelling and layout (like its
/// Flush).</summary>
internal static class OriginalConfigWriter
{
    public static string Write(OriginalConfig c, bool indented)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions
               {
                   Indented = indented,
                   // Keep "|>", "°C" and quotes in Flux fragments readable; the output is a file or an admin API body.
                   Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
               }))
        {
            w.WriteStartObject();
            w.WriteString("json_web_token_life_time", GoDuration.Format(c.JsonWebTokenLifeTime));
            // Keys of later versions only when they matter, so the output still loads in the 2023 original.
            if (c.JsonWebTokenExtendedLifeTime != OriginalConfig.DefaultJsonWebTokenExtendedLifeTime)
                w.WriteString("json_web_token_extended_life_time", GoDuration.Format(c.JsonWebTokenExtendedLifeTime));
            w.WriteString("api_token_life_time", GoDuration.Format(c.ApiTokenLifeTime));
            w.WriteBoolean("auto_assign_user_role", c.AutoAssignUserRole);
            w.WriteString("DBHost", c.DBHost);
            w.WriteString("DBToken", c.DBToken);
            w.WriteString("DBOrg", c.DBOrg);
            w.WriteString("DBBucket", c.DBBucket);
            w.WriteString("FrontendURL", c.FrontendURL);

            w.WriteStartObject("JobStore");
            w.WriteString("Type", c.JobStore.Type);
            w.WriteString("PSQLHost", c.JobStore.PSQLHost);
            w.WriteString("PSQLUsername", c.JobStore.PSQLUsername);
            w.WriteString("PSQLPassword", c.JobStore.PSQLPassword);
            w.WriteString("PSQLDB", c.JobStore.PSQLDB);
            w.WriteEndObject();

            w.WriteStartObject("OAuth");
            w.WriteString("ClientID", c.OAuth.ClientID);
            w.WriteString("Secret", c.OAuth.Secret);
            w.WriteString("AuthURL", c.OAuth.AuthURL);
            w.WriteString("TokenURL", c.OAuth.TokenURL);
            w.WriteString("RedirectURL", c.OAuth.RedirectURL);
            w.WriteString("UserInfoURL", c.OAuth.UserInfoURL);
            w.WriteString("AfterLoginRedirectUrl", c.OAuth.AfterLoginRedirectUrl);
            w.WriteEndObject();

            w.WriteStartArray("Metrics");
            foreach (var m in c.Metrics)
            {
                w.WriteStartObject();
                w.WriteString("GUID", m.GUID);
                w.WriteString("Type", m.Type);
                Strings(w, "Categories", m.Categories);
                w.WriteString("Measurement", m.Measurement);
                w.WriteString("AggFn", m.AggFn);
                Strings(w, "AvailableAggFns", m.AvailableAggFns);
                w.WriteString("SampleInterval", m.SampleInterval is { } si ? GoDuration.Format(si) : "");
                w.WriteString("Unit", m.Unit);
                w.WriteString("DisplayName", m.DisplayName);
                w.WriteString("FilterFunc", m.FilterFunc);
                w.WriteString("PostQueryOp", m.PostQueryOp);
                w.WriteString("SeparationKey", m.SeparationKey);
                w.WriteNumber("MaxPerNode", m.MaxPerNode);
                w.WriteNumber("MaxPerType", m.MaxPerType);
                w.WriteString("PThreadAggFn", m.PThreadAggFn);
                if (m.SubMeasurements.Count > 0) Strings(w, "SubMeasurements", m.SubMeasurements);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteNumber("CacheSize", c.CacheSize);
            w.WriteBoolean("Prefetch", c.Prefetch);
            w.WriteString("SampleInterval", GoDuration.Format(c.SampleInterval));
            Strings(w, "MetricQuantiles", c.MetricQuantiles);
            w.WriteString("JWTSecret", c.JWTSecret);

            w.WriteStartObject("LocalUsers");
            foreach (var (name, u) in c.LocalUsers)
            {
                w.WriteStartObject(name);
                w.WriteString("BCryptHash", u.BCryptHash);
                w.WriteString("Role", u.Role);
                w.WriteEndObject();
            }
            w.WriteEndObject();

            w.WriteStartObject("Partitions");
            foreach (var (name, p) in c.Partitions)
            {
                w.WriteStartObject(name);
                w.WriteNumber("MaxTime", p.MaxTime);
                Strings(w, "Metrics", p.Metrics);
                w.WriteStartObject("VirtualPartitions");
                foreach (var (vname, v) in p.VirtualPartitions)
                {
                    w.WriteStartObject(vname);
                    w.WriteNumber("MaxTime", v.MaxTime);
                    Strings(w, "Metrics", v.Metrics);
                    Strings(w, "Nodes", v.Nodes);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();

            Strings(w, "MetricCategories", c.MetricCategories);
            Strings(w, "RadarChartMetrics", c.RadarChartMetrics);

            w.WriteStartObject("EmailNotification");
            w.WriteString("SenderAddress", c.EmailNotification.SenderAddress);
            w.WriteString("SenderPassword", c.EmailNotification.SenderPassword);
            w.WriteString("ReceiverAddress", c.EmailNotification.ReceiverAddress);
            w.WriteString("SmtpHost", c.EmailNotification.SmtpHost);
            w.WriteNumber("SmtpPort", c.EmailNotification.SmtpPort);
            w.WriteEndObject();

            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
