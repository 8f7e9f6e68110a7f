using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Jobmon.Infrastructure;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Jobmon.Operations.DeadLetters;

public sealed record DeadLetterPage(int Page, int PageSize, int Total, IReadOnlyList<DeadLetter> Items);
