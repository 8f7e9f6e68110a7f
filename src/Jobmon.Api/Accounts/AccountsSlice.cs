using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;

namespace Jobmon.Accounts;

public static class AccountsSlice
{
    public static StoreOptions ConfigureAccounts(this StoreOptions opts)
    {
        opts.Projections.Snapshot<UserAccount>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<ApiKey>(SnapshotLifecycle.Inline);
        opts.Schema.For<UserAccount>().Duplicate(x => x.Username)
            .UniqueIndex(UniqueIndexType.DuplicatedField, "mt_doc_useraccount_uidx_username", x => x.Username);
        opts.Schema.For<JwtSecretDocument>().Identity(x => x.Id);
        opts.Schema.For<UserSession>().Duplicate(x => x.AccountId);
        // Every document type is registered, so start-up creates all tables: no request races to create one later.
        opts.Schema.For<ApiKeyUsage>();
        SignInSetup.ConfigureMarten(opts); // access requests, Data Protection keys
        return opts;
    }
}
