using System.Globalization;
using System.Linq.Expressions;
using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Marten;
using Marten.Linq.MatchesSql;

namespace Jobmon.Jobs.Querying;

/// <param name="Total">Jobs matching the filters, counted up to <see cref="JobListQuery.TotalCountLimit"/>.</param>
/// <param name="TotalIsLowerBound">True when more jobs match than <see cref="JobListQuery.TotalCountLimit"/>:
/// Total is then that limit, and the UI shows "10,000+".</param>
public sealed record JobListPage(
    long Total, int Page, int PageSize, IReadOnlyList<JobListItem> Items, bool TotalIsLowerBound);
