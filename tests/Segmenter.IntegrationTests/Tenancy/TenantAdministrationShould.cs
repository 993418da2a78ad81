using FluentValidation;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core;
using Segmenter.Core.Identity;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Api;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Tenancy;

[Collection(HangfireTests.Name)]
public sealed class TenantAdministrationShould(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Add_an_existing_account_with_its_own_password_once_and_keep_one_admin()
    {
        var ct = TestContext.Current.CancellationToken;
        var (first, _, _) = await host.ProvisionAsync();
        var (second, _, _) = await host.ProvisionAsync();
        var email = $"{Guid.NewGuid():N}@admin.test";

        var added = await InTenantAsync(first, admin => admin.AddMemberAsync(email, TenantRole.Admin, "First!password1", ct));
        await InTenantAsync(second, admin => admin.AddMemberAsync(email, TenantRole.Sender, "ignored, not a password", ct));
        await Assert.ThrowsAsync<ConflictException>(() => InTenantAsync(second, admin => admin.AddMemberAsync(email, TenantRole.Marketer, null, ct)));

        await using (var scope = host.Factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<SegmenterUser>>();
            Assert.True(await users.CheckPasswordAsync((await users.FindByEmailAsync(email))!, "First!password1"));
        }

        Assert.Equal([(email, TenantRole.Sender)], (await InTenantAsync(second, admin => admin.ListMembersAsync(ct))).Select(m => (m.Email, m.Role)));
        await Assert.ThrowsAsync<ConflictException>(() => InTenantAsync(first, admin => admin.ChangeRoleAsync(added.UserId, TenantRole.Marketer, ct)));
        await Assert.ThrowsAsync<ConflictException>(() => InTenantAsync(first, admin => admin.RemoveMemberAsync(added.UserId, ct)));
        await InTenantAsync(second, admin => admin.RemoveMemberAsync(added.UserId, ct));
        Assert.Empty(await InTenantAsync(second, admin => admin.ListMembersAsync(ct)));

        var invalid = await Assert.ThrowsAsync<ValidationException>(() => InTenantAsync(first, admin => admin.AddMemberAsync("not an email", "owner", null, ct)));
        Assert.Equal(["email", "role"], invalid.Errors.Select(e => e.PropertyName));
    }

    private async Task<T> InTenantAsync<T>(Guid tenantId, Func<TenantAdministration, Task<T>> work)
    {
        await using var scope = host.Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        return await work(scope.ServiceProvider.GetRequiredService<TenantAdministration>());
    }

    private async Task InTenantAsync(Guid tenantId, Func<TenantAdministration, Task> work) =>
        await InTenantAsync(tenantId, async admin =>
        {
            await work(admin);
            return true;
        });
}
