namespace Jobmon.Jobs;

public enum TagVisibility { Private, Public }
