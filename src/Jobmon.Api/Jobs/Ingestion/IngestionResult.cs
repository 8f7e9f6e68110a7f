using System.Diagnostics;
using FluentValidation;
using Jobmon.Infrastructure;
using Jobmon.Jobs.Writing;
using Microsoft.AspNetCore.Mvc;

namespace Jobmon.Jobs.Ingestion;

/// <param name="Stored">False when the request repeated what was already known (nothing new was stored).</param>
public sealed record IngestionResult(Guid JobId, string Outcome, bool Stored);
