namespace Jobmon.Nodes;

/// <summary>The Nodes slice's endpoints: the scheduler's node states and the node page.</summary>
public static class NodesSlice
{
    public static IEndpointRouteBuilder MapNodes(this IEndpointRouteBuilder app)
    {
        app.MapNodeStates();
        app.MapNodePage();
        return app;
    }
}
